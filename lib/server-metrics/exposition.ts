/**
 * An incremental parser of what a /metrics endpoint answers: the Prometheus
 * text format (0.0.4) and OpenMetrics 1.0 (counters declared without `_total`,
 * `_created` samples, `# UNIT`, exemplars, `# EOF`). Fed arbitrary splits of
 * the body as they arrive, so a large exposition never holds the event loop
 * in one block.
 *
 * Written here rather than taken from npm: the one maintained parser there
 * (parse-prometheus-text-format 1.1.1) parses the whole text at once, loses
 * OpenMetrics counters and info metrics (their `_total` / `_info` samples land
 * in untyped families of their own), keeps `_created` timestamps as metrics,
 * and returns values as strings (docs/server-metrics.md has the measurement).
 *
 * Every sample is assigned to its family: the one its TYPE line declared
 * (also through the suffixes `_total`, `_bucket`, `_count`, `_sum`, `_info`),
 * or an untyped family of its own name. `_created` series (a counter's or
 * histogram's creation time, not a measurement) are dropped in both formats.
 */

export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped', 'info', 'stateset', 'gaugehistogram', 'unknown'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface ExpositionFamily {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
}

export interface ExpositionSample {
  /** The sample's own name, e.g. `vllm:generation_tokens_total` or `vllm:time_to_first_token_seconds_bucket`. */
  name: string;
  family: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  families: Map<string, ExpositionFamily>;
  samples: ExpositionSample[];
  /** Lines that are neither a comment nor a valid sample; the first one, for messages. */
  invalidLines: number;
  firstInvalid?: { line: number; reason: string; text: string };
  /** The OpenMetrics end marker was seen. */
  eof: boolean;
}

export interface ExpositionParser {
  feed(chunk: string): void;
  /** The parse so far, with a last line that had no newline. The parser is then reset. */
  end(): Exposition;
  reset(): void;
}

/** A line longer than this is not metrics (a minified web page, say): it is counted invalid and skipped. */
export const MAX_LINE_CHARS = 1 << 16;

/** Sample-name suffixes and the family types they belong to. */
const SUFFIXES: ReadonlyArray<readonly [string, readonly MetricType[]]> = [
  ['_total', ['counter']],
  ['_bucket', ['histogram', 'gaugehistogram']],
  ['_count', ['histogram', 'summary']],
  ['_sum', ['histogram', 'summary']],
  ['_gcount', ['gaugehistogram']],
  ['_gsum', ['gaugehistogram']],
  ['_info', ['info']],
  ['_created', ['counter', 'histogram', 'summary']],
];

export function createExpositionParser(): ExpositionParser {
  let state = fresh();
  let partial = '';
  let skippingLongLine = false;

  function fresh() {
    return {
      families: new Map<string, ExpositionFamily>(),
      samples: [] as ExpositionSample[],
      /** `_created` gauge families of the text format, and families resolved per sample name. */
      dropped: new Set<string>(),
      /** Declared names with every character outside [a-zA-Z0-9_] as `_`: how escaped samples name them. */
      escaped: new Map<string, string>(),
      resolved: new Map<string, string | null>(),
      invalidLines: 0,
      firstInvalid: undefined as Exposition['firstInvalid'],
      eof: false,
      lineNumber: 0,
    };
  }

  function invalid(reason: string, text: string): void {
    state.invalidLines++;
    state.firstInvalid ??= { line: state.lineNumber, reason, text: text.length > 80 ? `${text.slice(0, 77)}...` : text };
  }

  function line(raw: string): void {
    state.lineNumber++;
    if (state.eof) return;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length === 0) return;
    if (text.charCodeAt(0) === 35 /* # */) return comment(text);
    const parsed = parseSampleLine(text);
    if (typeof parsed === 'string') return invalid(parsed, text);
    const name = unescapedName(parsed.name);
    const family = familyOf(name);
    if (family === null) return;
    state.samples.push({ name, family, labels: parsed.labels, value: parsed.value });
  }

  function comment(text: string): void {
    if (text === '# EOF') {
      state.eof = true;
      return;
    }
    const match = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$/.exec(text);
    if (!match) return;
    const [, keyword, name = '', rest = ''] = match;
    const family = state.families.get(name) ?? { name, type: 'untyped' as MetricType };
    if (keyword === 'HELP') family.help = unescapeHelp(rest);
    else if (keyword === 'UNIT') family.unit = rest.trim();
    else {
      const type = rest.trim().toLowerCase();
      if (!(METRIC_TYPES as readonly string[]).includes(type)) return invalid(`unknown metric type "${rest.trim()}"`, text);
      family.type = type as MetricType;
      // The text format declares a counter's creation time as a gauge family of its own: not a measurement.
      if (type === 'gauge' && name.endsWith('_created')) {
        const base = name.slice(0, -'_created'.length);
        if (state.families.has(base) || state.families.has(`${base}_total`)) state.dropped.add(name);
      }
    }
    state.families.set(name, family);
    const escaped = escapeName(name);
    if (escaped !== name) state.escaped.set(escaped, name);
    state.resolved.clear();
  }

  /**
   * A sample name written escaped (`escaping=underscores`: `vllm_num_requests_running` under
   * `# TYPE vllm:num_requests_running`) in its declared spelling, suffix kept; other names as they are.
   */
  function unescapedName(name: string): string {
    if (state.escaped.size === 0 || state.families.has(name)) return name;
    const direct = state.escaped.get(name);
    if (direct !== undefined) return direct;
    for (const [suffix] of SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = state.escaped.get(name.slice(0, -suffix.length));
      if (base !== undefined) return base + suffix;
    }
    return name;
  }

  /** The family a sample name belongs to; null for a dropped series. */
  function familyOf(name: string): string | null {
    const cached = state.resolved.get(name);
    if (cached !== undefined) return cached;
    const family = state.dropped.has(name) ? null : state.families.has(name) ? name : bySuffix(name);
    state.resolved.set(name, family);
    return family;
  }

  function bySuffix(name: string): string | null {
    for (const [suffix, types] of SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const declared = state.families.get(base);
      if (declared && types.includes(declared.type)) return suffix === '_created' ? null : base;
    }
    state.families.set(name, { name, type: 'untyped' });
    return name;
  }

  return {
    feed(chunk: string) {
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf('\n', start);
        if (newline === -1) break;
        const piece = chunk.slice(start, newline);
        if (skippingLongLine) skippingLongLine = false;
        else line(partial + piece);
        partial = '';
        start = newline + 1;
      }
      if (skippingLongLine) return;
      partial += chunk.slice(start);
      if (partial.length > MAX_LINE_CHARS) {
        state.lineNumber++;
        invalid(`a line longer than ${MAX_LINE_CHARS} characters`, partial);
        state.lineNumber--;
        partial = '';
        skippingLongLine = true;
      }
    },
    end() {
      if (partial.length > 0 && !skippingLongLine) line(partial);
      const { families, samples, invalidLines, firstInvalid, eof, dropped } = state;
      for (const name of dropped) families.delete(name);
      this.reset();
      return { families, samples, invalidLines, firstInvalid, eof };
    },
    reset() {
      state = fresh();
      partial = '';
      skippingLongLine = false;
    },
  };
}

/** Parses a whole exposition at once (tests, fixtures). */
export function parseExposition(text: string): Exposition {
  const parser = createExpositionParser();
  parser.feed(text);
  return parser.end();
}

/** `name{label="value",...} value [timestamp] [# exemplar]`; a reason string when the line is not one. */
export function parseSampleLine(text: string): { name: string; labels: Record<string, string>; value: number } | string {
  let i = 0;
  const n = text.length;
  let name = '';
  const labels: Record<string, string> = {};
  if (text.charCodeAt(0) !== 123 /* { */) {
    while (i < n && isNameChar(text.charCodeAt(i), i === 0)) i++;
    if (i === 0) return 'not a metric name';
    name = text.slice(0, i);
  }
  let labelStart = i;
  while (labelStart < n && isSpace(text.charCodeAt(labelStart))) labelStart++;
  if (text.charCodeAt(labelStart) === 123 /* { */) {
    i = labelStart + 1;
    for (;;) {
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (i >= n) return 'unterminated label set';
      if (text.charCodeAt(i) === 125 /* } */) {
        i++;
        break;
      }
      let key: string;
      if (text.charCodeAt(i) === 34 /* " */) {
        const quoted = readQuoted(text, i);
        if (typeof quoted === 'string') return quoted;
        key = quoted.value;
        i = quoted.end;
      } else {
        const from = i;
        while (i < n && isNameChar(text.charCodeAt(i), i === from) && text.charCodeAt(i) !== 58 /* : */) i++;
        if (i === from) return 'bad label name';
        key = text.slice(from, i);
      }
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      const next = text.charCodeAt(i);
      if (next === 44 /* , */ || next === 125 /* } */) {
        // OpenMetrics 2.0 / UTF-8 names: `{"metric.name", label="x"}` (a quoted string with no value).
        if (name !== '') return `label "${key}" has no value`;
        name = key;
        if (next === 44) i++;
        continue;
      }
      if (next !== 61 /* = */) return `expected "=" after label "${key}"`;
      i++;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 34) return `label "${key}" value is not quoted`;
      const value = readQuoted(text, i);
      if (typeof value === 'string') return value;
      labels[key] = value.value;
      i = value.end;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (i >= n) return 'unterminated label set';
      if (text.charCodeAt(i) === 44) i++;
      else if (text.charCodeAt(i) !== 125) return 'expected "," or "}" in the label set';
    }
  }
  if (name === '') return 'no metric name';
  const from = i;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (i === from) return 'no space before the value';
  const valueStart = i;
  while (i < n && !isSpace(text.charCodeAt(i))) i++;
  const value = parseValue(text.slice(valueStart, i));
  if (value === undefined) return `bad value "${text.slice(valueStart, i)}"`;
  // A timestamp and an exemplar may follow: neither is used.
  return { name, labels, value };
}

function readQuoted(text: string, at: number): { value: string; end: number } | string {
  let out = '';
  let i = at + 1;
  let from = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) return { value: out + text.slice(from, i), end: i + 1 };
    if (c === 92 /* \ */) {
      out += text.slice(from, i);
      const next = text[i + 1];
      out += next === 'n' ? '\n' : next === undefined ? '' : next;
      i++;
      from = i + 1;
    }
  }
  return 'unterminated quoted string';
}

function parseValue(token: string): number | undefined {
  if (token === '') return undefined;
  switch (token.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n|")/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function escapeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function isNameChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (!first && c >= 48 && c <= 57);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}
