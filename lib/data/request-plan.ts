/**
 * What request i is: the same request every time, or, with a data source, the
 * template filled from row `order[i % rows]` (rows cycle; `shuffle` permutes
 * them once with a seeded RNG, so a seed reproduces the order). The data is
 * loaded and every placeholder checked before the first request is sent.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { ColumnStore } from './column-store.ts';
import type { Config } from '../config/config.ts';
import { loadDataset, type Dataset, type FieldRequest } from './dataset.ts';
import { UsageError } from '../record/errors.ts';
import type { PrepareOptions, Protocol } from '../wire/protocols/protocol.ts';
import { createRng } from '../util/random.ts';
import type { RequestRecord } from '../record/record.ts';
import { compileTemplate, findPlaceholders, type Placeholder, type RequestTemplate } from './template.ts';
import type { TransportRequest } from '../wire/transport.ts';

/** The prompt of every default body; with a data file and no body, it is replaced by the first column. */
export const DEFAULT_PROMPT = 'Write a short essay about artificial intelligence.';

/** The body when neither the config nor a flag gives one and the protocol has no default of its own. */
export const DEFAULT_BODY = {
  messages: [{ role: 'user', content: DEFAULT_PROMPT }],
  stream: true,
  max_tokens: 256,
};

const ACCEPT = 'text/event-stream, application/x-ndjson, */*';

/** The loaded data of a run and what the template needs from it. */
export interface RequestData {
  dataset: Dataset;
  /** Every placeholder of the request template. */
  placeholders: Placeholder[];
  /** The body template: the given body, or the default body with its prompt taken from a column. */
  body: unknown;
  /** The shuffle seed (config.seed; validateConfig picks one when none is given), when shuffling. */
  seed?: number;
}

export interface RequestPlan {
  buildRequest(index: number): TransportRequest;
  /** Records which data row (and group) request `index` used. */
  tagRecord?(index: number, record: RequestRecord): void;
}

/** The configured body, else -d, else the protocol's default; --model set on it. */
export function requestBody(config: Config, url: string, protocol: Protocol | undefined, model: string | undefined): unknown {
  if (!hasBody(config.method)) return undefined;
  const body = config.body !== undefined ? config.body : (protocol?.defaultBody?.(new URL(url)) ?? DEFAULT_BODY);
  if (model === undefined) return body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UsageError('--model needs a JSON object body');
  return { ...body, model };
}

/**
 * Loads config.data_source, keeping the columns the template and group_by use,
 * and checks every row against the template. Undefined without a data source.
 * `body` is the body from requestBody.
 */
export async function loadRequestData(config: Config, body: unknown, baseDir: string, cwd: string): Promise<RequestData | undefined> {
  const source = config.data_source;
  if (!source) {
    if (config.group_by !== undefined) throw new UsageError('group_by needs a data_source (or --data FILE)');
    if (config.shuffle) throw new UsageError('shuffle needs a data_source (or --data FILE)');
    return undefined;
  }
  const path = resolve(baseDir, source.file);
  // Shown and recorded as the user sees it: relative to the working folder when inside it.
  const fromCwd = relative(cwd, path);
  const label = fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
  const usesDefaultBody = config.body === undefined && body !== undefined;
  const placeholders = findPlaceholders(templateOf(config, config.url, body, undefined));
  let defaultColumn: string | undefined;

  const dataset = await loadDataset(
    { type: source.type, path, label, column: source.column, encoding: source.encoding },
    (columns) => {
      const fields: FieldRequest[] = placeholders.map((p) => ({ name: p.field, usedBy: `${p.text} in ${p.where}` }));
      if (usesDefaultBody) {
        defaultColumn = [source.column ?? columns].flat()[0];
        if (defaultColumn !== undefined) fields.push({ name: defaultColumn, usedBy: 'the default prompt' });
      }
      if (config.group_by !== undefined) fields.push({ name: config.group_by, usedBy: 'group_by' });
      return fields;
    },
  );

  const template = defaultColumn === undefined ? body : replaceString(body, DEFAULT_PROMPT, `{{${defaultColumn}}}`);
  const data: RequestData = { dataset, placeholders: findPlaceholders(templateOf(config, config.url, template, undefined)), body: template };
  // Check every row against the template now, before anything starts (the plan compiles it again for the real URL).
  compileTemplate(templateOf(config, config.url, template, undefined), dataset);
  if (config.shuffle) {
    if (config.seed === undefined) throw new Error('shuffle needs a seed (validateConfig picks one)');
    data.seed = config.seed;
  }
  return data;
}

/** Builds the per-request renderer. `url` is the endpoint actually called (the simulator's, for sim://). */
export function createRequestPlan(
  config: Config,
  url: string,
  body: unknown,
  protocol: Protocol | undefined,
  data: RequestData | undefined,
): RequestPlan {
  if (!data) {
    const request = compileStatic(templateOf(config, url, body, protocol));
    return { buildRequest: () => request };
  }
  const { dataset } = data;
  const render = compileTemplate(templateOf(config, url, data.body, protocol), dataset);
  const rows = dataset.rows;
  const order = data.seed !== undefined ? shuffledOrder(rows, data.seed) : undefined;
  const rowOf = (index: number) => (order ? (order[index % rows] as number) : index % rows);
  const group: ColumnStore | undefined = config.group_by !== undefined ? dataset.field(config.group_by) : undefined;
  return {
    buildRequest: (index) => render(rowOf(index)),
    tagRecord(index, record) {
      const row = rowOf(index);
      record.rowIndex = row;
      if (group) record.group = group.get(row);
    },
  };
}

/** A permutation of 0..rows-1 (Fisher–Yates), the same for the same seed. */
export function shuffledOrder(rows: number, seed: number): Uint32Array {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const rng = createRng(seed);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

function hasBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** The request as it will be sent: the protocol's body adjustments, Content-Type and Accept filled in. */
function templateOf(config: Config, url: string, body: unknown, protocol: Protocol | undefined): RequestTemplate {
  const headers: Record<string, string> = { ...config.headers };
  const hasHeader = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  let prepared = body;
  if (body !== undefined) {
    // Only a known protocol may adjust the body: an unknown endpoint gets exactly what was configured.
    const options: PrepareOptions = { includeUsage: config.include_usage };
    if (protocol?.prepareBody) prepared = protocol.prepareBody(body, options);
    if (!hasHeader('content-type')) headers['Content-Type'] = 'application/json';
  }
  if (!hasHeader('accept')) headers.Accept = ACCEPT;
  return { url, method: config.method, headers, body: prepared };
}

/** The request as sent, for a body built per request (workload prompts): headers, protocol adjustments, JSON. */
export function requestFor(config: Config, url: string, body: unknown, protocol: Protocol | undefined): TransportRequest {
  return compileStatic(templateOf(config, url, body, protocol));
}

function compileStatic(template: RequestTemplate): TransportRequest {
  const { url, method, headers, body } = template;
  return { url, method, headers, body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body) };
}

/** A deep copy of `value` with every string equal to `from` replaced by `to`. */
function replaceString(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceString(item, from, to)]));
  }
  return value;
}
