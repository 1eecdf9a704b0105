/**
 * One column of a loaded data file, held compactly: values are concatenated
 * into one string per block of rows plus an end offset per row, instead of one
 * string object per cell. A 200k-row file then costs about its own size in
 * memory (a V8 string header alone is bigger than a short cell), and reading a
 * value is a slice.
 */

/** How a stored value is to be read. CSV cells are always Cell. */
export const ValueKind = {
  /** A CSV cell: text, which `:json` parses. */
  Cell: 0,
  /** A JSON string value (JSONL). */
  String: 1,
  /** The JSON text of a non-string JSON value: number, boolean, null, object, array (JSONL). */
  Json: 2,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

const BLOCK_SHIFT = 10;
const BLOCK_ROWS = 1 << BLOCK_SHIFT;

export class ColumnStore {
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  private pendingLength = 0;
  /** End of each row's value, relative to its block's start. */
  private readonly ends = new Uint32List(BLOCK_ROWS);
  private kinds: Uint8Array | undefined;
  length = 0;

  push(value: string, kind: ValueKind = ValueKind.Cell): void {
    const row = this.length;
    if (kind !== ValueKind.Cell || this.kinds) {
      // Allocated on the first non-Cell value; earlier rows stay 0 (Cell).
      this.kinds ??= new Uint8Array(Math.max(BLOCK_ROWS, row * 2));
      if (row === this.kinds.length) this.kinds = grow(this.kinds, Uint8Array);
      this.kinds[row] = kind;
    }
    this.pending.push(value);
    this.pendingLength += value.length;
    this.ends.push(this.pendingLength);
    this.length++;
    if (this.pending.length === BLOCK_ROWS) this.flush();
  }

  /** Call once after the last push. */
  finish(): void {
    if (this.pending.length > 0) this.flush();
    this.ends.trim();
    if (this.kinds) this.kinds = this.kinds.slice(0, this.length);
  }

  get(row: number): string {
    const block = this.blocks[row >>> BLOCK_SHIFT] as string;
    const start = (row & (BLOCK_ROWS - 1)) === 0 ? 0 : this.ends.get(row - 1);
    return block.slice(start, this.ends.get(row));
  }

  kind(row: number): ValueKind {
    return this.kinds ? (this.kinds[row] as ValueKind) : ValueKind.Cell;
  }

  private flush(): void {
    this.blocks.push(this.pending.join(''));
    this.pending = [];
    this.pendingLength = 0;
  }
}

/** A growable list of unsigned 32-bit integers: 4 bytes an item, no per-item object. */
export class Uint32List {
  private data: Uint32Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Uint32Array(initialCapacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, Uint32Array);
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index] as number;
  }

  /** Drops the spare capacity once no more items will come. */
  trim(): void {
    this.data = this.data.slice(0, this.length);
  }
}

function grow<T extends Uint32Array | Uint8Array>(array: T, Type: { new (length: number): T }): T {
  const grown = new Type(array.length * 2);
  grown.set(array);
  return grown;
}
