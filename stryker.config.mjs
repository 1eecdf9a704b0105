// Mutation testing (`npm run mutate`): see docs/development.md.
// Too slow for CI on 2 cores, so it runs on demand, incrementally: results are
// kept in reports/mutation/ (git-ignored) and reused while code and tests are unchanged.
// scripts/mutate.ts gives each module its own report folder.
const reportDir = process.env.STRYKER_REPORT_DIR ?? 'reports/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts', related: true },
  // The modules that carry the product's promises, one file each (no globs:
  // scripts/mutate.ts runs them one at a time, each with the tests that import it).
  mutate: [
    'lib/stats.ts',
    'lib/metrics.ts',
    'lib/sse.ts',
    'lib/framing.ts',
    'lib/limiter.ts',
    'lib/schedule.ts',
    'lib/load-shape.ts',
    'lib/protocols/openai-shared.ts',
    'lib/protocols/openai-chat.ts',
    'lib/protocols/openai-completions.ts',
    'lib/protocols/openai-responses.ts',
    'lib/protocols/anthropic-messages.ts',
    'lib/protocols/gemini.ts',
    'lib/protocols/ollama.ts',
    'lib/protocols/raw.ts',
    'lib/protocols/registry.ts',
    'lib/redact.ts',
    'lib/significance.ts',
    'lib/compare.ts',
    'lib/journal.ts',
    'lib/results.ts',
    'lib/template.ts',
    'lib/dataset.ts',
    'lib/transport-socket.ts',
    'lib/http1-parser.ts',
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
