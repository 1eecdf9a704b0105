/**
 * A promise-pool limiter in p-limit's shape: `limit(fn)` runs fn when fewer than
 * `concurrency` calls are active, otherwise queues it (FIFO). A slot frees the
 * moment a call settles, fulfilled or rejected, and the next queued call starts
 * in the same tick, so a closed-loop load keeps exactly `concurrency` in flight.
 */

export interface Limiter {
  <T>(fn: () => Promise<T>): Promise<T>;
  readonly activeCount: number;
  readonly pendingCount: number;
  /** Raising it starts queued calls at once; lowering it lets active calls finish. */
  concurrency: number;
  clearQueue(): void;
}

interface Job {
  run: () => void;
}

export function createLimiter(initialConcurrency: number): Limiter {
  assertConcurrency(initialConcurrency);
  let concurrency = initialConcurrency;
  let active = 0;
  // An array with a moving head: O(1) dequeue without a linked list's allocations.
  let queue: Job[] = [];
  let head = 0;

  function next(): void {
    while (active < concurrency && head < queue.length) {
      const job = queue[head] as Job;
      queue[head] = undefined as unknown as Job;
      head++;
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,ArithmeticOperator,BlockStatement: when (or whether) the queue compacts changes memory, not which call runs next
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      job.run();
    }
  }

  const limit = (<T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        run: () => {
          active++;
          let result: Promise<T>;
          try {
            result = Promise.resolve(fn());
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(resolve, reject).finally(() => {
            active--;
            next();
          });
        },
      });
      next();
    })) as Limiter;

  Object.defineProperties(limit, {
    activeCount: { get: () => active },
    pendingCount: { get: () => queue.length - head },
    concurrency: {
      get: () => concurrency,
      set: (value: number) => {
        assertConcurrency(value);
        concurrency = value;
        next();
      },
    },
    clearQueue: {
      value: () => {
        queue = [];
        head = 0;
      },
    },
  });
  return limit;
}

function assertConcurrency(value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${value}`);
  }
}
