/**
 * A run's completed request records, packed into typed-array columns instead
 * of kept as objects: about 130 bytes a record plus 8 bytes a token time,
 * where a live RequestRecord costs ~700 bytes on the JS heap. A 100,000-request
 * run then holds its records in ~25 MB of array buffers instead of ~250 MB of
 * heap (with V8's headroom). push() packs a record (the object is not kept);
 * at() and iteration materialize a fresh object equal to the one pushed, with
 * the same optional fields present and absent.
 */
import { grow } from './column-store.ts';
import type { RequestError, RequestRecord } from './record.ts';

const INITIAL_ROWS = 256;
const INITIAL_TOKENS = 4096;

/** Optional numbers: NaN marks "absent" (a record's timestamps, bytes and level are never NaN). */
class FloatColumn {
  data: Float64Array;

  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }

  set(row: number, value: number | undefined): void {
    this.data[row] = value ?? NaN;
  }

  get(row: number): number | undefined {
    const value = this.data[row] as number;
    return Number.isNaN(value) ? undefined : value;
  }

  grow(capacity: number): void {
    this.data = grow(this.data, Float64Array, capacity);
  }
}

const ABSENT = -0x8000_0000;
/** The value did not fit (a fraction, -0, or out of range): it is in the column's spill map. */
const SPILLED = ABSENT + 1;

/**
 * Optional counts and codes in 4 bytes. Anything an Int32 cannot hold exactly
 * (a server's fractional or huge usage count) goes to a side map, so every
 * value round-trips.
 */
class IntColumn {
  data: Int32Array;
  private spill: Map<number, number> | undefined;

  constructor(capacity: number) {
    this.data = new Int32Array(capacity);
  }

  set(row: number, value: number | undefined): void {
    this.spill?.delete(row);
    if (value === undefined) this.data[row] = ABSENT;
    else if ((value | 0) === value && value > SPILLED && !Object.is(value, -0)) this.data[row] = value;
    else {
      this.data[row] = SPILLED;
      (this.spill ??= new Map()).set(row, value);
    }
  }

  get(row: number): number | undefined {
    const value = this.data[row] as number;
    if (value === ABSENT) return undefined;
    return value === SPILLED ? this.spill?.get(row) : value;
  }

  grow(capacity: number): void {
    this.data = grow(this.data, Int32Array, capacity);
  }
}

/** Strings that repeat across records (protocol, group), as indexes into one table; 0 = absent. */
class InternedColumn {
  data: Uint32Array;

  constructor(
    capacity: number,
    private readonly table: StringTable,
  ) {
    this.data = new Uint32Array(capacity);
  }

  set(row: number, value: string | undefined): void {
    this.data[row] = value === undefined ? 0 : this.table.intern(value);
  }

  get(row: number): string | undefined {
    const index = this.data[row] as number;
    return index === 0 ? undefined : this.table.at(index);
  }

  grow(capacity: number): void {
    this.data = grow(this.data, Uint32Array, capacity);
  }
}

class StringTable {
  private readonly strings: string[] = [];
  private readonly indexes = new Map<string, number>();

  /** 1-based. */
  intern(value: string): number {
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.strings.push(value);
      this.indexes.set(value, index);
    }
    return index;
  }

  at(index: number): string {
    return this.strings[index - 1] as string;
  }
}

const END_MARKER = 1;
const HAS_WARMUP = 2;
const WARMUP = 4;
const HAS_USAGE = 8;

export class RecordStore {
  private rows = 0;
  private capacity = INITIAL_ROWS;
  private readonly strings = new StringTable();
  private readonly id = new FloatColumn(INITIAL_ROWS);
  private readonly intendedAt = new FloatColumn(INITIAL_ROWS);
  private readonly startedAt = new FloatColumn(INITIAL_ROWS);
  private readonly headersAt = new FloatColumn(INITIAL_ROWS);
  private readonly firstByteAt = new FloatColumn(INITIAL_ROWS);
  private readonly firstTokenAt = new FloatColumn(INITIAL_ROWS);
  private readonly firstAnswerAt = new FloatColumn(INITIAL_ROWS);
  private readonly endedAt = new FloatColumn(INITIAL_ROWS);
  private readonly bytes = new FloatColumn(INITIAL_ROWS);
  private readonly level = new FloatColumn(INITIAL_ROWS);
  private readonly status = new IntColumn(INITIAL_ROWS);
  private readonly chunks = new IntColumn(INITIAL_ROWS);
  private readonly reasoningTokens = new IntColumn(INITIAL_ROWS);
  private readonly attempt = new IntColumn(INITIAL_ROWS);
  private readonly rowIndex = new IntColumn(INITIAL_ROWS);
  private readonly inputTokens = new IntColumn(INITIAL_ROWS);
  private readonly outputTokens = new IntColumn(INITIAL_ROWS);
  private readonly tokenizerTokens = new IntColumn(INITIAL_ROWS);
  private readonly protocol = new InternedColumn(INITIAL_ROWS, this.strings);
  private readonly group = new InternedColumn(INITIAL_ROWS, this.strings);
  private readonly columns = [
    this.id,
    this.intendedAt,
    this.startedAt,
    this.headersAt,
    this.firstByteAt,
    this.firstTokenAt,
    this.firstAnswerAt,
    this.endedAt,
    this.bytes,
    this.level,
    this.status,
    this.chunks,
    this.reasoningTokens,
    this.attempt,
    this.rowIndex,
    this.inputTokens,
    this.outputTokens,
    this.tokenizerTokens,
    this.protocol,
    this.group,
  ];
  private flags = new Uint8Array(INITIAL_ROWS);
  /** Where each row's token times start in `tokens`; they end where the next row's start. */
  private tokenStart = new Uint32Array(INITIAL_ROWS);
  /** Every row's token times, back to back. */
  private tokens = new Float64Array(INITIAL_TOKENS);
  private tokenCount = 0;
  /** Rare or transient: sparse, by row. */
  private readonly errors = new Map<number, RequestError>();
  private readonly outputTexts = new Map<number, string>();
  /** Index -> row, once sorted; rows stay where they were pushed. */
  private order: Uint32Array | undefined;

  static from(records: Iterable<RequestRecord>): RecordStore {
    const store = new RecordStore();
    for (const record of records) store.push(record);
    return store;
  }

  get length(): number {
    return this.rows;
  }

  /** Packs a copy of the record; later changes to the object do not reach the store. After a sort it goes last. */
  push(record: RequestRecord): void {
    if (this.rows === this.capacity) this.growRows();
    const row = this.rows++;
    if (this.order) this.order[row] = row;
    this.id.set(row, record.id);
    this.intendedAt.set(row, record.intendedAt);
    this.startedAt.set(row, record.startedAt);
    this.headersAt.set(row, record.headersAt);
    this.firstByteAt.set(row, record.firstByteAt);
    this.firstTokenAt.set(row, record.firstTokenAt);
    this.firstAnswerAt.set(row, record.firstAnswerAt);
    this.endedAt.set(row, record.endedAt);
    this.bytes.set(row, record.bytes);
    this.level.set(row, record.level);
    this.status.set(row, record.status);
    this.chunks.set(row, record.chunks);
    this.reasoningTokens.set(row, record.reasoningTokens);
    this.attempt.set(row, record.attempt);
    this.rowIndex.set(row, record.rowIndex);
    this.inputTokens.set(row, record.usage?.inputTokens);
    this.outputTokens.set(row, record.usage?.outputTokens);
    this.tokenizerTokens.set(row, record.tokenizerTokens);
    this.protocol.set(row, record.protocol);
    this.group.set(row, record.group);
    this.flags[row] =
      (record.sawEndMarker ? END_MARKER : 0) |
      (record.warmup !== undefined ? HAS_WARMUP : 0) |
      (record.warmup ? WARMUP : 0) |
      (record.usage ? HAS_USAGE : 0);
    if (record.error) this.errors.set(row, record.error);
    if (record.outputText !== undefined) this.outputTexts.set(row, record.outputText);
    const times = record.tokenTimes;
    if (this.tokenCount + times.length > this.tokens.length) {
      this.tokens = grow(this.tokens, Float64Array, this.tokenCount + times.length);
    }
    this.tokenStart[row] = this.tokenCount;
    for (let i = 0; i < times.length; i++) this.tokens[this.tokenCount++] = times[i] as number;
  }

  /** A fresh copy of the index-th record (in push order, or sorted order after a sort). */
  at(index: number): RequestRecord {
    if (!Number.isInteger(index) || index < 0 || index >= this.rows) {
      throw new RangeError(`record index ${index} out of range 0..${this.rows - 1}`);
    }
    const row = this.rowOf(index);
    const flags = this.flags[row] as number;
    const record: RequestRecord = {
      id: this.id.data[row] as number,
      startedAt: this.startedAt.data[row] as number,
      tokenTimes: this.tokenTimesOf(row),
      reasoningTokens: this.reasoningTokens.get(row) as number,
      endedAt: this.endedAt.data[row] as number,
      bytes: this.bytes.data[row] as number,
      chunks: this.chunks.get(row) as number,
      sawEndMarker: (flags & END_MARKER) !== 0,
    };
    setDefined(record, 'intendedAt', this.intendedAt.get(row));
    setDefined(record, 'headersAt', this.headersAt.get(row));
    setDefined(record, 'firstByteAt', this.firstByteAt.get(row));
    setDefined(record, 'firstTokenAt', this.firstTokenAt.get(row));
    setDefined(record, 'firstAnswerAt', this.firstAnswerAt.get(row));
    setDefined(record, 'status', this.status.get(row));
    if (flags & HAS_USAGE) {
      const usage: NonNullable<RequestRecord['usage']> = {};
      setDefined(usage, 'inputTokens', this.inputTokens.get(row));
      setDefined(usage, 'outputTokens', this.outputTokens.get(row));
      record.usage = usage;
    }
    setDefined(record, 'protocol', this.protocol.get(row));
    setDefined(record, 'tokenizerTokens', this.tokenizerTokens.get(row));
    setDefined(record, 'outputText', this.outputTexts.get(row));
    const error = this.errors.get(row);
    if (error) record.error = { ...error };
    if (flags & HAS_WARMUP) record.warmup = (flags & WARMUP) !== 0;
    setDefined(record, 'attempt', this.attempt.get(row));
    setDefined(record, 'level', this.level.get(row));
    setDefined(record, 'rowIndex', this.rowIndex.get(row));
    setDefined(record, 'group', this.group.get(row));
    return record;
  }

  /** One fresh record at a time, in order: a consumer never holds them all. */
  *[Symbol.iterator](): Iterator<RequestRecord> {
    for (let index = 0; index < this.rows; index++) yield this.at(index);
  }

  toArray(): RequestRecord[] {
    return Array.from(this);
  }

  /**
   * Puts the records in send order: by id, then a request's retries in order
   * (records complete out of order). Only an index permutation moves.
   */
  sortByIdThenAttempt(): void {
    this.order ??= identity(this.capacity, this.rows);
    const ids = this.id.data;
    const attemptOf = (row: number) => this.attempt.get(row) ?? 1;
    this.order
      .subarray(0, this.rows)
      .sort((a, b) => (ids[a] as number) - (ids[b] as number) || attemptOf(a) - attemptOf(b) || a - b);
  }

  /** The generated text the index-th record kept for a tokenizer, if any. */
  outputText(index: number): string | undefined {
    return this.outputTexts.get(this.rowOf(index));
  }

  failed(index: number): boolean {
    return this.errors.has(this.rowOf(index));
  }

  setTokenizerTokens(index: number, tokens: number): void {
    this.tokenizerTokens.set(this.rowOf(index), tokens);
  }

  /** Drops every kept text once the tokenizer has counted it (it never reaches the results). */
  dropOutputTexts(): void {
    this.outputTexts.clear();
  }

  private rowOf(index: number): number {
    return this.order ? (this.order[index] as number) : index;
  }

  private tokenTimesOf(row: number): number[] {
    const start = this.tokenStart[row] as number;
    const end = row + 1 < this.rows ? (this.tokenStart[row + 1] as number) : this.tokenCount;
    // new Array(n) then stores: an exact-size double array.
    const times = new Array<number>(end - start);
    for (let i = start; i < end; i++) times[i - start] = this.tokens[i] as number;
    return times;
  }

  private growRows(): void {
    this.capacity *= 2;
    for (const column of this.columns) column.grow(this.capacity);
    this.flags = grow(this.flags, Uint8Array, this.capacity);
    this.tokenStart = grow(this.tokenStart, Uint32Array, this.capacity);
    if (this.order) this.order = grow(this.order, Uint32Array, this.capacity);
  }
}

function identity(capacity: number, length: number): Uint32Array {
  const order = new Uint32Array(capacity);
  for (let i = 0; i < length; i++) order[i] = i;
  return order;
}

function setDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
