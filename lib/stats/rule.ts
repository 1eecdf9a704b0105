/**
 * Rules: `<metric> <op> <value>`, shared by run's thresholds and compare's
 * --fail-on. The value says what is compared:
 *   - unsigned (`1.5`, `800ms`, `1%` for a ratio metric): the run's own value (absolute);
 *   - signed with `%` (`+10%`, `-5%`): the relative change from the base run;
 *   - signed without `%` (`+0.2`, `+50ms`): the change in the metric's unit.
 * Units: `s` / `ms` for time metrics; `%` alone on a ratio metric (error_rate) means /100.
 */
import { UsageError } from '../record/errors.ts';
import { resolveMetricPath, type MetricRef } from './metric-path.ts';

export type RuleOp = '<' | '<=' | '>' | '>=';
export type RuleMode = 'absolute' | 'relative' | 'change';

export interface Rule {
  /** As written, for messages. */
  text: string;
  metric: MetricRef;
  op: RuleOp;
  mode: RuleMode;
  /** absolute / change: in the metric's unit (seconds, ratio 0..1, ...); relative: a fraction (+10% -> 0.1). */
  value: number;
}

// A metric path: `ttft.p99`, or a server metric with colons and a label selector (`server.vllm:x{engine=0}.max`).
const GRAMMAR = /^\s*([A-Za-z_][\w.:]*(?:\{[^}]*\}[\w.]*)?)\s*(<=|>=|<|>)\s*([+-])?\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|%)?\s*$/;

export function parseRule(text: string): Rule {
  const match = GRAMMAR.exec(text);
  if (!match) {
    throw new UsageError(`invalid rule "${text}": expected "<metric> <op> <value>", e.g. "ttft.p95 > +10%" or "error_rate < 1%"`);
  }
  const [, path = '', op, sign, digits, unit] = match;
  let metric: MetricRef;
  try {
    metric = resolveMetricPath(path);
  } catch (error) {
    throw new UsageError(`invalid rule "${text}": ${(error as Error).message}`);
  }
  let value = Number(digits) * (sign === '-' ? -1 : 1);
  let mode: RuleMode = sign === undefined ? 'absolute' : 'change';
  if (unit === '%') {
    if (sign !== undefined) {
      mode = 'relative';
      value /= 100;
    } else if (metric.unit === 'ratio') {
      value /= 100;
    } else {
      throw new UsageError(
        `invalid rule "${text}": a % needs a sign for a relative change ("+10%"), or a ratio metric such as error_rate`,
      );
    }
  } else if (unit === 'ms' || unit === 's') {
    if (metric.unit !== 'seconds') throw new UsageError(`invalid rule "${text}": ${metric.path} is not a time, so "${unit}" does not apply`);
    if (unit === 'ms') value /= 1000;
  }
  return { text: text.trim(), metric, op: op as RuleOp, mode, value };
}

/** A threshold is checked on one run, so it must be absolute. */
export function parseThreshold(text: string): Rule {
  const rule = parseRule(text);
  if (rule.mode !== 'absolute') {
    throw new UsageError(
      `invalid threshold "${text}": a signed value is a change from a base run; thresholds are absolute ("ttft.p99 < 1.5"), use compare --fail-on for changes`,
    );
  }
  return rule;
}

export function holds(op: RuleOp, left: number, right: number): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

/**
 * A rule that points the wrong way for its metric, e.g. a --fail-on rule that
 * fires when TTFT improves. `fires` says whether the rule names a failure
 * (--fail-on) or a requirement (a threshold). Returns a warning or undefined.
 */
export function directionWarning(rule: Rule, fires: boolean): string | undefined {
  const upward = rule.op === '>' || rule.op === '>=';
  const worseWhen = fires ? upward : !upward;
  const worseIsUp = rule.metric.better === 'lower';
  if (worseWhen === worseIsUp) return undefined;
  const side = rule.mode === 'absolute' ? (worseWhen ? 'high' : 'low') : worseWhen ? 'rising' : 'falling';
  return `rule "${rule.text}" fails on a ${side} ${rule.metric.path}, but ${rule.metric.better} is better: check the operator`;
}
