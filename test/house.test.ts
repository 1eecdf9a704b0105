// The floor plan of lib/: each folder is a stage of the flow and imports only from stages below it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './helpers/import-graph.ts';

/** Bottom to top. A file may import from its own folder or from any folder listed before it. */
const STAGES = ['record', 'util', 'server-metrics', 'stats', 'wire', 'sim', 'config', 'data', 'load', 'results', 'compare', 'report', 'bench', 'commands'];

const graph = importGraph(join(import.meta.dirname, '..', 'lib'));
const stageOf = (file: string): string => file.split('/')[0]!;

describe('the floor plan of lib/', () => {
  it('has every file in a known stage folder', () => {
    const stray = [...graph.keys()].filter((file) => !STAGES.includes(stageOf(file)));
    expect(stray).toEqual([]);
  });

  it('has no import going up a stage', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        if (STAGES.indexOf(stageOf(target)) > STAGES.indexOf(stageOf(file))) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('sees the imports it checks (a broken scanner would pass everything)', () => {
    expect(graph.get('commands/run.ts')?.length).toBeGreaterThan(10);
    expect(graph.get('stats/summary.ts')).toContain('stats/stats.ts');
  });
});
