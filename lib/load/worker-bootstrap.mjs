// Starts a TypeScript worker thread: a worker does not inherit the main
// thread's tsx loader, so register it here, then load the real script
// (workerData.script, a file URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.script);
