/** The framer: what each framing hands the protocol, and the message count request.ts reports for tokenless streams. */
import { describe, expect, it } from 'vitest';
import { createFramer } from '../lib/wire/framing.ts';
import type { Framing, Protocol, StreamSink } from '../lib/wire/protocols/protocol.ts';

/** A protocol that records what it is handed. */
function recorder(framing: Framing): { protocol: Protocol; messages: Array<[string, string | undefined]>; sink: StreamSink; ended: () => number } {
  const messages: Array<[string, string | undefined]> = [];
  let ends = 0;
  const protocol: Protocol = { name: 'recorder', framing, endMarker: '', onMessage: (data, event) => void messages.push([data, event]) };
  const sink: StreamSink = { token: () => {}, text: () => {}, usage: () => {}, end: () => void ends++, fail: () => {} };
  return { protocol, messages, sink, ended: () => ends };
}

describe('createFramer', () => {
  it('sse: one message per event with its type, counted; end() flushes an event cut off at the end of the body', () => {
    const { protocol, messages, sink } = recorder('sse');
    const framer = createFramer(protocol, sink);
    framer.feed('event: a\ndata: 1\n\n: comment\n\ndata: 2\n\ndata: [DONE]');
    expect(framer.messages).toBe(2);
    framer.end();
    expect(messages).toEqual([
      ['1', 'a'],
      ['2', undefined],
      ['[DONE]', undefined],
    ]);
    expect(framer.messages).toBe(3);
  });

  it('sse: passes the event size limit to the parser', () => {
    const { protocol, sink } = recorder('sse');
    expect(() => createFramer(protocol, sink, 10).feed('data: ' + 'x'.repeat(20) + '\n')).toThrow(/buffer limit of 10/);
  });

  it('ndjson: one trimmed message per non-blank line, CRLF or LF, in any split; a last line without newline at the end', () => {
    const text = '{"a":1}\r\n\r\n  \n{"b":2}  \n{"c":3}';
    for (let cut = 0; cut <= text.length; cut++) {
      const { protocol, messages, sink } = recorder('ndjson');
      const framer = createFramer(protocol, sink);
      framer.feed(text.slice(0, cut));
      framer.feed(text.slice(cut));
      framer.end();
      expect(messages, `cut at ${cut}`).toEqual([
        ['{"a":1}', undefined],
        ['{"b":2}', undefined],
        ['{"c":3}', undefined],
      ]);
      expect(framer.messages).toBe(3);
      // Ended is ended: a second end() hands nothing more.
      framer.end();
      expect(messages).toHaveLength(3);
    }
  });

  it('raw: every chunk is a message as it came, and the end of the body is the end marker', () => {
    const { protocol, messages, sink, ended } = recorder('raw');
    const framer = createFramer(protocol, sink);
    framer.feed('hello ');
    framer.feed('\n\nworld');
    expect(framer.messages).toBe(2);
    expect(ended()).toBe(0);
    framer.end();
    expect(messages).toEqual([
      ['hello ', undefined],
      ['\n\nworld', undefined],
    ]);
    expect(ended()).toBe(1);
  });
});
