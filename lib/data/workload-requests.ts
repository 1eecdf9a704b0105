/**
 * Requests of a workload (lib/data/workload.ts): request i's prompt put into
 * the body (where the body says "{{prompt}}", else in the API's own prompt
 * field), its output length in the API's own limit field, and with
 * --exact-output the fields that make a server ignore end-of-sequence. The
 * prompts are ready before the clock; building a body here is a copy and a
 * JSON.stringify.
 */
import type { Config } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { vllmExactOutput } from '../wire/protocols/openai-shared.ts';
import { messagesText, type JsonObject, type Protocol } from '../wire/protocols/protocol.ts';
import type { DatasetPrompt } from './prompt-dataset.ts';
import { requestFor, type RequestPlan } from './request-plan.ts';
import type { WorkloadPlan } from './workload.ts';

/** Where a custom body wants the prompt. */
export const PROMPT_SLOT = '{{prompt}}';

export function createWorkloadRequestPlan(config: Config, url: string, body: unknown, protocol: Protocol | undefined, plan: WorkloadPlan): RequestPlan {
  const build = workloadBody(config, body, protocol, plan);
  return {
    buildRequest: (index) => requestFor(config, url, build(index), protocol),
    tagRecord(index, record) {
      const prompt = plan.inputTokens(index);
      if (prompt !== undefined) record.promptTokens = prompt;
      const output = plan.outputTokens(index);
      if (output !== undefined) record.requestedOutputTokens = output;
      const row = plan.rowOf(index);
      if (row !== undefined) record.rowIndex = row;
    },
  };
}

/**
 * Checks now, before anything is sent, that the body can take the workload,
 * and returns request i's body. `protocol` undefined (picked per response):
 * an OpenAI-compatible body is assumed, as most servers speak it.
 */
export function workloadBody(config: Config, body: unknown, protocol: Protocol | undefined, plan: WorkloadPlan): (index: number) => JsonObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new UsageError('--input-tokens, --output-tokens and a prompt dataset need a JSON object body (or none: the protocol\'s default)');
  }
  const base = body as JsonObject;
  const workload = config.workload;
  const name = protocol?.name ?? 'openai-chat (assumed: the URL path names no API)';
  const hasSlot = containsString(base, PROMPT_SLOT);
  const setPrompt = protocol ? protocol.setPrompt : (b: JsonObject, p: DatasetPrompt) => ('prompt' in b ? { ...b, prompt: typeof p === 'string' ? p : messagesText(p) } : { ...b, messages: typeof p === 'string' ? [{ role: 'user', content: p }] : p });
  if (plan.hasPrompts && !hasSlot && !setPrompt) {
    throw new UsageError(`the ${name} protocol has no prompt field to fill: write "${PROMPT_SLOT}" in the body where the prompt goes`);
  }
  const setLimit = protocol ? protocol.setOutputLimit : (b: JsonObject, n: number) => ({ ...b, max_tokens: n });
  if (workload?.output_tokens !== undefined && !setLimit) throw new UsageError(`--output-tokens: the ${name} protocol has no output limit field`);
  const setExact = protocol ? protocol.setExactOutput : vllmExactOutput;
  if (workload?.exact_output && !setExact) {
    throw new UsageError(
      `--exact-output: the ${name} API has no field to ignore end-of-sequence; it works with OpenAI-compatible chat and completions servers that accept ignore_eos and min_tokens (vLLM, SGLang)`,
    );
  }
  return (index) => {
    let out = base;
    const prompt = plan.prompt(index);
    if (prompt !== undefined) {
      out = hasSlot ? (replaceString(base, PROMPT_SLOT, typeof prompt === 'string' ? prompt : messagesText(prompt)) as JsonObject) : setPrompt!(base, prompt);
    }
    const tokens = plan.outputTokens(index);
    if (tokens !== undefined) {
      out = setLimit!(out, tokens);
      if (workload?.exact_output) out = setExact!(out, tokens);
    }
    return out;
  };
}

function containsString(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (Array.isArray(value)) return value.some((item) => containsString(item, text));
  if (value && typeof value === 'object') return Object.values(value).some((item) => containsString(item, text));
  return false;
}

/** A copy of `value` with `from` replaced by `to` inside every string. */
function replaceString(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.includes(from) ? value.split(from).join(to) : value;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceString(item, from, to)]));
  return value;
}
