/** Test helpers: msw handlers built from the shared simulated stream, and quick record fixtures. */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createRng } from '../../lib/util/random.ts';
import { framesToStream, planResponse, type SimulatorOptions } from '../../lib/sim/simulator.ts';

export const SIM_BASE = 'http://sim.test';

/** An msw server whose POST {SIM_BASE}/<any simulated API path> streams the simulated response in that dialect. */
export function createSimMsw(options: SimulatorOptions) {
  const rng = createRng(options.seed ?? 1);
  return setupServer(
    http.post(`${SIM_BASE}/*`, async ({ request }) => {
      const body = await request.json().catch(() => ({}));
      const response = planResponse(new URL(request.url).pathname, body, options, rng);
      if (!response) return HttpResponse.json({ error: { message: 'unknown path' } }, { status: 404 });
      return new HttpResponse(framesToStream(response.frames), { headers: { 'content-type': response.contentType } });
    }),
  );
}

/** A ReadableStream that emits the given text chunks with the given delays (ms) before each. */
export function scriptedStream(parts: Array<[delayMs: number, text: string]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const part = parts[i++];
      if (!part) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, part[0]));
      controller.enqueue(encoder.encode(part[1]));
    },
  });
}
