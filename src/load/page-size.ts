/**
 * The system's page size, which the ring and perf buffers' mappings are laid out in: read once
 * from the auxiliary vector the kernel gave this process (`AT_PAGESZ` in `/proc/self/auxv`), or,
 * where that file cannot be read, from `sysconf(_SC_PAGESIZE)` through the syscall door.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { NotSupportedError } from '../errors.js';
import { syscallImpl } from '../sys/ffi.js';

/** `AT_PAGESZ`: the auxiliary vector's entry of the page size. */
const AT_PAGESZ = 6n;
/** Architectures whose `unsigned long` (an auxiliary vector word) has 4 bytes. */
const WORD32 = new Set(['ia32', 'arm', 'mips', 'mipsel', 'ppc']);

let cached: number | undefined;

/**
 * The page size in bytes, read once per process.
 *
 * @throws {@link NotSupportedError} when neither `/proc/self/auxv` nor `sysconf` answers.
 */
export function pageSize(): number {
  if (cached !== undefined) return cached;
  let size: number | undefined;
  try {
    size = auxvValue(readFileSync('/proc/self/auxv'), AT_PAGESZ, WORD32.has(process.arch) ? 4 : 8, endianness() === 'LE');
  } catch {
    size = undefined;
  }
  if (size === undefined) {
    const r = syscallImpl().pageSize?.();
    if (r !== undefined && r > 0) size = r;
  }
  if (size === undefined || size <= 0 || (size & (size - 1)) !== 0) {
    throw new NotSupportedError('page size: neither /proc/self/auxv nor sysconf(_SC_PAGESIZE) gave one');
  }
  cached = size;
  return size;
}

/**
 * The value of entry `type` of an auxiliary vector (pairs of words, ended by `AT_NULL`), or
 * `undefined` when it has none.
 */
export function auxvValue(auxv: Uint8Array, type: bigint, wordBytes: 4 | 8, littleEndian: boolean): number | undefined {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const word = (at: number) => (wordBytes === 8 ? view.getBigUint64(at, littleEndian) : BigInt(view.getUint32(at, littleEndian)));
  for (let at = 0; at + 2 * wordBytes <= auxv.byteLength; at += 2 * wordBytes) {
    const key = word(at);
    if (key === 0n) break;
    if (key === type) return Number(word(at + wordBytes));
  }
  return undefined;
}
