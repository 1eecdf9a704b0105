/**
 * Terminal colour, only on a TTY and never when NO_COLOR is set to a non-empty
 * value (https://no-color.org).
 */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export type Color = keyof typeof CODES;

/** Wraps text in an SGR colour code when enabled; returns it unchanged otherwise. */
export function paint(enabled: boolean, color: Color, text: string): string {
  return enabled && text !== '' ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}
