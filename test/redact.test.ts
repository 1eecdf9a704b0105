import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, isSecretName, REDACTED, redactSecretFields } from '../lib/redact.ts';

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
    expect(out.headers['X-Trace']).toBe('abc');
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
