/**
 * CPU placement for benchmarks and workers: which cores are free, and a
 * command line prefixed with `taskset` so a process stays on given cores.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, type CpuInfo } from 'node:os';

let tasksetFound: boolean | undefined;

/** True when the `taskset` command (util-linux) can be run. */
export function hasTaskset(): boolean {
  tasksetFound ??= spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  return tasksetFound;
}

/** `command` run on `cpus` (a taskset list such as "0" or "1-3"); unchanged without cpus or taskset. */
export function pinnedCommand(cpus: string | undefined, command: string[]): string[] {
  if (cpus === undefined || !hasTaskset()) return command;
  return ['taskset', '-c', cpus, ...command];
}

/** Cores this process may use. */
export function coreCount(): number {
  return availableParallelism();
}

/** Cores that were at least half idle over a short sample: what `--workers auto` may use. */
export async function freeCores(sampleMs = 250): Promise<number> {
  const before = cpus();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = cpus();
  let free = 0;
  after.forEach((cpu, i) => {
    const old = before[i];
    if (!old) return;
    const total = sum(cpu.times) - sum(old.times);
    if (total > 0 && (cpu.times.idle - old.times.idle) / total >= 0.5) free++;
  });
  return Math.min(free, coreCount());
}

const sum = (times: CpuInfo['times']) => times.user + times.nice + times.sys + times.idle + times.irq;
