/**
 * Re-render the report from saved results; several files are merged.
 *   npx tsx scripts/summarize.ts results/run.json
 *   npx tsx scripts/summarize.ts shard-*.json --format markdown >> "$GITHUB_STEP_SUMMARY"
 */
import { defineCommand, runMain } from 'citty';
import { showUsage } from '../lib/config/cli.ts';
import { runSummarize, summarizeArgs } from '../lib/commands/summarize.ts';

const command = defineCommand({
  meta: { name: 'summarize', description: 'Report (and merge) saved streambench results' },
  args: summarizeArgs,
  async run({ rawArgs }) {
    process.exit(await runSummarize(rawArgs, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }));
  },
});

await runMain(command, { showUsage });
