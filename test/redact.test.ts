import { describe, expect, it } from 'vitest';
import { isSecretName } from '../lib/redact.ts';

describe('isSecretName', () => {
  it('treats key, token and secret names as secrets', () => {
    for (const name of ['Authorization', 'x-api-key', 'access_token', 'token', 'client_secret', 'password']) {
      expect(isSecretName(name)).toBe(true);
    }
  });

  it('keeps token counts, rates and token timing fields as data', () => {
    for (const name of ['max_tokens', 'total_tokens', 'tokens_per_second', 'output_tokens_per_second', 'first_token', 'token_times', 'token_source', 'reasoning_tokens']) {
      expect(isSecretName(name)).toBe(false);
    }
  });
});
