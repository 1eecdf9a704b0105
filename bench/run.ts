/**
 * The benchmark: streambench vs ground truth and vs peer clients.
 *   npm run bench                                   # every scenario, full scale (minutes)
 *   npm run bench -- --scenario S1,S2 --scale 0.1   # a quick run
 */
import { defineCommand, runMain } from 'citty';
import { benchArgs, runBench } from '../lib/commands/bench.ts';

const command = defineCommand({
  meta: { name: 'bench', description: 'Benchmark streambench against ground truth and peer clients' },
  args: benchArgs,
  async run({ rawArgs }) {
    process.exit(await runBench(rawArgs, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }));
  },
});

await runMain(command);
