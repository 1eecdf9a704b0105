/** The simulated endpoint as a real node:http server on loopback; the request path picks the dialect. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimState, modelList, planResponse, SIM_PATHS, type SimulatorOptions } from './simulator.ts';
import { loadTokenizer } from '../stats/tokenizer.ts';
import { createRng } from '../util/random.ts';
import { TimeBuffer } from '../record/record.ts';
import { createSimMetrics } from './metrics.ts';

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface SimServerOptions extends SimulatorOptions {
  port?: number;
  host?: string;
  /**
   * Record ground truth per request (request received -> first token written)
   * and serve it at GET /stats; DELETE /stats clears it. One float per request.
   */
  recordTruth?: boolean;
  /** Count prompts with this tokenizer (o200k, cl100k or a tokenizer.json path), loaded before listening. */
  tokenizer?: string;
}

/** GET /stats: the endpoint's own view of TTFT, for measuring a client's inflation. */
export interface SimStats {
  /** Requests whose first token was written since the last reset. */
  requests: number;
  /** Request received -> first content token written, ms, in write order. */
  ttft_ms: number[];
}

export const STATS_PATH = '/stats';
/** GET: the endpoint's own Prometheus metrics, in vLLM's names (sim/metrics.ts). */
export const METRICS_PATH = '/metrics';

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const rng = createRng(options.seed ?? 1);
  const state = createSimState(options);
  const encode = options.tokenizer === undefined ? options.encode : (await loadTokenizer(options.tokenizer)).encode;
  const simulator = { ...options, encode };
  let truth = new TimeBuffer();
  const metrics = createSimMetrics();
  const server = createServer((req, res) => {
    const receivedAt = performance.now();
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method === 'GET' && req.url === METRICS_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
      return;
    }
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://sim').pathname.replace(/\/+$/, '') === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(modelList()));
      return;
    }
    if (options.recordTruth && req.url === STATS_PATH && (req.method === 'GET' || req.method === 'DELETE')) {
      if (req.method === 'DELETE') truth = new TimeBuffer();
      const stats: SimStats = { requests: truth.length, ttft_ms: truth.toArray() };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    readBody(req).then((text) => serveStream(req.url ?? '/', text, res, receivedAt), () => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue (the kernel caps it at net.core.somaxconn): thousands of
    // streams connecting at once must queue, not have their SYNs dropped and retried
    // seconds later, which would show up as fake TTFT.
    server.listen({ port: options.port ?? 0, host, backlog: 65535 }, resolve);
  });
  const { port } = server.address() as AddressInfo;

  function serveStream(url: string, text: string, res: ServerResponse, receivedAt: number): void {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    const pathname = new URL(url, 'http://sim').pathname;
    const response = planResponse(pathname, body, simulator, rng, state);
    if (!response) {
      const message = `the simulated endpoint serves POST ${SIM_PATHS.join(', ')} and GET /v1/models; not ${pathname}`;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message } }));
      return;
    }
    const { frames, firstTokenAtMs, tokenTimesMs } = response;
    const start = performance.now();
    let index = 0;
    let tokensWritten = 0;
    let truthTaken = !options.recordTruth;
    let timer: NodeJS.Timeout | undefined;
    const requestMetrics = metrics.request(response.inputTokens);
    res.on('close', () => {
      clearTimeout(timer);
      requestMetrics.end(false);
    });
    res.writeHead(200, { 'content-type': response.contentType, 'cache-control': 'no-cache' });
    const writeDue = (): void => {
      // Write every frame that is due in one syscall (cork), then sleep until the next one.
      res.cork();
      try {
        for (;;) {
          const frame = frames[index];
          if (!frame) {
            requestMetrics.end(true);
            res.end();
            return;
          }
          const wait = frame.atMs - (performance.now() - start);
          if (wait > 0.5) {
            timer = setTimeout(writeDue, wait);
            return;
          }
          res.write(frame.text);
          // The frame due at this moment carries every token generated by now.
          const before = tokensWritten;
          while (tokensWritten < tokenTimesMs.length && tokenTimesMs[tokensWritten]! <= frame.atMs) tokensWritten++;
          requestMetrics.tokens(tokensWritten - before);
          if (!truthTaken && frame.atMs >= firstTokenAtMs) {
            truthTaken = true;
            truth.push(performance.now() - receivedAt);
          }
          index++;
        }
      } finally {
        res.uncork();
      }
    };
    writeDue();
  }

  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
