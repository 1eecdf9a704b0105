/**
 * Request templates: `{{column}}` placeholders in the URL, header values and
 * the body's strings, filled from one data row per request.
 *
 * The body is substituted as a parsed value, never as JSON text: each
 * placeholder's value goes through JSON.stringify, so quotes, backslashes,
 * newlines, emoji and Chinese text stay valid JSON. A string that is exactly
 * one typed placeholder (`"{{n:int}}"`, `:number`, `:bool`, `:json`) becomes a
 * value of that type. The template is compiled once into static JSON fragments
 * and per-row slots; every typed value of every row is checked at compile time,
 * so a bad cell stops the run before any request is sent.
 */
import type { ColumnStore } from './column-store.ts';
import { ValueKind } from './column-store.ts';
import type { Dataset } from './dataset.ts';
import { UsageError } from '../record/errors.ts';
import type { TransportRequest } from '../wire/transport.ts';

export const PLACEHOLDER_TYPES = ['string', 'int', 'number', 'bool', 'json'] as const;
export type PlaceholderType = (typeof PLACEHOLDER_TYPES)[number];

export interface Placeholder {
  /** Column name (CSV) or path `a.b` (JSONL). */
  field: string;
  type: PlaceholderType;
  /** As written, e.g. `{{max_tokens:int}}`. */
  text: string;
  /** Where it is, e.g. `body.messages[0].content`. */
  where: string;
}

export interface RequestTemplate {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** A JSON value (strings inside may hold placeholders), a raw text body, or none. */
  body: unknown;
}

/** Renders request i's row into a request. */
export type RequestRenderer = (row: number) => TransportRequest;

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const TYPED = /^(.+?)\s*:\s*([A-Za-z]+)$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);
const BAD_HEADER_CHARS = /[\r\n\0]/;

/** Every placeholder in the template, in order. Bad placeholder syntax is a UsageError. */
export function findPlaceholders(template: RequestTemplate): Placeholder[] {
  const found: Placeholder[] = [];
  const scan = (text: string, where: string) => {
    for (const match of text.matchAll(PLACEHOLDER)) found.push(parsePlaceholder(match[0], match[1] as string, where));
  };
  scan(template.url, 'url');
  for (const [name, value] of Object.entries(template.headers)) scan(value, `headers.${name}`);
  walkStrings(template.body, 'body', scan);
  return found;
}

/**
 * Compiles the template against a dataset: every placeholder's field must be
 * stored in it, and every typed value of every row must convert.
 */
export function compileTemplate(template: RequestTemplate, data: Dataset): RequestRenderer {
  const url = compileText(template.url, 'url', data, encodeURIComponent);
  const headers = Object.entries(template.headers).map(
    ([name, value]) => [name, compileText(value, `headers.${name}`, data, undefined, true)] as const,
  );
  const body =
    template.body === undefined
      ? undefined
      : typeof template.body === 'string'
        ? compileText(template.body, 'body', data)
        : compileJson(template.body, data);

  const staticHeaders = headers.every(([, render]) => typeof render === 'string')
    ? Object.fromEntries(headers as Array<readonly [string, string]>)
    : undefined;
  const { method } = template;
  return (row) => {
    let rowHeaders = staticHeaders;
    if (!rowHeaders) {
      rowHeaders = {};
      for (const [name, render] of headers) rowHeaders[name] = typeof render === 'string' ? render : render(row);
    }
    return {
      url: typeof url === 'string' ? url : url(row),
      method,
      headers: rowHeaders,
      body: body === undefined || typeof body === 'string' ? body : body(row),
    };
  };
}

/** A rendered piece: fixed text, or text that depends on the row. */
type Piece = string | ((row: number) => string);

function compileText(
  text: string,
  where: string,
  data: Dataset,
  escape?: (value: string) => string,
  headerValue = false,
): Piece {
  const pieces: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    pieces.push(text.slice(last, match.index)); // may be '': join() merges it away
    const placeholder = parsePlaceholder(match[0], match[1] as string, where);
    const value = valueReader(placeholder, data, headerValue);
    pieces.push(escape ? (row) => escape(value(row)) : value);
    last = match.index + match[0].length;
  }
  pieces.push(text.slice(last));
  return join(pieces);
}

/** Compiles a JSON value to fixed JSON text and per-row slots. */
function compileJson(body: unknown, data: Dataset): Piece {
  const pieces: Piece[] = [];
  const emit = (value: unknown, where: string): void => {
    if (typeof value === 'string') {
      const matches = [...value.matchAll(PLACEHOLDER)];
      const only = matches[0];
      if (matches.length === 1 && only && only[0] === value) {
        pieces.push(jsonReader(parsePlaceholder(only[0], only[1] as string, where), data));
      } else if (matches.length > 0) {
        const text = compileText(value, where, data);
        pieces.push(typeof text === 'string' ? JSON.stringify(text) : (row) => JSON.stringify(text(row)));
      } else {
        pieces.push(JSON.stringify(value));
      }
    } else if (Array.isArray(value)) {
      pieces.push('[');
      value.forEach((item, i) => {
        if (i > 0) pieces.push(',');
        emit(item ?? null, `${where}[${i}]`);
      });
      pieces.push(']');
    } else if (value !== null && typeof value === 'object') {
      pieces.push('{');
      let first = true;
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        if (!first) pieces.push(',');
        first = false;
        pieces.push(`${JSON.stringify(key)}:`);
        emit(item, `${where}.${key}`);
      }
      pieces.push('}');
    } else {
      pieces.push(JSON.stringify(value) ?? 'null');
    }
  };
  emit(body, 'body');
  return join(pieces);
}

/** Merges adjacent fixed text; returns one string when nothing depends on the row. */
function join(pieces: Piece[]): Piece {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    // Stryker disable next-line ArithmeticOperator: merged[length + 1] is undefined, so nothing merges: the same text, more pieces
    const previous = merged[merged.length - 1];
    // Stryker disable next-line StringLiteral: typeof is never "", so nothing merges: the same text, more pieces
    if (typeof piece === 'string' && typeof previous === 'string') merged[merged.length - 1] = previous + piece;
    else merged.push(piece);
  }
  if (merged.length === 0) return '';
  if (merged.length === 1 && typeof merged[0] === 'string') return merged[0];
  return (row) => {
    let out = '';
    for (const piece of merged) out += typeof piece === 'string' ? piece : piece(row);
    return out;
  };
}

/** The row's value as text (for URLs, headers and inside longer strings). */
function valueReader(placeholder: Placeholder, data: Dataset, headerValue: boolean): (row: number) => string {
  const store = storeFor(placeholder, data);
  if (headerValue) {
    checkRows(placeholder, data, store, 'header', (row) => (BAD_HEADER_CHARS.test(asText(store, row)) ? 'a header value cannot hold a line break' : undefined));
  }
  // A typed value's JSON text is its text form too (42, true, {"a":1}).
  return placeholder.type === 'string' ? (row) => asText(store, row) : jsonReader(placeholder, data);
}

/** The row's value as JSON text, of the placeholder's type. */
function jsonReader(placeholder: Placeholder, data: Dataset): (row: number) => string {
  const store = storeFor(placeholder, data);
  const { type } = placeholder;
  if (type === 'string') return (row) => JSON.stringify(asText(store, row));
  if (type === 'json') {
    checkRows(placeholder, data, store, type, (row) => {
      if (store.kind(row) !== ValueKind.Cell) return undefined;
      try {
        JSON.parse(store.get(row));
        return undefined;
      } catch {
        return 'needs JSON text';
      }
    });
    return (row) => (store.kind(row) === ValueKind.String ? JSON.stringify(store.get(row)) : store.get(row));
  }
  const convert = type === 'bool' ? toBool : type === 'int' ? toInt : toNumber;
  checkRows(placeholder, data, store, type, (row) =>
    convert(store.get(row)) === undefined ? `needs ${type === 'int' ? 'an integer' : type === 'bool' ? 'true or false' : 'a number'}` : undefined,
  );
  return (row) => convert(store.get(row)) as string;
}

function asText(store: ColumnStore, row: number): string {
  const text = store.get(row);
  // JSONL null fills a string as nothing; other non-strings as their JSON text.
  return store.kind(row) === ValueKind.Json && text === 'null' ? '' : text;
}

function toNumber(text: string): string | undefined {
  const trimmed = text.trim();
  return JSON_NUMBER.test(trimmed) ? JSON.stringify(Number(trimmed)) : undefined;
}

function toInt(text: string): string | undefined {
  const number = toNumber(text);
  return number !== undefined && Number.isSafeInteger(Number(number)) ? number : undefined;
}

function toBool(text: string): string | undefined {
  const word = text.trim().toLowerCase();
  return TRUE_WORDS.has(word) ? 'true' : FALSE_WORDS.has(word) ? 'false' : undefined;
}

/** Checks already passed, per dataset: compiling the same template again (e.g. for another URL) does not re-scan the rows. */
const passedChecks = new WeakMap<Dataset, Set<string>>();

/** Fails at the first row whose value `problem` rejects, naming file:line. */
function checkRows(
  placeholder: Placeholder,
  data: Dataset,
  store: ColumnStore,
  check: string,
  problem: (row: number) => string | undefined,
): void {
  let passed = passedChecks.get(data);
  if (!passed) passedChecks.set(data, (passed = new Set()));
  const key = `${check}\0${placeholder.field}`;
  if (passed.has(key)) return;
  for (let row = 0; row < data.rows; row++) {
    const why = problem(row);
    if (why !== undefined) {
      const value = store.get(row);
      const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
      throw new UsageError(`${data.label}:${data.line(row)}: ${placeholder.text} in ${placeholder.where} ${why}, got ${shown}`);
    }
  }
  passed.add(key);
}

function storeFor(placeholder: Placeholder, data: Dataset): ColumnStore {
  const store = data.field(placeholder.field);
  if (!store) {
    throw new UsageError(
      `${placeholder.text} in ${placeholder.where} names no column of ${data.label}; the columns are: ${data.usable.join(', ')}`,
    );
  }
  return store;
}

function parsePlaceholder(text: string, inner: string, where: string): Placeholder {
  const content = inner.trim();
  if (!content) throw new UsageError(`${where}: empty placeholder ${text}`);
  const typed = TYPED.exec(content);
  if (!typed) return { field: content, type: 'string', text, where };
  const type = (typed[2] as string).toLowerCase();
  if (!(PLACEHOLDER_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`${where}: unknown placeholder type "${typed[2]}" in ${text}; use int, number, bool or json`);
  }
  return { field: typed[1] as string, type: type as PlaceholderType, text, where };
}

function walkStrings(value: unknown, where: string, visit: (text: string, where: string) => void): void {
  if (typeof value === 'string') visit(value, where);
  else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, `${where}[${i}]`, visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walkStrings(item, `${where}.${key}`, visit);
  }
}
