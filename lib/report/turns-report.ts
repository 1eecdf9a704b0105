/**
 * The per-turn section of a report with conversations: one table by turn
 * index (requests, failures, TTFT P50/P90/P99, input tokens, E2E) and the
 * per-conversation totals, as plain data that each renderer (text, markdown,
 * HTML) lays out in its own format, plus the bar chart of TTFT by turn. Pure.
 */
import type { ConversationTotals, TurnSummary } from '../stats/turns.ts';
import type { Distribution } from '../stats/stats.ts';
import { seconds } from '../util/format.ts';
import { escapeHtml as esc } from '../util/html-escape.ts';
import { fill, type Labels } from './i18n.ts';
import { barChart } from './svg-chart.ts';

export interface TurnTables {
  byTurn: { title: string; header: string[]; rows: string[][] };
  totals: { title: string; rows: Array<[string, string]> };
  /** How the load counts conversations: said wherever the tables are shown. */
  note: string;
}

/** Shown in full up to this many turn indexes; a longer tail is one "N+" row-free note. */
const MAX_TURN_ROWS = 50;

export function turnTables(turns: TurnSummary, L: Labels): TurnTables {
  const shown = turns.by_turn.slice(0, MAX_TURN_ROWS);
  const dash = '-';
  // The cache column only when the server reports cached prompt tokens.
  const cached = shown.some((t) => t.cached_input_tokens !== undefined);
  const mean = (d: Distribution | undefined) => (d ? Math.round(d.mean).toString() : dash);
  const rows = shown.map(({ turn, summary, input_tokens, cached_input_tokens }) => [
    String(turn),
    String(summary.total_requests),
    String(summary.failed_count),
    summary.ttft ? seconds(summary.ttft.p50) : dash,
    summary.ttft ? seconds(summary.ttft.p90) : dash,
    summary.ttft ? seconds(summary.ttft.p99) : dash,
    mean(input_tokens),
    ...(cached ? [mean(cached_input_tokens)] : []),
    summary.total_time ? seconds(summary.total_time.p50) : dash,
  ]);
  return {
    byTurn: {
      title: turns.by_turn.length > MAX_TURN_ROWS ? `${L.turnTable} (${fill(L.firstTurns, { n: MAX_TURN_ROWS })})` : L.turnTable,
      header: [L.turn, L.requests, L.failed, 'TTFT P50', 'TTFT P90', 'TTFT P99', L.inputTokensMean, ...(cached ? [L.cachedTokensMean] : []), 'E2E P50'],
      rows,
    },
    totals: { title: L.conversationTotals, rows: totalRows(turns.conversations, L) },
    note: L.conversationSlots,
  };
}

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

export function turnsMarkdown(turns: TurnSummary, L: Labels): string[] {
  const t = turnTables(turns, L);
  return [
    `**${t.byTurn.title}**`,
    '',
    `| ${t.byTurn.header.join(' | ')} |`,
    `|${t.byTurn.header.map(() => '--:').join('|')}|`,
    ...t.byTurn.rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `**${t.totals.title}**`,
    '',
    `| | |`,
    '|---|--:|',
    ...t.totals.rows.map(([label, value]) => `| ${label} | ${value} |`),
    '',
    `_${t.note}_`,
    '',
  ];
}

export function turnsHtml(turns: TurnSummary, L: Labels): string {
  const t = turnTables(turns, L);
  const byTurn = `<table id="turns"><thead><tr>${t.byTurn.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.byTurn.rows
    .map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row">${esc(cell)}</th>` : `<td>${esc(cell)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const totals = `<table id="conversations"><tbody>${t.totals.rows
    .map(([label, value]) => `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}</td></tr>`)
    .join('')}</tbody></table>`;
  return `<h2>${esc(t.byTurn.title)}</h2>${byTurn}<h2>${esc(t.totals.title)}</h2>${totals}<p class="note">${esc(t.note)}</p>`;
}

/** TTFT P50/P90/P99 by turn index, as bars: turn 1 against the rest is the prefix cache at work. */
export function turnsChart(turns: TurnSummary, L: Labels): { id: string; title: string; svg?: string } {
  const shown = turns.by_turn.slice(0, MAX_TURN_ROWS);
  const title = L.chartTurns;
  if (shown.every((t) => t.summary.ttft === undefined)) return { id: 'turns', title };
  const pick = (key: 'p50' | 'p90' | 'p99') => shown.map((t) => t.summary.ttft?.[key]);
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
