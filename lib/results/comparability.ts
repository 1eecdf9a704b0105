/**
 * Can two runs be compared (or merged)? Differences in what was tested are
 * warnings: url, model, concurrency, request count, protocol, dataset. A field
 * an imported file does not know ("unknown") is not a difference.
 */
import type { Results } from './results.ts';

export const IDENTITY_FIELDS = ['url', 'model', 'concurrency', 'requests', 'protocol', 'dataset'] as const;
export type IdentityField = (typeof IDENTITY_FIELDS)[number];

export type RunIdentity = Record<IdentityField, string | undefined>;

export function identityOf(results: Results): RunIdentity {
  const body = results.config.body;
  const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
  const known = (value: string) => (value === 'unknown' ? undefined : value);
  const dataset = results.dataset;
  return {
    url: known(results.config.url),
    model: typeof model === 'string' ? model : undefined,
    concurrency: String(results.config.concurrency),
    requests: String(results.metrics.length),
    protocol: known(results.run.protocol),
    dataset: dataset ? `${dataset.file} (sha256 ${dataset.sha256.slice(0, 12)}, ${dataset.rows} rows)` : undefined,
  };
}

/** One line per field that differs, e.g. `concurrency differs: base 10, new 20`. */
export function comparabilityWarnings(
  base: Results,
  next: Results,
  names: readonly [string, string] = ['base', 'new'],
  fields: readonly IdentityField[] = IDENTITY_FIELDS,
): string[] {
  const a = identityOf(base);
  const b = identityOf(next);
  const warnings: string[] = [];
  for (const field of fields) {
    const left = a[field];
    const right = b[field];
    const differs =
      field === 'dataset' ? (left !== undefined || right !== undefined) && datasetHash(base) !== datasetHash(next) : left !== undefined && right !== undefined && left !== right;
    if (differs) warnings.push(`${field} differs: ${names[0]} ${left ?? 'none'}, ${names[1]} ${right ?? 'none'}`);
  }
  return warnings;
}

function datasetHash(results: Results): string | undefined {
  return results.dataset?.sha256;
}
