import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocketTransport } from '../lib/wire/transport-socket.ts';
import type { Transport, TransportRequest, TransportResponse } from '../lib/wire/transport.ts';

/**
 * A raw TCP server that answers each request with a scripted byte sequence, so
 * the tests control framing, packet boundaries and connection closes exactly.
 */
type Script = (socket: Socket, request: string) => void;
let server: Server;
let port: number;
let script: Script;
let connections = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    let pending = '';
    socket.on('data', (bytes) => {
      pending += bytes.toString('latin1');
      // One request per head+body: the tests send bodies with Content-Length.
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, headEnd))?.[1] ?? 0);
        if (pending.length < headEnd + 4 + length) return;
        const request = pending.slice(0, headEnd + 4 + length);
        pending = pending.slice(request.length);
        requests.push(request);
        script(socket, request);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const request = (path = '/v1/x', extra: Partial<TransportRequest> = {}): TransportRequest => ({
  url: `http://127.0.0.1:${port}${path}`,
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: '{"a":1}',
  ...extra,
});
const never = () => new AbortController().signal;

async function readAll(response: TransportResponse): Promise<string> {
  let text = '';
  await response.read((chunk) => (text += Buffer.from(chunk).toString('utf8')));
  return text;
}

function withTransport(maxSockets: number, body: (transport: Transport) => Promise<void>): Promise<void> {
  const transport = createSocketTransport({ maxSockets });
  return body(transport).finally(() => transport.close?.());
}

const OK_CHUNKED = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';

describe('the socket transport on the wire', () => {
  it('writes one HTTP/1.1 request: path and query, Host, keep-alive, Content-Length, body', async () => {
    script = (socket) => socket.write(OK_CHUNKED);
    await withTransport(1, async (transport) => {
      const response = await transport(request('/v1/chat?x=1%202'), never());
      expect(await readAll(response)).toBe('hello');
    });
    const sent = requests.at(-1)!;
    expect(sent.startsWith('POST /v1/chat?x=1%202 HTTP/1.1\r\n')).toBe(true);
    expect(sent).toContain(`\r\nHost: 127.0.0.1:${port}\r\n`);
    expect(sent).toContain('\r\nConnection: keep-alive\r\n');
    expect(sent).toContain('\r\nContent-Length: 7\r\n');
    expect(sent.endsWith('\r\n\r\n{"a":1}')).toBe(true);
  });

  it('counts the body in bytes, not characters', async () => {
    script = (socket) => socket.write(OK_CHUNKED);
    await withTransport(1, async (transport) => {
      await readAll(await transport(request('/', { body: '{"q":"你好"}' }), never()));
    });
    expect(requests.at(-1)).toContain('\r\nContent-Length: 14\r\n');
  });

  it('delivers body bytes that came in the same packet as the head, and skips a 100 Continue', async () => {
    script = (socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world');
    await withTransport(1, async (transport) => {
      const response = await transport(request(), never());
      // Let the whole packet be parsed before read() is called.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(response.status).toBe(200);
      expect(await readAll(response)).toBe('hello world');
    });
  });

  it('reuses the connection, and opens a new one when the server closed the idle one', async () => {
    let count = 0;
    script = (socket) => {
      count++;
      socket.write(OK_CHUNKED);
      // After the second response the server drops the (idle) connection.
      if (count === 2) setTimeout(() => socket.end(), 5);
    };
    const before = connections;
    await withTransport(1, async (transport) => {
      for (let i = 0; i < 2; i++) expect(await readAll(await transport(request(), never()))).toBe('hello');
      expect(connections - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await readAll(await transport(request(), never()))).toBe('hello');
      expect(connections - before).toBe(2);
    });
  });

  it('does not reuse a connection after Connection: close, or after a body read to the close', async () => {
    script = (socket, sent) => {
      if (sent.includes('/close')) socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    };
    const before = connections;
    await withTransport(1, async (transport) => {
      expect(await readAll(await transport(request('/close'), never()))).toBe('ok');
      expect(await readAll(await transport(request('/eof'), never()))).toBe('until the end');
      expect(await readAll(await transport(request('/close'), never()))).toBe('ok');
    });
    expect(connections - before).toBe(3);
  });

  it('queues requests beyond maxSockets until a connection is free', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 10);
    const before = connections;
    await withTransport(2, async (transport) => {
      const bodies = await Promise.all(Array.from({ length: 6 }, () => transport(request(), never()).then(readAll)));
      expect(bodies).toEqual(Array(6).fill('hello'));
    });
    expect(connections - before).toBe(2);
  });

  it('rejects a request aborted while it waits for a connection, and the queue goes on', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 30);
    await withTransport(1, async (transport) => {
      const first = transport(request(), never()).then(readAll);
      const controller = new AbortController();
      const second = transport(request(), controller.signal);
      controller.abort();
      await expect(second).rejects.toThrow(/abort/i);
      expect(await first).toBe('hello');
      expect(await readAll(await transport(request(), never()))).toBe('hello');
    });
  });

  it('rejects a malformed response with the parser error, and a body cut off by a close', async () => {
    script = (socket, sent) => {
      if (sent.includes('/garbage')) socket.write('SMTP ready\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
    };
    await withTransport(1, async (transport) => {
      await expect(transport(request('/garbage'), never())).rejects.toThrow(/malformed status line/);
      const response = await transport(request('/cut'), never());
      await expect(readAll(response)).rejects.toThrow(/ended before its end/);
    });
  });

  it('rejects a connection closed before any response as a hang-up (ECONNRESET)', async () => {
    script = (socket) => socket.destroy();
    await withTransport(1, async (transport) => {
      await expect(transport(request(), never())).rejects.toMatchObject({ code: 'ECONNRESET' });
    });
  });

  it('preconnect opens the pool before the first request, at most maxSockets, and the requests use it', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 5);
    const before = connections;
    await withTransport(3, async (transport) => {
      expect(await transport.preconnect!(request().url, 5)).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(connections - before).toBe(3);
      const bodies = await Promise.all(Array.from({ length: 3 }, () => transport(request(), never()).then(readAll)));
      expect(bodies).toEqual(['hello', 'hello', 'hello']);
      expect(connections - before).toBe(3);
    });
  });

  it('preconnect to a port where nothing listens opens nothing and does not throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await withTransport(4, async (transport) => {
      expect(await transport.preconnect!(`http://127.0.0.1:${deadPort}/`, 4)).toBe(0);
      await expect(transport({ ...request(), url: `http://127.0.0.1:${deadPort}/` }, never())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  it('refuses header values that would inject headers, as node:http does', async () => {
    await withTransport(1, async (transport) => {
      const bad = request('/', { headers: { 'X-A': 'v\r\nX-Injected: 1' } });
      await expect(transport(bad, never())).rejects.toThrow(/invalid character in header X-A/);
    });
  });
});

describe('the socket transport over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streambench-tls-'));
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'c.pem'));
    key = readFileSync(join(dir, 'k.pem'));
  } catch {
    // No openssl: the TLS case is skipped below, visibly.
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  it.skipIf(!cert)('speaks HTTPS with certificate checks on (SNI, a private CA trusted only when given)', async () => {
    const tlsServer = createHttpsServer({ cert, key }, (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${req.headers.host}\n\n`);
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(tlsServer.address() as AddressInfo).port}/v1/chat/completions`;
    const trusting = createSocketTransport({ maxSockets: 1, tls: { ca: cert } });
    const strict = createSocketTransport({ maxSockets: 1 });
    try {
      const response = await trusting({ ...request(), url }, never());
      expect(await readAll(response)).toMatch(/^data: localhost:\d+\n\n$/);
      await expect(strict({ ...request(), url }, never())).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      trusting.close?.();
      strict.close?.();
      tlsServer.closeAllConnections();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
