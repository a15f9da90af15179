/**
 * Writing an output file all or nothing: the bytes go to a temporary file in the same
 * directory, which is renamed over the target only once fully written, so a failed or
 * interrupted write never leaves a truncated file behind.
 * @module
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TsbpfError } from '../errors.js';

/**
 * Writes `bytes` to `path` atomically.
 * @throws {TsbpfError} naming the path when the directory is not writable or the disk is full.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    const e = err as NodeJS.ErrnoException;
    throw new TsbpfError(`${path}: cannot write: ${e.code ?? ''} ${e.message}`.trim());
  }
}
