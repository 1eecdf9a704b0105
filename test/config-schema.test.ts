import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, validateConfig } from '../lib/config/config.ts';
import { CONFIG_SCHEMA_FILE, configSchemaText } from '../scripts/config-schema.ts';

const ROOT = join(import.meta.dirname, '..');
const SHIPPED_CONFIGS = ['config.json', 'config_csv_example.json'];
const committed = readFileSync(CONFIG_SCHEMA_FILE, 'utf8');
const checkAgainstSchema = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(committed));

/** What an editor using config.schema.json says about a config: true, or the first complaint. */
function editorVerdict(config: unknown): true | string {
  return checkAgainstSchema(config) || `${checkAgainstSchema.errors?.[0]?.instancePath} ${checkAgainstSchema.errors?.[0]?.message}`;
}

describe('config.schema.json', () => {
  it('is what scripts/config-schema.ts generates from the config schema (else: npm run schema)', () => {
    expect(committed, 'config.schema.json is stale: run `npm run schema` and commit it').toBe(configSchemaText());
  });

  it.each(SHIPPED_CONFIGS)('is referenced by the shipped %s, which it accepts', (name) => {
    const config = JSON.parse(readFileSync(join(ROOT, name), 'utf8')) as Record<string, unknown>;
    expect(config.$schema).toBe('./config.schema.json');
    expect(editorVerdict(config)).toBe(true);
  });

  it('accepts what the loader accepts: durations as text or seconds, defaults left out, "auto" values', () => {
    const configs = [
      {},
      { duration: '10m', grace: 30, warmup: '20s', ramp_up: '1m', slo: { ttft: 0.5, tpot: '50ms' } },
      { warmup: 5, workers: 'auto', preconnect: false, sweep: { parameter: 'rate', values: [1, 2], max_ttft_p99: '5s' } },
      { data_source: { file: 'p.csv', column: ['a', 'b'] }, thresholds: ['ttft.p99 < 1.5'], shard: '0/3', seed: 7 },
    ];
    for (const config of configs) {
      expect(() => validateConfig(config, 'test')).not.toThrow();
      expect(editorVerdict(config), JSON.stringify(config)).toBe(true);
    }
  });

  it('flags what the loader refuses: unknown fields (also nested), wrong types, values out of range', () => {
    const configs = [
      { bogus: 1 },
      { simulator: { ttft: 1 } },
      { concurrency: '10' },
      { concurrency: 0 },
      { transport: 'carrier-pigeon' },
      { lang: 'fr' },
      { data_source: { column: 'x' } },
      { retries: 11 },
    ];
    for (const config of configs) {
      expect(() => validateConfig(config, 'test')).toThrow();
      expect(editorVerdict(config), JSON.stringify(config)).not.toBe(true);
    }
  });
});

describe('"$schema" in a config file', () => {
  it('is dropped by the loader: not a setting, never in the config the run records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-schema-'));
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ $schema: './config.schema.json', concurrency: 3 }));
    const file = await loadConfigFile(path);
    expect(file).toEqual({ concurrency: 3 });
    expect(validateConfig(file, path)).not.toHaveProperty('$schema');
  });

  it('is still an unknown field outside a file (the schema stays strict)', () => {
    expect(() => validateConfig({ $schema: 'x' }, 'flags')).toThrow(/unknown field "\$schema"/);
  });
});
