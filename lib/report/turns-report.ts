/**
 * The per-turn section of a report with conversations: one table by turn
 * index (requests, failures, TTFT P50/P90/P99, input tokens, E2E), the
 * per-conversation totals, and the bar chart of TTFT by turn. One entry of
 * the report's section list (sections.ts): every format draws it. Pure.
 */
import type { ConversationTotals, TurnSummary } from '../stats/turns.ts';
import type { Distribution } from '../stats/stats.ts';
import { seconds } from '../util/format.ts';
import { fill, type Labels } from './i18n.ts';
import { count, formatMs, ms, type Block, type ReportSection, type TableRow } from './report-blocks.ts';
import { barChart } from './svg-chart.ts';

/** Shown in full up to this many turn indexes. */
const MAX_TURN_ROWS = 50;

export const turnsSection: ReportSection = {
  id: 'turns',
  build(data, L) {
    const turns = data.turns;
    if (!turns) return undefined;
    const shown = turns.by_turn.slice(0, MAX_TURN_ROWS);
    // The cache column only when the server reports cached prompt tokens.
    const cached = shown.some((t) => t.cached_input_tokens !== undefined);
    const rows: TableRow[] = shown.map(({ turn, summary, input_tokens, cached_input_tokens }) => ({
      key: String(turn),
      cells: [
        String(turn),
        count(summary.total_requests),
        count(summary.failed_count),
        ms(summary.ttft?.p50),
        ms(summary.ttft?.p90),
        ms(summary.ttft?.p99),
        count(input_tokens ? Math.round(input_tokens.mean) : undefined),
        ...(cached ? [count(cached_input_tokens ? Math.round(cached_input_tokens.mean) : undefined)] : []),
        ms(summary.total_time?.p50),
      ],
    }));
    const header = [L.turn, L.requests, L.failed, 'TTFT P50 (ms)', 'TTFT P90 (ms)', 'TTFT P99 (ms)', L.inputTokensMean, ...(cached ? [L.cachedTokensMean] : []), 'E2E P50 (ms)'];
    const chart = turnsChart(turns, L);
    const blocks: Block[] = [
      { kind: 'table', id: 'turns', header, rows },
      { kind: 'note', text: `${L.conversationTotals}:` },
      { kind: 'pairs', id: 'conversations', rows: totalRows(turns.conversations, L).map(([label, value]) => ({ label, value })) },
      { kind: 'note', text: L.conversationSlots },
    ];
    if (chart.svg) blocks.push({ kind: 'chart', id: chart.id, title: chart.title, svg: chart.svg });
    const title = turns.by_turn.length > MAX_TURN_ROWS ? `${L.turnTable} (${fill(L.firstTurns, { n: MAX_TURN_ROWS })})` : L.turnTable;
    return { id: 'turns', title, blocks };
  },
  brief(data, L) {
    const turns = data.turns;
    if (!turns) return [];
    const first = turns.by_turn.slice(0, 5).map((t) => `${L.turn.toLowerCase()} ${t.turn} ${t.summary.ttft ? `${formatMs(t.summary.ttft.p50)} ms` : '–'}`);
    const more = turns.by_turn.length > 5 ? ' …' : '';
    return [`${L.turnTable}: TTFT P50 ${first.join(' · ')}${more} (${L.conversations.toLowerCase()} ${turns.conversations.conversations})`];
  },
};

function totalRows(c: ConversationTotals, L: Labels): Array<[string, string]> {
  const spread = (d: Distribution, format: (v: number) => string) => `${L.mean} ${format(d.mean)}  P50 ${format(d.p50)}  P90 ${format(d.p90)}  ${L.max} ${format(d.max)}`;
  const count = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const rows: Array<[string, string]> = [
    [L.conversations, `${c.conversations}${c.ended_by_failure > 0 ? `  (${fill(L.endedByFailure, { n: c.ended_by_failure })})` : ''}`],
    [L.turnsPerConversation, spread(c.turns, count)],
    [L.conversationDuration, spread(c.duration, seconds)],
  ];
  if (c.input_tokens) rows.push([L.inputTokensPerConversation, spread(c.input_tokens, (v) => String(Math.round(v)))]);
  rows.push([L.outputTokensPerConversation, spread(c.output_tokens, (v) => String(Math.round(v)))]);
  return rows;
}

/** TTFT P50/P90/P99 by turn index, as bars: turn 1 against the rest is the prefix cache at work. */
function turnsChart(turns: TurnSummary, L: Labels): { id: string; title: string; svg?: string } {
  const shown = turns.by_turn.slice(0, MAX_TURN_ROWS);
  const title = L.chartTurns;
  if (shown.every((t) => t.summary.ttft === undefined)) return { id: 'turns', title };
  const pick = (key: 'p50' | 'p90' | 'p99') => shown.map((t) => (t.summary.ttft ? t.summary.ttft[key] * 1000 : undefined));
  return {
    id: 'turns',
    title,
    svg: barChart({
      title,
      x: { label: L.turn },
      y: { label: L.axisTtft },
      categories: shown.map((t) => String(t.turn)),
      series: [
        { name: 'P50', values: pick('p50') },
        { name: 'P90', values: pick('p90') },
        { name: 'P99', values: pick('p99') },
      ],
    }),
  };
}
