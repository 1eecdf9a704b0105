/**
 * A run's completed request records, packed into typed-array columns instead
 * of kept as objects: about 130 bytes a record plus 8 bytes a token time,
 * where a live RequestRecord costs ~700 bytes on the JS heap. A 100,000-request
 * run then holds its records in ~25 MB of array buffers instead of ~250 MB of
 * heap (with V8's headroom). push() packs a record (the object is not kept);
 * at() and iteration materialize a fresh object equal to the one pushed, with
 * the same optional fields present and absent.
 */
import { BlockArray } from './block-array.ts';
import type { RequestError, RequestRecord } from './record.ts';

/** 4,096 rows a block: 32 KB for a Float64 column. */
const ROW_SHIFT = 12;
/** 16,384 token times a block: 128 KB. */
const TOKEN_SHIFT = 14;

/** Optional numbers: NaN marks "absent" (a record's timestamps, bytes and level are never NaN). */
class FloatColumn {
  private readonly data = new BlockArray(Float64Array, ROW_SHIFT);

  set(row: number, value: number | undefined): void {
    this.data.set(row, value ?? NaN);
  }

  get(row: number): number | undefined {
    const value = this.data.get(row);
    return Number.isNaN(value) ? undefined : value;
  }

  /** A required field's value, as stored. */
  value(row: number): number {
    return this.data.get(row);
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
  private readonly data = new BlockArray(Int32Array, ROW_SHIFT);
  private spill: Map<number, number> | undefined;

  set(row: number, value: number | undefined): void {
    this.spill?.delete(row);
    if (value === undefined) this.data.set(row, ABSENT);
    else if ((value | 0) === value && value > SPILLED && !Object.is(value, -0)) this.data.set(row, value);
    else {
      this.data.set(row, SPILLED);
      (this.spill ??= new Map()).set(row, value);
    }
  }

  get(row: number): number | undefined {
    const value = this.data.get(row);
    if (value === ABSENT) return undefined;
    return value === SPILLED ? this.spill?.get(row) : value;
  }
}

/** Strings that repeat across records (protocol, group), as indexes into one table; 0 = absent. */
class InternedColumn {
  private readonly data = new BlockArray(Uint32Array, ROW_SHIFT);

  constructor(private readonly table: StringTable) {}

  set(row: number, value: string | undefined): void {
    this.data.set(row, value === undefined ? 0 : this.table.intern(value));
  }

  get(row: number): string | undefined {
    const index = this.data.get(row);
    return index === 0 ? undefined : this.table.at(index);
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
const NON_STREAMING = 16;

export class RecordStore {
  private rows = 0;
  private readonly strings = new StringTable();
  private readonly id = new FloatColumn();
  private readonly intendedAt = new FloatColumn();
  private readonly startedAt = new FloatColumn();
  private readonly headersAt = new FloatColumn();
  private readonly firstByteAt = new FloatColumn();
  private readonly firstTokenAt = new FloatColumn();
  private readonly firstAnswerAt = new FloatColumn();
  private readonly endedAt = new FloatColumn();
  private readonly bytes = new FloatColumn();
  private readonly level = new FloatColumn();
  private readonly status = new IntColumn();
  private readonly chunks = new IntColumn();
  private readonly reasoningTokens = new IntColumn();
  private readonly attempt = new IntColumn();
  private readonly rowIndex = new IntColumn();
  private readonly session = new IntColumn();
  private readonly turn = new IntColumn();
  private readonly inputTokens = new IntColumn();
  private readonly outputTokens = new IntColumn();
  private readonly tokenizerTokens = new IntColumn();
  private readonly cachedInputTokens = new IntColumn();
  private readonly promptTokens = new IntColumn();
  private readonly requestedOutputTokens = new IntColumn();
  private readonly protocol = new InternedColumn(this.strings);
  private readonly group = new InternedColumn(this.strings);
  private readonly flags = new BlockArray(Uint8Array, ROW_SHIFT);
  /** Where each row's token times start in `tokens`; they end where the next row's start. */
  private readonly tokenStart = new BlockArray(Uint32Array, ROW_SHIFT);
  /** Every row's token times, back to back. */
  private readonly tokens = new BlockArray(Float64Array, TOKEN_SHIFT);
  private tokenCount = 0;
  /** Rare or transient: sparse, by row. */
  private readonly errors = new Map<number, RequestError>();
  private readonly outputTexts = new Map<number, string>();
  /** Index -> row, once sorted; rows stay where they were pushed. */
  private order: BlockArray<Uint32Array> | undefined;

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
    const row = this.rows++;
    this.order?.set(row, row);
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
    this.session.set(row, record.session);
    this.turn.set(row, record.turn);
    this.inputTokens.set(row, record.usage?.inputTokens);
    this.outputTokens.set(row, record.usage?.outputTokens);
    this.tokenizerTokens.set(row, record.tokenizerTokens);
    this.cachedInputTokens.set(row, record.usage?.cachedInputTokens);
    this.promptTokens.set(row, record.promptTokens);
    this.requestedOutputTokens.set(row, record.requestedOutputTokens);
    this.protocol.set(row, record.protocol);
    this.group.set(row, record.group);
    this.flags.set(
      row,
      (record.sawEndMarker ? END_MARKER : 0) |
      (record.warmup !== undefined ? HAS_WARMUP : 0) |
      (record.warmup ? WARMUP : 0) |
        (record.usage ? HAS_USAGE : 0) |
        (record.nonStreaming ? NON_STREAMING : 0),
    );
    if (record.error) this.errors.set(row, record.error);
    if (record.outputText !== undefined) this.outputTexts.set(row, record.outputText);
    const times = record.tokenTimes;
    this.tokenStart.set(row, this.tokenCount);
    for (let i = 0; i < times.length; i++) this.tokens.set(this.tokenCount++, times[i] as number);
  }

  /** A fresh copy of the index-th record (in push order, or sorted order after a sort). */
  at(index: number): RequestRecord {
    if (!Number.isInteger(index) || index < 0 || index >= this.rows) {
      throw new RangeError(`record index ${index} out of range 0..${this.rows - 1}`);
    }
    const row = this.rowOf(index);
    const flags = this.flags.get(row);
    const record: RequestRecord = {
      id: this.id.value(row),
      startedAt: this.startedAt.value(row),
      tokenTimes: this.tokenTimesOf(row),
      reasoningTokens: this.reasoningTokens.get(row) as number,
      endedAt: this.endedAt.value(row),
      bytes: this.bytes.value(row),
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
      setDefined(usage, 'cachedInputTokens', this.cachedInputTokens.get(row));
      record.usage = usage;
    }
    setDefined(record, 'protocol', this.protocol.get(row));
    setDefined(record, 'tokenizerTokens', this.tokenizerTokens.get(row));
    setDefined(record, 'outputText', this.outputTexts.get(row));
    const error = this.errors.get(row);
    if (error) record.error = { ...error };
    if (flags & HAS_WARMUP) record.warmup = (flags & WARMUP) !== 0;
    if (flags & NON_STREAMING) record.nonStreaming = true;
    setDefined(record, 'attempt', this.attempt.get(row));
    setDefined(record, 'level', this.level.get(row));
    setDefined(record, 'rowIndex', this.rowIndex.get(row));
    setDefined(record, 'group', this.group.get(row));
    setDefined(record, 'session', this.session.get(row));
    setDefined(record, 'turn', this.turn.get(row));
    setDefined(record, 'promptTokens', this.promptTokens.get(row));
    setDefined(record, 'requestedOutputTokens', this.requestedOutputTokens.get(row));
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
    const rows = new Uint32Array(this.rows);
    for (let index = 0; index < this.rows; index++) rows[index] = this.rowOf(index);
    const idOf = (row: number) => this.id.value(row);
    const attemptOf = (row: number) => this.attempt.get(row) ?? 1;
    rows.sort((a, b) => idOf(a) - idOf(b) || attemptOf(a) - attemptOf(b) || a - b);
    const order = (this.order ??= new BlockArray(Uint32Array, ROW_SHIFT));
    rows.forEach((row, index) => order.set(index, row));
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
    return this.order ? this.order.get(index) : index;
  }

  private tokenTimesOf(row: number): number[] {
    const start = this.tokenStart.get(row);
    const end = row + 1 < this.rows ? this.tokenStart.get(row + 1) : this.tokenCount;
    // new Array(n) then stores: an exact-size double array.
    const times = new Array<number>(end - start);
    for (let i = start; i < end; i++) times[i - start] = this.tokens.get(i);
    return times;
  }
}

function setDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
