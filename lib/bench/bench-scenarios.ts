/**
 * The benchmark's scenarios (README, "Transports and the benchmark"). Each one
 * sets the simulated endpoint (TTFT, inter-token delay, tokens) and the load
 * (requests, concurrency); `--scale` shrinks them for a quick run.
 */
import { UsageError } from '../record/errors.ts';

export interface Scenario {
  name: string;
  /** What it measures. */
  purpose: string;
  ttftMs: number;
  itlMs: number;
  tokens: number;
  requests: number;
  concurrency: number;
  /**
   * Rounds of every client, in rotated order; a client's row is its median round by the scenario's goal
   * metric. One run of S1 or S2 scatters by tens of percent with the endpoint's state.
   */
  rounds: number;
}

interface ScenarioDef extends Scenario {
  /** S4 holds every request open at once: its concurrency is its request count. */
  concurrencyIsRequests?: boolean;
  /** S4 holds streams for a fixed time: scale the token count too (min 10, i.e. 1 s). */
  scaleTokens?: boolean;
}

const DEFINITIONS: readonly ScenarioDef[] = [
  { name: 'S1', purpose: 'capacity', ttftMs: 0, itlMs: 0, tokens: 64, requests: 5000, concurrency: 64, rounds: 3 },
  { name: 'S2', purpose: 'accuracy', ttftMs: 200, itlMs: 5, tokens: 64, requests: 2000, concurrency: 500, rounds: 3 },
  { name: 'S3', purpose: 'memory', ttftMs: 0, itlMs: 0, tokens: 16, requests: 100_000, concurrency: 256, rounds: 1 },
  {
    name: 'S4',
    purpose: 'scale: streams held 30 s, 1 token / 100 ms',
    ttftMs: 100,
    itlMs: 100,
    tokens: 300,
    requests: 10_000,
    concurrency: 10_000,
    rounds: 1,
    concurrencyIsRequests: true,
    scaleTokens: true,
  },
];

export const SCENARIO_NAMES = DEFINITIONS.map((d) => d.name);

/**
 * The named scenarios at `scale` (0 < scale <= 1 shrinks; 1 is the full
 * benchmark). Requests scale; concurrency is clamped to the requests.
 */
export function selectScenarios(names: readonly string[], scale: number, rounds?: number): Scenario[] {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UsageError(`--scale must be a positive number, got ${scale}`);
  return names.map((raw) => {
    const name = raw.trim().toUpperCase();
    const def = DEFINITIONS.find((d) => d.name === name);
    if (!def) throw new UsageError(`unknown scenario "${raw}"; known: ${SCENARIO_NAMES.join(', ')}`);
    const requests = Math.max(1, Math.round(def.requests * scale));
    return {
      name: def.name,
      purpose: def.purpose,
      ttftMs: def.ttftMs,
      itlMs: def.itlMs,
      tokens: def.scaleTokens ? Math.max(10, Math.round(def.tokens * scale)) : def.tokens,
      requests,
      concurrency: def.concurrencyIsRequests ? requests : Math.min(def.concurrency, requests),
      rounds: rounds ?? def.rounds,
    };
  });
}
