/**
 * Many callbacks on one AbortSignal. Node's EventTarget compares each new
 * listener with the ones it holds, so N in-flight requests each adding and
 * removing a listener on the run's signal cost O(N) apiece (at concurrency 500
 * that was a visible share of the client's CPU). One real listener per signal
 * fans out to a Set instead: O(1) to add and to remove.
 */
const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts; returns the function that unregisters it. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let registered = callbacks.get(signal);
  if (!registered) {
    const set = new Set<() => void>();
    callbacks.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const fn of [...set]) fn();
        set.clear();
      },
      { once: true },
    );
    registered = set;
  }
  const set = registered;
  set.add(callback);
  return () => void set.delete(callback);
}
