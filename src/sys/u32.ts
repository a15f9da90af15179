/**
 * Argument checks and small conversions shared by the `bpf()` commands.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import type { FD } from './fd.js';

const U32_MAX = 0xffff_ffff;

/**
 * Checks that `value` fits a `__u32` field.
 *
 * @throws {@link TsbpfError} naming `what` otherwise.
 */
export function checkU32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new TsbpfError(`${what}: not a u32: ${value}`);
  }
}

/** The descriptor number of an {@link FD} or a plain number. */
export function rawFd(fd: FD | number): number {
  return typeof fd === 'number' ? fd : fd.raw;
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** The text of a NUL-terminated buffer. */
export function cString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return utf8.decode(end < 0 ? buffer : buffer.subarray(0, end));
}

/** `text` as a NUL-terminated buffer. */
export function toCString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * Writes an object name into a `char[16]` field: at most 15 bytes, keeping only the characters
 * the kernel accepts in map and program names (letters, digits, `_` and `.`).
 */
export function objectName(name: string): Uint8Array {
  const kept = name.replace(/[^A-Za-z0-9_.]/g, '').slice(0, 15);
  const out = new Uint8Array(16);
  out.set(encoder.encode(kept));
  return out;
}
