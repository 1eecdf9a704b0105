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
