import { describe, expect, it } from 'vitest';
import { COMMON_BACKLOG, shouldPreconnect } from '../lib/wire/preconnect.ts';

describe('shouldPreconnect', () => {
  it('auto: always for https, for plain http only above a common listen backlog', () => {
    expect(shouldPreconnect('auto', 'https://api.example.com/v1/chat/completions', 1)).toBe(true);
    expect(shouldPreconnect('auto', 'http://127.0.0.1:8000/v1/chat/completions', COMMON_BACKLOG)).toBe(false);
    expect(shouldPreconnect('auto', 'http://127.0.0.1:8000/v1/chat/completions', COMMON_BACKLOG + 1)).toBe(true);
    expect(shouldPreconnect('auto', 'http://127.0.0.1:8000/', 10_000)).toBe(true);
  });

  it('an explicit setting wins', () => {
    expect(shouldPreconnect(true, 'http://127.0.0.1:8000/', 2)).toBe(true);
    expect(shouldPreconnect(false, 'https://api.example.com/', 10_000)).toBe(false);
  });
});
