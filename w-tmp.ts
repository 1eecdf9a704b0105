import { createTransport } from './lib/create-transport.ts';
const t = createTransport('undici', { connections: 4 });
const url = 'http://127.0.0.1:34507/v1/chat/completions';
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await t({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stream":true,"max_tokens":2}' }, new AbortController().signal);
  const t1 = performance.now();
  await r.read(() => {});
  console.log(`request ${i}: head ${(t1 - t0).toFixed(1)} ms, body ${(performance.now() - t1).toFixed(1)} ms`);
}
t.close?.();
