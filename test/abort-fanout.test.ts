import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onAbort } from '../lib/wire/abort-fanout.ts';

describe('onAbort', () => {
  it('calls every registered callback once on abort, through one real listener', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const stops = ['a', 'b', 'c'].map((name) => onAbort(controller.signal, () => calls.push(name)));
    stops[1]!();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'c']);
  });

  it('keeps signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    let count = 0;
    onAbort(first.signal, () => count++);
    onAbort(second.signal, () => (count += 10));
    second.abort();
    expect(count).toBe(10);
  });
});
