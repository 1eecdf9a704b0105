/**
 * Nothing leaked: canary keys in a header flag, in ${ENV} and in the query
 * string reach the server, and appear in no file the runs write, nor on their
 * stdout or stderr — though the server echoes them back in a 401 body, in a
 * broken stream event, and they sit in the URL of every error message.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closedPort, useFaultServer } from './helpers/fault-server.ts';
import { tempDir } from './helpers/run-capture.ts';
import { spawnRun } from './helpers/spawn-run.ts';

// Shaped like real keys (assembled, so secret scanners don't mistake this file for a leak).
const HEADER_CANARY = ['sk', 'canaryHEADER0123456789abcdef'].join('-');
const ENV_CANARY = ['sk', 'canaryENV0123456789abcdef'].join('-');
const QUERY_CANARY = ['AIza', 'CanaryQUERY0123456789abcdef'].join('');
// In a header no name marks as secret (gateways invent their own).
const GATEWAY_CANARY = ['gw', 'canaryGATEWAY0123456789abcdef'].join('-');
const CANARIES = [HEADER_CANARY, ENV_CANARY, QUERY_CANARY, GATEWAY_CANARY];

const fault = useFaultServer();
const input = tempDir();
const output = tempDir();
afterAll(() => {
  input.remove();
  output.remove();
});

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the canary', () => {
  it('reaches the server and nothing the runs write', async () => {
    const config = join(input.path, 'config.json');
    writeFileSync(config, JSON.stringify({ headers: { Authorization: 'Bearer ${SB_CANARY_KEY}' }, timeout: 5 }));
    const refused = `http://127.0.0.1:${await closedPort()}`;
    const common = (name: string, base: string, path: string) => [
      '-c',
      config,
      '-u',
      `${base}${path}?alt=sse&key=${QUERY_CANARY}`,
      '-H',
      `x-api-key: ${HEADER_CANARY}`,
      '-H',
      `X-Auth: ${GATEWAY_CANARY}`,
      '-n',
      '2',
      '--debug',
      '-o',
      join(output.path, `${name}.json`),
    ];
    const env = { SB_CANARY_KEY: ENV_CANARY };
    const runs = [
      spawnRun(common('echo-401', fault.server.url, '/echo-401'), { env }),
      spawnRun(common('echo-malformed', fault.server.url, '/echo-malformed'), { env }),
      spawnRun(common('refused', refused, '/v1/chat/completions'), { env }),
      spawnRun([...common('stalled', fault.server.url, '/stall-before-headers'), '-t', '0.2'], { env }),
      // A fatal error with --debug: the stack is printed, the key in the bad flag is not.
      spawnRun([...common('bad-header', fault.server.url, '/ok'), '-H', `x-api-key ${HEADER_CANARY}`], { env }),
    ];
    const exits = await Promise.all(runs.map((run) => run.exited));
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0, 0, 2]);
    expect(runs[4]!.stderr()).toMatch(/^error: malformed header starting "x-api-key".*\n {4}at /s);

    // The server did receive every canary...
    const echoed = fault.server.received.filter((r) => r.url.startsWith('/echo-401'));
    expect(echoed).toHaveLength(2);
    for (const request of echoed) {
      expect(request.headers['x-api-key']).toBe(HEADER_CANARY);
      expect(request.headers['x-auth']).toBe(GATEWAY_CANARY);
      expect(request.headers.authorization).toBe(`Bearer ${ENV_CANARY}`);
      expect(request.url).toContain(`key=${QUERY_CANARY}`);
    }
    // ...and echoed them back: the 401 body and the broken event hold them.
    const files = filesUnder(output.path);
    expect(files.map((f) => f.slice(output.path.length + 1)).sort()).toEqual(
      ['echo-401.json', 'echo-401.jsonl', 'echo-malformed.json', 'echo-malformed.jsonl', 'refused.json', 'refused.jsonl', 'stalled.json', 'stalled.jsonl'],
    );
    const written = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(written).toMatch(/Incorrect API key provided/);
    expect(written).toMatch(/malformed JSON in stream: .*\[REDACTED\]/);
    expect(written).toMatch(/ECONNREFUSED/);

    const outputs = [written, ...runs.flatMap((run) => [run.stdout(), run.stderr()])];
    for (const text of outputs) for (const canary of CANARIES) expect(text).not.toContain(canary);
    // Not even a piece of one, e.g. where a body was cut to size.
    for (const text of outputs) expect(text).not.toMatch(/canary(HEADER|ENV|QUERY|GATEWAY)/i);
  });
});
