/**
 * Strict argument parsing for the scripts. citty describes the flags and
 * renders --help, but it accepts unknown flags and a value-less `--url`
 * silently and keeps only the last of a repeated flag; node:util's parseArgs
 * in strict mode rejects all of those, so every script parses through here.
 */
import { parseArgs, stripVTControlCharacters, type ParseArgsConfig } from 'node:util';
import { renderUsage, type ArgsDef, type CommandDef } from 'citty';
import { UsageError } from '../record/errors.ts';
import { shouldColor } from '../util/color.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, SIGINT: 130, SIGTERM: 143 } as const;

/** Where a command writes: data to stdout, logs to stderr. */
export interface CommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd: string;
}

export interface StrictArgs {
  /** A repeatable flag that may go bare holds `true` for each bare use. */
  values: Record<string, string | boolean | Array<string | true> | undefined>;
  positionals: string[];
}

/** Stands in for the value of an optional-value flag given bare; parseStrict turns it into `true`. */
const BARE = '\u0000';

/**
 * `optionalValue` names string flags whose value may be left out (`--html` or
 * `--html FILE`): given bare, at the end or before another flag, their value is `true`.
 */
export function parseStrict(
  rawArgs: string[],
  defs: ArgsDef,
  repeatable: readonly string[] = [],
  optionalValue: readonly string[] = [],
): StrictArgs {
  const args = rawArgs.map((arg, i) => {
    const next = rawArgs[i + 1];
    const bare = optionalValue.some((name) => arg === `--${name}`) && (next === undefined || next.startsWith('-'));
    return bare ? `${arg}=${BARE}` : arg;
  });
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === 'positional') continue;
    const aliases = def.type !== undefined && 'alias' in def && def.alias ? [def.alias].flat() : [];
    const short = aliases.find((alias) => alias.length === 1);
    options[name] = {
      type: def.type === 'boolean' ? 'boolean' : 'string',
      ...(short ? { short } : {}),
      ...(repeatable.includes(name) ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    for (const [name, value] of Object.entries(values)) {
      if (value === '' || (Array.isArray(value) && value.includes(''))) {
        throw new UsageError(`option --${name} needs a value`);
      }
      if (value === BARE) (values as Record<string, unknown>)[name] = true;
      if (Array.isArray(value)) (values as Record<string, unknown>)[name] = value.map((item) => (item === BARE ? true : item));
    }
    return { values: values as StrictArgs['values'], positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(cleanParseError((error as Error).message));
  }
}

/**
 * --help for runMain's `showUsage`: citty colours its usage whenever NO_COLOR, TERM=dumb and CI are
 * unset, even into a pipe; here colour goes only to a terminal (`--help | cat` is plain text).
 */
export async function showUsage<T extends ArgsDef>(cmd: CommandDef<T>, parent?: CommandDef<T>): Promise<void> {
  const usage = await renderUsage(cmd, parent);
  process.stdout.write((shouldColor(process.stdout, process.env) ? usage : stripVTControlCharacters(usage)) + '\n\n');
}

function cleanParseError(message: string): string {
  // node:util messages end with a hint to use "--" for positionals; keep the first sentence,
  // and for a value that starts with a dash the way to pass it.
  const first = message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '').replace(/^Option/, 'option');
  const dashHint = /use '(--[\w-]+)=-XYZ'/.exec(message);
  return dashHint ? `${first.replace(/\.$/, '')}: for a value starting with "-", write ${dashHint[1]}=-VALUE` : first;
}

export function optionalNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(number)) {
    throw new UsageError(`option ${flag} must be a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A flag that takes one of a few words. */
export function optionalChoice<T extends string>(value: unknown, flag: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`option ${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Prints a command's error on one line (the stack too with --debug) and returns exit code 2. */
export function reportCommandError(error: unknown, io: CommandIO, debug: boolean, redact: (text: string) => string = (t) => t): number {
  const message = redact(error instanceof Error ? error.message : String(error));
  const unexpected = !(error instanceof UsageError) && !debug ? ' (unexpected: --debug shows the stack)' : '';
  io.stderr.write(`error: ${message}${unexpected}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(redact(error.stack) + '\n');
  return EXIT.usage;
}
