/**
 * A small OpenAI-compatible chat server on 127.0.0.1 (port 0) for tests: it
 * streams a reply that depends on what it was sent ("turn <n>: I have read <m>
 * messages, the last one <k> characters long."), with usage, and keeps every
 * request body, so a test can check each turn carried the replies streamed
 * before it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface ChatServer {
  url: string;
  /** Parsed request bodies, in arrival order. */
  bodies: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startChatServer(): Promise<ChatServer> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    readBody(req).then((text) => {
      const body = JSON.parse(text) as { messages?: Array<{ role: string; content: string }>; prompt?: string };
      bodies.push(body as Record<string, unknown>);
      const messages = body.messages ?? [{ role: 'user', content: body.prompt ?? '' }];
      const users = messages.filter((m) => m.role === 'user').length;
      const last = messages.at(-1)?.content ?? '';
      const reply = `turn ${users}: I have read ${messages.length} messages, the last one ${last.length} characters long.`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ choices: [{ index: 0, delta }], ...extra })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      for (const word of reply.split(/(?= )/)) res.write(chunk({ content: word }));
      const prompt = messages.reduce((sum, m) => sum + m.content.length, 0);
      res.end(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: prompt, completion_tokens: reply.split(' ').length } })}\n\ndata: [DONE]\n\n`);
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A chat server for the calling test file: started before its tests, closed after them. */
export function useChatServer(): { readonly server: ChatServer } {
  const handle: { server?: ChatServer } = {};
  beforeAll(async () => {
    handle.server = await startChatServer();
  });
  afterAll(async () => {
    await handle.server?.close();
  });
  return {
    get server() {
      return handle.server!;
    },
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
