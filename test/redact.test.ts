import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, REDACTED } from '../lib/redact.ts';
import { recordToRow } from '../lib/results.ts';

const KEY = 'sk-live/abc+def=123456';

describe('createRedactor', () => {
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

  it('value() replaces secret-named config fields; strings() keeps measured fields such as first_token', () => {
    const r = createRedactor();
    const config = { headers: { 'x-api-key': 'abcd1234', 'Content-Type': 'application/json' }, body: { max_tokens: 5, api_token: 'zzzz9999' } };
    expect(r.value(config)).toEqual({
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
    expect(r.strings(row)).toEqual(row);
  });
});

describe('collectSecrets', () => {
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
