/** Reading a file the user named (data, trace, body, tokenizer): a failure is a usage error that says why in words. */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../record/errors.ts';

/** "no such file", "it is a folder", "permission denied", or the error's code. */
export function whyUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  return code ?? String(error);
}

/** The file's bytes; `what` names it in the error, e.g. "data file prompts.json". */
export async function readInputFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`cannot read ${what}: ${whyUnreadable(error)}`);
  }
}
