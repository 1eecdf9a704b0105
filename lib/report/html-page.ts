/**
 * The shell of a self-contained HTML page: inline CSS, no script, no external
 * resource. A Content-Security-Policy forbids scripts and remote loads, so even
 * text that escaped escaping could not run or phone home.
 */
import { escapeHtml } from '../util/html-escape.ts';
import type { Lang } from './i18n.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `
:root { --fg: #1d232b; --muted: #5b6673; --line: #d8dde3; --bg: #ffffff; --panel: #f6f8fa; --bad: #b3261e; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 28px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 14px; display: flex; flex-wrap: wrap; gap: 2px 16px; }
.meta span { overflow-wrap: anywhere; }
h3.run-name { font-size: 15px; margin: 12px 0 2px; }
.banner { background: #fff4e5; border: 1px solid #f0c36d; padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0 4px; }
.kpi { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.kpi .label { color: var(--muted); font-size: 12px; }
.kpi .value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 560px), 1fr)); gap: 16px; }
figure.chart { margin: 0; background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 8px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart .note, .note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
figure.chart .empty { color: var(--muted); padding: 40px 0; text-align: center; }
.chart-svg text { fill: var(--muted); font-family: inherit; }
.chart-svg .axis-label, .chart-svg .legend text { fill: var(--fg); }
.chart-svg .point-label { fill: var(--fg); font-size: 10px; }
.chart-svg .grid { stroke: #eceff2; }
.chart-svg .axis { stroke: #8a949e; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 12px 5px 0; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.text { text-align: left; max-width: 560px; overflow-wrap: anywhere; }
th.text { text-align: left; }
td.worse { color: var(--bad); } td.better { color: var(--good); }
.verdict { font-size: 16px; font-weight: 600; padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
.verdict.worse { color: var(--bad); background: #fdecea; border: 1px solid #f3b8b3; }
.verdict.better { color: var(--good); background: #e9f6ec; border: 1px solid #a9dcb5; }
details.level { margin: 6px 0; border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px; background: var(--panel); }
details.level summary { cursor: pointer; font-weight: 600; }
details.level .kpi { background: var(--bg); }
.report-section > .charts { margin-top: 12px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; font-size: 12px; max-height: 420px; }
code { font-size: 12px; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
@media print { body { padding: 0; } figure.chart { break-inside: avoid; } }
`;

export function htmlPage(lang: Lang, title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>\n${body}\n</body></html>\n`
  );
}
