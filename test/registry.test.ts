/** Protocol detection: from the URL path before the request, from the content-type after the headers. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../lib/record/errors.ts';
import { protocolByName, protocolForContentType, protocolForPath, resolveProtocol } from '../lib/wire/protocols/registry.ts';

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
});
