/**
 * Ctrl-C / SIGTERM handling for the scripts: the first signal aborts the run
 * (in-flight requests are marked aborted, then results are written and the
 * report printed); a second one exits at once. Exiting at once loses nothing
 * already finished: the journal is written synchronously per request.
 */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export interface InterruptHandlerOptions {
  controller: AbortController;
  write(text: string): void;
  /** Quits the process now, with the signal's exit code. */
  exit(signal: InterruptSignal): void;
}

export function createInterruptHandler(options: InterruptHandlerOptions): (signal: InterruptSignal) => void {
  const { controller, write, exit } = options;
  return (signal) => {
    if (controller.signal.aborted) {
      write(`${signal} again: exiting now; the journal keeps every finished request\n`);
      exit(signal);
      return;
    }
    write(`\n${signal}: aborting in-flight requests and saving what was measured (again to quit now)\n`);
    controller.abort(signal);
  };
}
