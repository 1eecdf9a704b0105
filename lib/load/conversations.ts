/**
 * Conversations: each is a sequence of turns sent one after another, turn k
 * built from the reply actually streamed for turn k-1 (the history lives in
 * the conversation: data/conversation-plan.ts). A conversation holds its slot
 * across its turns and the think time between them, so:
 *
 *  - closed loop: `concurrency` conversations in flight, a new one starts the
 *    moment one ends;
 *  - open loop (`arrivals`, the --rate schedule, or a trace's start times):
 *    conversations start on the schedule whatever earlier ones are doing,
 *    `maxConcurrency` conversations at most (a start held back is send lag
 *    on its first turn).
 *
 * A turn waits for its think time (or a trace's delay) after the previous
 * reply, or until its trace timestamp, whichever is later: its intended send
 * time, so a late wake-up shows as send lag, while the wait itself is outside
 * every latency. A failed turn (after its retries) ends its conversation:
 * the next turn would need its reply. Counting is by conversation: `total`
 * measured conversations (warm-up ones flagged and not counted), or the
 * source's `count` (a trace).
 */
import type { PlannedConversation as Conversation, PlannedTurn as Turn } from '../data/conversation-plan.ts';
import { createLimiter } from './limiter.ts';
import type { RequestRecord } from '../record/record.ts';
import { driveClosedLoop, startRun, type LoadHooks, type LoadResult, type PlanBase, type RunState } from './runner.ts';
import { createSleep, driveArrivals } from './schedule.ts';

export interface ConversationSource {
  /** A load (a sweep level) begins: its conversations are new ones (fresh text, new session numbers), not the last level's again. */
  begin?(): void;
  /** Conversation n of this load (0-based, in start order, warm-up ones first). */
  conversation(n: number): Conversation;
  /** A fixed number of conversations (a trace); without it, the load's total (plus warm-up) decides. */
  count?: number;
  /** A fixed schedule (a trace): conversation n starts this many ms after the run's start. Replaces the load's own loop. */
  startAtMs?(n: number): number;
}

export interface ConversationPlan extends Omit<PlanBase, 'buildRequest' | 'tagRecord' | 'warmup'> {
  source: ConversationSource;
  /** Closed loop: conversations in flight. */
  concurrency: number;
  rampUpMs?: number;
  /** Open loop: successive conversation start times, ms after the start (schedule.ts createArrivalTimes). */
  arrivals?: () => number;
  /** Open loop: at most this many conversations in flight. */
  maxConcurrency?: number;
  /** Warm-up: the first `requests` conversations, and those meant to start within the first `ms`. */
  warmup?: { requests?: number; ms?: number };
}

const notBuilt = (): never => {
  throw new Error('a conversation builds its own requests');
};

export async function runConversations(plan: ConversationPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  // Requests are not counted against a total here: conversations are.
  const run = startRun({ ...plan, total: Infinity, warmup: undefined, buildRequest: notBuilt }, hooks);
  const { source } = plan;
  source.begin?.();
  const warmupConversations = plan.warmup?.requests ?? 0;
  const warmupMs = plan.warmup?.ms ?? 0;
  let started = 0;
  let measured = 0;
  const exhausted = () => run.stopped() || (source.count !== undefined ? started >= source.count : measured >= plan.total);
  const claimConversation = (intendedMs: number | undefined) => {
    if (run.halted() || (source.count !== undefined ? started >= source.count : measured >= plan.total)) return undefined;
    if (run.deadlineMs !== undefined && (intendedMs ?? run.elapsed()) >= run.deadlineMs) return undefined;
    const n = started++;
    const warmup = n < warmupConversations || (intendedMs ?? run.elapsed()) < warmupMs;
    if (!warmup) measured++;
    return { n, warmup };
  };
  const talk = (n: number, warmup: boolean, startMs: number | undefined) => converse(run, source.conversation(n), warmup, startMs);

  let unsent = 0;
  const schedule = source.startAtMs ? fixedSchedule(source.startAtMs) : plan.arrivals;
  if (!schedule) {
    await driveClosedLoop(
      run,
      plan,
      async () => {
        const claimed = claimConversation(undefined);
        if (claimed) await talk(claimed.n, claimed.warmup, undefined);
      },
      exhausted,
    );
    return run.finish(0);
  }
  const limit = plan.maxConcurrency !== undefined ? createLimiter(plan.maxConcurrency) : undefined;
  const pending = new Set<Promise<void>>();
  await driveArrivals({
    nextTime: schedule,
    now: run.elapsed,
    sleep: createSleep(run.signal),
    stopAt: run.deadlineMs,
    stopped: exhausted,
    dispatch: (intendedMs) => {
      const claimed = claimConversation(intendedMs);
      if (!claimed) return false;
      // Behind a cap, sending may stop (deadline, interrupt) while it waits.
      const send = async () => {
        if (run.stopped()) unsent++;
        else await talk(claimed.n, claimed.warmup, intendedMs);
      };
      const task: Promise<void> = (limit ? limit(send) : send()).catch(run.fail).finally(() => pending.delete(task));
      pending.add(task);
      return true;
    },
  });
  while (pending.size > 0) await Promise.all(pending);
  return run.finish(unsent);
}

/** A schedule from a function of the start number. */
function fixedSchedule(startAtMs: (n: number) => number): () => number {
  let n = 0;
  return () => startAtMs(n++);
}

/** Sends a conversation's turns in order; returns when it has no next turn, a turn failed, or the run stopped. */
async function converse(run: RunState, conversation: Conversation, warmup: boolean, startMs: number | undefined): Promise<void> {
  const sleep = createSleep(run.signal);
  let reply: string | undefined;
  /** When the previous reply ended, ms after the start. */
  let readyAt = 0;
  for (let k = 1; ; k++) {
    const turn = conversation.turn(k, reply);
    if (!turn) return;
    // Turn 1 goes out on the loop's schedule; a later turn when its wait is over (undefined: at once, as ready).
    const intended = k === 1 ? startMs : laterTurnTime(turn, readyAt);
    if (intended !== undefined) {
      for (let wait = intended - run.elapsed(); wait > 0; wait = intended - run.elapsed()) {
        // Whole ms, as the arrival driver: timers drop a fraction.
        await sleep(Math.ceil(wait));
        if (run.stopped()) return;
      }
    }
    const slot = run.claim(intended, warmup);
    if (!slot) return;
    const record = await run.execute(slot, turn.request, (r) => tag(r, conversation.session, k, turn));
    if (record.error) return;
    reply = record.replyText ?? '';
    readyAt = record.endedAt - run.start;
  }
}

/**
 * When a turn after the first is meant to go out: its think time after the
 * previous reply, or its trace timestamp, whichever is later (a turn is never
 * meant before the reply it carries). Undefined when neither asks for a wait.
 */
export function laterTurnTime(turn: Pick<Turn, 'atMs' | 'afterMs'>, readyAt: number): number | undefined {
  const after = turn.afterMs ?? 0;
  const at = turn.atMs;
  if (after <= 0 && (at === undefined || at <= readyAt)) return undefined;
  return Math.max(readyAt + after, at ?? -Infinity);
}

function tag(record: RequestRecord, session: number | undefined, k: number, turn: Turn): void {
  if (session !== undefined) {
    record.session = session;
    record.turn = k;
  }
  if (turn.rowIndex !== undefined) record.rowIndex = turn.rowIndex;
  if (turn.promptTokens !== undefined) record.promptTokens = turn.promptTokens;
  if (turn.requestedOutputTokens !== undefined) record.requestedOutputTokens = turn.requestedOutputTokens;
}
