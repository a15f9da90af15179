/**
 * The one door to the kernel: libc's `syscall(2)` and `close(2)` through koffi.
 *
 * Every system call tsbpf makes goes through the {@link SyscallImpl} installed here. The native
 * implementation is created on first use (koffi and libc are loaded then, not at import), and
 * {@link setSyscallImpl} swaps in another one, so the layers above can be exercised with a fake
 * `bpf()` that needs neither root nor a kernel.
 *
 * @module
 */

import { createRequire } from 'node:module';
import { NotSupportedError } from '../errors.js';
import type { BpfAttr, Pointee } from './attr.js';
import { StructBuffer } from './attr.js';

type Koffi = typeof import('koffi');

/**
 * What tsbpf needs from the kernel. Results follow the raw kernel convention: a non-negative
 * value on success, `-errno` on failure (implementations never throw for a failed call).
 */
export interface SyscallImpl {
  /**
   * `bpf(attr.cmd, &attr, attr.size)`. Pointer fields recorded with `setPointer` must reach the
   * kernel as the addresses of their targets; output fields are written back into `attr.bytes`.
   */
  bpf(attr: BpfAttr): number;
  /** `close(fd)`. */
  close(fd: number): number;
}

/** `__NR_bpf` for a Node.js `process.arch`, or `undefined` where tsbpf does not know it. */
export function bpfSyscallNumber(arch: string): number | undefined {
  switch (arch) {
    case 'x64':
      return 321;
    case 'arm64':
      return 280;
    default:
      return undefined;
  }
}

type SyscallFn = (nr: number, cmd: number, attr: Uint8Array, size: number) => number;
type CloseFn = (fd: number) => number;

class NativeSyscalls implements SyscallImpl {
  readonly #koffi: Koffi;
  readonly #syscall: SyscallFn;
  readonly #close: CloseFn;
  readonly #nr: number;

  constructor() {
    if (process.platform !== 'linux') {
      throw new NotSupportedError(`bpf(): needs Linux, this is ${process.platform}`);
    }
    const nr = bpfSyscallNumber(process.arch);
    if (nr === undefined) {
      throw new NotSupportedError(`bpf(): syscall number unknown for architecture ${process.arch}`);
    }
    this.#nr = nr;
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    this.#koffi = koffi;
    const libc = koffi.load('libc.so.6');
    // syscall() is variadic in C. On x86_64 and aarch64 Linux, integer and pointer arguments of
    // a variadic call travel in the same registers as fixed ones, and glibc's syscall() only
    // moves registers, so a fixed prototype is exact there (and cheaper to call than the
    // variadic form). The attr is passed as a typed array: koffi hands C its memory in place.
    this.#syscall = libc.func('long syscall(long nr, long cmd, void *attr, unsigned long size)') as SyscallFn;
    this.#close = libc.func('int close(int fd)') as CloseFn;
  }

  bpf(attr: BpfAttr): number {
    this.#resolvePointers(attr);
    const r = this.#syscall(this.#nr, attr.cmd, attr.bytes, attr.size);
    return r < 0 ? -this.#koffi.errno() : r;
  }

  close(fd: number): number {
    const r = this.#close(fd);
    return r < 0 ? -this.#koffi.errno() : r;
  }

  /** Writes the address of every pointer target (depth first, so nested structs are ready). */
  #resolvePointers(struct: StructBuffer): void {
    for (const [offset, target] of struct.pointers()) {
      struct.setU64(offset, this.#address(target));
    }
  }

  #address(target: Pointee): bigint {
    if (target instanceof StructBuffer) {
      this.#resolvePointers(target);
      return this.#koffi.address(target.bytes);
    }
    return this.#koffi.address(target);
  }
}

let native: SyscallImpl | undefined;
let current: SyscallImpl | undefined;

/** The native implementation (koffi + libc), created on first call. */
export function nativeSyscallImpl(): SyscallImpl {
  native ??= new NativeSyscalls();
  return native;
}

/** The implementation system calls go through right now (the native one unless replaced). */
export function syscallImpl(): SyscallImpl {
  return current ?? nativeSyscallImpl();
}

/**
 * Replaces the implementation every system call goes through; `undefined` restores the native
 * one. Returns the previous replacement (or `undefined` if none was installed), for restoring.
 */
export function setSyscallImpl(impl: SyscallImpl | undefined): SyscallImpl | undefined {
  const previous = current;
  current = impl;
  return previous;
}
