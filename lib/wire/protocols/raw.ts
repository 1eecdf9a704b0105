/**
 * Any byte stream: each non-empty chunk counts as one token, as the original tool does.
 * It has no end marker but the end of the body, which the framer reports.
 */
import type { Protocol } from './protocol.ts';

export const raw: Protocol = {
  name: 'raw',
  framing: 'raw',
  endMarker: 'end of body',
  onMessage(data, _event, sink) {
    if (data.length > 0) {
      sink.text(data, 'answer');
      sink.token(false);
    }
  },
};
