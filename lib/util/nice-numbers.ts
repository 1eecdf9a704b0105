/**
 * "Nice" round numbers (1, 2, 2.5, 5 × 10^k) for axis ticks and histogram bin
 * widths, so a reader sees 0.1, 0.2, 0.3 rather than 0.137, 0.274.
 */

/** The nice step nearest to `roughStep` (> 0) from {1, 2, 2.5, 5} × 10^k. */
export function niceStep(roughStep: number): number {
  if (!(roughStep > 0) || !Number.isFinite(roughStep)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(roughStep));
  const fraction = roughStep / magnitude;
  const nice = fraction < 1.5 ? 1 : fraction < 2.25 ? 2 : fraction < 3.5 ? 2.5 : fraction < 7.5 ? 5 : 10;
  return nice * magnitude;
}

export interface Ticks {
  /** Tick values, ascending, covering [min, max]. */
  values: number[];
  step: number;
  /** The extended domain the ticks span: [values[0], values.at(-1)]. */
  min: number;
  max: number;
}

/** About `count` nice ticks that cover [min, max]. A zero-width range is widened. */
export function niceTicks(min: number, max: number, count = 5): Ticks {
  let lo = Number.isFinite(min) ? min : 0;
  let hi = Number.isFinite(max) ? max : 1;
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / Math.max(1, count));
  const start = Math.floor(lo / step + 1e-9) * step;
  const end = Math.ceil(hi / step - 1e-9) * step;
  const values: number[] = [];
  for (let i = 0; start + i * step <= end + step * 1e-9; i++) values.push(roundTo(start + i * step, step));
  return { values, step, min: values[0] as number, max: values[values.length - 1] as number };
}

/** Decimals needed to print multiples of `step` exactly (0.25 -> 2, 5 -> 0). */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d < 10; d++) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  }
  return 10;
}

/** Removes float noise such as 0.30000000000000004 from a multiple of `step`. */
function roundTo(value: number, step: number): number {
  const d = decimalsFor(step);
  return Number(value.toFixed(d));
}
