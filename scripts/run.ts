/**
 * Load-test a streaming endpoint.
 *   npx tsx scripts/run.ts                      # demo against the built-in simulated endpoint
 *   npx tsx scripts/run.ts -u URL -n 200 -p 50  # any OpenAI-compatible server
 */
import { defineCommand, runMain } from 'citty';
import { showUsage } from '../lib/config/cli.ts';
import { EXIT, runArgs, runRun } from '../lib/commands/run.ts';
import { createInterruptHandler } from '../lib/util/interrupt.ts';

const command = defineCommand({
  meta: { name: 'run', description: 'Load-test a streaming HTTP endpoint at fixed concurrency or at a rate' },
  args: runArgs,
  async run({ rawArgs }) {
    const controller = new AbortController();
    const onSignal = createInterruptHandler({
      controller,
      write: (text) => process.stderr.write(text),
      exit: (signal) => process.exit(EXIT[signal]),
    });
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const code = await runRun(rawArgs, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
    process.exit(code);
  },
});

await runMain(command, { showUsage });
