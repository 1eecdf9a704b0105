/**
 * Where JSON text goes wrong, as "line:column". Node 22+ puts a position in
 * every JSON.parse message, Node 20 only in some ("Unexpected token '}', ... is
 * not valid JSON" and "Unexpected end of JSON input" carry none), so the
 * offset is found by a small validating scan that stops at the first error.
 * Only called after JSON.parse failed: speed does not matter here.
 */

/** Offset of the first character where `text` stops being valid JSON (text.length for early end). */
export function jsonErrorOffset(text: string): number {
  let pos = 0;
  const fail = (): never => {
    throw pos;
  };
  const skipSpace = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[pos] !== ch) fail();
      pos++;
    }
  };
  const string = () => {
    pos++; // opening quote
    for (;;) {
      if (pos >= text.length) fail();
      const ch = text[pos]!;
      if (ch === '"') return void pos++;
      if (ch < ' ') fail();
      if (ch === '\\') {
        pos++;
        const escape = text[pos];
        if (escape === 'u') {
          for (let i = 1; i <= 4; i++) if (!/[0-9a-fA-F]/.test(text[pos + i] ?? '')) ((pos += i), fail());
          pos += 4;
        } else if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail();
      }
      pos++;
    }
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!match || match[0] === '-') fail();
    pos += match![0].length;
  };
  const value = (): void => {
    skipSpace();
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      skipSpace();
      if (text[pos] === '}') return void pos++;
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail();
        string();
        skipSpace();
        if (text[pos] !== ':') fail();
        pos++;
        value();
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') return void pos++;
        else fail();
      }
    }
    if (ch === '[') {
      pos++;
      skipSpace();
      if (text[pos] === ']') return void pos++;
      for (;;) {
        value();
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') return void pos++;
        else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    value();
    skipSpace();
    if (pos < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
  return text.length;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
