/**
 * Opening input files so that no input can hang or exhaust memory: opened without blocking (a
 * FIFO with no writer opens at once instead of waiting forever), and refused unless a regular
 * file (a FIFO, `/dev/zero`, `/dev/urandom`, a directory). Reads are positioned and bounded by
 * the size the file had when opened, or by less when the caller knows how much it needs.
 * @module
 */
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { IoError, NotFoundError } from '../errors.js';
import { displayPath, isMangledPath } from './display-path.js';
import { inputError, ioError } from './io-error.js';

/** The largest buffer Node can allocate: a bigger input cannot be read whole. */
export const MAX_INPUT = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

/** A regular file opened for reading. Close it when done. */
export interface InputFile {
  /** The path as given. */
  readonly path: string;
  readonly fd: number;
  /** Status at opening (size, identity). */
  readonly stat: Stats;
  /**
   * Up to `length` bytes at `position`; fewer only at the end of the file.
   * @throws {IoError} naming the file when the read fails.
   */
  read(length: number, position: number): Uint8Array;
  close(): void;
}

/** The type tests of a `Stats` or a `Dirent`. */
export type FileTypeTests = Pick<
  Stats,
  'isDirectory' | 'isCharacterDevice' | 'isBlockDevice' | 'isFIFO' | 'isSocket' | 'isSymbolicLink'
>;

/** What a file of this status (or directory entry) is, for messages: `a FIFO`, `a character device`. */
export function fileKind(st: FileTypeTests): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'a regular file';
}

/**
 * Opens `path` (following symlinks) for reading, without blocking, and checks it is a regular file.
 * @throws {NotFoundError} if it does not exist (saying so when its name lost non-UTF-8 bytes).
 * @throws {IoError} for anything but a regular file, or when it cannot be opened.
 */
export function openInput(path: string): InputFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && isMangledPath(path)) {
      throw new NotFoundError(`${displayPath(path)}: no such file (the name was not valid UTF-8 and lost bytes on the way in)`, {
        cause: err,
      });
    }
    throw inputError(path, 'cannot open', err);
  }
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    throw ioError(path, 'cannot open', err);
  }
  if (!stat.isFile()) {
    closeSync(fd);
    throw new IoError(displayPath(path), `not a regular file (${fileKind(stat)}); refusing to read it`);
  }
  return {
    path,
    fd,
    stat,
    read(length, position) {
      if (length > MAX_INPUT) {
        throw new IoError(displayPath(path), `too large to read: ${length} bytes (the limit is ${MAX_INPUT})`);
      }
      const out = new Uint8Array(length);
      let done = 0;
      try {
        while (done < length) {
          const n = readSync(fd, out, done, length - done, position + done);
          if (n === 0) break;
          done += n;
        }
      } catch (err) {
        throw ioError(path, 'cannot read', err);
      }
      return done === length ? out : out.subarray(0, done);
    },
    close() {
      closeSync(fd);
    },
  };
}

/**
 * How many bytes of a file to read in all, from its first bytes (up to 64) and its size; `read`
 * fetches more (a table the header points to) when the header alone does not say.
 */
export type InputLimit = (head: Uint8Array, size: number, read: (length: number, position: number) => Uint8Array) => number;

/**
 * Reads a regular file, as far as `limit` says (the caller's header knows); by default whole.
 * @throws {NotFoundError} / {@link IoError} as {@link openInput}, or when reading fails.
 */
export function readInput(path: string, limit?: InputLimit): Uint8Array {
  const file = openInput(path);
  try {
    const size = file.stat.size;
    const head = file.read(Math.min(size, 64), 0);
    const want = Math.min(size, limit ? limit(head, size, (l, p) => file.read(l, p)) : size);
    if (want <= head.byteLength) return head.subarray(0, want);
    const bytes = file.read(want, 0);
    if (bytes.byteLength < want) {
      throw new IoError(displayPath(path), `file shrank while reading (${bytes.byteLength} of ${want} bytes)`);
    }
    return bytes;
  } finally {
    file.close();
  }
}
