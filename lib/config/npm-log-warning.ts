/**
 * npm (npx, npm run, npm exec) writes its whole command line into its debug log
 * (~/.npm/_logs/*-debug-0.log, "verbose argv"; it keeps ten), before
 * streambench starts: a key typed into a flag is on disk from then on. We cannot
 * undo that, only say so, once, and name the route that keeps keys out:
 * `${VAR}` in single quotes, expanded by streambench itself.
 */
import { isSecretName } from '../wire/redact.ts';

/** Started through npm: npm sets these for the commands it runs. */
export function startedByNpm(env: NodeJS.ProcessEnv): boolean {
  return env.npm_execpath !== undefined || env.npm_lifecycle_event !== undefined || env.npm_command !== undefined;
}

/** Looks like a credential: a Bearer/Basic value or a provider key prefix. */
const SECRET_SHAPE = /^(?:bearer|basic)\s+\S{8,}|\b(?:sk|pk|rk|key|xai|gsk)[-_][A-Za-z0-9_-]{12,}|\bAIza[0-9A-Za-z_-]{20,}/i;

/** What in `args` is a literal secret (not a ${VAR} reference), described without its value. */
export function literalSecretsIn(args: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = /^--?[A-Za-z-]+=/.test(arg) ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (value.includes('${')) continue;
    const colon = value.indexOf(':');
    const headerName = colon > 0 ? value.slice(0, colon).trim() : '';
    const headerValue = colon > 0 ? value.slice(colon + 1).trim() : '';
    const previous = args[i - 1];
    const isHeader = previous === '-H' || previous === '--header' || /^--header=/.test(arg);
    if (isHeader && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerName) && headerValue.length > 0 && (isSecretName(headerName) || SECRET_SHAPE.test(headerValue))) {
      found.push(`-H ${headerName}`);
    } else if (/^[a-z]+:\/\/[^/\s:@]+:[^@\s/]+@/i.test(value)) {
      found.push('a password in a URL');
    } else if (/[?&][^=&\s]+=/.test(value) && [...value.matchAll(/[?&]([^=&\s]+)=/g)].some((m) => isSecretName(m[1]!))) {
      found.push('a key in a URL query');
    } else if (SECRET_SHAPE.test(value)) {
      found.push('a key-shaped value');
    }
  }
  return [...new Set(found)];
}

/** The one warning line, or undefined when there is nothing to warn about. */
export function npmLogWarning(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (!startedByNpm(env)) return undefined;
  const secrets = literalSecretsIn(args);
  if (secrets.length === 0) return undefined;
  return (
    `started through npm, which has written this whole command line, ${secrets.join(', ')} included, into its debug log ` +
    `(~/.npm/_logs/*-debug-0.log). Pass secrets as \${VAR} in single quotes, e.g. -H 'Authorization: Bearer \${OPENAI_API_KEY}' ` +
    `(streambench expands it; npm logs only the name), or start it with node --import tsx scripts/run.ts; delete those logs now.`
  );
}
