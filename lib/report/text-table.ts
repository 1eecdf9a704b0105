/** Plain text tables for the terminal. */
import { displayWidth } from '../util/format.ts';

/** A plain text table: the first column left-aligned, the others right-aligned, CJK-width aware. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, textColumns: readonly number[] = []): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => displayWidth(row[i] ?? ''))));
  const left = (i: number) => i === 0 || textColumns.includes(i);
  return all.map(
    (row) =>
      '  ' +
      row
        .map((cell, i) => {
          const pad = ' '.repeat((widths[i] ?? 0) - displayWidth(cell));
          return left(i) ? cell + pad : pad + cell;
        })
        .join('  ')
        .trimEnd(),
  );
}
