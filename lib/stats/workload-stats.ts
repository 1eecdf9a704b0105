/**
 * What a workload asked for against what came back: prompt lengths (ours, in
 * the run's tokenizer, and the server's usage.prompt_tokens, which includes the
 * chat template), prompt tokens the server served from its prefix cache, and
 * output tokens requested against produced, with the requests that came back
 * short. Pure, one record at a time (SummaryBuilder feeds it).
 */
import { BlockArray } from '../record/block-array.ts';
import type { RequestRecord } from '../record/record.ts';
import { outputTokens } from './metrics.ts';
import { describeSorted, type Distribution } from './stats.ts';

export interface WorkloadStats {
  /** Prompt tokens in the run's tokenizer, of every measured request that carried a count (sent, failed or not). */
  prompt_tokens?: Distribution;
  /** The server's prompt tokens (usage), of successful requests that reported them. */
  server_prompt_tokens?: Distribution;
  /** Sum of the server's cached prompt tokens, over successful requests that reported them; and their prompt tokens. */
  cached_prompt_tokens?: { cached: number; of: number; requests: number };
  /** Requested output tokens, of successful requests that asked for a length. */
  requested_output_tokens?: Distribution;
  /** Output tokens produced by those same requests. */
  actual_output_tokens?: Distribution;
  /** Of those, the requests that produced fewer tokens than requested, and the tokens missing in all. */
  short_requests?: { requests: number; of: number; missing_tokens: number };
}

const list = () => new BlockArray(Float64Array, 12);

export class WorkloadStatsBuilder {
  private readonly prompt = list();
  private readonly serverPrompt = list();
  private readonly requested = list();
  private readonly actual = list();
  private cached = { cached: 0, of: 0, requests: 0 };
  private short = { requests: 0, of: 0, missing_tokens: 0 };

  add(r: RequestRecord): void {
    if (r.warmup) return;
    if (r.promptTokens !== undefined) this.prompt.push(r.promptTokens);
    if (r.error) return;
    const input = r.usage?.inputTokens;
    if (input !== undefined) this.serverPrompt.push(input);
    const cached = r.usage?.cachedInputTokens;
    if (cached !== undefined && input !== undefined) {
      this.cached.cached += cached;
      this.cached.of += input;
      this.cached.requests++;
    }
    if (r.requestedOutputTokens !== undefined) {
      const produced = outputTokens(r);
      this.requested.push(r.requestedOutputTokens);
      this.actual.push(produced);
      this.short.of++;
      if (produced < r.requestedOutputTokens) {
        this.short.requests++;
        this.short.missing_tokens += r.requestedOutputTokens - produced;
      }
    }
  }

  /** Undefined when no record carried workload data or a server prompt count (usage). */
  finish(): WorkloadStats | undefined {
    if (this.prompt.length === 0 && this.requested.length === 0 && this.serverPrompt.length === 0) return undefined;
    const stats: WorkloadStats = {};
    const put = (key: 'prompt_tokens' | 'server_prompt_tokens' | 'requested_output_tokens' | 'actual_output_tokens', values: BlockArray<Float64Array>) => {
      const d = values.length > 0 ? describeSorted(values.sortedCopy()) : undefined;
      if (d) stats[key] = d;
    };
    put('prompt_tokens', this.prompt);
    put('server_prompt_tokens', this.serverPrompt);
    if (this.cached.requests > 0) stats.cached_prompt_tokens = this.cached;
    put('requested_output_tokens', this.requested);
    put('actual_output_tokens', this.actual);
    if (this.short.of > 0) stats.short_requests = this.short;
    return stats;
  }
}
