/**
 * The report's sections, in order: the ONE list every renderer walks (text,
 * markdown, HTML, summary CSV; the one-screen terminal report takes each
 * section's `brief` lines). A section builds format-free blocks
 * (report-blocks.ts) from the report data, or nothing when the run has no
 * such data; no renderer knows a section by name, so a section added here
 * appears in every format.
 *
 * Adding a section (the server's metrics, per-turn tables, workload
 * statistics): give ReportData the field it reads (report-data.ts, filled by
 * the run command and by reportDataFromResults), write `build` returning
 * pairs / table / note / chart blocks, optionally `brief` for the terminal,
 * add its labels to i18n.ts, and put it in REPORT_SECTIONS below. The test
 * in test/report-sections.test.ts renders a results file with every section
 * through every format and fails when a section is missing from one.
 */
import { renderAsciiHistogram } from './ascii-histogram.ts';
import {
  count,
  formatCell,
  formatMs,
  ms,
  ratio,
  reqPerSec,
  tokPerSec,
  type Block,
  type Cell,
  type PairRow,
  type ReportSection,
  type SectionView,
  type TableRow,
} from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import { fill, type Labels } from './i18n.ts';
import { sweepSection } from './sweep-section.ts';
import { workloadSection } from './workload-section.ts';
import { serverSection } from './server-section.ts';
import { turnsSection } from './turns-report.ts';
import { CPU_LIMIT_PERCENT, ELD_LIMIT_MS } from '../stats/selfcheck.ts';
import { formatMetric } from '../stats/metric-path.ts';
import { parseRule } from '../stats/rule.ts';
import type { Distribution } from '../stats/stats.ts';
import { sendLagTooHigh, type RunSummary } from '../stats/summary.ts';
import { textTable } from './text-table.ts';


// ---- overall ----

const overall: ReportSection = {
  id: 'overall',
  build(data, L) {
    const s = data.summary;
    const share = (n: number) => (s.total_requests > 0 ? `(${((n / s.total_requests) * 100).toFixed(1)}%)` : undefined);
    const rows: PairRow[] = [
      { key: 'total_requests', label: L.total, value: count(s.total_requests) },
      { key: 'success_count', label: L.success, value: count(s.success_count, share(s.success_count)) },
      { key: 'failed_count', label: L.failed, value: count(s.failed_count, share(s.failed_count)) },
      { key: 'wall_time', label: L.wall, value: { value: s.wall_time, unit: 's' } },
      { key: 'requests_per_second', label: L.throughput, value: reqPerSec(s.requests_per_second) },
      { key: 'output_tokens', label: L.outputTokens, value: count(s.output_tokens) },
      { key: 'output_tokens_per_second', label: L.outputRate, value: tokPerSec(s.output_tokens_per_second) },
      { key: 'peak_output_tokens_per_second', label: L.peakRate, value: tokPerSec(s.peak_output_tokens_per_second) },
    ];
    if (s.input_tokens > 0) {
      rows.push(
        { key: 'input_tokens', label: L.inputTokens, value: count(s.input_tokens) },
        { key: 'total_tokens_per_second', label: L.totalTokenRate, value: tokPerSec(totalTokensPerSecond(s)) },
      );
    }
    if (s.non_streaming) rows.push({ key: 'non_streaming', label: L.nonStreaming, value: count(s.non_streaming) });
    if (s.warmup_requests) rows.push({ key: 'warmup_requests', label: L.warmup, value: count(s.warmup_requests) });
    const blocks: Block[] = [{ kind: 'pairs', id: 'overall', rows }];
    return { id: 'overall', title: data.sweep ? `${L.overall} (${L.pooled})` : L.overall, blocks };
  },
  brief(data, L) {
    const s = data.summary;
    const failed = s.total_requests > 0 ? ` (${((s.failed_count / s.total_requests) * 100).toFixed(1)}%)` : '';
    if (data.sweep) {
      // Rates pooled over levels run one after another mean little: the sweep table has each level's.
      return [
        `${L.requests}: ${s.success_count} ${L.ok} · ${s.failed_count} ${L.failed.toLowerCase()}${failed} · ${fill(L.levelsIn, { n: data.sweep.levels.length, seconds: s.wall_time.toFixed(2) })}`,
      ];
    }
    const lines = [
      `${L.requests}: ${s.success_count} ${L.ok} · ${s.failed_count} ${L.failed.toLowerCase()}${failed} · ${s.wall_time.toFixed(2)} s · ${s.requests_per_second.toFixed(2)} req/s` +
        (s.warmup_requests ? ` · ${fill(L.warmupBrief, { n: s.warmup_requests })}` : ''),
    ];
    const tokens = [`${L.outputTokensShort} ${s.output_tokens} (${s.output_tokens_per_second.toFixed(1)} tok/s, ${L.peak} ${s.peak_output_tokens_per_second.toFixed(1)})`];
    if (s.input_tokens > 0) tokens.push(`${L.inputTokensShort} ${s.input_tokens}`, `${L.totalShort} ${totalTokensPerSecond(s).toFixed(1)} tok/s`);
    lines.push(`${L.tokensTitle}: ${tokens.join(' · ')}`);
    if (s.non_streaming) lines.push(`! ${fill(L.notApplicable, { n: s.non_streaming })}`);
    return lines;
  },
};

/** Input and output tokens of the successful requests per second of wall time. */
export function totalTokensPerSecond(s: RunSummary): number {
  return s.wall_time > 0 ? (s.input_tokens + s.output_tokens) / s.wall_time : 0;
}

// ---- latency: one table of distributions ----

interface DistributionRow {
  /** The summary field (a distribution), or where in summary.workload the row comes from. */
  key: string;
  label: string;
  unit: 'ms' | 'tok_s' | 'count';
  pick: (s: RunSummary) => Distribution | undefined;
  /** Left out of the one-screen report. */
  fullOnly?: boolean;
}

function distributionRows(s: RunSummary, L: Labels): DistributionRow[] {
  const field = (key: 'ttfb' | 'ttft' | 'ttfat' | 'total_time' | 'tpot' | 'itl' | 'max_stall' | 'tokens_per_second') => (x: RunSummary) => x[key];
  const rows: DistributionRow[] = [
    { key: 'ttft', label: `${L.ttftShort} (ms)`, unit: 'ms', pick: field('ttft') },
    { key: 'ttfat', label: `${L.ttfatShort} (ms)`, unit: 'ms', pick: field('ttfat') },
    { key: 'ttfb', label: `${L.ttfbShort} (ms)`, unit: 'ms', pick: field('ttfb'), fullOnly: true },
    { key: 'total_time', label: `${L.e2eShort} (ms)`, unit: 'ms', pick: field('total_time') },
    { key: 'tpot', label: `${L.tpotShort} (ms)`, unit: 'ms', pick: field('tpot') },
    { key: 'itl', label: `${L.itlShort} (ms)`, unit: 'ms', pick: field('itl') },
    { key: 'max_stall', label: `${L.maxStallShort} (ms)`, unit: 'ms', pick: field('max_stall'), fullOnly: true },
    { key: 'tokens_per_second', label: `${L.rateShort} (tok/s)`, unit: 'tok_s', pick: field('tokens_per_second') },
    // Input lengths: the server's count (usage, chat template included); ours when the server gave none.
    { key: 'workload.server_prompt_tokens', label: L.inputLength, unit: 'count', pick: (x) => x.workload?.server_prompt_tokens },
    { key: 'workload.prompt_tokens', label: L.promptLength, unit: 'count', pick: (x) => (x.workload?.server_prompt_tokens ? undefined : x.workload?.prompt_tokens) },
    { key: 'workload.actual_output_tokens', label: L.outputLength, unit: 'count', pick: (x) => x.workload?.actual_output_tokens, fullOnly: true },
  ];
  // Time to the first answer token is its own row only where reasoning made it differ.
  const ttfatDiffers = s.ttfat !== undefined && s.ttft !== undefined && s.ttfat.p50 !== s.ttft.p50;
  return rows.filter((row) => row.pick(s) !== undefined && (row.key !== 'ttfat' || ttfatDiffers));
}

const FULL_STATS = ['count', 'mean', 'std', 'min', 'p50', 'p90', 'p95', 'p99', 'max'] as const;
const BRIEF_STATS = ['mean', 'p50', 'p90', 'p99'] as const;
type Stat = (typeof FULL_STATS)[number];

function statHeader(stat: Stat, L: Labels): string {
  return stat === 'count' ? L.count : stat === 'mean' ? L.mean : stat === 'std' ? L.std : stat === 'min' ? L.min : stat === 'max' ? L.max : stat.toUpperCase();
}

function distributionTable(s: RunSummary, L: Labels, stats: readonly Stat[], brief: boolean): Block | undefined {
  const rows: TableRow[] = distributionRows(s, L)
    .filter((row) => !(brief && row.fullOnly))
    .map((row) => {
      const d = row.pick(s) as Distribution;
      return {
        key: row.key,
        cells: [row.label, ...stats.map((stat): Cell => (stat === 'count' ? count(d.count) : { value: d[stat], unit: row.unit }))],
      };
    });
  // Non-streaming requests have no first token: TTFT says so, it is never their E2E.
  if (s.non_streaming && s.ttft === undefined && rows.length > 0) {
    rows.unshift({ key: 'ttft', cells: [`${L.ttftShort} (ms)`, ...stats.map(() => L.notApplicableCell)] });
  }
  if (rows.length === 0) return undefined;
  return { kind: 'table', id: 'distributions', header: [L.metric, ...stats.map((stat) => statHeader(stat, L))], rows };
}

const latency: ReportSection = {
  id: 'latency',
  build(data, L) {
    const s = data.summary;
    const blocks: Block[] = [];
    const table = distributionTable(s, L, FULL_STATS, false);
    if (table) blocks.push(table);
    else blocks.push({ kind: 'note', text: L.noData });
    if (s.non_streaming) blocks.push({ kind: 'note', text: fill(L.notApplicable, { n: s.non_streaming }) });
    const ttfts = data.samples?.ttft;
    if (ttfts && ttfts.length > 0) {
      const text = renderAsciiHistogram(ttfts, { title: L.histogramTitle, unit: 'ms' });
      if (text) blocks.push({ kind: 'chart', id: 'ttft-histogram', title: L.histogramTitle, text });
    }
    return { id: 'latency', title: data.sweep ? `${L.latencies} (${L.pooled})` : L.latencies, blocks };
  },
  brief(data, L) {
    // A sweep's levels differ by design: its table (sweep section) replaces the pooled one.
    if (data.sweep) return [];
    const table = distributionTable(data.summary, L, BRIEF_STATS, true);
    if (!table || table.kind !== 'table') return [L.noData];
    return textTable(table.header, table.rows.map((row) => row.cells.map((cell) => formatCell(cell, false))));
  },
};

// ---- open loop: send lag and latency from the intended send ----

const schedule: ReportSection = {
  id: 'schedule',
  build(data, L) {
    const s = data.summary;
    const lag = s.send_lag;
    if (!lag) return undefined;
    const row = (key: string, label: string, d: Distribution | undefined): TableRow => ({
      key,
      cells: [label, ms(d?.p50), ms(d?.p90), ms(d?.p99), ms(d?.max)],
    });
    const blocks: Block[] = [
      {
        kind: 'table',
        id: 'schedule',
        header: [`${L.metric} (ms)`, 'P50', 'P90', 'P99', L.max],
        rows: [
          row('send_lag', L.sendLag, lag),
          row('ttft', `TTFT, ${L.fromActual}`, s.ttft),
          row('ttft_from_intended', `TTFT, ${L.fromIntended}`, s.ttft_from_intended),
          row('total_time', `E2E, ${L.fromActual}`, s.total_time),
          row('total_time_from_intended', `E2E, ${L.fromIntended}`, s.total_time_from_intended),
        ],
      },
    ];
    if (sendLagTooHigh(s)) blocks.push({ kind: 'note', text: L.lagWarning, warning: true });
    return { id: 'schedule', title: L.schedule, blocks };
  },
  brief(data, L) {
    const s = data.summary;
    const lag = s.send_lag;
    if (!lag) return [];
    const pair = (d: Distribution | undefined) => (d ? `${formatMs(d.p99)} ms` : '–');
    const lines = [
      `${L.sendLagShort}: P50 ${formatMs(lag.p50)} ms, P99 ${formatMs(lag.p99)} ms · TTFT P99 ${L.fromIntended} ${pair(s.ttft_from_intended)} (${L.fromActual} ${pair(s.ttft)})`,
    ];
    if (sendLagTooHigh(s)) lines.push(`! ${L.lagWarning}`);
    return lines;
  },
};

// ---- goodput ----

function sloText(slo: Record<string, number | undefined>): string {
  return Object.entries(slo)
    .filter(([, limit]) => limit !== undefined)
    .map(([metric, limit]) => `${metric.toUpperCase()} ≤ ${Number(((limit as number) * 1000).toFixed(3))} ms`)
    .join(', ');
}

const goodput: ReportSection = {
  id: 'goodput',
  build(data, L) {
    const g = data.summary.goodput;
    if (!g) return undefined;
    return {
      id: 'goodput',
      title: L.goodput,
      blocks: [
        {
          kind: 'pairs',
          id: 'goodput',
          rows: [
            { key: 'slo', label: L.slo, value: sloText(g.slo) },
            { key: 'met', label: L.sloMet, value: count(g.met, `/ ${data.summary.total_requests}`) },
            { key: 'share', label: L.sloShare, value: ratio(g.share) },
            { key: 'per_second', label: L.sloRate, value: reqPerSec(g.per_second) },
          ],
        },
      ],
    };
  },
  brief(data, L) {
    const g = data.summary.goodput;
    if (!g) return [];
    return [`${L.goodputShort} (${sloText(g.slo)}): ${g.met}/${data.summary.total_requests} (${(g.share * 100).toFixed(1)}%), ${g.per_second.toFixed(2)} req/s`];
  },
};

// ---- per group, per shard ----

const groups: ReportSection = {
  id: 'groups',
  build(data, L) {
    const g = data.groups;
    if (!g || g.rows.length === 0) return undefined;
    const rows: TableRow[] = g.rows.map(({ group, summary: s }) => ({
      key: group,
      cells: [
        group,
        count(s.total_requests),
        count(s.failed_count),
        ms(s.ttft?.p50),
        ms(s.ttft?.p95),
        ms(s.ttft?.p99),
        ms(s.total_time?.p50),
        ms(s.total_time?.p99),
        tokPerSec(s.tokens_per_second?.mean),
      ],
    }));
    return {
      id: 'groups',
      title: `${L.groupTable}: ${g.by}`,
      blocks: [
        {
          kind: 'table',
          id: 'groups',
          header: [L.group, L.requests, L.failed, 'TTFT P50 (ms)', 'TTFT P95 (ms)', 'TTFT P99 (ms)', 'E2E P50 (ms)', 'E2E P99 (ms)', L.tokPerSecMean],
          rows,
        },
      ],
    };
  },
};

const shards: ReportSection = {
  id: 'shards',
  build(data, L) {
    const files = data.shards;
    if (!files || files.length < 2) return undefined;
    const signed = (v: number) => `${v >= 0 ? '+' : ''}${Math.round(v)}`;
    const rows: TableRow[] = files.map((source) => ({
      key: source.file,
      cells: [
        source.file,
        source.shard ? `${source.shard.index}/${source.shard.count}` : undefined,
        count(source.requests),
        count(source.failed),
        ms(source.ttft_p50 ?? undefined),
        `+${Math.round(source.offset_ms)}`,
        source.shard?.clock_offset_ms === undefined ? undefined : signed(source.shard.clock_offset_ms),
      ],
    }));
    return {
      id: 'shards',
      title: L.shardTable,
      blocks: [{ kind: 'table', id: 'shards', header: [L.file, L.shard, L.requests, L.failed, 'TTFT P50 (ms)', L.startMs, L.afterStartAtMs], rows }],
    };
  },
};

// ---- stream health ----

/** Requests whose output tokens were counted per stream event although no server usage came: the --tokenizer hint. */
function countedPerEvent(s: RunSummary): number {
  return s.token_sources.usage === 0 && s.token_sources.tokenizer === 0 ? s.token_sources.events : 0;
}

function tokenSourceText(s: RunSummary, L: Labels): string {
  const sources = s.token_sources;
  return (
    (
      [
        [L.sourceUsage, sources.usage],
        [L.sourceTokenizer, sources.tokenizer],
        [L.sourceEvents, sources.events],
      ] as const
    )
      .filter(([, n]) => n > 0)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || NO_SOURCE
  );
}
const NO_SOURCE = '–';

/** Some measured request streamed (usage can be checked against token events). */
function streamed(s: RunSummary): boolean {
  return (s.non_streaming ?? 0) < s.total_requests;
}

function healthWarnings(s: RunSummary, L: Labels): string[] {
  const out: string[] = [];
  const mismatch = s.token_count_mismatch;
  if (s.token_sources.usage > 0 && mismatch.requests > 0) {
    out.push(fill(L.mismatch, { n: mismatch.requests, usage: mismatch.usage_tokens, events: mismatch.event_tokens }));
  }
  if (countedPerEvent(s) > 0) out.push(fill(s.non_streaming ? L.tokenizerHintWhole : L.tokenizerHint, { n: countedPerEvent(s) }));
  if (s.truncated_count > 0) out.push(fill(L.truncatedNote, { n: s.truncated_count }));
  return out;
}

const health: ReportSection = {
  id: 'health',
  build(data, L) {
    const s = data.summary;
    const codes = Object.entries(s.error_codes);
    const rows: PairRow[] = [
      { key: 'truncated_count', label: L.truncated, value: count(s.truncated_count) },
      { key: 'error_codes', label: L.streamErrors, value: codes.length === 0 ? L.noErrors : codes.map(([code, n]) => `${code} ×${n}`).join(', ') },
      { key: 'token_sources', label: L.tokenSources, value: tokenSourceText(s, L) },
    ];
    if (s.token_sources.usage > 0 && streamed(s)) {
      rows.push({ key: 'token_count_mismatch', label: L.usageVsEvents, value: s.token_count_mismatch.requests === 0 ? L.agree : count(s.token_count_mismatch.requests) });
    }
    const blocks: Block[] = [{ kind: 'pairs', id: 'health', rows }, ...healthWarnings(s, L).map((text): Block => ({ kind: 'note', text, warning: true }))];
    return { id: 'health', title: L.health, blocks };
  },
  brief(data, L) {
    const s = data.summary;
    const codes = Object.entries(s.error_codes);
    const parts = [
      `${s.truncated_count} ${L.truncatedShort}`,
      codes.length === 0 ? L.noStreamErrors : `${L.streamErrors}: ${codes.map(([code, n]) => `${code} ×${n}`).join(', ')}`,
      `${L.tokenSourcesShort} ${tokenSourceText(s, L)}`,
    ];
    if (s.token_sources.usage > 0 && streamed(s) && s.token_count_mismatch.requests === 0) parts.push(L.usageAgrees);
    return [`${L.health}: ${parts.join(' · ')}`, ...healthWarnings(s, L).map((text) => `! ${text}`)];
  },
};

// ---- errors ----

const errors: ReportSection = {
  id: 'errors',
  build(data, L) {
    const s = data.summary;
    const kinds = Object.entries(s.errors).filter(([, n]) => (n ?? 0) > 0);
    const blocks: Block[] = [];
    if (kinds.length === 0) {
      blocks.push({ kind: 'note', text: L.noErrors });
    } else {
      const rows: TableRow[] = [];
      for (const [kind, n] of kinds) {
        const examples = data.errorExamples?.[kind] ?? [{ message: s.error_samples[kind as keyof typeof s.error_samples] ?? '' }];
        examples.forEach((example, i) => {
          rows.push({
            key: kind,
            cells: [i === 0 ? kind : '', i === 0 ? count(n) : '', example.status === undefined ? '' : String(example.status), example.message, example.body ?? ''],
          });
        });
      }
      blocks.push({ kind: 'table', id: 'errors', header: [L.kind, L.count, L.status, L.example, L.responseBody], rows, textColumns: [3, 4] });
    }
    if (s.retries) {
      blocks.push({ kind: 'note', text: `${L.retries}: ${fill(L.retriesValue, { n: s.retries, recovered: s.recovered_by_retry ?? 0 })}` });
    }
    return { id: 'errors', title: L.errors, blocks };
  },
  brief(data, L) {
    const s = data.summary;
    const kinds = Object.entries(s.errors).filter(([, n]) => (n ?? 0) > 0);
    const lines = kinds.length === 0 ? [`${L.errors}: ${L.noErrors}`] : [`${L.errors}:`];
    for (const [kind, n] of kinds) {
      const sample = data.errorExamples?.[kind]?.[0]?.message ?? s.error_samples[kind as keyof typeof s.error_samples];
      lines.push(`  ${kind} ×${n}${sample ? `  e.g. ${oneLine(sample, 110)}` : ''}`);
    }
    if (s.retries) lines.push(`  ${L.retries}: ${fill(L.retriesValue, { n: s.retries, recovered: s.recovered_by_retry ?? 0 })}`);
    return lines;
  },
};

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// ---- thresholds ----

function observedText(rule: string, observed: number | null, L: Labels): string {
  try {
    const metric = parseRule(rule).metric;
    if (observed === null) return metric.kind === 'server' ? L.notScraped : L.noData;
    return formatMetric(metric, observed);
  } catch {
    return observed === null ? L.noData : String(observed);
  }
}

const thresholds: ReportSection = {
  id: 'thresholds',
  build(data, L) {
    const outcomes = data.thresholds;
    if (!outcomes || outcomes.length === 0) return undefined;
    const rows: TableRow[] = outcomes.map((o) => ({ key: o.rule, cells: [o.rule, observedText(o.rule, o.observed, L), o.pass ? `✓ ${L.pass}` : `✗ ${L.fail}`] }));
    return { id: 'thresholds', title: L.thresholds, blocks: [{ kind: 'table', id: 'thresholds', header: [L.rule, L.observed, L.result], rows, textColumns: [2] }] };
  },
  brief(data, L) {
    const outcomes = data.thresholds;
    if (!outcomes || outcomes.length === 0) return [];
    const failed = outcomes.filter((o) => !o.pass);
    const detail = failed.map((o) => `✗ ${o.rule}: ${observedText(o.rule, o.observed, L)}`).join('; ');
    return [`${L.thresholds}: ${outcomes.length - failed.length}/${outcomes.length} ${L.passed}${detail ? ` (${detail})` : ''}`];
  },
};

// ---- client self-check ----

/** What scraping the server's metrics held the event loop for (absent without --server-metrics). */
function scrapeCost(check: NonNullable<ReportData['selfcheck']>, L: Labels): PairRow[] {
  const cost = check.server_metrics;
  if (!cost) return [];
  const value = fill(L.scrapeCost, {
    n: cost.scrapes,
    busy: `${cost.busy_ms.toFixed(1)} ms`,
    longest: `${cost.max_block_ms.toFixed(2)} ms`,
    kb: (cost.bytes / 1024).toFixed(0),
  });
  return [{ key: 'server_metrics', label: L.metricsScraping, value }];
}

const selfcheck: ReportSection = {
  id: 'selfcheck',
  build(data, L) {
    const check = data.selfcheck;
    if (!check) return undefined;
    return {
      id: 'selfcheck',
      title: L.selfcheck,
      blocks: [
        {
          kind: 'pairs',
          id: 'selfcheck',
          rows: [
            { key: 'event_loop_delay_p99_ms', label: L.eventLoopDelay, value: `${check.event_loop_delay_p99_ms.toFixed(2)} ms (${L.limit} ${ELD_LIMIT_MS} ms)` },
            { key: 'cpu_percent', label: L.clientCpu, value: `${check.cpu_percent.toFixed(1)}% (${L.limit} ${CPU_LIMIT_PERCENT}% ${L.perCore})` },
            { key: 'client_bound', label: L.verdict, value: check.client_bound ? L.clientBoundWarning : L.clientOk },
            ...scrapeCost(check, L),
          ],
        },
      ],
    };
  },
  brief(data, L) {
    const check = data.selfcheck;
    if (!check) return [];
    return [
      `${check.client_bound ? '! ' : ''}${L.selfcheck}: ${L.eventLoopDelay} ${check.event_loop_delay_p99_ms.toFixed(2)} ms (${L.limit} ${ELD_LIMIT_MS}) · ${L.clientCpu} ${check.cpu_percent.toFixed(1)}% · ${check.client_bound ? L.clientBoundWarning : L.clientOk}`,
    ];
  },
};

/**
 * Every section, in report order. Per-turn tables, the server's metrics and
 * workload statistics go in as one more entry each (see the comment at the
 * top of this file and docs/reports.md).
 */
export const REPORT_SECTIONS: readonly ReportSection[] = [
  overall,
  sweepSection,
  latency,
  schedule,
  goodput,
  workloadSection,
  turnsSection,
  groups,
  shards,
  health,
  serverSection,
  errors,
  thresholds,
  selfcheck,
];

/** Each section that has content for this data, built once, in order. */
export function buildSections(data: ReportData, L: Labels): SectionView[] {
  return REPORT_SECTIONS.flatMap((section) => section.build(data, L) ?? []);
}
