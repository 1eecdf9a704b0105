/** Number and text formatting shared by every renderer (and by metric paths' descriptions). */

export function seconds(value: number): string {
  return `${value.toFixed(3)}s`;
}

export function millis(value: number): string {
  return `${(value * 1000).toFixed(2)}ms`;
}

/** Terminal columns: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    width += code >= 0x1100 && /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  }
  return width;
}
