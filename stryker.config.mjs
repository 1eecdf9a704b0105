// Mutation testing (`npm run mutate`): see docs/development.md.
// Too slow for CI on 2 cores, so it runs on demand, incrementally: results are
// kept in reports/mutation/ (git-ignored) and reused while code and tests are unchanged.
// scripts/mutate.ts gives each module its own report folder.
const reportDir = process.env.STRYKER_REPORT_DIR ?? 'reports/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  // The modules that carry the product's promises, one file each (no globs:
  // scripts/mutate.ts runs them one at a time, each with the tests that import it).
  mutate: [
    'lib/stats/stats.ts',
    'lib/stats/metrics.ts',
    'lib/wire/sse.ts',
    'lib/wire/framing.ts',
    'lib/load/limiter.ts',
    'lib/load/schedule.ts',
    'lib/load/load-shape.ts',
    'lib/wire/protocols/openai-shared.ts',
    'lib/wire/protocols/openai-chat.ts',
    'lib/wire/protocols/openai-completions.ts',
    'lib/wire/protocols/openai-responses.ts',
    'lib/wire/protocols/anthropic-messages.ts',
    'lib/wire/protocols/gemini.ts',
    'lib/wire/protocols/ollama.ts',
    'lib/wire/protocols/raw.ts',
    'lib/wire/protocols/registry.ts',
    'lib/wire/redact.ts',
    'lib/compare/significance.ts',
    'lib/compare/compare.ts',
    'lib/results/journal.ts',
    'lib/results/results.ts',
    'lib/data/template.ts',
    'lib/data/dataset.ts',
    'lib/wire/transport-undici.ts',
    'lib/wire/connection-pool.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine is shared: one test runner. Raise with `--concurrency N` on your own.
  concurrency: 1,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'clear-text', 'progress', 'json'],
  htmlReporter: { fileName: `${reportDir}/index.html` },
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  clearTextReporter: { reportTests: false, logTests: false, allowEmojis: false },
  // Integration tests start servers and child processes: leave room on a busy machine.
  timeoutMS: 10_000,
  dryRunTimeoutMinutes: 15,
  tempDirName: '.stryker-tmp',
  // Stryker rewrites tsconfig `extends`/`references` with TypeScript's JS API, which
  // TypeScript 7 no longer has. Ours has neither, so point it at no file: nothing to rewrite.
  tsconfigFile: 'tsconfig.stryker-none.json',
  ignorePatterns: ['reports', 'test-artifacts'],
  thresholds: { high: 85, low: 70, break: null },
};
