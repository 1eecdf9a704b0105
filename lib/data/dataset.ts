/**
 * Data files that feed request templates: CSV (a header row, then one row per
 * request) or JSONL (one JSON object per line). The file is streamed once:
 * hashed (sha256), decoded (BOM detection, then TextDecoder with fatal errors,
 * so GBK or Big5 text is read right or refused, never garbled) and parsed; only
 * the fields the template uses are kept, in compact column stores.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { CsvError, parse as parseCsv, type Info } from 'csv-parse';
import { parseJsonWithPosition } from '../config/config.ts';
import { ColumnStore, Uint32List, ValueKind } from './column-store.ts';
import { UsageError } from '../record/errors.ts';
import { whyUnreadable } from '../util/input-file.ts';

export type DataType = 'csv' | 'jsonl';

export interface DataSource {
  /** Default: from the file extension (.jsonl / .ndjson: jsonl, else csv). */
  type?: DataType;
  /** Absolute path. */
  path: string;
  /** Shown in messages and recorded in results (the path as the user gave it). */
  label: string;
  /** Limits the columns placeholders may use. */
  column?: string | string[];
  /** A WHATWG encoding label; a byte order mark overrides it. Default utf-8. */
  encoding?: string;
}

/** A field to keep: a CSV column name, or a JSONL path such as `a.b`. */
export interface FieldRequest {
  name: string;
  /** Who asked for it, for error messages, e.g. `placeholder {{topic}} in body.messages[0].content`. */
  usedBy: string;
}

/** Which fields to keep; a function is called with the columns once the header (or first JSONL line) is read. */
export type FieldChoice = readonly FieldRequest[] | ((columns: readonly string[]) => FieldRequest[]);

/** Identifies the data a run used, so two runs can be checked for using the same data. */
export interface DatasetFingerprint {
  file: string;
  sha256: string;
  rows: number;
  columns: string[];
}

export interface Dataset {
  type: DataType;
  label: string;
  /** The encoding actually used (a BOM overrides the configured one). */
  encoding: string;
  bom: boolean;
  sha256: string;
  rows: number;
  /** Every column in the file (JSONL: every top-level key, in order of first appearance). */
  columns: string[];
  /** The columns placeholders may use: `column` when given, else all. */
  usable: string[];
  /** The stored values of a requested field. */
  field(name: string): ColumnStore | undefined;
  /** The 1-based line where row `row` (0-based) starts. */
  line(row: number): number;
  fingerprint(): DatasetFingerprint;
}

export const KNOWN_ENCODINGS_HINT = 'utf-8, gbk, gb18030, big5, utf-16le, utf-16be';

export function inferDataType(path: string): DataType {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

export async function loadDataset(source: DataSource, fields: FieldChoice): Promise<Dataset> {
  const type = source.type ?? inferDataType(source.path);
  const decoding = new FileDecoding(source);
  const limit = source.column === undefined ? undefined : [source.column].flat();
  const builder = new DatasetBuilder(source.label, type, limit, fields);
  const text = decoding.chunks();
  if (type === 'csv') await parseCsvInto(text, builder);
  else await parseJsonlInto(text, builder);
  builder.finish();
  if (decoding.bytes === 0 || (builder.rows === 0 && !builder.hasHeader)) throw new UsageError(`data file ${source.label} is empty`);
  if (builder.rows === 0) throw new UsageError(`data file ${source.label} has a header but no data rows`);
  return builder.build(decoding);
}

/** Streams a file's bytes as text: hashes them, picks the encoding (BOM first), decodes strictly. */
class FileDecoding {
  bytes = 0;
  encoding: string;
  bom = false;
  private readonly hash = createHash('sha256');
  private sha256: string | undefined;
  /** Newlines decoded so far, to place a decoding error on a line. */
  private lines = 1;

  constructor(private readonly source: DataSource) {
    this.encoding = source.encoding ?? 'utf-8';
    this.encoding = createDecoder(this.encoding).encoding;
  }

  digest(): string {
    this.sha256 ??= this.hash.digest('hex');
    return this.sha256;
  }

  async *chunks(): AsyncGenerator<string> {
    let decoder: TextDecoder | undefined;
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of createReadStream(this.source.path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        let bytes = chunk;
        if (!decoder) {
          // Wait for three bytes: enough to see any BOM.
          head = Buffer.concat([head, chunk]);
          // Stryker disable next-line ConditionalExpression,EqualityOperator: when the decoder is picked changes memory, not the text (a short head is decoded at the end)
          if (head.length < 3) continue;
          decoder = this.pickDecoder(head);
          bytes = head;
        }
        const text = this.decode(decoder, bytes, true);
        if (text) yield text;
      }
    } catch (error) {
      throw this.readError(error);
    }
    // A file under three bytes never got a decoder; otherwise flush the decoder's tail.
    const rest = decoder ? this.decode(decoder, new Uint8Array(0), false) : this.decode(this.pickDecoder(head), head, false);
    if (rest) yield rest;
  }

  private pickDecoder(head: Uint8Array): TextDecoder {
    const bom = detectBom(head);
    if (bom) {
      this.encoding = bom;
      this.bom = true;
    }
    // With ignoreBOM off (the default), the decoder drops the BOM itself.
    return createDecoder(this.encoding);
  }

  private decode(decoder: TextDecoder, bytes: Uint8Array, stream: boolean): string {
    let text: string;
    try {
      text = decoder.decode(bytes, { stream });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_ENCODING_INVALID_ENCODED_DATA') throw error;
      throw this.undecodable(bytes);
    }
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
    return text;
  }

  private undecodable(bytes: Uint8Array): UsageError {
    // Decode the failing chunk leniently to find the first bad character's line.
    const lenient = new TextDecoder(this.encoding).decode(bytes);
    const bad = lenient.indexOf('\uFFFD');
    let line = this.lines;
    for (let i = lenient.indexOf('\n'); i !== -1 && (bad === -1 || i < bad); i = lenient.indexOf('\n', i + 1)) line++;
    const hint =
      this.encoding === 'utf-8'
        ? 'if it was saved by Excel or Notepad on Chinese Windows, try "encoding": "gbk" in data_source (or --data-encoding gbk; gb18030 and big5 work too)'
        : 'check data_source.encoding';
    return new UsageError(`${this.source.label}:${line}: the text is not valid ${this.encoding}; ${hint}`);
  }

  private readError(error: unknown): unknown {
    if (error instanceof UsageError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || code.startsWith('ERR_')) return error;
    return new UsageError(`cannot read data file ${this.source.label}: ${whyUnreadable(error)}`);
  }
}

function createDecoder(encoding: string): TextDecoder {
  try {
    return new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new UsageError(`data_source.encoding: unknown encoding ${JSON.stringify(encoding)}; try ${KNOWN_ENCODINGS_HINT}`);
  }
}

function detectBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function csvError(error: CsvError, label: string, drift: number): UsageError {
  const line = (error as CsvError & { lines?: number }).lines;
  const where = line ? `${label}:${line - drift}` : label;
  if (error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    const counts = /expect (\d+), got (\d+)/.exec(error.message);
    if (counts) {
      return new UsageError(
        `${where}: this row has ${counts[2]} fields but the header has ${counts[1]} (a value with a comma, quote or newline must be in double quotes)`,
      );
    }
  }
  return new UsageError(`${where}: ${error.message.replace(/ (at|on) line \d+/, '')}`);
}

async function parseCsvInto(text: AsyncIterable<string>, builder: DatasetBuilder): Promise<void> {
  const parser = parseCsv({
    info: true,
    bom: false,
    skip_empty_lines: true,
    relax_column_count: false,
    relax_quotes: false,
  });
  // csv-parse counts a CRLF inside a quoted field as two lines; `drift` undoes that.
  let drift = 0;
  let failure: unknown;
  parser.on('data', ({ record, info }: { record: string[]; info: Info }) => {
    if (failure !== undefined) return;
    try {
      let breaks = 0;
      for (const value of record) {
        const counted = countLineBreaks(value);
        breaks += counted.breaks;
        drift += counted.crlf;
      }
      // info.lines is where the record ends; line breaks inside quoted values move its start up.
      const line = info.lines - drift - breaks;
      if (!builder.hasHeader) builder.header(record.map((name) => name.trim()), line);
      else builder.csvRow(record, line);
    } catch (error) {
      failure = error;
    }
  });
  const ended = once(parser, 'end');
  ended.catch(() => {}); // awaited below; a parse error must not count as unhandled meanwhile
  try {
    for await (const chunk of text) {
      if (failure !== undefined) break;
      if (!parser.write(chunk)) await Promise.race([once(parser, 'drain'), ended]);
    }
    if (failure === undefined) {
      parser.end();
      await ended;
    }
  } catch (error) {
    throw error instanceof CsvError ? csvError(error, builder.label, drift) : error;
  } finally {
    parser.destroy();
  }
  if (failure !== undefined) throw failure;
}

/** Line breaks in a value (CRLF, CR or LF each count once), and how many were CRLF. */
function countLineBreaks(value: string): { breaks: number; crlf: number } {
  let breaks = 0;
  let crlf = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) {
    breaks++;
    if (value.charCodeAt(i - 1) === 13) crlf++;
  }
  for (let i = value.indexOf('\r'); i !== -1; i = value.indexOf('\r', i + 1)) if (value.charCodeAt(i + 1) !== 10) breaks++;
  return { breaks, crlf };
}

async function parseJsonlInto(text: AsyncIterable<string>, builder: DatasetBuilder): Promise<void> {
  let carry = '';
  let line = 0;
  const handle = (raw: string) => {
    line++;
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') return;
    const value = parseJsonWithPosition(source, builder.label, line);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${builder.label}:${line}: each line must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
    builder.jsonRow(value as Record<string, unknown>, line);
  };
  for await (const chunk of text) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() as string;
    for (const part of parts) handle(part);
  }
  handle(carry);
}

/** Collects rows into column stores and checks every requested field exists. */
class DatasetBuilder {
  rows = 0;
  hasHeader = false;
  private columns: string[] = [];
  private readonly seenKeys = new Set<string>();
  private requests: FieldRequest[] = [];
  private readonly stores = new Map<string, ColumnStore>();
  /** CSV: the column index of each stored field. */
  private readonly indexes = new Map<string, number>();
  /** JSONL: each stored field's path. */
  private readonly paths = new Map<string, string[]>();
  private readonly lines = new Uint32List();

  constructor(
    readonly label: string,
    private readonly type: DataType,
    private readonly limit: string[] | undefined,
    private readonly fields: FieldChoice,
  ) {}

  header(names: string[], line: number): void {
    this.hasHeader = true;
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new UsageError(`${this.label}:${line}: the header names column ${JSON.stringify(name)} twice`);
      seen.add(name);
    }
    this.columns = names;
    this.checkLimit(names);
    this.requests = this.chooseFields(names);
    for (const request of this.requests) {
      const index = names.indexOf(request.name);
      if (index === -1 || !this.usable().includes(request.name)) throw this.unknownField(request);
      this.indexes.set(request.name, index);
      this.stores.set(request.name, new ColumnStore());
    }
  }

  csvRow(record: string[], line: number): void {
    for (const [name, index] of this.indexes) (this.stores.get(name) as ColumnStore).push(record[index] as string);
    this.lines.push(line);
    this.rows++;
  }

  jsonRow(row: Record<string, unknown>, line: number): void {
    for (const key of Object.keys(row)) {
      if (!this.seenKeys.has(key)) {
        this.seenKeys.add(key);
        this.columns.push(key);
      }
    }
    if (!this.hasHeader) {
      this.hasHeader = true;
      this.requests = this.chooseFields(Object.keys(row));
      for (const request of this.requests) {
        const path = request.name.split('.');
        if (this.limit && !this.limit.includes(path[0] as string)) throw this.unknownField(request);
        this.paths.set(request.name, path);
        this.stores.set(request.name, new ColumnStore());
      }
    }
    for (const [name, path] of this.paths) {
      let value: unknown = row;
      for (const key of path) {
        value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
        if (value === undefined) break;
      }
      if (value === undefined) {
        const request = this.requests.find((r) => r.name === name) as FieldRequest;
        throw new UsageError(
          `${this.label}:${line}: this line has no ${JSON.stringify(name)} (for ${request.usedBy}); its fields: ${Object.keys(row).join(', ') || '(none)'}`,
        );
      }
      const store = this.stores.get(name) as ColumnStore;
      if (typeof value === 'string') store.push(value, ValueKind.String);
      else store.push(JSON.stringify(value), ValueKind.Json);
    }
    this.lines.push(line);
    this.rows++;
  }

  finish(): void {
    if (this.type === 'jsonl' && this.hasHeader) this.checkLimit(this.columns);
    for (const store of this.stores.values()) store.finish();
    // Stryker disable next-line MethodExpression: frees spare capacity; memory only
    this.lines.trim();
  }

  build(decoding: FileDecoding): Dataset {
    const { label, type, rows, columns, stores, lines } = this;
    const sha256 = decoding.digest();
    return {
      type,
      label,
      encoding: decoding.encoding,
      bom: decoding.bom,
      sha256,
      rows,
      columns,
      usable: this.usable(),
      field: (name) => stores.get(name),
      line: (row) => lines.get(row),
      fingerprint: () => ({ file: label, sha256, rows, columns: [...columns] }),
    };
  }

  private usable(): string[] {
    return this.limit ?? this.columns;
  }

  private chooseFields(columns: readonly string[]): FieldRequest[] {
    const requests = typeof this.fields === 'function' ? this.fields(columns) : [...this.fields];
    // One store per distinct field, however many placeholders use it.
    // Stryker disable next-line MethodExpression: a repeated field would replace its own store; work only
    return requests.filter((request, i) => requests.findIndex((r) => r.name === request.name) === i);
  }

  private checkLimit(columns: readonly string[]): void {
    for (const name of this.limit ?? []) {
      if (!columns.includes(name)) {
        throw new UsageError(`data_source.column: ${this.label} has no column ${JSON.stringify(name)}; its columns: ${columns.join(', ')}`);
      }
    }
  }

  private unknownField(request: FieldRequest): UsageError {
    const column = this.type === 'csv' ? request.name : (request.name.split('.')[0] as string);
    if (this.limit && this.columns.includes(column)) {
      return new UsageError(
        `${request.usedBy} uses column ${JSON.stringify(column)}, which data_source.column leaves out (it allows: ${this.limit.join(', ')})`,
      );
    }
    return new UsageError(`${request.usedBy} names no column of ${this.label}; the columns are: ${this.usable().join(', ')}`);
  }
}
