import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../lib/record/record.ts';
import { createRedactor } from '../lib/wire/redact.ts';
import { buildResults, buildResultsHead, readResults, serializeResults, writeFileAtomic, type ResultsInput } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';

const SECRET = 'sk-test-1234567890';

function record(id: number): RequestRecord {
  const r: RequestRecord = {
    id,
    startedAt: id,
    headersAt: id + 1,
    firstByteAt: id + 1.5,
    firstTokenAt: id + 2.25,
    firstAnswerAt: id + 2.25,
    tokenTimes: [id + 2.25, id + 3.5, id + 4.125],
    reasoningTokens: 0,
    endedAt: id + 5,
    status: 200,
    bytes: 300,
    chunks: 3,
    usage: { inputTokens: 4, outputTokens: 3 },
    sawEndMarker: true,
  };
  if (id % 1000 === 7) r.error = { kind: 'http', message: `401 for key ${SECRET}`, status: 401, body: `{"error":"bad key ${SECRET}"}` };
  return r;
}

function input(count: number): ResultsInput {
  const records = Array.from({ length: count }, (_, i) => record(i + 1));
  return {
    config: { url: 'http://127.0.0.1/v1/chat/completions', concurrency: 4, total_requests: count, headers: { Authorization: `Bearer ${SECRET}` } },
    startedAt: new Date('2026-01-01T00:00:00Z'),
    protocol: 'openai-chat',
    transport: 'http',
    interrupted: false,
    version: '0.1.0',
    summary: summarize(records),
    records,
    selfcheck: { event_loop_delay_p99_ms: 1, cpu_percent: 20, client_bound: false },
  };
}

describe('serializeResults', () => {
  const dir = mkdtemp(join(tmpdir(), 'streambench-results-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('writes, in pieces, exactly the JSON of the whole redacted results', () => {
    const redactor = createRedactor([SECRET]);
    const data = input(5000);
    const pieces = [...serializeResults(buildResultsHead(data), data.records, redactor.value)];
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(JSON.stringify(redactor.value(buildResults(data))) + '\n');
  });

  it('produces a file readResults accepts, with secrets scrubbed and timestamps kept', async () => {
    const path = join(await dir, 'r.json');
    const data = input(20);
    await writeFileAtomic(path, serializeResults(buildResultsHead(data), data.records, createRedactor([SECRET]).value));
    const results = await readResults(path);
    expect(results.metrics).toHaveLength(20);
    expect(results.metrics[0]!.timestamps.first_token).toBe(3.25);
    expect(results.metrics[0]!.token_source).toBe('usage');
    expect(results.metrics[6]!.error_body).toBe('{"error":"bad key [REDACTED]"}');
    expect(JSON.stringify(results)).not.toContain(SECRET);
    expect(results.selfcheck?.cpu_percent).toBe(20);
  });
});
