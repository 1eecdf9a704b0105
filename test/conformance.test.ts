/**
 * The conformance table: malformed and tricky HTTP/1.1 responses, written byte
 * for byte by a raw TCP server on 127.0.0.1, each served to a whole run at
 * concurrency 1 over every transport. For each: every request ends in success
 * or a classified error within a second (never a hang until --timeout), a
 * connection whose request failed never carries another request, and the
 * requests around the bad one get their own answers.
 *
 * Request k (1-based, in the order the server receives them; at concurrency 1
 * that is the run's request k) is answered with k token events, so a request
 * that got another request's answer (or one nobody asked for) shows in its count.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResults } from '../lib/results/results.ts';
import { TRANSPORT_NAMES } from '../lib/wire/transport.ts';
import { runCaptured, tempDir } from './helpers/run-capture.ts';

// Every bad answer goes to an odd request (1, 3, ...); the even ones get a clean answer.
const token = (content: string) => `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
/** k token events and the end marker. */
const sseBody = (k: number) => Array.from({ length: k }, (_, i) => token(`t${i}`)).join('') + 'data: [DONE]\n\n';
const sized = (body: string, extraHead = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${extraHead}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chunked = (body: string, extraHead = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${extraHead}Transfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;

interface Case {
  name: string;
  /** What the server writes for request k (then, with `close`, it closes the connection). */
  bad: (k: number) => string | Buffer;
  close?: boolean;
  /** The framing is faulty (RFC 9112 §6.1, §6.3), so its connection must not carry another request even when it succeeds. */
  mustClose?: boolean;
  /** What the bad answer becomes: a success, or an error of this kind (llhttp's verdict, classified). */
  outcome: 'ok' | 'protocol' | 'aborted';
}

const CASES: Case[] = [
  { name: 'stray CRLF after a sized body', outcome: 'ok', bad: (k) => sized(sseBody(k)) + '\r\n' },
  {
    name: 'Content-Length counted in characters, so bytes are left over', outcome: 'ok',
    bad: (k) => {
      const body = token('é') + sseBody(k - 1);
      return `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    },
  },
  { name: 'Content-Length together with Transfer-Encoding', outcome: 'protocol', bad: (k) => chunked(sseBody(k), 'Content-Length: 5\r\n'), mustClose: true },
  {
    name: 'a space before the colon', outcome: 'protocol',
    bad: (k) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length : ${Buffer.byteLength(sseBody(k))}\r\n\r\n${sseBody(k)}`,
  },
  {
    name: 'a bare-LF line hiding Content-Length', outcome: 'protocol',
    bad: (k) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\nContent-Length: ${Buffer.byteLength(sseBody(k))}\r\n\r\n${sseBody(k)}`,
  },
  {
    name: 'an LF-only head', outcome: 'protocol',
    bad: (k) => `HTTP/1.1 200 OK\nContent-Type: text/event-stream\nContent-Length: ${Buffer.byteLength(sseBody(k))}\n\n${sseBody(k)}`,
  },
  { name: 'a 101 nobody asked for', outcome: 'protocol', bad: (k) => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n' + sized(sseBody(k)) },
  {
    name: 'an oversized Content-Length', outcome: 'protocol',
    bad: (k) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 99999999999999999999999\r\n\r\n${sseBody(k)}`,
  },
  { name: 'an obs-folded header', outcome: 'protocol', bad: (k) => sized(sseBody(k), 'X-Folded: one\r\n two\r\n') },
  { name: 'a NUL in a header value', outcome: 'protocol', bad: (k) => sized(sseBody(k), 'X-Nul: a\0b\r\n') },
  { name: 'a leading CRLF before the status line', outcome: 'ok', bad: (k) => '\r\n' + sized(sseBody(k)) },
  {
    name: 'a chunk size with trailing spaces', outcome: 'protocol',
    bad: (k) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(sseBody(k)).toString(16)}  \r\n${sseBody(k)}\r\n0\r\n\r\n`,
  },
  { name: 'an unrequested second response', outcome: 'ok', bad: (k) => sized(sseBody(k)) + sized(sseBody(9)), mustClose: true },
  {
    name: 'a close in the middle of a chunk', outcome: 'aborted',
    bad: (k) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${sseBody(k)}`,
    close: true,
  },
  {
    name: 'an HTTP/1.0 response with chunked coding', outcome: 'ok',
    bad: (k) => chunked(sseBody(k)).replace('HTTP/1.1', 'HTTP/1.0'),
    mustClose: true,
  },
];

interface Received {
  connection: number;
  /** The response to it was the bad one. */
  bad: boolean;
  /** When its response was written, ms (performance.now()). */
  answeredAt: number;
}

let server: Server;
let port: number;
let current: Case;
let received: Received[] = [];
let connectionCount = 0;
const sockets = new Set<Socket>();
const dir = tempDir();

beforeAll(async () => {
  server = createServer((socket) => {
    const connection = ++connectionCount;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (bytes: Buffer) => {
      pending = Buffer.concat([pending, bytes]);
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n');
        if (headEnd === -1) return;
        const length = Number(/content-length: *(\d+)/i.exec(pending.subarray(0, headEnd).toString('latin1'))?.[1] ?? 0);
        if (pending.length < headEnd + 4 + length) return;
        pending = pending.subarray(headEnd + 4 + length);
        const k = received.length + 1;
        const bad = k % 2 === 1;
        received.push({ connection, bad, answeredAt: performance.now() });
        socket.write(bad ? current.bad(k) : sized(sseBody(k)));
        if (bad && current.close) socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  dir.remove();
});

const REQUESTS = 4;

describe.each(TRANSPORT_NAMES)('the conformance table over the %s transport', (transport) => {
  it.each(CASES)('$name: success or a classified error at once, no broken connection reused, no other request harmed', async (c) => {
    current = c;
    received = [];
    const output = join(dir.path, `${transport}-${c.name.replace(/\W+/g, '-')}.json`);
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    const began = performance.now();
    const run = await runCaptured(['-u', url, '-n', String(REQUESTS), '-p', '1', '-t', '20', '-q', '--transport', transport, '-o', output], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    const rows = (await readResults(output)).metrics.sort((a, b) => a.request_id - b.request_id);
    expect(rows).toHaveLength(REQUESTS);
    // Each request had an answer of its own: request k reached the server k-th.
    expect(received).toHaveLength(REQUESTS);

    for (const [index, row] of rows.entries()) {
      const k = index + 1;
      const seen = received[index]!;
      // Never a hang: each request ended within a second of its answer being written.
      expect(row.error_kind, `request ${k}: ${row.error}`).not.toBe('timeout');
      expect(performance.now() - began, 'the whole run').toBeLessThan(REQUESTS * 1000);
      expect(row.timestamps.ended - row.timestamps.started, `request ${k} took too long`).toBeLessThan(1000);
      const reused = received.slice(index + 1).some((r) => r.connection === seen.connection);
      expect(row.error_kind ?? 'ok', `request ${k}: ${row.error}`).toBe(seen.bad ? c.outcome : 'ok');
      if (row.error_kind === null) {
        // A success is this request's own answer, whole.
        expect(row.token_times, `request ${k}`).toHaveLength(k);
        expect(row.end_marker).toBe(true);
        if (seen.bad && c.mustClose) expect(reused, `request ${k}: a faulty framing, yet its connection was reused`).toBe(false);
      } else {
        expect(row.error, `request ${k}`).toMatch(/\S/);
        // Only the bad answers may fail: the requests around them are unharmed.
        expect(seen.bad, `request ${k} got a clean answer but failed: ${row.error}`).toBe(true);
        // A failed request's connection carries nothing after it.
        expect(reused, `request ${k} failed, yet its connection was reused`).toBe(false);
      }
    }
  });
});
