/**
 * Thresholds (k6 style): absolute requirements on one run, such as
 * `ttft.p99 < 1.5` or `error_rate < 1%`. Each passes when its condition holds
 * on the run's value; a metric the run has no data for fails.
 */
import { labels, type Lang } from './i18n.ts';
import { formatMetric, metricValue, type MetricSource } from '../stats/metric-path.ts';
import { displayWidth } from '../util/format.ts';
import { holds, type Rule } from '../stats/rule.ts';

export interface ThresholdOutcome {
  rule: Rule;
  observed: number | undefined;
  pass: boolean;
}

export function checkThresholds(rules: readonly Rule[], source: MetricSource): ThresholdOutcome[] {
  return rules.map((rule) => {
    const observed = metricValue(rule.metric, source);
    return { rule, observed, pass: observed !== undefined && holds(rule.op, observed, rule.value) };
  });
}

/** `✓ ttft.p99 < 1.5   0.234s`, one line each, under a title. */
export function renderThresholds(outcomes: readonly ThresholdOutcome[], lang: Lang): string {
  const L = labels(lang);
  const width = Math.max(...outcomes.map((o) => displayWidth(o.rule.text))) + 2;
  const lines = outcomes.map((o) => {
    const missing = o.rule.metric.kind === 'server' ? 'not in the scraped server metrics' : L.noData;
    const value = o.observed === undefined ? missing : formatMetric(o.rule.metric, o.observed);
    return `  ${o.pass ? '✓' : '✗'} ${o.rule.text}${' '.repeat(width - displayWidth(o.rule.text))}${L.observed} ${value}`;
  });
  return `【${L.thresholds}】\n${lines.join('\n')}\n`;
}
