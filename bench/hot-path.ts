/**
 * The per-event path, step by step: what one SSE event of the simulated
 * OpenAI stream costs to decode, frame, classify and timestamp, in ns,
 * measured in-process on synthetic chunks (no network). HTTP framing is
 * undici's (llhttp) and is measured with the rest of the client by
 * `npm run bench` (CPU ms per request).
 *   npx tsx bench/hot-path.ts
 */
import { StringDecoder } from 'node:string_decoder';
import { openaiChat, quickDeltaTokens } from '../lib/wire/protocols/openai-chat.ts';
import type { StreamSink } from '../lib/wire/protocols/protocol.ts';
import { createRng } from '../lib/util/random.ts';
import { TimeBuffer } from '../lib/record/record.ts';
import { planResponse } from '../lib/sim/simulator.ts';
import { createSseParser } from '../lib/wire/sse.ts';

const body = { stream: true, stream_options: { include_usage: true } };
// Frames due together are merged on the wire; here each frame is its own chunk, as with a per-token delay.
const { frames } = planResponse('/v1/chat/completions', body, { ttftMs: 1, itlMs: 1, tokens: 64, jitter: 0 }, createRng(1))!;
const chunks = frames.map((frame) => Buffer.from(frame.text));
const texts = frames.map((frame) => frame.text);
const events = texts.flatMap((text) => text.split('\n\n').filter(Boolean).map((block) => block.slice('data: '.length)));
const jsonEvents = events.filter((data) => data !== '[DONE]');
let sinkCount = 0;
const sink: StreamSink = {
  token: () => sinkCount++,
  text: () => {},
  wantsText: false,
  usage: () => {},
  end: () => {},
  fail: () => {},
};

/** ns per unit of fn's work, after a warm-up so the optimizing compiler has run. */
function measure(units: number, fn: () => void): number {
  for (let i = 0; i < 3000; i++) fn();
  const rounds = 20_000;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return ((performance.now() - start) * 1e6) / (rounds * units);
}

const steps: Array<[string, number]> = [
  ['performance.now() (one per chunk)', measure(chunks.length, () => {
    for (let i = 0; i < chunks.length; i++) sinkCount += performance.now() > 0 ? 0 : 1;
  })],
  ['UTF-8 decode (StringDecoder)', measure(chunks.length, () => {
    const decoder = new StringDecoder('utf8');
    for (const chunk of chunks) sinkCount += decoder.write(chunk).length;
  })],
  ['UTF-8 decode (TextDecoder, before)', measure(chunks.length, () => {
    const decoder = new TextDecoder();
    for (const chunk of chunks) sinkCount += decoder.decode(chunk, { stream: true }).length;
  })],
  ['SSE framing', measure(events.length, () => {
    const parser = createSseParser({ onEvent: () => sinkCount++ });
    for (const text of texts) parser.feed(text);
  })],
  ['delta classification (quick path)', measure(jsonEvents.length, () => {
    for (const data of jsonEvents) sinkCount += quickDeltaTokens(data);
  })],
  ['JSON.parse of the event (before)', measure(jsonEvents.length, () => {
    for (const data of jsonEvents) sinkCount += (JSON.parse(data) as { choices: unknown[] }).choices.length;
  })],
  ['token timestamp store (TimeBuffer)', measure(64, () => {
    const times = new TimeBuffer();
    for (let i = 0; i < 64; i++) times.push(i);
  })],
  ['whole path: decode + framing + adapter + store', measure(events.length, () => {
    const decoder = new StringDecoder('utf8');
    const times = new TimeBuffer();
    const whole: StreamSink = { ...sink, token: () => times.push(1) };
    const parser = createSseParser({ onEvent: (event) => openaiChat.onMessage(event.data, event.event, whole) });
    for (const chunk of chunks) parser.feed(decoder.write(chunk));
  })],
];

process.stdout.write(`per-event path, ${events.length} events in ${chunks.length} chunks per response (ns per unit)\n`);
for (const [step, ns] of steps) process.stdout.write(`  ${step.padEnd(48)} ${ns.toFixed(0).padStart(6)} ns\n`);
if (sinkCount === -1) process.stdout.write('\n');
