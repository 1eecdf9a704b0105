import { describe, expect, it } from 'vitest';
import { BlockArray } from '../lib/record/block-array.ts';

describe('BlockArray', () => {
  it('keeps every value across block edges, from a small first block up', () => {
    const list = new BlockArray(Float64Array, 6);
    const values = Array.from({ length: 1000 }, (_, i) => i * 1.5 - 7);
    for (const value of values) list.push(value);
    expect(list.length).toBe(1000);
    expect(list.toArray()).toEqual(values);
    expect(list.get(63)).toBe(values[63]);
    expect(list.get(64)).toBe(values[64]);
  });

  it('rewrites a value in place and counts the length from the highest index written', () => {
    const list = new BlockArray(Int32Array, 4);
    for (let i = 0; i < 40; i++) list.set(i, i);
    list.set(17, -5);
    expect(list.length).toBe(40);
    expect(list.get(17)).toBe(-5);
    list.set(40, 9);
    expect(list.toArray().slice(-3)).toEqual([38, 39, 9]);
  });

  it('grows the first block to hold an index written past it', () => {
    const list = new BlockArray(Float64Array, 10);
    list.set(0, 1);
    list.set(100, 2);
    expect([list.get(0), list.get(100), list.length]).toEqual([1, 2, 101]);
  });
});
