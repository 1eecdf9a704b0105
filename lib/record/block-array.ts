/**
 * A growable typed array in fixed-size blocks, for long columns of numbers
 * (a run's records in record-store.ts, a summary's samples). Past the first
 * block, growing allocates one more block and copies nothing: a JS array or a
 * doubling typed array leaves its outgrown copies behind (garbage that a
 * 100,000-request run's peak memory pays for), and at most one block here is
 * spare.
 */
type Block = Float64Array | Int32Array | Uint32Array | Uint8Array;

const FIRST_BLOCK = 16;

export class BlockArray<T extends Block> {
  private readonly blocks: T[] = [];
  private readonly mask: number;
  /** One past the highest index written. */
  length = 0;

  /** Blocks of 2^shift items. */
  constructor(
    private readonly Type: new (length: number) => T,
    private readonly shift: number,
  ) {
    this.mask = (1 << shift) - 1;
  }

  get(index: number): number {
    return (this.blocks[index >>> this.shift] as T)[index & this.mask] as number;
  }

  /** Indexes are written in order, or rewritten: a block is created on the first write into it. */
  set(index: number, value: number): void {
    const which = index >>> this.shift;
    let block = this.blocks[which];
    if (block === undefined || (index & this.mask) >= block.length) block = this.blocks[which] = this.allocate(which, index);
    block[index & this.mask] = value;
    if (index >= this.length) this.length = index + 1;
  }

  push(value: number): void {
    this.set(this.length, value);
  }

  /** The first block starts small and doubles up to full size, so a short list (one group's samples) stays small. */
  private allocate(which: number, index: number): T {
    const full = this.mask + 1;
    if (which > 0) return new this.Type(full);
    const first = this.blocks[0];
    let size = first ? first.length * 2 : FIRST_BLOCK;
    while (size <= index) size *= 2;
    const grown = new this.Type(Math.min(full, size));
    if (first) grown.set(first);
    return grown;
  }

  /** An exact-size Float64Array copy, sorted ascending (numerically, in place: no second copy). */
  sortedCopy(): Float64Array {
    const out = new Float64Array(this.length);
    let at = 0;
    for (const block of this.blocks) {
      const take = Math.min(block.length, this.length - at);
      if (take <= 0) break;
      out.set(take === block.length ? block : block.subarray(0, take), at);
      at += take;
    }
    return out.sort();
  }

  /** An exact-size copy (new Array(n) then stores: a packed array with no spare capacity). */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.get(i);
    return out;
  }
}
