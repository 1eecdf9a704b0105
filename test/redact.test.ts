/** Secret scrubbing must never eat measurements whose names mention tokens. */
import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretName, REDACTED } from '../lib/redact.ts';
import { buildResults, ResultsSchema } from '../lib/results.ts';
import { summarize } from '../lib/summary.ts';
import type { RequestRecord } from '../lib/record.ts';

describe('redaction by name', () => {
  it('treats credentials as secrets and config token counts as data', () => {
    for (const name of ['Authorization', 'x-api-key', 'access_token', 'token', 'X-Auth-Token', 'client_secret']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['max_tokens', 'max_output_tokens', 'tokenizer']) expect(isSecretName(name), name).toBe(false);
  });

  it('leaves a results file readable by its own schema after redaction, as run writes it', () => {
    const record: RequestRecord = {
      id: 1,
      startedAt: 0,
      headersAt: 5,
      firstByteAt: 6,
      firstTokenAt: 10,
      firstAnswerAt: 10,
      tokenTimes: [10, 20],
      reasoningTokens: 0,
      endedAt: 30,
      bytes: 100,
      chunks: 2,
      usage: { inputTokens: 3, outputTokens: 2 },
      sawEndMarker: true,
    };
    const redactor = createRedactor(['Bearer sk-secret-value']);
    const config = { url: 'http://127.0.0.1/v1/chat/completions', concurrency: 1, total_requests: 1, headers: { Authorization: 'Bearer sk-secret-value' } };
    const failed: RequestRecord = { ...record, id: 2, error: { kind: 'http', message: 'denied', status: 401, body: 'bad key sk-secret-value' } };
    const results = buildResults({
      config: redactor.value(config),
      startedAt: new Date(0),
      protocol: 'openai-chat',
      transport: 'fetch',
      interrupted: false,
      version: '0.0.0',
      summary: summarize([record, failed]),
      records: [record, failed],
    });
    const parsed = ResultsSchema.parse(JSON.parse(JSON.stringify(redactor.scrub(results))));
    expect(parsed.metrics[0]).toMatchObject({
      tokens_per_second: expect.any(Number),
      token_source: 'usage',
      token_times: [10, 20],
      timestamps: { first_token: 10 },
    });
    expect((parsed.config.headers as Record<string, string>).Authorization).toBe(REDACTED);
    expect(parsed.metrics[1]!.error_body).toBe(`bad key ${REDACTED}`);
  });
});
