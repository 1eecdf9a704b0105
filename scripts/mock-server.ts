/**
 * The simulated LLM streaming endpoint as a real server on 127.0.0.1; it
 * speaks the dialect the request path names (OpenAI chat / completions /
 * Responses, Anthropic, Gemini, Ollama). Prints one JSON line {"url": ...} on
 * stdout once listening.
 *   npx tsx scripts/mock-server.ts --port 8000 --ttft 200 --itl 20 --tokens 64
 *   npx tsx scripts/mock-server.ts --truth     # also serve ground-truth TTFT at GET /stats
 */
import { defineCommand, runMain } from 'citty';
import { optionalNumber, parseStrict, showUsage } from '../lib/config/cli.ts';
import { SimulatorSchema } from '../lib/config/config.ts';
import { UsageError } from '../lib/record/errors.ts';
import { startSimServer } from '../lib/sim/server.ts';
import { DEFAULT_SIMULATOR, SIM_PATHS } from '../lib/sim/simulator.ts';

const args = {
  port: { type: 'string', description: 'port to listen on (0 picks a free one)', default: '8000' },
  ttft: { type: 'string', description: `ms before the first token (default ${DEFAULT_SIMULATOR.ttftMs})` },
  itl: { type: 'string', description: `ms between tokens (default ${DEFAULT_SIMULATOR.itlMs})` },
  tokens: { type: 'string', description: `answer tokens per response (default ${DEFAULT_SIMULATOR.tokens})` },
  reasoning: { type: 'string', description: `reasoning tokens before the answer (default ${DEFAULT_SIMULATOR.reasoningTokens})` },
  jitter: { type: 'string', description: `delay jitter as a fraction, 0..1 (default ${DEFAULT_SIMULATOR.jitter})` },
  seed: { type: 'string', description: 'RNG seed for the jitter' },
  prefill: { type: 'string', description: `ms of prefill per uncached prompt token (default ${DEFAULT_SIMULATOR.prefillMsPerToken})` },
  'prefix-cache': { type: 'string', description: `prefix cache size in tokens, 0 for none (default ${DEFAULT_SIMULATOR.prefixCacheTokens})` },
  tokenizer: { type: 'string', description: 'count prompts with o200k, cl100k or a tokenizer.json (default: ~4 characters a token)' },
  truth: { type: 'boolean', description: 'record ground-truth TTFT per request, served at GET /stats (DELETE clears)' },
  'exit-with-stdin': { type: 'boolean', description: 'exit when stdin closes (a parent process that dies closes it)' },
} as const;

const FLAG_FOR_FIELD: Record<string, string> = {
  ttft_ms: '--ttft',
  itl_ms: '--itl',
  tokens: '--tokens',
  reasoning_tokens: '--reasoning',
  jitter: '--jitter',
  seed: '--seed',
  prefill_ms_per_token: '--prefill',
  prefix_cache_tokens: '--prefix-cache',
};

const command = defineCommand({
  meta: { name: 'mock-server', description: 'Serve the simulated LLM stream on 127.0.0.1' },
  args,
  async run({ rawArgs }) {
    try {
      const { values } = parseStrict(rawArgs, args);
      // The same limits as config.json's `simulator` (a jitter above 1 would make delays negative).
      const checked = SimulatorSchema.safeParse({
        ttft_ms: optionalNumber(values.ttft, '--ttft'),
        itl_ms: optionalNumber(values.itl, '--itl'),
        tokens: optionalNumber(values.tokens, '--tokens'),
        reasoning_tokens: optionalNumber(values.reasoning, '--reasoning'),
        jitter: optionalNumber(values.jitter, '--jitter'),
        seed: optionalNumber(values.seed, '--seed'),
        prefill_ms_per_token: optionalNumber(values.prefill, '--prefill'),
        prefix_cache_tokens: optionalNumber(values['prefix-cache'], '--prefix-cache'),
      });
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new UsageError(`invalid option: ${FLAG_FOR_FIELD[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
      }
      const sim = checked.data;
      const port = optionalNumber(values.port, '--port') ?? 8000;
      const server = await startSimServer({
        port,
        ttftMs: sim.ttft_ms,
        itlMs: sim.itl_ms,
        tokens: sim.tokens,
        reasoningTokens: sim.reasoning_tokens,
        jitter: sim.jitter,
        seed: sim.seed,
        prefillMsPerToken: sim.prefill_ms_per_token,
        prefixCacheTokens: sim.prefix_cache_tokens,
        tokenizer: typeof values.tokenizer === 'string' ? values.tokenizer : undefined,
        recordTruth: values.truth === true,
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use on 127.0.0.1: choose another with --port (0 picks a free one)`);
        throw error;
      });
      process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
      process.stderr.write(`simulated endpoint at ${server.url}, paths ${SIM_PATHS.join(' ')} (Ctrl-C to stop)\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (values['exit-with-stdin'] === true) {
        // The parent is gone (or closed the pipe): stop at once, in-flight streams with it.
        process.stdin.once('end', () => process.exit(0)).once('error', () => process.exit(0));
        process.stdin.resume();
      }
    } catch (error) {
      process.stderr.write(`error: ${error instanceof UsageError ? error.message : String(error)}\n`);
      process.exit(2);
    }
  },
});

await runMain(command, { showUsage });
