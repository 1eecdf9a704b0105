/**
 * Hints for the common mistakes behind a failed request: a missing key, a
 * forgotten `"stream": true`, a URL that serves a web page. Pure functions of
 * what the response said; request.ts appends them to error messages. Only
 * called on failures, never per chunk.
 */

const STATUS_HINTS: Record<number, string> = {
  400: 'the server rejected the request: check the body (model name, fields)',
  401: 'check the API key: the Authorization or x-api-key header, or the ${ENV} it comes from',
  403: 'the key is not allowed to use this endpoint or model',
  404: 'check the URL path and the model name',
  405: 'check --method and the URL path',
  413: 'the request body is too large for the server',
  429: 'rate limited: lower --concurrency or raise the quota',
  502: 'a proxy got no valid answer from the server behind it',
  503: 'the server is overloaded or down',
  504: 'a proxy timed out waiting for the server',
};

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there: is the server running, on this host and port?',
  ENOTFOUND: 'the host name does not resolve: check the URL',
  EAI_AGAIN: 'DNS lookup failed: check the network and the host name',
  ECONNRESET: 'the server closed the connection before responding',
  UND_ERR_SOCKET: 'the server closed the connection before responding',
  EMFILE: 'too many open files: raise `ulimit -n` or lower --concurrency',
  EADDRNOTAVAIL: 'out of local ports: lower --concurrency',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate: trust it with NODE_EXTRA_CA_CERTS=ca.pem',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate: trust it with NODE_EXTRA_CA_CERTS=ca.pem',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted TLS certificate: trust its CA with NODE_EXTRA_CA_CERTS=ca.pem',
  ERR_SSL_WRONG_VERSION_NUMBER: 'https:// to a plain-HTTP port? try http://',
};

export function connectHint(code: string | undefined): string | undefined {
  return code === undefined ? undefined : CONNECT_HINTS[code];
}

/** "401 Unauthorized: Invalid API key (check the API key ...)" from what an error response said. */
export function describeHttpError(
  status: number,
  statusText: string,
  contentType: string | null,
  body: string,
  retryAfter: string | undefined,
): string {
  let text = `${status} ${statusText}`.trim();
  const provider = isHtml(contentType, body) ? undefined : providerMessage(body);
  if (provider) text += `: ${provider}`;
  const hints: string[] = [];
  if (isHtml(contentType, body)) hints.push('the answer is an HTML page, not the API: a wrong URL, or a proxy or login page?');
  const hint = STATUS_HINTS[status] ?? (status >= 500 ? 'server error' : undefined);
  if (hint) hints.push(hint);
  if (retryAfter !== undefined) hints.push(`Retry-After: ${retryAfter}`);
  return hints.length > 0 ? `${text} (${hints.join('; ')})` : text;
}

/**
 * Why the response broke HTTP/1.1, when `error` (or a cause of it) is undici's
 * (llhttp's) verdict on the bytes; undefined for any other error.
 */
export function malformedHttpReason(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    const message = current.message;
    // llhttp: "Response does not match the HTTP/1.1 protocol (Invalid header field char)" (its code is often unset).
    if (current.name === 'HTTPParserError') return `${/\((.*)\)$/.exec(message)?.[1] ?? message}${typeof code === 'string' ? ` [${code}]` : ''}`;
    if (typeof code === 'string') {
      if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return `the body length does not match Content-Length (or Content-Length came with Transfer-Encoding) [${code}]`;
      if (code === 'UND_ERR_HEADERS_OVERFLOW') return `the response head is larger than the 16 KB limit [${code}]`;
      if (code === 'UND_ERR_SOCKET' && message === 'bad upgrade') return `a 101 Switching Protocols that the request never asked for [${code}]`;
      if (code === 'UND_ERR_SOCKET' && message === 'bad response') return `a response nobody asked for, or a 100 Continue [${code}]`;
    }
    current = current.cause;
  }
  return undefined;
}

/** "301 Moved Permanently: a redirect to https://… (not followed: …)". */
export function describeRedirect(status: number, statusText: string, location: string | null): string {
  const line = `${status} ${statusText}`.trim();
  if (location === null) return `${line}: a redirect status without a Location header`;
  return `${line}: a redirect to ${location} (streambench does not follow redirects, which would time two requests as one: use the final URL)`;
}

/** A stream the server compressed: its bytes are not the stream's, and the compressor decides when they leave. */
export function describeCompressedStream(encoding: string, acceptEncoding: string): string {
  const asked = acceptEncoding === 'identity' ? 'although the request asked for none (Accept-Encoding: identity)' : `(the request sent Accept-Encoding: ${acceptEncoding})`;
  return `the stream is compressed (Content-Encoding: ${encoding}) ${asked}: streambench times the bytes as they arrive and does not decompress them; turn compression off for this route on the server or its proxy`;
}

/** Why a 200 response gave no token, judged from its content type and first characters. */
export function describeTokenlessStream(contentType: string | null, head: string, bytes: number, messages: number): string {
  if (bytes === 0) return 'the response body was empty';
  if (isHtml(contentType, head)) {
    return `got an HTML page (${contentType ?? 'no content-type'}), not a stream: a wrong URL, or a proxy or login page?`;
  }
  if (messages === 0 && /event-stream/i.test(contentType ?? '')) {
    return `no SSE event in ${bytes} bytes of ${contentType}: malformed SSE (an event is "data: ..." lines ended by a blank line)`;
  }
  const looksJson = /^\s*[{[]/.test(head);
  if (messages === 0 && (looksJson || /json/i.test(contentType ?? ''))) {
    const provider = providerMessage(head);
    return (
      `got a single JSON response (${contentType ?? 'no content-type'}), not a stream: is "stream": true missing from the body?` +
      (provider ? ` The server said: ${provider}` : '')
    );
  }
  if (messages === 0) {
    return `no stream message in ${bytes} bytes (${contentType ?? 'no content-type'}): not the framing this protocol expects (try --protocol raw?)`;
  }
  return `stream ended without any token (${messages} messages, none with text)`;
}

/** An HTML page, by its content-type or its first characters. */
export function isHtml(contentType: string | null, body: string): boolean {
  return /html/i.test(contentType ?? '') || /^\s*<(!doctype|html|head|body)\b/i.test(body);
}

const PROVIDER_MESSAGE_CHARS = 160;

/** The message in an OpenAI / Anthropic / Gemini / FastAPI style error body, if it is JSON. */
function providerMessage(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const candidates = [
    (json as { error?: { message?: unknown } })?.error?.message,
    (json as { error?: unknown })?.error,
    (json as { message?: unknown })?.message,
    (json as { detail?: unknown })?.detail,
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.trim().length > 0);
  if (!found) return undefined;
  const oneLine = found.replace(/\s+/g, ' ').trim();
  return oneLine.length > PROVIDER_MESSAGE_CHARS ? oneLine.slice(0, PROVIDER_MESSAGE_CHARS) + '…' : oneLine;
}
