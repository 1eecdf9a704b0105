/**
 * The undici transport and its pool on the wire: a raw TCP server answers each
 * request with a scripted byte sequence, so the tests control framing, packet
 * boundaries and connection closes exactly. Then TLS, HTTP/2 and a proxy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../lib/wire/create-transport.ts';
import type { TransportOptions, Transport, TransportRequest, TransportResponse } from '../lib/wire/transport.ts';

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

function withTransport(options: TransportOptions, body: (transport: Transport) => Promise<void>): Promise<void> {
  const transport = createTransport('undici', options);
  return body(transport).finally(() => transport.close?.());
}

const OK_CHUNKED = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';

describe('the undici transport on the wire', () => {
  it('writes one HTTP/1.1 request: path and query, Host, Content-Length in bytes, Accept-Encoding: identity, body', async () => {
    script = (socket) => socket.write(OK_CHUNKED);
    await withTransport({ connections: 1 }, async (transport) => {
      const response = await transport(request('/v1/chat?x=1%202', { body: '{"q":"你好"}' }), never());
      expect(await readAll(response)).toBe('hello');
    });
    const sent = requests.at(-1)!;
    expect(sent.startsWith('POST /v1/chat?x=1%202 HTTP/1.1\r\n')).toBe(true);
    expect(sent).toMatch(new RegExp(`\\r\\nhost: 127\\.0\\.0\\.1:${port}\\r\\n`, 'i'));
    expect(sent).toMatch(/\r\ncontent-length: 14\r\n/i);
    expect(sent).toMatch(/\r\naccept-encoding: identity\r\n/i);
    expect(sent.endsWith('\r\n\r\n{"q":"你好"}'.replace('你好', Buffer.from('你好').toString('latin1')))).toBe(true);
  });

  it('delivers body bytes that came in the same packet as the head, and skips a 103 Early Hints', async () => {
    script = (socket) => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world');
    await withTransport({ connections: 1 }, async (transport) => {
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
    await withTransport({ connections: 1 }, async (transport) => {
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
    await withTransport({ connections: 1 }, async (transport) => {
      expect(await readAll(await transport(request('/close'), never()))).toBe('ok');
      expect(await readAll(await transport(request('/eof'), never()))).toBe('until the end');
      expect(await readAll(await transport(request('/close'), never()))).toBe('ok');
    });
    expect(connections - before).toBe(3);
  });

  it('queues requests beyond `connections` until a connection is free', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 10);
    const before = connections;
    await withTransport({ connections: 2 }, async (transport) => {
      const bodies = await Promise.all(Array.from({ length: 6 }, () => transport(request(), never()).then(readAll)));
      expect(bodies).toEqual(Array(6).fill('hello'));
    });
    expect(connections - before).toBe(2);
  });

  it('rejects a request aborted while it waits for a connection, and the queue goes on', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 30);
    const sentBefore = requests.length;
    await withTransport({ connections: 1 }, async (transport) => {
      const first = transport(request(), never()).then(readAll);
      const controller = new AbortController();
      const second = transport(request(), controller.signal);
      controller.abort();
      await expect(second).rejects.toThrow(/abort/i);
      expect(await first).toBe('hello');
      expect(await readAll(await transport(request(), never()))).toBe('hello');
    });
    // The aborted request never reached the server.
    expect(requests.length - sentBefore).toBe(2);
  });

  it('starts a request’s clock at the write on a reused connection, at the hand-off when it opened one', async () => {
    script = (socket) => socket.write(OK_CHUNKED);
    await withTransport({ connections: 1 }, async (transport) => {
      const handedFirst = performance.now();
      const first = await transport(request(), never());
      await readAll(first);
      // A new connection: TCP set-up belongs to the request, so no later clock start.
      expect(first.sentAt).toBeUndefined();
      const handedSecond = performance.now();
      const second = await transport(request(), never());
      await readAll(second);
      // Reused: undici checks an idle connection for an event-loop turn before writing; that turn is the client's.
      expect(second.sentAt).toBeGreaterThanOrEqual(handedSecond);
      expect(second.sentAt).toBeGreaterThan(handedFirst);
    });
  });

  it('gives a freed connection to the longest-waiting request, and never opens more than `connections`', async () => {
    const order: string[] = [];
    script = (socket, sent) => {
      order.push(/\/w(\d)/.exec(sent)![1]!);
      setTimeout(() => socket.write(OK_CHUNKED), 5);
    };
    const before = connections;
    await withTransport({ connections: 2 }, async (transport) => {
      const bodies = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => transport(request(`/w${i}`), never()).then(readAll)));
      expect(bodies).toEqual(Array(6).fill('hello'));
    });
    expect(connections - before).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual(['1', '2']);
    expect(order.slice(2)).toEqual(['3', '4', '5', '6']);
  });

  it('rejects a malformed response with llhttp’s verdict, and a body cut off by a close', async () => {
    script = (socket, sent) => {
      if (sent.includes('/garbage')) socket.write('SMTP ready\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
    };
    await withTransport({ connections: 1 }, async (transport) => {
      await expect(transport(request('/garbage'), never())).rejects.toMatchObject({ name: 'HTTPParserError' });
      const response = await transport(request('/cut'), never());
      await expect(readAll(response)).rejects.toThrow(/ended before its end/);
    });
  });

  it('rejects a connection closed before any response as a socket error', async () => {
    script = (socket) => socket.destroy();
    await withTransport({ connections: 1 }, async (transport) => {
      await expect(transport(request(), never())).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    });
  });

  it('refuses header values that would inject headers', async () => {
    await withTransport({ connections: 1 }, async (transport) => {
      const bad = request('/', { headers: { 'X-A': 'v\r\nX-Injected: 1' } });
      await expect(transport(bad, never())).rejects.toThrow(/invalid x-a header/i);
    });
  });

  it('hands over a compressed body as sent and names its coding', async () => {
    script = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc');
    await withTransport({ connections: 1 }, async (transport) => {
      const response = await transport(request(), never());
      expect(response.encoding).toBe('gzip');
      expect(await readAll(response)).toBe('abc');
    });
  });
});

describe('preconnect', () => {
  it('opens the pool before the first request, at most `connections`, and the requests use those sockets', async () => {
    script = (socket) => setTimeout(() => socket.write(OK_CHUNKED), 5);
    const before = connections;
    await withTransport({ connections: 3 }, async (transport) => {
      expect(await transport.preconnect!(request().url, 5)).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(connections - before).toBe(3);
      const bodies = await Promise.all(Array.from({ length: 3 }, () => transport(request(), never()).then(readAll)));
      expect(bodies).toEqual(['hello', 'hello', 'hello']);
      expect(connections - before).toBe(3);
    });
  });

  it('drops a preconnected socket the server closed, or wrote to, while it waited: the request gets a fresh one', async () => {
    const opened: Socket[] = [];
    const grab = (socket: Socket) => opened.push(socket);
    server.on('connection', grab);
    script = (socket) => socket.write(OK_CHUNKED);
    try {
      await withTransport({ connections: 2 }, async (transport) => {
        expect(await transport.preconnect!(request().url, 2)).toBe(2);
        await new Promise((resolve) => setTimeout(resolve, 10));
        opened[0]!.end();
        opened[1]!.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale');
        await new Promise((resolve) => setTimeout(resolve, 20));
        const before = connections;
        const bodies = await Promise.all([1, 2].map(() => transport(request(), never()).then(readAll)));
        expect(bodies).toEqual(['hello', 'hello']);
        expect(connections - before).toBe(2);
      });
    } finally {
      server.off('connection', grab);
    }
  });

  it('a refused connection frees its place in the pool: every request behind it fails at once too', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await withTransport({ connections: 1 }, async (transport) => {
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => transport({ ...request(), url: `http://127.0.0.1:${deadPort}/` }, never())));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    });
  });

  it('to a port where nothing listens opens nothing and does not throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await withTransport({ connections: 4 }, async (transport) => {
      expect(await transport.preconnect!(`http://127.0.0.1:${deadPort}/`, 4)).toBe(0);
      await expect(transport({ ...request(), url: `http://127.0.0.1:${deadPort}/` }, never())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });
});

describe('TLS and HTTP/2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streambench-tls-'));
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'c.pem'));
    key = readFileSync(join(dir, 'k.pem'));
  } catch {
    // No openssl: the TLS cases are skipped below, visibly.
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  it.skipIf(!cert)('speaks HTTPS with certificate checks on; --http2 gets HTTP/2 from a server that offers it, HTTP/1.1 otherwise', async () => {
    const versions: string[] = [];
    // A server speaking both, as gateways do: ALPN picks.
    const tlsServer = createSecureServer({ cert, key, allowHTTP1: true }, (req, res) => {
      versions.push(req.httpVersion);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${req.headers.host ?? req.headers[':authority']}\n\n`);
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(tlsServer.address() as AddressInfo).port}/v1/chat/completions`;
    const h1 = createTransport('undici', { connections: 1, tls: { ca: cert } });
    const h2 = createTransport('undici', { connections: 1, tls: { ca: cert }, http2: true });
    const strict = createTransport('undici', { connections: 1 });
    try {
      expect(await readAll(await h1({ ...request(), url }, never()))).toMatch(/^data: localhost:\d+\n\n$/);
      expect(await readAll(await h2({ ...request(), url }, never()))).toMatch(/^data: localhost:\d+\n\n$/);
      expect(versions).toEqual(['1.1', '2.0']);
      await expect(strict({ ...request(), url }, never())).rejects.toThrow(/self-signed|certificate/i);
    } finally {
      h1.close?.();
      h2.close?.();
      strict.close?.();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it.skipIf(!cert)('preconnect opens TLS connections before the clock and the requests use them', async () => {
    let handshakes = 0;
    const tlsServer = createSecureServer({ cert, key, allowHTTP1: true }, (_req, res) => res.writeHead(200).end('ok'));
    tlsServer.on('secureConnection', () => handshakes++);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(tlsServer.address() as AddressInfo).port}/`;
    await withTransport({ connections: 2, tls: { ca: cert } }, async (transport) => {
      expect(await transport.preconnect!(url, 2)).toBe(2);
      // TLS 1.3: the client is done a round trip before the server counts the handshake.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(handshakes).toBe(2);
      const bodies = await Promise.all([1, 2].map(() => transport({ ...request(), url }, never()).then(readAll)));
      expect(bodies).toEqual(['ok', 'ok']);
      expect(handshakes).toBe(2);
    });
    await new Promise((resolve) => tlsServer.close(resolve));
  });
});

describe('proxies from the environment', () => {
  it('tunnels through HTTP_PROXY unless NO_PROXY names the host, and says which', async () => {
    const tunnels: string[] = [];
    // A CONNECT proxy, as corporate proxies are.
    const proxy = createHttpServer();
    proxy.on('connect', (req, client, head) => {
      tunnels.push(req.url ?? '');
      const [host, targetPort] = (req.url ?? '').split(':');
      const upstream = connect(Number(targetPort), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    script = (socket) => socket.write(OK_CHUNKED);
    try {
      const proxied = createTransport('undici', { connections: 1, proxy: { httpProxy: proxyUrl, httpsProxy: undefined, noProxy: '' } });
      expect(proxied.proxyFor!(request().url)).toBe(proxyUrl);
      expect(await readAll(await proxied(request(), never()))).toBe('hello');
      expect(await proxied.preconnect!(request().url, 1)).toBe(0);
      proxied.close?.();
      expect(tunnels).toEqual([`127.0.0.1:${port}`]);

      const bypassed = createTransport('undici', { connections: 1, proxy: { httpProxy: proxyUrl, httpsProxy: undefined, noProxy: 'localhost,127.0.0.1' } });
      expect(bypassed.proxyFor!(request().url)).toBeUndefined();
      expect(await readAll(await bypassed(request(), never()))).toBe('hello');
      bypassed.close?.();
      expect(tunnels).toHaveLength(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
