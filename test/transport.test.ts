import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../lib/wire/create-transport.ts';
import { fetchTransport } from '../lib/wire/transport-fetch.ts';
import type { Transport, TransportResponse } from '../lib/wire/transport.ts';

// A real loopback server: both transports go through the network stack, no mocks.
let server: Server;
let base: string;
const sockets = new Set<Socket>();
/** The client ports that carried a request: a test counts the connections its own requests used. */
const requestSockets = new Set<number>();
let lastBody = '';
let lastHeaders: Record<string, string | string[] | undefined> = {};
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      lastBody = Buffer.concat(parts).toString('utf8');
      lastHeaders = req.headers;
      requestSockets.add(req.socket.remotePort!);
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'X-Custom': 'yes' });
        res.write('one,');
        setTimeout(() => res.end('two'), 20);
      } else if (req.url === '/hang-headers') {
        held.push(res);
      } else if (req.url === '/hang-body') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('start');
        held.push(res);
      } else if (req.url === '/big') {
        res.writeHead(200);
        for (let i = 0; i < 50; i++) res.write('x'.repeat(1000));
        res.end();
      } else {
        res.writeHead(404, 'Not Here').end('missing');
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, body: string | undefined = '{"a":1}') => ({
  url: base + path,
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body,
});
const never = () => new AbortController().signal;

async function readAll(response: TransportResponse): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  await response.read((chunk) => (text += decoder.decode(chunk, { stream: true })));
  return text;
}

const TRANSPORTS: Array<[string, () => Transport]> = [
  ['undici', () => createTransport('undici', { connections: 4 })],
  ['fetch over the pool', () => createTransport('fetch', { connections: 4 })],
  ['fetch on its own', () => fetchTransport],
];

describe.each(TRANSPORTS)('the %s transport', (_name, make) => {
  const transport = make();
  afterAll(() => transport.close?.());

  it('sends the method, headers and body, and pushes the body in chunks', async () => {
    const response = await transport(post('/stream', '{"stream":true}'), never());
    expect(response.status).toBe(200);
    expect(response.header('x-custom')).toBe('yes');
    expect(response.header('Content-Type')).toBe('text/event-stream');
    expect(response.header('x-absent')).toBeNull();
    expect(await readAll(response)).toBe('one,two');
    expect(lastBody).toBe('{"stream":true}');
    expect(lastHeaders['content-type']).toBe('application/json');
    expect(lastHeaders['content-length']).toBe('15');
  });

  it('gives the status line of an error response and its body', async () => {
    const response = await transport(post('/nope'), never());
    expect(response.status).toBe(404);
    expect(response.statusText).toBe('Not Here');
    expect(await readAll(response)).toBe('missing');
  });

  it('rejects read with the error onChunk throws, and stops reading', async () => {
    const response = await transport(post('/big'), never());
    let calls = 0;
    const failure = new Error('enough');
    await expect(
      response.read(() => {
        calls++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('rejects when aborted before the response headers', async () => {
    const controller = new AbortController();
    const pending = transport(post('/hang-headers'), controller.signal);
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toThrow();
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(transport(post('/stream'), controller.signal)).rejects.toThrow();
  });

  it('rejects read when aborted mid-body', async () => {
    const controller = new AbortController();
    const response = await transport(post('/hang-body'), controller.signal);
    const chunks: number[] = [];
    const reading = response.read((chunk) => chunks.push(chunk.byteLength));
    setTimeout(() => controller.abort(), 30);
    await expect(reading).rejects.toThrow();
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('rejects a refused connection before any response', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(transport({ ...post('/'), url: `http://127.0.0.1:${port}/` }, never())).rejects.toThrow();
  });
});

describe.each(['undici', 'fetch'] as const)('createTransport(%s) pools connections', (name) => {
  it('reuses keep-alive connections, never more than `connections`', async () => {
    const transport = createTransport(name, { connections: 2 });
    requestSockets.clear();
    try {
      for (let round = 0; round < 3; round++) {
        const bodies = await Promise.all([1, 2, 3, 4].map(() => transport(post('/stream'), never()).then(readAll)));
        expect(bodies).toEqual(['one,two', 'one,two', 'one,two', 'one,two']);
      }
      expect(requestSockets.size).toBe(2);
    } finally {
      transport.close?.();
    }
  });

  it('does not add a second content-length when the caller set one', async () => {
    const transport = createTransport(name, { connections: 1 });
    try {
      const request = { ...post('/stream', 'abc'), headers: { 'Content-Length': '3' } };
      await readAll(await transport(request, never()));
      expect(lastHeaders['content-length']).toBe('3');
      expect(lastBody).toBe('abc');
    } finally {
      transport.close?.();
    }
  });

  it('asks for no compression unless the caller chose an Accept-Encoding', async () => {
    const transport = createTransport(name, { connections: 1 });
    try {
      await readAll(await transport(post('/stream'), never()));
      expect(lastHeaders['accept-encoding']).toBe('identity');
      await readAll(await transport({ ...post('/stream'), headers: { 'Accept-Encoding': 'gzip' } }, never()));
      expect(lastHeaders['accept-encoding']).toBe('gzip');
    } finally {
      transport.close?.();
    }
  });
});
