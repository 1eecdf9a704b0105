/**
 * Typed errors. In code they are classes with a `code` and a `cause` (ofetch
 * style messages); in results they become RequestError data, counted by kind.
 */
import type { ErrorKind, RequestError } from './record.ts';

export class StreamBenchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or input: the CLI prints the message on one line and exits 2. */
export class UsageError extends StreamBenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
  }
}

/** A request that failed; `kind` is how it is counted in the results. */
export class RequestFailure extends StreamBenchError {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: { status?: number; body?: string; retryAfter?: string; code?: string; cause?: unknown } = {},
  ) {
    super(`E_${kind.toUpperCase()}`, message, { cause: details.cause });
  }

  toData(): RequestError {
    const data: RequestError = { kind: this.kind, message: this.message };
    if (this.details.status !== undefined) data.status = this.details.status;
    if (this.details.body !== undefined) data.body = this.details.body;
    if (this.details.retryAfter !== undefined) data.retryAfter = this.details.retryAfter;
    if (this.details.code !== undefined) data.code = this.details.code;
    return data;
  }
}

/** `[POST] "http://host/path": 503 Service Unavailable` */
export function describeRequest(method: string, url: string, detail: string): string {
  return `[${method}] ${JSON.stringify(url)}: ${detail}`;
}

/** The first error code found along an error's cause chain (fetch wraps socket errors). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('E_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = errorCode(error);
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    const base = cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
    return code && !base.includes(code) ? `${base} [${code}]` : base;
  }
  return String(error);
}
