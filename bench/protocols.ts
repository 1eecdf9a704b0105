/**
 * Client-side cost of reading each dialect: frames + protocol adapter, per
 * token event, on a simulated 2,000-token response fed in 4 KB chunks.
 *   npx tsx bench/protocols.ts
 */
import { createFramer } from '../lib/wire/framing.ts';
import { protocolForPath } from '../lib/wire/protocols/registry.ts';
import type { StreamSink } from '../lib/wire/protocols/protocol.ts';
import { createRng } from '../lib/util/random.ts';
import { planResponse } from '../lib/sim/simulator.ts';

const PATHS = ['/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/messages', '/v1beta/models/x:streamGenerateContent', '/api/chat'];
const TOKENS = 2000;
const ROUNDS = 40;

let events = 0;
const sink: StreamSink = { token: () => void events++, text: () => {}, usage: () => {}, end: () => {}, fail: () => {} };

for (const path of PATHS) {
  const response = planResponse(path, { stream: true }, { ttftMs: 0, itlMs: 0, tokens: TOKENS, reasoningTokens: 0, jitter: 0 }, createRng(1))!;
  const body = response.frames.map((frame) => frame.text).join('');
  const chunks: string[] = [];
  for (let i = 0; i < body.length; i += 4096) chunks.push(body.slice(i, i + 4096));
  const protocol = protocolForPath(path)!;
  const read = () => {
    const framer = createFramer(protocol, sink);
    for (const chunk of chunks) framer.feed(chunk);
    framer.end();
  };
  for (let i = 0; i < 5; i++) read();
  events = 0;
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) read();
  const ms = performance.now() - start;
  const perEvent = (ms * 1e6) / events;
  console.log(`${protocol.name.padEnd(20)} ${(body.length / TOKENS).toFixed(0).padStart(4)} B/token  ${perEvent.toFixed(0).padStart(6)} ns/token event  ${((events / ms) * 1000 / 1e6).toFixed(2)} M events/s`);
}
