/**
 * The simulated LLM streaming endpoint as a real server on 127.0.0.1; it
 * speaks the dialect the request path names (OpenAI chat / completions /
 * Responses, Anthropic, Gemini, Ollama). Prints one JSON line {"url": ...} on
 * stdout once listening.
 *   npx tsx scripts/mock-server.ts --port 8000 --ttft 200 --itl 20 --tokens 64
 */
import { defineCommand, runMain } from 'citty';
import { optionalNumber, parseStrict } from '../lib/cli.ts';
import { UsageError } from '../lib/errors.ts';
import { startSimServer } from '../lib/sim-server.ts';
import { DEFAULT_SIMULATOR, SIM_PATHS } from '../lib/simulator.ts';

const args = {
  port: { type: 'string', description: 'port to listen on (0 picks a free one)', default: '8000' },
  ttft: { type: 'string', description: `ms before the first token (default ${DEFAULT_SIMULATOR.ttftMs})` },
  itl: { type: 'string', description: `ms between tokens (default ${DEFAULT_SIMULATOR.itlMs})` },
  tokens: { type: 'string', description: `answer tokens per response (default ${DEFAULT_SIMULATOR.tokens})` },
  reasoning: { type: 'string', description: `reasoning tokens before the answer (default ${DEFAULT_SIMULATOR.reasoningTokens})` },
  jitter: { type: 'string', description: `delay jitter as a fraction, 0..1 (default ${DEFAULT_SIMULATOR.jitter})` },
  seed: { type: 'string', description: 'RNG seed for the jitter' },
} as const;

const command = defineCommand({
  meta: { name: 'mock-server', description: 'Serve the simulated LLM stream on 127.0.0.1' },
  args,
  async run({ rawArgs }) {
    try {
      const { values } = parseStrict(rawArgs, args);
      const server = await startSimServer({
        port: optionalNumber(values.port, '--port') ?? 8000,
        ttftMs: optionalNumber(values.ttft, '--ttft') ?? DEFAULT_SIMULATOR.ttftMs,
        itlMs: optionalNumber(values.itl, '--itl') ?? DEFAULT_SIMULATOR.itlMs,
        tokens: optionalNumber(values.tokens, '--tokens') ?? DEFAULT_SIMULATOR.tokens,
        reasoningTokens: optionalNumber(values.reasoning, '--reasoning') ?? DEFAULT_SIMULATOR.reasoningTokens,
        jitter: optionalNumber(values.jitter, '--jitter') ?? DEFAULT_SIMULATOR.jitter,
        seed: optionalNumber(values.seed, '--seed'),
      });
      process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
      process.stderr.write(`simulated endpoint at ${server.url}, paths ${SIM_PATHS.join(' ')} (Ctrl-C to stop)\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (error) {
      process.stderr.write(`error: ${error instanceof UsageError ? error.message : String(error)}\n`);
      process.exit(2);
    }
  },
});

await runMain(command);
