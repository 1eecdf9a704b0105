/**
 * The proxy a request to a URL goes through, from the environment as curl reads
 * it: `https_proxy` / `HTTPS_PROXY` for https:// URLs, `http_proxy` /
 * `HTTP_PROXY` for http:// (and for https:// when no HTTPS proxy is set), the
 * lowercase name first; `no_proxy` / `NO_PROXY` lists hosts that go direct
 * (`*` for all; `example.com` also covers its subdomains; a leading `.` or
 * `*.` is ignored; `host:port` only that port). The rule is undici's
 * EnvHttpProxyAgent's (which does the actual proxying); this copy exists so the
 * run can say before the load whether a proxy carries it.
 */

export interface ProxyEnv {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export function readProxyEnv(env: NodeJS.ProcessEnv): ProxyEnv {
  const pick = (...names: string[]) => {
    for (const name of names) if (env[name] !== undefined && env[name] !== '') return env[name];
    return undefined;
  };
  return {
    httpProxy: pick('http_proxy', 'HTTP_PROXY'),
    httpsProxy: pick('https_proxy', 'HTTPS_PROXY'),
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

/** True when some proxy variable is set (whether or not NO_PROXY exempts a given URL). */
export function hasProxy(env: ProxyEnv): boolean {
  return env.httpProxy !== undefined || env.httpsProxy !== undefined;
}

/** The proxy URL that carries requests to `url`, or undefined: direct. */
export function proxyFor(url: string, env: ProxyEnv): string | undefined {
  const target = new URL(url);
  const proxy = target.protocol === 'https:' ? (env.httpsProxy ?? env.httpProxy) : env.httpProxy;
  if (proxy === undefined) return undefined;
  const hostname = target.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(target.port, 10) || DEFAULT_PORTS[target.protocol] || 0;
  return bypassed(hostname, port, env.noProxy) ? undefined : proxy;
}

function bypassed(hostname: string, port: number, noProxy: string): boolean {
  if (noProxy === '*') return true;
  for (const entry of noProxy.split(/[,\s]/)) {
    if (!entry) continue;
    const parsed = /^(.+):(\d+)$/.exec(entry);
    const host = (parsed ? parsed[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    const entryPort = parsed ? Number.parseInt(parsed[2]!, 10) : 0;
    if (entryPort && entryPort !== port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

/** The proxy URL for a log line: credentials hidden. */
export function describeProxy(proxy: string): string {
  try {
    const parsed = new URL(proxy);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(an unparsable proxy URL)';
  }
}
