/** The simulated endpoint as a real node:http server on loopback; the request path picks the dialect. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { planResponse, SIM_PATHS, type SimulatorOptions } from './simulator.ts';
import { createRng } from './random.ts';

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface SimServerOptions extends SimulatorOptions {
  port?: number;
  host?: string;
}

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const rng = createRng(options.seed ?? 1);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    readBody(req).then((text) => serveStream(req.url ?? '/', text, res), () => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  function serveStream(url: string, text: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    const pathname = new URL(url, 'http://sim').pathname;
    const response = planResponse(pathname, body, options, rng);
    if (!response) {
      const message = `the simulated endpoint serves ${SIM_PATHS.join(', ')}; not ${pathname}`;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message } }));
      return;
    }
    const { frames } = response;
    const start = performance.now();
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => clearTimeout(timer));
    res.writeHead(200, { 'content-type': response.contentType, 'cache-control': 'no-cache' });
    const writeDue = (): void => {
      // Write every frame that is due, then sleep until the next one.
      for (;;) {
        const frame = frames[index];
        if (!frame) {
          res.end();
          return;
        }
        const wait = frame.atMs - (performance.now() - start);
        if (wait > 0.5) {
          timer = setTimeout(writeDue, wait);
          return;
        }
        res.write(frame.text);
        index++;
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
