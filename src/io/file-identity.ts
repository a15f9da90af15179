/**
 * Whether two paths name the same file: same device and inode, after following symlinks, so
 * `out.btf`, `./out.btf`, a symlink to it and a hard link all count as one file.
 * @module
 */
import { statSync } from 'node:fs';
import { IoError } from '../errors.js';
import { displayPath } from './display-path.js';

/** A file's identity: device and inode, as decimal strings (bigint stats, so nothing rounds). */
export type FileIdentity = string;

/** The identity of what `path` names (following symlinks), or `undefined` if it does not exist. */
export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * Refuses to write any of `outputs` when it is the same file as one of `inputs` (a command must
 * never replace what it reads: `btf merge --base vmlinux a.btf -o vmlinux`).
 * @throws {IoError} naming the output and the input it would replace.
 */
export function refuseOutputOverInput(outputs: readonly string[], inputs: readonly string[]): void {
  const seen = new Map<FileIdentity, string>();
  for (const input of inputs) {
    const id = fileIdentity(input);
    if (id !== undefined && !seen.has(id)) seen.set(id, input);
  }
  for (const out of outputs) {
    const id = fileIdentity(out);
    const input = id !== undefined ? seen.get(id) : undefined;
    if (input === undefined) continue;
    const same = input === out ? 'it is also an input' : `it is the same file as the input ${displayPath(input)}`;
    throw new IoError(displayPath(out), `refusing to overwrite: ${same}`);
  }
}
