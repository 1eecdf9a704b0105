// The README stays short and every link in it and in docs/ leads somewhere: files move, headings get renamed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const outsideCode = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchor: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');

function anchors(path: string): Set<string> {
  return new Set([...outsideCode(read(path)).matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const [, target] of outsideCode(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const destination = path ? relative(ROOT, join(ROOT, dirname(page), path)) : page;
    if (!existsSync(join(ROOT, destination))) broken.push(`${page}: ${target} (no such file)`);
    else if (anchor && destination.endsWith('.md') && !anchors(destination).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
  }
  return broken;
}

describe('the README', () => {
  it('is at most 250 lines and holds the two commands of the quick start', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    expect(readme).toContain('npx tsx scripts/run.ts');
    expect(readme).toContain('npm test');
  });

  it('links every page of docs/', () => {
    const linked = [...read('README.md').matchAll(/\]\((docs\/[^)#]+\.md)/g)].map((match) => match[1]);
    expect(PAGES.filter((page) => page.startsWith('docs/') && !linked.includes(page))).toEqual([]);
  });
});

describe('links in the README and docs/', () => {
  it.each(PAGES)('%s: every relative link names a file that exists, and a heading in it', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('are checked for real (a heading renamed away is found)', () => {
    expect(anchors('docs/failures.md').has('redaction')).toBe(true);
    expect(anchors('docs/failures.md').has('no-such-heading')).toBe(false);
    expect(anchorOf('The run: `scripts/run.ts`')).toBe('the-run-scriptsrunts');
  });
});
