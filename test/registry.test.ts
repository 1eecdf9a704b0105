/** Protocol detection: from the URL path before the request, from the content-type after the headers. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/record/errors.ts';
import { PROTOCOL_NAMES, protocolByName, protocolForContentType, protocolForPath, resolveProtocol } from '../lib/wire/protocols/registry.ts';

describe('protocol detection', () => {
  it.each([
    ['/v1/chat/completions', 'openai-chat'],
    ['/openai/deployments/gpt-4o/chat/completions', 'openai-chat'],
    ['/compatible-mode/v1/chat/completions/', 'openai-chat'],
    ['/v1/completions', 'openai-completions'],
    ['/v1/responses', 'openai-responses'],
    ['/v1/messages', 'anthropic-messages'],
    ['/v1beta/models/gemini-2.5-flash:streamGenerateContent', 'gemini'],
    ['/api/chat', 'ollama'],
    ['/api/generate', 'ollama'],
  ])('names %s → %s from the path', (path, name) => {
    expect(protocolForPath(path)?.name).toBe(name);
  });

  it('names no protocol for an unknown path, so the content-type decides', () => {
    expect(protocolForPath('/stream')).toBeUndefined();
    expect(resolveProtocol('auto', 'http://127.0.0.1/stream')).toEqual({ protocol: undefined, how: 'content-type' });
    expect(protocolForContentType('application/x-ndjson').name).toBe('ollama');
    expect(protocolForContentType('text/event-stream; charset=utf-8').name).toBe('openai-chat');
    expect(protocolForContentType('text/plain').name).toBe('raw');
    expect(protocolForContentType(null).name).toBe('raw');
  });

  it('lets --protocol force one over the path', () => {
    const choice = resolveProtocol('raw', 'http://127.0.0.1/v1/chat/completions');
    expect(choice.protocol?.name).toBe('raw');
    expect(choice.how).toBe('forced');
  });

  it('rejects an unknown protocol name and a Gemini URL without alt=sse, naming the fix', () => {
    expect(() => protocolByName('grpc')).toThrow(/unknown protocol "grpc"; known: auto, openai-chat/);
    expect(() => resolveProtocol('auto', 'http://127.0.0.1/v1beta/models/g:streamGenerateContent')).toThrow(UsageError);
    expect(() => resolveProtocol('gemini', 'http://127.0.0.1/x')).toThrow(/needs "\?alt=sse"/);
    expect(resolveProtocol('auto', 'http://127.0.0.1/v1beta/models/g:streamGenerateContent?alt=sse').protocol?.name).toBe('gemini');
  });

  it('knows every adapter by its own name, and lists them all when a name is unknown', () => {
    expect(PROTOCOL_NAMES).toEqual(['openai-chat', 'openai-completions', 'openai-responses', 'anthropic-messages', 'gemini', 'ollama', 'raw']);
    for (const name of PROTOCOL_NAMES) expect(protocolByName(name).name).toBe(name);
    expect(() => protocolByName('grpc')).toThrow(
      'unknown protocol "grpc"; known: auto, openai-chat, openai-completions, openai-responses, anthropic-messages, gemini, ollama, raw',
    );
  });

  it('reads the path to its end: any number of trailing slashes, no prefix match', () => {
    expect(protocolForPath('/v1/chat/completions///')?.name).toBe('openai-chat');
    expect(protocolForPath('/api/chat/extra')).toBeUndefined();
    expect(protocolForPath('/api/generate/extra')).toBeUndefined();
    expect(protocolForPath('/proxy/api/generate')?.name).toBe('ollama');
  });

  it('reads the content-type whatever its case, spaces and parameters', () => {
    for (const type of [' Application/X-NDJSON ; charset=utf-8', 'application/ndjson', 'application/jsonl']) {
      expect(protocolForContentType(type).name, type).toBe('ollama');
    }
    expect(protocolForContentType('TEXT/EVENT-STREAM').name).toBe('openai-chat');
    expect(protocolForContentType('').name).toBe('raw');
  });

  it('says how it chose: by the path when the name is auto or absent', () => {
    for (const name of ['auto', undefined]) {
      const choice = resolveProtocol(name, 'http://127.0.0.1/v1/messages');
      expect({ name: choice.protocol?.name, how: choice.how }).toEqual({ name: 'anthropic-messages', how: 'path' });
    }
  });
});
