import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../lib/util/random.ts';
import { ERROR_KINDS, type RequestError, type RequestRecord } from '../lib/record/record.ts';
import { RecordStore } from '../lib/record/record-store.ts';

const base = (id: number): RequestRecord => ({
  id,
  startedAt: 10.5,
  tokenTimes: [11.25, 12.125],
  reasoningTokens: 0,
  endedAt: 13,
  bytes: 120,
  chunks: 3,
  sawEndMarker: true,
});

/** Hand-made records: each optional field absent, present, and at the edges a packed column must keep. */
const VARIANTS: RequestRecord[] = [
  base(1),
  { ...base(2), tokenTimes: [], sawEndMarker: false, bytes: 0, chunks: 0 },
  { ...base(3), intendedAt: 0, headersAt: 0, firstByteAt: 0, firstTokenAt: 0, firstAnswerAt: 0, status: 0 },
  { ...base(4), intendedAt: -1.5, startedAt: -0.001, endedAt: 1e15, bytes: 2 ** 53 },
  { ...base(5), startedAt: -0, endedAt: Number.MAX_VALUE, tokenTimes: [Number.MIN_VALUE, -0, 0.1 + 0.2] },
  { ...base(6), usage: {} },
  { ...base(7), usage: { inputTokens: 12 } },
  { ...base(8), usage: { outputTokens: 0 } },
  { ...base(9), usage: { inputTokens: 2 ** 31, outputTokens: -(2 ** 31) } },
  { ...base(10), usage: { inputTokens: 1.5, outputTokens: -0 } },
  { ...base(11), usage: { inputTokens: -2147483647, outputTokens: 2147483647 } },
  { ...base(12), warmup: true },
  { ...base(13), warmup: false },
  { ...base(14), attempt: 2, level: 0.5, rowIndex: 0, group: '' },
  { ...base(15), level: -3, rowIndex: 4_000_000_000, group: '中文 / ünïcödé 🚀' },
  { ...base(16), protocol: 'openai-chat', tokenizerTokens: 0 },
  { ...base(17), protocol: 'ollama', tokenizerTokens: 42, outputText: '' },
  { ...base(18), outputText: 'héllo 世界 <|endoftext|>' },
  { ...base(19), status: 429, error: { kind: 'http', message: 'HTTP 429', status: 429, body: '{"error":"slow"}', retryAfter: '3' } },
  { ...base(20), error: { kind: 'protocol', message: 'error event', code: 'overloaded_error' } },
  { ...base(21), tokenTimes: [], error: { kind: 'connect', message: 'ECONNREFUSED' } },
  { ...base(22), reasoningTokens: 7, firstTokenAt: 11, firstAnswerAt: 12, status: 200 },
  { ...base(23), id: 2 ** 40, chunks: 2 ** 32 + 1, reasoningTokens: 2.5 },
  { ...base(24), session: 1, turn: 1 },
  { ...base(25), session: 2 ** 31, turn: 7 },
];

describe('RecordStore', () => {
  it('materializes every hand-made variant exactly as pushed, absent fields absent', () => {
    const store = RecordStore.from(VARIANTS);
    expect(store).toHaveLength(VARIANTS.length);
    VARIANTS.forEach((record, index) => expect(store.at(index)).toStrictEqual(record));
    expect(store.toArray()).toStrictEqual(VARIANTS);
    expect([...store]).toStrictEqual(VARIANTS);
  });

  it('round-trips random records with every combination of optional fields', () => {
    const rng = createRng(7);
    const records = Array.from({ length: 2000 }, (_, i) => randomRecord(rng, i + 1));
    const store = RecordStore.from(records);
    records.forEach((record, index) => expect(store.at(index)).toStrictEqual(record));
  });

  it('keeps a copy: changing the pushed object or a materialized one does not reach the store', () => {
    const store = new RecordStore();
    const record: RequestRecord = { ...base(1), error: { kind: 'timeout', message: 'slow' } };
    store.push(record);
    record.tokenTimes.push(99);
    record.endedAt = 50;
    const copy = store.at(0);
    copy.error!.message = 'changed';
    copy.tokenTimes[0] = -1;
    expect(store.at(0)).toStrictEqual({ ...base(1), error: { kind: 'timeout', message: 'slow' } });
    expect(store.at(0)).not.toBe(store.at(0));
  });

  it('sorts by id then attempt (send order), and keeps reading rows correctly after more pushes', () => {
    const rng = createRng(3);
    const records: RequestRecord[] = [];
    for (let id = 1; id <= 300; id++) {
      const first = randomRecord(rng, id);
      delete first.attempt;
      records.push(first);
      const retries = Math.floor(rng() * 3);
      for (let attempt = 2; attempt <= 1 + retries; attempt++) records.push({ ...randomRecord(rng, id), attempt });
    }
    // Completion order: shuffled.
    const completed = [...records];
    for (let i = completed.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [completed[i], completed[j]] = [completed[j]!, completed[i]!];
    }
    const store = RecordStore.from(completed);
    store.sortByIdThenAttempt();
    const expected = [...completed].sort(byIdThenAttempt);
    expect(store.toArray()).toStrictEqual(expected);
    expect(store.toArray().map((r) => [r.id, r.attempt])).toStrictEqual(records.map((r) => [r.id, r.attempt]));

    // A push after a sort goes last; a second sort places it.
    store.push(base(0));
    expect(store.at(store.length - 1)).toStrictEqual(base(0));
    store.sortByIdThenAttempt();
    expect(store.at(0)).toStrictEqual(base(0));
    expect(store.toArray().slice(1)).toStrictEqual(expected);
  });

  it('keeps push order between equal ids and attempts', () => {
    const store = RecordStore.from([{ ...base(2), bytes: 1 }, base(1), { ...base(2), bytes: 2 }, { ...base(2), bytes: 3 }]);
    store.sortByIdThenAttempt();
    expect(store.toArray().map((r) => [r.id, r.bytes])).toEqual([
      [1, 120],
      [2, 1],
      [2, 2],
      [2, 3],
    ]);
  });

  it('sets tokenizer counts by sorted index and drops the kept texts', () => {
    const store = RecordStore.from([
      { ...base(3), outputText: 'three' },
      { ...base(1), outputText: 'one' },
      { ...base(2), outputText: 'two', error: { kind: 'timeout', message: 'slow' } },
      base(4),
    ]);
    store.sortByIdThenAttempt();
    expect([0, 1, 2, 3].map((i) => store.outputText(i))).toEqual(['one', 'two', 'three', undefined]);
    expect([0, 1, 2, 3].map((i) => store.failed(i))).toEqual([false, true, false, false]);
    store.setTokenizerTokens(2, 5);
    store.dropOutputTexts();
    const records = store.toArray();
    expect(records.map((r) => r.tokenizerTokens)).toEqual([undefined, undefined, 5, undefined]);
    expect(records.every((r) => !('outputText' in r))).toBe(true);
    expect(records[2]).toStrictEqual({ ...base(3), tokenizerTokens: 5 });
  });

  it('rejects an index out of range', () => {
    const store = RecordStore.from([base(1)]);
    expect(() => store.at(1)).toThrow(RangeError);
    expect(() => store.at(-1)).toThrow(RangeError);
    expect(() => store.at(0.5)).toThrow(RangeError);
    expect(() => new RecordStore().at(0)).toThrow(RangeError);
  });

  it('spans several blocks of rows and of token times (a record\'s tokens across a block edge) without losing any', () => {
    const records = Array.from({ length: 9000 }, (_, i) => ({
      ...base(i + 1),
      status: i,
      tokenTimes: Array.from({ length: i % 11 }, (_, k) => i + k / 8),
    }));
    const store = RecordStore.from(records);
    expect(store.toArray()).toStrictEqual(records);
  });
});

/** The send order the store must give: by id, then attempt (a first attempt has none). */
function byIdThenAttempt(a: RequestRecord, b: RequestRecord): number {
  return a.id - b.id || (a.attempt ?? 1) - (b.attempt ?? 1);
}

/** A record with each optional field present or absent at random, values from edge-prone sets. */
function randomRecord(rng: Rng, id: number): RequestRecord {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rng() * values.length)] as T;
  const maybe = (p = 0.5) => rng() < p;
  const time = () => pick([0, -0, 1, Math.round(rng() * 1e6) / 1e3, rng() * 1e5, 1e12 + rng()]);
  const count = () => pick([0, 1, 16, 2 ** 31 - 1, 2 ** 31, -1, 3.5, Math.floor(rng() * 1000)]);
  const tokens = Array.from({ length: pick([0, 1, 2, 16, 33]) }, time);
  const record: RequestRecord = {
    id,
    startedAt: time(),
    tokenTimes: tokens,
    reasoningTokens: count(),
    endedAt: time(),
    bytes: pick([0, 1, 1e9, Math.floor(rng() * 1e5)]),
    chunks: count(),
    sawEndMarker: maybe(),
  };
  if (maybe()) record.intendedAt = time();
  if (maybe()) record.headersAt = time();
  if (maybe()) record.firstByteAt = time();
  if (maybe()) record.firstTokenAt = time();
  if (maybe()) record.firstAnswerAt = time();
  if (maybe()) record.status = pick([0, 200, 429, 503, 999]);
  if (maybe()) {
    record.usage = {};
    if (maybe()) record.usage.inputTokens = count();
    if (maybe()) record.usage.outputTokens = count();
  }
  if (maybe()) record.protocol = pick(['openai-chat', 'anthropic', 'gemini', 'ollama']);
  if (maybe(0.3)) record.tokenizerTokens = count();
  if (maybe(0.2)) record.outputText = pick(['', 'abc', '生成的文本', 'x'.repeat(300)]);
  if (maybe(0.3)) record.error = randomError(rng);
  if (maybe(0.7)) record.warmup = maybe();
  if (maybe(0.2)) record.attempt = pick([2, 3, 10]);
  if (maybe(0.3)) record.level = pick([1, 2.5, 64, 0]);
  if (maybe(0.3)) record.rowIndex = pick([0, 1, 199_999]);
  if (maybe(0.3)) record.group = pick(['', 'a', 'zh-中文', 'emoji 😀', 'a']);
  if (maybe(0.3)) record.session = pick([1, 2, 40_000]);
  if (maybe(0.3)) record.turn = pick([1, 3, 12]);
  return record;
}

function randomError(rng: Rng): RequestError {
  const error: RequestError = { kind: ERROR_KINDS[Math.floor(rng() * ERROR_KINDS.length)]!, message: `failure ${rng()}` };
  if (rng() < 0.5) error.status = 500;
  if (rng() < 0.5) error.body = '{"error":"overloaded"}';
  if (rng() < 0.5) error.retryAfter = 'Wed, 21 Oct 2015 07:28:00 GMT';
  if (rng() < 0.5) error.code = 'rate_limit';
  return error;
}
