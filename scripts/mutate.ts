/**
 * Mutation testing (a developer tool, see docs/development.md).
 *   npm run mutate                                                 # every module in stryker.config.mjs, one at a time
 *   npm run mutate -- lib/wire/sse.ts                              # one module while you work on it
 *   npm run mutate -- lib/wire/sse.ts --concurrency 2              # other flags go to Stryker
 *   npm run mutate -- lib/wire/sse.ts --tests test/sse.test.ts     # pick the tests by hand
 *
 * Each module runs with only the test files that import it (vitest.mutate.config.ts):
 * the integration suites reach every module through `beforeAll` set-ups, which Stryker
 * counts as static coverage and would rerun in full for each mutant (minutes per mutant).
 * Each module keeps its own incremental file and report under reports/mutation/<module>/,
 * so re-running one module only tests what changed since its last run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ModuleScore {
  module: string;
  killed: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  score: number;
}

const root = resolve(import.meta.dirname, '..');
const configUrl = pathToFileURL(join(root, 'stryker.config.mjs')).href;
const config = ((await import(configUrl)) as { default: { mutate: string[] } }).default;
const argv = process.argv.slice(2);
const testsAt = argv.indexOf('--tests');
const picked = testsAt === -1 ? undefined : argv[testsAt + 1]?.split(',').filter(Boolean);
const args = testsAt === -1 ? argv : [...argv.slice(0, testsAt), ...argv.slice(testsAt + 2)];
const modules = args.filter((arg, i) => !arg.startsWith('-') && !args[i - 1]?.startsWith('-'));
const strykerFlags = args.filter((arg) => !modules.includes(arg));
const selected = modules.length > 0 ? modules : config.mutate;

const scores: ModuleScore[] = [];
for (const module of selected) {
  // `--tests a,b` picks the tests by hand (faster; the score is then a lower bound).
  const tests = picked ?? testFilesImporting(module);
  if (tests.length === 0) {
    process.stderr.write(`mutate: no test file imports ${module}\n`);
    process.exitCode = 2;
    continue;
  }
  const dir = join('reports/mutation', module.replace(/^lib\//, '').replace(/\.ts$/, ''));
  process.stderr.write(`\nmutate: ${module} with ${tests.join(', ')}\n`);
  const stryker = () =>
    spawnSync(
      join(root, 'node_modules/.bin/stryker'),
      ['run', '--mutate', module, '--incrementalFile', join(dir, 'incremental.json'), ...strykerFlags],
      {
        cwd: root,
        stdio: 'inherit',
        // The reporters' file names are not CLI flags, so stryker.config.mjs reads them from here;
        // vitest.mutate.config.ts narrows the tests (not --testFiles: see there).
        env: { ...process.env, STRYKER_REPORT_DIR: dir, MUTATE_TEST_FILES: tests.join(',') },
      },
    );
  let run = stryker();
  if (run.status !== 0) {
    // A timing-sensitive integration test can fail the initial run on a busy machine: one more try.
    process.stderr.write(`mutate: ${module} failed (exit ${run.status}); trying once more\n`);
    run = stryker();
  }
  const report = join(root, dir, 'mutation.json');
  if (run.status !== 0) process.exitCode = run.status ?? 1;
  else if (existsSync(report)) scores.push(scoreOf(module, report));
}
process.stdout.write(renderScores(scores));

/**
 * Test files under test/ with an import that resolves to `module`, and its own
 * test file by name; for a module no test imports (a shared helper), the tests
 * of the lib files that import it.
 */
function testFilesImporting(module: string): string[] {
  // The module's own test file by name (test/compare.test.ts for lib/compare/compare.ts) may reach it through a command.
  const own = join('test', `${basename(module, '.ts')}.test.ts`);
  const direct = [...new Set([...filesImporting('test', module).filter((file) => file.endsWith('.test.ts')), ...(existsSync(join(root, own)) ? [own] : [])])].sort();
  if (direct.length > 0) return direct;
  const users = filesImporting('lib', module);
  return [...new Set(users.flatMap((user) => filesImporting('test', user).filter((file) => file.endsWith('.test.ts'))))].sort();
}

/** .ts files under `folder` with an import that resolves to `module`. */
function filesImporting(folder: string, module: string): string[] {
  const target = resolve(root, module);
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file))
    .filter((file) => {
      const source = readFileSync(join(root, file), 'utf8');
      return [...source.matchAll(/from '(\.{1,2}\/[^']+)'/g)].some((match) => resolve(root, dirname(file), match[1]!) === target);
    })
    .sort();
}

function scoreOf(module: string, reportFile: string): ModuleScore {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    files: Record<string, { mutants: Array<{ status: string }> }>;
  };
  const count = { killed: 0, survived: 0, noCoverage: 0, ignored: 0 };
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (status === 'Killed' || status === 'Timeout') count.killed++;
      else if (status === 'Survived') count.survived++;
      else if (status === 'NoCoverage') count.noCoverage++;
      else count.ignored++; // Ignored, CompileError, RuntimeError: not in the score
    }
  }
  const valid = count.killed + count.survived + count.noCoverage;
  return { module, ...count, score: valid === 0 ? 100 : (100 * count.killed) / valid };
}

function renderScores(rows: ModuleScore[]): string {
  const lines = rows.map(
    (row) =>
      `| ${relative('lib', row.module)} | ${row.score.toFixed(1)}% | ${row.killed} | ${row.survived} | ${row.noCoverage} | ${row.ignored} |`,
  );
  return ['', '| Module | Score | Killed | Survived | No coverage | Ignored |', '|---|---:|---:|---:|---:|---:|', ...lines, ''].join('\n');
}
