/**
 * One module's BTF as bytes, read as little as a lookup needs: the header and the string
 * section first (enough to tell whether a name can be in the module), the whole blob only when
 * the module is decoded or its type records must be searched.
 * @module
 */
import { closeSync, readSync } from 'node:fs';
import { type Header, parseHeader, peekHeader } from '../btf/header.js';
import { btfSectionOf, isElf } from '../btf/load.js';
import { inObject, NotFoundError, TsbpfError } from '../errors.js';
import { type InputFile, openInput } from '../io/input-file.js';
import { btfFileLength } from './btf-file.js';

/** A module's split BTF, partly or wholly in memory. */
export interface ModuleBlob {
  /** Module name (`veth`). */
  readonly name: string;
  /** Where it came from: a file path, or `BTF object <id>`. */
  readonly origin: string;
  /**
   * The raw BTF's header. Read from a file, only its fixed fields and section bounds are checked
   * up front; decoding the blob checks the rest.
   */
  readonly header: Header;
  /** The module's own string section (a view, not copied when the blob is in memory). */
  readonly strings: Uint8Array;
  /** The whole raw BTF blob (read on first call when only the strings were read). */
  blob(): Uint8Array;
  /** Identity of the file it was read from (inode, size, mtime), to notice a replaced file. */
  readonly stamp: string | undefined;
}

/** A blob already wholly in memory. */
export function blobFromBytes(name: string, origin: string, bytes: Uint8Array, stamp?: string): ModuleBlob {
  const raw = isElf(bytes) ? btfSectionOf(bytes) : bytes;
  const header = parseHeader(raw);
  const strings = raw.subarray(header.strOff, header.strOff + header.strLen);
  return { name, origin, header, strings, blob: () => raw, stamp };
}

/** Reads `length` bytes at `position` of an open file into `out` (a new array if not given). */
function pread(fd: number, length: number, position: number, out: Uint8Array = new Uint8Array(length)): Uint8Array {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === out.byteLength ? out : out.subarray(0, done);
}

/**
 * Files up to this size are read whole, in one read, into a buffer kept for the purpose, and
 * what is kept is copied out of it: a search of every module (a Debian kernel's 4,000 files
 * average 15 KB) then makes one read per file instead of one for the header and one for the
 * strings, and allocates no array for the header. Larger files are read in those two parts.
 */
const SCRATCH_SIZE = 256 * 1024;
let scratch: Uint8Array | undefined;

function ioError(path: string, err: unknown): TsbpfError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new NotFoundError(`${path}: no such file (module unloaded?)`);
  return new TsbpfError(`${path}: ${e.code ?? ''} ${e.message}`.trim());
}

/** Bytes at the front of a file that hold any header tsbpf knows (classic or with layout). */
const HEAD = 32;

/**
 * Opens a module's BTF file (raw split BTF or a `.ko`): reads the header (checked by btf's
 * {@link peekHeader}) and the string section only, and the rest when {@link ModuleBlob.blob} is
 * called. An ELF file, or a header that does not check out, is read whole so the error (if any)
 * is the parser's own.
 * @throws {NotFoundError} if the file is gone. @throws {BtfError} / {@link ElfError} if malformed.
 */
export function readModuleFile(name: string, path: string): ModuleBlob {
  let file: InputFile;
  try {
    // Without blocking, and only a regular file: a FIFO or a device must not hang a lookup.
    file = openInput(path);
  } catch (err) {
    throw err instanceof TsbpfError ? err : ioError(path, err);
  }
  const fd = file.fd;
  try {
    const size = file.stat.size;
    const stamp = `${file.stat.ino}:${size}:${file.stat.mtimeMs}`;
    // The file's bytes when it fits the scratch buffer (a view of it: copy what is kept).
    let read: Uint8Array | undefined;
    if (size <= SCRATCH_SIZE) {
      scratch ??= new Uint8Array(SCRATCH_SIZE);
      read = pread(fd, size, 0, scratch.subarray(0, size));
    }
    const head = read ? read.subarray(0, HEAD) : pread(fd, Math.min(size, HEAD), 0);
    const whole = (): ModuleBlob => {
      // No further than a raw header declares: a large file that is not BTF is not read whole.
      const length = Math.min(size, btfFileLength(head, size));
      const bytes = read ? read.slice(0, length) : head.byteLength === length ? head : pread(fd, length, 0);
      return blobFromBytes(name, path, bytes, stamp);
    };
    if (head.byteLength < 24 || isElf(head)) return whole();
    let header: Header;
    try {
      // Every section must lie inside the file; overlaps and alignment are checked on decoding.
      header = peekHeader(head, size);
    } catch {
      // Read it whole and let the parser explain (or accept a header longer than `HEAD`).
      return whole();
    }
    const strings = read ? read.slice(header.strOff, header.strOff + header.strLen) : pread(fd, header.strLen, header.strOff);
    let full: Uint8Array | undefined;
    return {
      name,
      origin: path,
      header,
      strings,
      stamp,
      blob: () => {
        full ??= readWhole(path, size);
        return full;
      },
    };
  } catch (err) {
    // The parsers do not know the file: name it, keeping their class and coordinates.
    if (err instanceof TsbpfError) throw inObject(err, path);
    throw ioError(path, err);
  } finally {
    file.close();
  }
}

function readWhole(path: string, size: number): Uint8Array {
  let fd: number;
  try {
    // Without blocking, and only a regular file: a FIFO or a device must not hang a lookup.
    fd = openInput(path).fd;
  } catch (err) {
    throw err instanceof TsbpfError ? err : ioError(path, err);
  }
  try {
    const bytes = pread(fd, size, 0);
    if (bytes.byteLength !== size)
      throw new TsbpfError(`${path}: file shrank while reading (${bytes.byteLength} of ${size} bytes)`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
