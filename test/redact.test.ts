import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../lib/record/record.ts';
import { collectSecrets, createRedactor, isHarmlessHeader, isSecretName, REDACTED, redactSecretFields } from '../lib/wire/redact.ts';
import { buildResults, recordToRow, ResultsSchema } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';

describe('redaction', () => {
  it.each([
    ['Authorization', true],
    ['x-api-key', true],
    ['api-key', true],
    ['access_token', true],
    ['client_secret', true],
    ['max_tokens', false],
    ['max_completion_tokens', false],
    ['model', false],
  ])('%s is secret: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  it.each([
    ['Content-Type', true],
    ['accept', true],
    ['User-Agent', true],
    ['anthropic-version', true],
    ['X-Api-Version', true],
    ['X-Auth', false],
    ['Ocp-Apim-Subscription-Key', false],
    ['X-Goog-Api-Key', false],
    ['X-Trace', false],
    ['X-Token-Version', false],
  ])('the %s header is shown in results: %s', (name, shown) => {
    expect(isHarmlessHeader(name)).toBe(shown);
  });

  it('treats a header no name marks as secret as one: X-Auth is redacted in the config and scrubbed from echoes', () => {
    const key = 'sk-gateway-0123456789';
    const headers = { 'X-Auth': key, 'Content-Type': 'application/json', 'anthropic-version': '2023-06-01', 'X-Mode': 'fast' };
    const redactor = createRedactor();
    collectSecrets(redactor, headers, 'http://h/v1');
    const out = redactor.value(redactSecretFields({ headers, error: `401: unknown key ${key}; mode fast` }));
    expect(out.headers).toEqual({ 'X-Auth': REDACTED, 'Content-Type': 'application/json', 'anthropic-version': '2023-06-01', 'X-Mode': REDACTED });
    expect(JSON.stringify(out)).not.toContain(key);
    // A short everyday value is not scrubbed from text (it would garble messages), only from the config.
    expect(out.error).toBe(`401: unknown key ${REDACTED}; mode fast`);
  });

  it('scrubs secret fields and secret values anywhere, including echoed bodies and query strings', () => {
    const canary = 'sk-canary-0123456789';
    const redactor = createRedactor();
    collectSecrets(redactor, { Authorization: `Bearer ${canary}`, 'X-Trace': 'abc' }, 'http://h/v1?key=gem-canary-42&alt=sse');
    const out = redactor.value(redactSecretFields({
      headers: { Authorization: `Bearer ${canary}`, 'X-Trace': 'abc' },
      url: 'http://h/v1?key=gem-canary-42&alt=sse',
      body: { max_tokens: 5 },
      error: `401: {"error":"bad key ${canary}"}`,
      other: 'uses gem-canary-42 somewhere',
    }));
    const text = JSON.stringify(out);
    expect(text).not.toContain(canary);
    expect(text).not.toContain('gem-canary-42');
    // Every header but the harmless ones is redacted in the config, named secret or not.
    expect(out.headers['X-Trace']).toBe(REDACTED);
    expect(out.body.max_tokens).toBe(5);
    expect(out.url).toBe(`http://h/v1?key=${REDACTED}&alt=sse`);
    expect(out.headers.Authorization).toBe(REDACTED);
  });

  it('scrubs values only (not field names) in results-like data', () => {
    const redactor = createRedactor(['sk-canary-9999']);
    const row = { token_times: [1, 2], tokens_per_second: 3, error: 'echo sk-canary-9999' };
    expect(redactor.value(row)).toEqual({ token_times: [1, 2], tokens_per_second: 3, error: `echo ${REDACTED}` });
  });

  it('scrubs bare bearer tokens it was never told about', () => {
    expect(createRedactor().text('sent Authorization: Bearer abcdefgh12345')).toBe(`sent Authorization: Bearer ${REDACTED}`);
  });
});

const KEY = 'sk-live/abc+def=123456';

describe('createRedactor, hardened', () => {
  it('scrubs a registered secret raw, URL-encoded, JSON-escaped and without its Bearer prefix', () => {
    const r = createRedactor([`Bearer ${KEY}`]);
    expect(r.text(`got ${KEY}`)).toBe(`got ${REDACTED}`);
    expect(r.text(`url ?k=${encodeURIComponent(KEY)}`)).toBe(`url ?k=${REDACTED}`);
    expect(r.text(`Authorization: Bearer ${KEY}`)).toBe(`Authorization: ${REDACTED}`);
    const password = 'pa"ss\\word';
    r.add(password);
    expect(r.text(JSON.stringify({ echo: password }))).toBe(`{"echo":"${REDACTED}"}`);
  });

  it('scrubs by shape what it was never told: Bearer tokens, URL passwords, secret-named query parameters', () => {
    const r = createRedactor();
    expect(r.text('Authorization: Bearer abcdefgh12345678')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r.text('http://user:hunter22@host/x')).toBe(`http://user:${REDACTED}@host/x`);
    expect(r.text('"https://g.test/v1/m:stream?alt=sse&key=AIzaXYZ" failed')).toBe(`"https://g.test/v1/m:stream?alt=sse&key=${REDACTED}" failed`);
    expect(r.text('?api_key=1&access_token=2&max_tokens=3')).toBe(`?api_key=${REDACTED}&access_token=${REDACTED}&max_tokens=3`);
  });

  it('redactSecretFields() replaces secret-named config fields; value() keeps measured fields such as first_token', () => {
    const r = createRedactor();
    const config = { headers: { 'x-api-key': 'abcd1234', 'Content-Type': 'application/json' }, body: { max_tokens: 5, api_token: 'zzzz9999' } };
    expect(redactSecretFields(config)).toEqual({
      headers: { 'x-api-key': REDACTED, 'Content-Type': 'application/json' },
      body: { max_tokens: 5, api_token: REDACTED },
    });
    const row = recordToRow({
      id: 1,
      startedAt: 0,
      firstTokenAt: 10,
      tokenTimes: [10],
      reasoningTokens: 0,
      endedAt: 20,
      bytes: 1,
      chunks: 1,
      sawEndMarker: true,
    });
    expect(r.value(row)).toEqual(row);
  });
});

describe('createRedactor().value, copy on write', () => {
  it('returns a clean value as is, and copies only the parts it changed, never touching the input', () => {
    const redactor = createRedactor(['sk-canary-secret-value']);
    const clean = { id: 1, times: [1.5, 2.5], usage: { input: 3 }, error: null, note: 'fine' };
    expect(redactor.value(clean)).toBe(clean);
    const dirty = { id: 2, times: [1], usage: { input: 3 }, error: { message: 'key sk-canary-secret-value refused' }, list: ['a', 'x?api_key=abc123'] };
    const before = JSON.stringify(dirty);
    const out = redactor.value(dirty);
    expect(JSON.stringify(dirty)).toBe(before);
    expect(out).not.toBe(dirty);
    expect(out.error.message).toBe(`key ${REDACTED} refused`);
    expect(out.list).toEqual(['a', `x?api_key=${REDACTED}`]);
    // Unchanged branches are shared, not copied.
    expect(out.usage).toBe(dirty.usage);
    expect(out.times).toBe(dirty.times);
  });
});

describe('redaction details', () => {
  it('a name that holds "tokens" only inside another word is still a secret name', () => {
    expect(isSecretName('tokensecret')).toBe(true);
    expect(isSecretName('prompt_tokens_details')).toBe(false);
    expect(isSecretName('tokenizer')).toBe(false);
  });

  it('scrubs a secret of 4 characters or more, never a shorter one (it would scrub common words)', () => {
    const r = createRedactor(['abcd', 'xyz', 'Bearer qrs']);
    expect(r.text('abcd xyz qrs')).toBe(`${REDACTED} xyz qrs`);
    expect(r.secrets()).toEqual(['abcd', 'Bearer qrs']);
  });

  it('scrubs the longest secret first, so a longer one never leaks its tail', () => {
    const r = createRedactor(['abcd', 'abcdefgh12']);
    expect(r.text('[abcdefgh12] [abcd]')).toBe(`[${REDACTED}] [${REDACTED}]`);
    const reversed = createRedactor(['abcdefgh12', 'abcd']);
    expect(reversed.text('[abcdefgh12]')).toBe(`[${REDACTED}]`);
  });

  it('strips a Bearer prefix followed by any spaces, and scrubs Bearer tokens after any spaces', () => {
    const r = createRedactor(['Bearer   tok12345']);
    expect(r.text('"tok12345"')).toBe(`"${REDACTED}"`);
    expect(createRedactor().text('Authorization: Bearer    abcdefgh12345')).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('rebuilds from its secrets() in another thread', () => {
    const r = createRedactor(['Bearer sk-secret-123']);
    const copy = createRedactor(r.secrets());
    expect(copy.text('sk-secret-123 and Bearer sk-secret-123')).toBe(r.text('sk-secret-123 and Bearer sk-secret-123'));
    expect(copy.text('sk-secret-123')).toBe(REDACTED);
  });

  it('redactSecretFields replaces secret strings and numbers, inside arrays too, and leaves other fields', () => {
    expect(redactSecretFields([{ api_key: 'k-123456', token: 123456, model: 'llama3', max_tokens: 256 }])).toEqual([
      { api_key: REDACTED, token: REDACTED, model: 'llama3', max_tokens: 256 },
    ]);
  });

  it('value() returns a clean value holding arrays and nulls as is', () => {
    const r = createRedactor(['sk-canary-secret-value']);
    const clean = { rows: [{ a: 'x', b: [1, 'y', null] }], none: null, n: 3 };
    expect(r.value(clean)).toBe(clean);
    expect(r.value(clean.rows)).toBe(clean.rows);
  });
});

describe('collectSecrets', () => {
  it('collects only secret-named query parameters and body fields, in arrays too', () => {
    const r = createRedactor();
    collectSecrets(r, {}, 'http://h/x?model=llama3-70b&api_key=q-secret-9', { items: [{ api_key: 'arr-secret-7' }], model: 'mistral-large' });
    expect(r.text('llama3-70b q-secret-9 arr-secret-7 mistral-large')).toBe(`llama3-70b ${REDACTED} ${REDACTED} mistral-large`);
    // Not a URL: nothing to collect from it.
    expect(() => collectSecrets(r, {}, 'not a url')).not.toThrow();
  });

  it('collects secret-named headers, query parameters, body fields at any depth and URL passwords', () => {
    const r = createRedactor();
    collectSecrets(r, { Authorization: 'Bearer hdr-secret-1', Accept: 'text/event-stream' }, 'http://u:pw-secret-2@h/x?key=q-secret-3&model=m', {
      auth: { api_key: 'body-secret-4' },
      messages: [{ content: 'hello world' }],
    });
    const text = 'hdr-secret-1 pw-secret-2 q-secret-3 body-secret-4 text/event-stream hello world';
    expect(r.text(text)).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} text/event-stream hello world`);
  });
});

describe('a results file after redaction, as run writes it', () => {
  it('keeps every measurement readable by its own schema and scrubs the secrets', () => {
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
    const failed: RequestRecord = { ...record, id: 2, error: { kind: 'http', message: 'denied', status: 401, body: 'bad key sk-secret-value' } };
    const redactor = createRedactor(['Bearer sk-secret-value']);
    const config = { url: 'http://127.0.0.1/v1/chat/completions', concurrency: 1, total_requests: 1, headers: { Authorization: 'Bearer sk-secret-value' } };
    const results = buildResults({
      config: redactSecretFields(config),
      startedAt: new Date(0),
      protocol: 'openai-chat',
      transport: 'fetch',
      interrupted: false,
      version: '0.0.0',
      summary: summarize([record, failed]),
      records: [record, failed],
    });
    const parsed = ResultsSchema.parse(JSON.parse(JSON.stringify(redactor.value(results))));
    expect(parsed.metrics[0]).toMatchObject({
      tokens_per_second: expect.any(Number),
      token_source: 'usage',
      token_times: [10, 20],
      timestamps: { first_token: 10 },
    });
    expect(parsed.summary).toMatchObject({ token_sources: { usage: 1, tokenizer: 0, events: 0 }, peak_output_tokens_per_second: 2 });
    expect((parsed.config.headers as Record<string, string>).Authorization).toBe(REDACTED);
    expect(parsed.metrics[1]!.error_body).toBe(`bad key ${REDACTED}`);
  });
});
