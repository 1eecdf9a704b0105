/**
 * Is the new run worse than the base? Exit 0 no regression, 1 regression, 2 bad input.
 *   npx tsx scripts/compare.ts results/main.json results/branch.json
 *   npx tsx scripts/compare.ts base.json new.json --fail-on "ttft.p95 > +10%" --format markdown
 */
import { defineCommand, runMain } from 'citty';
import { showUsage } from '../lib/config/cli.ts';
import { compareArgs, runCompare } from '../lib/commands/compare.ts';

const command = defineCommand({
  meta: { name: 'compare', description: 'Compare two or more streambench results files (the first is the base); exit 1 when any regresses' },
  args: compareArgs,
  async run({ rawArgs }) {
    process.exit(await runCompare(rawArgs, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }));
  },
});

await runMain(command, { showUsage });
