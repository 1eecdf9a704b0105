/**
 * A real node:http server on 127.0.0.1 (port 0) that fails in every way a
 * streaming endpoint can: sockets that really break or stall, error statuses,
 * wrong bodies. msw cannot break a socket; this can. The path picks the fault;
 * a trailing /v1/chat/completions is ignored, so faultUrl() can give each fault
 * an OpenAI chat path (the protocol auto-detection then picks openai-chat):
 *
 *   /ok?tokens=N&itl=MS&ttft=MS   a normal OpenAI chat stream (the shared simulator)
 *   /close-before-headers          socket destroyed after the request is read
 *   /close-mid-stream              one token, then the socket is destroyed
 *   /stall-before-headers          never answers
 *   /stall-mid-stream              one token, then silence with the socket open
 *   /status/CODE?body=json|html    an error status (429 and 503 send Retry-After: 7)
 *   /fail-first/CODE?times=N&retry_after=S&name=K
 *                                  the first N requests (default 1) with this name answer CODE (with
 *                                  Retry-After: S when given), later ones a normal 3-token stream
 *   /json-200                      a non-stream chat completion ("stream": true forgotten)
 *   /html-200                      a web page
 *   /malformed-json                an SSE event whose data is broken JSON
 *   /not-sse                       JSON lines without SSE framing
 *   /huge-event?mb=N               one SSE event of N MB (default 10)
 *   /invalid-utf8                  a token whose text holds invalid UTF-8 bytes
 *   /keep-alive                    one token, then `: keep-alive` comments forever
 *   /bom                           a stream that starts with a UTF-8 byte order mark
 *   /redirect                      301 to https://api.example.invalid/v1/chat/completions
 *   /gzip                          a gzip-compressed stream (whatever Accept-Encoding said)
 *   /echo-401                      401 whose body echoes the request's headers and URL
 *   /echo-malformed                one token, then broken JSON echoing the Authorization header
 *
 * Every request is recorded (method, URL, headers) so tests can assert what the server received.
 */
import { afterAll, beforeAll } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createRng } from '../../lib/util/random.ts';
import { planResponse } from '../../lib/sim/simulator.ts';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FaultServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

const token = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
const RETRY_AFTER = '7';
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

/**
 * A fault server for the calling test file (or describe block): started before
 * its tests, closed after them. Read `.server` inside hooks and tests.
 */
export function useFaultServer(): { readonly server: FaultServer } {
  const handle: { server?: FaultServer } = {};
  beforeAll(async () => {
    handle.server = await startFaultServer();
  });
  afterAll(async () => {
    await handle.server?.close();
  });
  return handle as { readonly server: FaultServer };
}

export async function startFaultServer(): Promise<FaultServer> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const rng = createRng(1);
  const failedSoFar = new Map<string, number>();

  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const param = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    const path = url.pathname.replace(/\/v1\/chat\/completions$/, '') || '/';
    const sse = () => res.writeHead(200, SSE_HEADERS);

    if (path === '/ok') {
      let request: unknown = {};
      try {
        request = JSON.parse(body);
      } catch {
        // Not JSON: the default stream.
      }
      const options = { ttftMs: param('ttft', 0), itlMs: param('itl', 0), tokens: param('tokens', 3), jitter: 0 };
      const { frames } = planResponse('/v1/chat/completions', request, options, rng)!;
      sse();
      const start = performance.now();
      const next = (index: number) => {
        const frame = frames[index];
        if (!frame) return void res.end();
        later(Math.max(0, frame.atMs - (performance.now() - start)), () => {
          res.write(frame.text);
          next(index + 1);
        });
      };
      return next(0);
    }
    if (path === '/close-before-headers') return void req.socket.destroy();
    if (path === '/close-mid-stream') {
      sse();
      res.write(token('a'));
      return later(20, () => req.socket.destroy());
    }
    if (path === '/stall-before-headers') return;
    if (path === '/stall-mid-stream') {
      sse();
      return void res.write(token('a'));
    }
    const failFirst = /^\/fail-first\/(\d{3})$/.exec(path);
    if (failFirst) {
      const name = url.searchParams.get('name') ?? path;
      const failed = failedSoFar.get(name) ?? 0;
      if (failed < param('times', 1)) {
        failedSoFar.set(name, failed + 1);
        const retryAfter = url.searchParams.get('retry_after');
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (retryAfter !== null) headers['retry-after'] = retryAfter;
        return void res.writeHead(Number(failFirst[1]), headers).end(JSON.stringify({ error: { message: 'try again', type: 'fault' } }));
      }
      sse();
      return void res.end(token('a') + token('b') + token('c') + 'data: [DONE]\n\n');
    }
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) {
      const code = Number(status[1]);
      const headers: Record<string, string> = {};
      if (code === 429 || code === 503) headers['retry-after'] = RETRY_AFTER;
      if (url.searchParams.get('body') === 'html') {
        headers['content-type'] = 'text/html';
        return void res.writeHead(code, headers).end(`<!DOCTYPE html><html><body><h1>${code} Error</h1><p>nginx</p></body></html>`);
      }
      headers['content-type'] = 'application/json';
      return void res.writeHead(code, headers).end(JSON.stringify({ error: { message: `fault ${code} from the test server`, type: 'fault' } }));
    }
    if (path === '/json-200') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }] }),
      );
    }
    if (path === '/html-200') {
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body>Welcome</body></html>');
    }
    if (path === '/malformed-json') {
      sse();
      return void res.end(token('a') + 'data: {"choices": [{"delta": \n\n');
    }
    if (path === '/not-sse') {
      sse();
      return void res.end(JSON.stringify({ choices: [{ delta: { content: 'a' } }] }) + '\n');
    }
    if (path === '/huge-event') {
      sse();
      res.write('data: {"choices":[{"delta":{"content":"');
      const piece = Buffer.alloc(64 * 1024, 'x');
      let left = param('mb', 10) * 1024 * 1024;
      // Honour backpressure: the client may drop the connection at its buffer limit.
      const pump = () => {
        while (left > 0) {
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end('"}}]}\n\n');
      };
      res.on('close', () => (left = 0));
      return pump();
    }
    if (path === '/invalid-utf8') {
      sse();
      const [before, after] = token('bad:@@').split('@@') as [string, string];
      return void res.end(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after), Buffer.from('data: [DONE]\n\n')]));
    }
    if (path === '/keep-alive') {
      sse();
      res.write(': keep-alive\n\n');
      const interval = setInterval(() => res.write(': keep-alive\n\n'), 20);
      return void res.on('close', () => clearInterval(interval));
    }
    if (path === '/bom') {
      sse();
      return void res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(token('a') + 'data: [DONE]\n\n')]));
    }
    if (path === '/redirect') {
      return void res.writeHead(301, { location: 'https://api.example.invalid/v1/chat/completions', 'content-type': 'text/html' }).end('<a href="https://api.example.invalid/">moved</a>');
    }
    if (path === '/gzip') {
      return void res.writeHead(200, { ...SSE_HEADERS, 'content-encoding': 'gzip' }).end(gzipSync(token('a') + 'data: [DONE]\n\n'));
    }
    if (path === '/echo-401') {
      return void res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `Incorrect API key provided: ${JSON.stringify(req.headers)} at ${req.url}` } }));
    }
    if (path === '/echo-malformed') {
      sse();
      return void res.end(token('a') + `data: {"echo": "${req.headers.authorization ?? ''}" oops\n\n`);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`no fault at ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `base` + the fault path as an OpenAI chat completions URL: /status/429?body=json -> /status/429/v1/chat/completions?body=json */
export function faultUrl(base: string, fault: string): string {
  const url = new URL(fault, base);
  url.pathname = url.pathname.replace(/\/$/, '') + '/v1/chat/completions';
  return url.href;
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
