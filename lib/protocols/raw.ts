/** Any byte stream: each non-empty chunk counts as one token, as the seed does. */
import type { Protocol } from './protocol.ts';

export const raw: Protocol = {
  name: 'raw',
  framing: 'raw',
  onMessage(data, _event, sink) {
    if (data.length > 0) sink.token(false);
  },
};
