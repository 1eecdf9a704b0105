/**
 * The Kubernetes manifests and the Dockerfile can't be applied or built here,
 * so these tests check what would break them: YAML that parses differently
 * (or not at all) for kubectl, field names the API server rejects, pieces that
 * don't refer to each other, and args our own CLI would refuse.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { captureRunIO } from './helpers/io.ts';
import { z } from 'zod';
import { parseStrict } from '../lib/config/cli.ts';
import { runArgs, runRun } from '../lib/commands/run.ts';
import { expandEnv, validateConfig } from '../lib/config/config.ts';
import { ResultsSchema } from '../lib/results/results.ts';
import { parseShard } from '../lib/config/shard-spec.ts';
import { startSimServer } from '../lib/sim/server.ts';
import { parseStartAt } from '../lib/load/start-at.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Parsed as YAML 1.2 and as YAML 1.1 (kubectl's reading): both must agree, with no duplicate keys. */
function readManifest(path: string): unknown {
  const text = read(path);
  const modern = parse(text, { uniqueKeys: true, strict: true });
  expect(parse(text, { version: '1.1', uniqueKeys: true, strict: true }), `${path} reads differently in YAML 1.1`).toEqual(modern);
  return modern;
}

// The parts of the batch/v1 and v1 APIs the manifests use, strict so a misspelt field fails here as it would on apply.
const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
const Metadata = z.strictObject({ name, labels: z.record(z.string(), z.string()).optional() });
const EnvVar = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.strictObject({ secretKeyRef: z.strictObject({ name, key: z.string() }) }).optional(),
});
const Container = z.strictObject({
  name,
  image: z.string(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  command: z.array(z.string()),
  args: z.array(z.string()),
  env: z.array(EnvVar),
  volumeMounts: z.array(z.strictObject({ name, mountPath: z.string(), readOnly: z.boolean().optional() })),
  resources: z.strictObject({
    requests: z.partialRecord(z.enum(['cpu', 'memory']), z.string()),
    limits: z.partialRecord(z.enum(['cpu', 'memory']), z.string()),
  }),
});
const JobSchema = z.strictObject({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: Metadata,
  spec: z.strictObject({
    completionMode: z.literal('Indexed'),
    completions: z.int().min(1),
    parallelism: z.int().min(1),
    backoffLimit: z.int().min(0),
    template: z.strictObject({
      metadata: Metadata.omit({ name: true }),
      spec: z.strictObject({
        restartPolicy: z.enum(['Never', 'OnFailure']),
        containers: z.array(Container).length(1),
        volumes: z.array(z.strictObject({ name, configMap: z.strictObject({ name }) })),
      }),
    }),
  }),
});
const ConfigMapSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: Metadata,
  data: z.record(z.string(), z.string()),
});
const SecretSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: Metadata,
  type: z.literal('Opaque'),
  stringData: z.record(z.string(), z.string()),
});

describe('deploy/k8s', () => {
  const manifests = {
    job: readManifest('deploy/k8s/job.yaml'),
    configMap: readManifest('deploy/k8s/configmap.yaml'),
    secret: readManifest('deploy/k8s/secret.yaml'),
  };

  it('each manifest is valid YAML and passes the schema check of its fields', () => {
    expect(JobSchema.safeParse(manifests.job).error).toBeUndefined();
    expect(ConfigMapSchema.safeParse(manifests.configMap).error).toBeUndefined();
    expect(SecretSchema.safeParse(manifests.secret).error).toBeUndefined();
    // The check has teeth: a misspelt field is refused, as the API server would.
    const job = manifests.job as { spec: Record<string, unknown> };
    expect(JobSchema.safeParse({ ...job, spec: { ...job.spec, completionsMode: 'Indexed' } }).success).toBe(false);
  });

  const job = JobSchema.parse(manifests.job);
  const configMap = ConfigMapSchema.parse(manifests.configMap);
  const secret = SecretSchema.parse(manifests.secret);
  const container = job.spec.template.spec.containers[0]!;
  const args = container.args;
  const argAfter = (flag: string) => args[args.indexOf(flag) + 1];

  it('is an Indexed Job whose N shards all run at once', () => {
    expect(job.spec.completions).toBe(job.spec.parallelism);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('gives each pod its shard of the same N, from JOB_COMPLETION_INDEX', () => {
    expect(container.command).toEqual(['node', '--import', 'tsx', 'scripts/run.ts']);
    expect(argAfter('--shard')).toBe(`$(JOB_COMPLETION_INDEX)/${job.spec.completions}`);
    // What a pod's args become once Kubernetes expands the index: a shard our parser accepts.
    for (let index = 0; index < job.spec.completions; index++) {
      expect(parseShard(argAfter('--shard')!.replace('$(JOB_COMPLETION_INDEX)', String(index)))).toEqual({
        index,
        count: job.spec.completions,
      });
    }
  });

  it('passes only flags that run accepts, with a start time filled in at apply time', () => {
    const { values, positionals } = parseStrict(args, runArgs, ['header']);
    expect(positionals).toEqual([]);
    expect(values).toMatchObject({ quiet: true, output: '-', 'start-at': '__START_AT__' });
    // The sed line in docs/sharding.md puts an instant there; left as is, run refuses it with a clear message.
    expect(() => parseStartAt('__START_AT__')).toThrow(/not an ISO 8601 time/);
    expect(read('docs/sharding.md')).toContain(`sed "s/__START_AT__/$START_AT/" deploy/k8s/job.yaml | kubectl apply -f -`);
  });

  it('mounts the ConfigMap where --config points, and its config.json is a valid config', () => {
    const volume = job.spec.template.spec.volumes.find((v) => v.configMap.name === configMap.metadata.name);
    expect(volume).toBeDefined();
    const mount = container.volumeMounts.find((m) => m.name === volume!.name);
    expect(mount?.readOnly).toBe(true);
    expect(argAfter('--config')).toBe(`${mount!.mountPath}/config.json`);
    const file = JSON.parse(configMap.data['config.json']!);
    const env = { [container.env[0]!.name]: 'sk-test' };
    const config = validateConfig(expandEnv(file, env, []), 'configmap.yaml');
    expect(config.headers.Authorization).toBe('Bearer sk-test');
    // Its data file sits beside it in the same ConfigMap, so the relative path resolves in the mount.
    expect(Object.keys(configMap.data)).toContain(config.data_source!.file);
  });

  it("runs a pod's command as the Job would, with the URL pointed at a local simulated endpoint", async () => {
    // The ConfigMap's files where the pod mounts them, the index and start time filled in, the key from the env.
    const mount = mkdtempSync(join(tmpdir(), 'streambench-pod-'));
    for (const [file, text] of Object.entries(configMap.data)) writeFileSync(join(mount, file), text);
    const mountPath = container.volumeMounts[0]!.mountPath;
    const podArgs = args.map((arg) =>
      arg
        .replace('$(JOB_COMPLETION_INDEX)', '1')
        .replace('__START_AT__', new Date(Date.now() - 1000).toISOString())
        .replace(mountPath, mount),
    );
    const sim = await startSimServer({ ttftMs: 5, itlMs: 1, tokens: 3, jitter: 0 });
    try {
      const { io, stdout, stderr } = captureRunIO(mount, { env: { OPENAI_API_KEY: 'sk-pod-secret' } });
      const code = await runRun([...podArgs, '-u', `${sim.url}/v1/chat/completions`, '-n', '9', '-p', '3'], io);
      expect(code, stderr()).toBe(0);
      // stdout is exactly the one JSON line that the collection loop in docs/sharding.md keeps.
      expect(stdout().split('\n').filter((line) => line.startsWith('{"schema_version"'))).toHaveLength(1);
      const results = ResultsSchema.parse(JSON.parse(stdout()));
      expect(results.shard).toMatchObject({ index: 1, count: job.spec.completions });
      expect(results.metrics.map((m) => m.row_index)).toEqual([1, 0, 3]);
      expect(stdout() + stderr()).not.toContain('sk-pod-secret');
    } finally {
      await sim.close();
    }
  });

  it('reads the API key from the Secret into the variable config.json expands', () => {
    const fromSecret = container.env.filter((e) => e.valueFrom?.secretKeyRef);
    expect(fromSecret).toHaveLength(1);
    const { name: variable, valueFrom } = fromSecret[0]!;
    expect(valueFrom!.secretKeyRef.name).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData)).toContain(valueFrom!.secretKeyRef.key);
    expect(configMap.data['config.json']).toContain(`\${${variable}}`);
    // No key in the repository: the Secret holds a placeholder.
    expect(Object.values(secret.stringData)).toEqual(['REPLACE_ME']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

  it('builds on node:20-slim with npm ci from the lockfile, without dev dependencies, and runs the scripts with tsx', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json \.\/$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--import", "tsx"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["scripts\/run\.ts"\]$/m);
    expect(Object.keys(pkg.dependencies)).toContain('tsx');
  });

  it('every package lib/ and scripts/ import is a runtime dependency, so the --omit=dev image runs', async () => {
    const { readdirSync } = await import('node:fs');
    const files = ['lib', 'scripts'].flatMap((folder) =>
      readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => join(folder, file)),
    );
    const imported = new Set<string>();
    for (const file of files) {
      // Static and dynamic imports, and import.meta.resolve (how tsx is loaded into child processes).
      for (const match of read(file).matchAll(/(?:\bfrom\s+|^import\s+|\bimport\(\s*|\bimport\.meta\.resolve\(\s*)'([@a-z][^'\s]*)'/gm)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        imported.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['zod', 'citty', 'tsx']));
    for (const name of imported) expect(pkg.dependencies, `${name} is imported at run time`).toHaveProperty([name]);
  });

  it('keeps host node_modules and results out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'results']));
    for (const needed of ['lib', 'scripts', 'package.json', 'package-lock.json', 'config.json']) expect(ignored).not.toContain(needed);
  });
});

/** A JSON exec-form instruction of the Dockerfile, e.g. ENTRYPOINT ["node", "--import", "tsx"]. */
function execForm(dockerfile: string, instruction: string): string[] {
  const line = new RegExp(`^${instruction} (\\[.*\\])$`, 'm').exec(dockerfile)?.[1];
  expect(line, `${instruction} in exec form`).toBeDefined();
  return JSON.parse(line!) as string[];
}

const spawned: ChildProcess[] = [];
// A failed test must not leave its run going.
afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `command` in the repository (the image's WORKDIR), resolving `node` through PATH as the container does. */
function spawnCommand(command: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH, ...env } });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const stderrMatches = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (pattern.test(stderr) ? resolve() : undefined);
      child.stderr.on('data', check);
      void exited.then(() => reject(new Error(`exited before ${pattern}; stderr:\n${stderr}`)));
      check();
    });
  return { child, exited, stdout: () => stdout, stderr: () => stderr, stderrMatches };
}

describe('SIGTERM reaches the run, as the container and the Job start it', () => {
  // Streams of 10 tokens 15 ms apart: 3000 requests at 12 in flight last ~40 s, TERM comes long before.
  let sim: Awaited<ReturnType<typeof startSimServer>>;
  beforeAll(async () => {
    sim = await startSimServer({ ttftMs: 5, itlMs: 15, tokens: 10, jitter: 0 });
  });
  afterAll(() => sim.close());
  const load = () => ['-u', `${sim.url}/v1/chat/completions`, '-n', '3000', '-p', '12'];
  const dockerfile = read('Dockerfile');
  const manifests = { job: JobSchema.parse(parse(read('deploy/k8s/job.yaml'))) };
  const container = manifests.job.spec.template.spec.containers[0]!;

  it("the Dockerfile's ENTRYPOINT + CMD: exit 143 with the partial results written", async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'streambench-term-')), 'r.json');
    const command = [...execForm(dockerfile, 'ENTRYPOINT'), ...execForm(dockerfile, 'CMD'), ...load(), '-o', output];
    const run = spawnCommand(command);
    // Three requests reported done (ids finish out of order: count the lines).
    await run.stderrMatches(/(^\[\d+\] done [^]*){3}/m);
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(143);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.run.interrupted).toBe(true);
    expect(results.summary.success_count).toBeGreaterThanOrEqual(3);
    expect(results.metrics.length).toBeLessThan(3000);
  });

  it("the Job's command and args: exit 143 with the partial results on stdout", async () => {
    const mount = mkdtempSync(join(tmpdir(), 'streambench-pod-'));
    const configMap = ConfigMapSchema.parse(parse(read('deploy/k8s/configmap.yaml')));
    for (const [file, text] of Object.entries(configMap.data)) writeFileSync(join(mount, file), text);
    const mountPath = container.volumeMounts[0]!.mountPath;
    const podArgs = container.args.map((arg) =>
      arg.replace('$(JOB_COMPLETION_INDEX)', '0').replace('__START_AT__', new Date(Date.now() - 1000).toISOString()).replace(mountPath, mount),
    );
    const run = spawnCommand([...container.command, ...podArgs, ...load()], { OPENAI_API_KEY: 'sk-pod-secret' });
    // --quiet: no per-request lines; a second after the load starts, some have finished.
    await run.stderrMatches(/\| transport undici/);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr()).toBe(143);
    const results = ResultsSchema.parse(JSON.parse(run.stdout()));
    expect(results.run.interrupted).toBe(true);
    expect(results.summary.success_count).toBeGreaterThanOrEqual(1);
    expect(results.metrics.length).toBeLessThan(1000);
  });
});
