/**
 * Keeps secrets out of results, logs and error messages. Secret config fields
 * are found by name (config fields whose name says key, token, secret,
 * password, authorization or cookie, but not token *counts* like max_tokens);
 * request headers are all treated as secret but a short list of harmless ones
 * (gateways invent their own key headers: X-Auth, X-Goog-…, Ocp-Apim-…).
 * Their values, and the values of expanded ${ENV} variables, are then scrubbed
 * from every string we write, wherever they appear (e.g. a 401 body echoing the
 * key), also URL-encoded or JSON-escaped. Bearer / Basic credentials, URL
 * passwords and secret-named query parameters are scrubbed by shape as well.
 */

export const REDACTED = '[REDACTED]';
const SECRET_NAME = /key|token|secret|passw|authorization|cookie|credential|signature/i;
const COUNT_NAME = /tokens$|_tokens_|tokenizer/i;
const MIN_SECRET_LENGTH = 4;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !COUNT_NAME.test(name);
}

/** Request headers whose values are shown: standard, and never a credential. Any `*-version` header (anthropic-version) too. */
const HARMLESS_HEADERS = new Set(['content-type', 'accept', 'accept-encoding', 'accept-language', 'user-agent', 'content-length', 'connection', 'cache-control']);

/** Whether a request header's value may be shown: only the harmless ones (and never a secret-named one). */
export function isHarmlessHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (HARMLESS_HEADERS.has(lower) || lower.endsWith('-version')) && !isSecretName(lower);
}

/**
 * A header value not named secret is scrubbed from text only from this length:
 * shorter values ("1", "true", "auto") are everyday words, and scrubbing them
 * everywhere would garble messages. Such a header's value is still redacted in
 * the results' config.
 */
const MIN_UNNAMED_SECRET_LENGTH = 8;

/** `headers` with every value but the harmless ones replaced by [REDACTED]. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isHarmlessHeader(name) ? value : REDACTED;
  return out;
}

export interface Redactor {
  /** Registers a value to scrub from every string (ignored if too short to be a secret). */
  add(secret: string): void;
  text(value: string): string;
  /** `value` with every string scrubbed of known secret values: changed parts are copied, `value` itself is never modified. */
  value<T>(value: T): T;
  /** The registered secret values (with their variants), to rebuild this redactor in a worker thread. */
  secrets(): string[];
}

export function createRedactor(initial: Iterable<string> = []): Redactor {
  const secrets = new Set<string>();
  let pattern: RegExp | undefined;

  const remember = (secret: string) => {
    if (secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
  };
  const add = (secret: string) => {
    if (secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
    remember(secret);
    // A bearer token is also scrubbed without its "Bearer " prefix.
    const bare = secret.replace(/^(bearer|basic|token)\s+/i, '');
    // ...and in the spellings an echo may use: URL-encoded (a query string) or JSON-escaped (an error body).
    for (const variant of [bare, encodeURIComponent(bare), JSON.stringify(bare).slice(1, -1)]) remember(variant);
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    pattern = new RegExp(alternatives.join('|'), 'g');
  };
  for (const secret of initial) add(secret);

  const text = (value: string): string => {
    let out = pattern ? value.replace(pattern, REDACTED) : value;
    // Each rule below needs one of these to match: most strings (every clean per-request row's) skip them all.
    // Stryker disable next-line ConditionalExpression: a shortcut: none of the rules below matches such a string
    if (!MAY_HOLD_CREDENTIALS.test(out)) return out;
    out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
    // user:password@ in a URL.
    out = out.replace(/(\/\/[^/\s:@"']+):[^@\s/"']+@/g, `$1:${REDACTED}@`);
    return redactUrlQuery(out);
  };

  const value = <T>(input: T): T => mapStrings(input, text) as T;
  return { add, text, value, secrets: () => [...secrets] };
}

/**
 * Registers the secrets a config carries: values of secret-named headers, URL
 * query parameters and body fields (at any depth), and a URL's password.
 */
export function collectSecrets(
  redactor: Redactor,
  headers: Record<string, string>,
  url: string | undefined,
  body?: unknown,
): void {
  for (const [name, value] of Object.entries(headers)) {
    if (isSecretName(name) || (!isHarmlessHeader(name) && value.length >= MIN_UNNAMED_SECRET_LENGTH)) redactor.add(value);
  }
  if (url) {
    try {
      const parsed = new URL(url);
      for (const [name, value] of parsed.searchParams) if (isSecretName(name)) redactor.add(value);
      // Stryker disable next-line ConditionalExpression: add() ignores the empty password
      if (parsed.password) redactor.add(decodeSafe(parsed.password));
    } catch {
      // Not a URL: nothing to collect.
    }
  }
  collectSecretFields(redactor, body);
}

function collectSecretFields(redactor: Redactor, value: unknown): void {
  if (Array.isArray(value)) for (const item of value) collectSecretFields(redactor, item);
  else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      if (isSecretName(name) && typeof item === 'string') redactor.add(item);
      else collectSecretFields(redactor, item);
    }
  }
}

/**
 * A deep copy of a config-like value with every secret-named field (a body
 * field, a query parameter holder) and every `headers` value but the harmless
 * ones replaced by [REDACTED]. Only for user-supplied config: results fields
 * such as token_times are not secrets.
 */
export function redactSecretFields<T>(input: T): T {
  if (Array.isArray(input)) return input.map(redactSecretFields) as T;
  if (input && typeof input === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(input)) {
      if (name === 'headers' && value && typeof value === 'object' && !Array.isArray(value)) out[name] = redactHeaders(value as Record<string, unknown>);
      else out[name] = isSecretName(name) && (typeof value === 'string' || typeof value === 'number') ? REDACTED : redactSecretFields(value);
    }
    return out as T;
  }
  return input;
}

/**
 * `input` with every string passed through `text`. Copy on write: an object or
 * array is copied only when something in it changed, so a clean per-request
 * row (the common case, once per request) costs no allocation.
 */
const MAY_HOLD_CREDENTIALS = /Bearer|Basic|@|=/;

function mapStrings(input: unknown, text: (s: string) => string): unknown {
  if (typeof input === 'string') return text(input);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a number, boolean or null walks no property below and comes back as is
  if (input === null || typeof input !== 'object') return input;
  if (Array.isArray(input)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < input.length; i++) {
      const item: unknown = input[i];
      // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut: a number maps to itself
      if (typeof item === 'number') continue;
      const mapped = mapStrings(item, text);
      if (mapped !== item) (out ??= input.slice())[i] = mapped;
    }
    return out ?? input;
  }
  const record = input as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    const item = record[name];
    const mapped = mapStrings(item, text);
    if (mapped !== item) (out ??= { ...record })[name] = mapped;
  }
  return out ?? input;
}

function redactUrlQuery(text: string): string {
  // ?key=..., &api_key=..., &access_token=... inside any URL in the text.
  return text.replace(/([?&])([^=&\s"'#]+)=([^&\s"'#]+)/g, (match, sep: string, name: string) =>
    isSecretName(decodeSafe(name)) ? `${sep}${name}=${REDACTED}` : match,
  );
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
