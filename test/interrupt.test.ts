import { describe, expect, it } from 'vitest';
import { createInterruptHandler, type InterruptSignal } from '../lib/util/interrupt.ts';

describe('createInterruptHandler', () => {
  it('aborts the run on the first signal and exits at once on the second', () => {
    const controller = new AbortController();
    const written: string[] = [];
    const exits: InterruptSignal[] = [];
    const onSignal = createInterruptHandler({ controller, write: (t) => written.push(t), exit: (s) => exits.push(s) });

    onSignal('SIGTERM');
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBe('SIGTERM');
    expect(exits).toEqual([]);
    expect(written.join('')).toMatch(/SIGTERM: aborting in-flight requests/);

    onSignal('SIGINT');
    expect(exits).toEqual(['SIGINT']);
    expect(written.at(-1)).toBe('SIGINT again: exiting now; the journal keeps every finished request\n');
  });
});
