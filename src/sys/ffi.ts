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

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /**
   * `perf_event_open(&attr, pid, cpu, group_fd, flags)`. Optional: a fake without it makes the
   * callers throw {@link NotSupportedError}.
   */
  perfEventOpen?(attr: StructBuffer, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** `ioctl(fd, request, arg)` with an integer argument. Optional, as {@link SyscallImpl.perfEventOpen}. */
  ioctl?(fd: number, request: number, arg: number): number;
  /**
   * `mmap(NULL, length, prot, MAP_SHARED, fd, offset)`: the mapping, or `-errno`. Optional, as
   * {@link SyscallImpl.perfEventOpen}.
   */
  mmap?(fd: number, length: number, prot: number, offset: number): Mapping | number;
  /**
   * `poll()` for readability of `fds`, run off the JavaScript thread so that waiting never blocks
   * the event loop: resolves to the count of ready descriptors (0 on timeout) or `-errno`.
   * Optional: without it, readers poll their memory on a timer.
   */
  waitReadable?(fds: readonly number[], timeoutMs: number): Promise<number>;
  /**
   * `setsockopt(fd, level, name, value, value.length)`: what socket filters attach through.
   * Optional, as {@link SyscallImpl.perfEventOpen}.
   */
  setsockopt?(fd: number, level: number, name: number, value: Uint8Array): number;
  /** `sysconf(_SC_PAGESIZE)`. Optional: callers read the page size elsewhere first. */
  pageSize?(): number;
}

/** Shared memory mapped from a descriptor (a ring buffer, a perf buffer). */
export interface Mapping {
  /** The mapped bytes, in place (no copy). Unusable after `unmap()`. */
  readonly buffer: ArrayBuffer;
  /** `munmap()`; returns 0 or `-errno`. Calling it again does nothing. */
  unmap(): number;
}

/** `mmap` protections. */
export const Prot = { READ: 1, WRITE: 2 } as const;

/** `__NR_perf_event_open` for a Node.js `process.arch`, or `undefined` where tsbpf does not know it. */
export function perfEventOpenSyscallNumber(arch: string): number | undefined {
  switch (arch) {
    case 'x64':
      return 298;
    case 'arm64':
      return 241;
    default:
      return undefined;
  }
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
type PerfFn = (nr: number, attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number) => number;
type IoctlFn = (fd: number, request: number, arg: number) => number;
type MmapFn = (addr: null, length: number, prot: number, flags: number, fd: number, offset: number) => unknown;
type MunmapFn = (addr: unknown, length: number) => number;
type SetsockoptFn = (fd: number, level: number, name: number, value: Uint8Array, length: number) => number;
type SysconfFn = (name: number) => number;
type PollFn = ((fds: Uint8Array, n: number, timeout: number) => number) & {
  async(fds: Uint8Array, n: number, timeout: number, done: (err: unknown, r: number) => void): void;
};

const MAP_SHARED = 1;
/** glibc's `_SC_PAGESIZE` on Linux. */
const SC_PAGESIZE = 30;
const POLLIN = 1;

class NativeSyscalls implements SyscallImpl {
  readonly #koffi: Koffi;
  readonly #syscall: SyscallFn;
  readonly #close: CloseFn;
  readonly #nr: number;
  #perf: PerfFn | undefined;
  #ioctl: IoctlFn | undefined;
  #mmap: MmapFn | undefined;
  #munmap: MunmapFn | undefined;
  #poll: PollFn | undefined;
  #setsockopt: SetsockoptFn | undefined;
  #sysconf: SysconfFn | undefined;
  readonly #libc: ReturnType<Koffi['load']>;

  constructor() {
    if (process.platform !== 'linux') {
      throw new NotSupportedError(`bpf(): needs Linux, this is ${process.platform}`);
    }
    const nr = bpfSyscallNumber(process.arch);
    if (nr === undefined) {
      throw new NotSupportedError(`bpf(): syscall number unknown for architecture ${process.arch}`);
    }
    this.#nr = nr;
    const koffi = loadKoffi();
    this.#koffi = koffi;
    const libc = koffi.load('libc.so.6');
    this.#libc = libc;
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

  perfEventOpen(attr: StructBuffer, pid: number, cpu: number, groupFd: number, flags: number): number {
    const nr = perfEventOpenSyscallNumber(process.arch);
    if (nr === undefined) throw new NotSupportedError(`perf_event_open(): syscall number unknown for ${process.arch}`);
    this.#perf ??= this.#libc.func(
      'long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)',
    ) as PerfFn;
    this.#resolvePointers(attr);
    const r = this.#perf(nr, attr.bytes, pid, cpu, groupFd, flags);
    return r < 0 ? -this.#koffi.errno() : r;
  }

  ioctl(fd: number, request: number, arg: number): number {
    // ioctl() is variadic; one integer argument travels as a fixed one would (see syscall above).
    this.#ioctl ??= this.#libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)') as IoctlFn;
    const r = this.#ioctl(fd, request, arg);
    return r < 0 ? -this.#koffi.errno() : r;
  }

  mmap(fd: number, length: number, prot: number, offset: number): Mapping | number {
    this.#mmap ??= this.#libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as MmapFn;
    this.#munmap ??= this.#libc.func('int munmap(void *addr, size_t length)') as MunmapFn;
    const ptr = this.#mmap(null, length, prot, MAP_SHARED, fd, offset);
    if (ptr === null || this.#koffi.address(ptr) === 0xffff_ffff_ffff_ffffn) return -this.#koffi.errno();
    const buffer = this.#koffi.view(ptr, length);
    const munmap = this.#munmap;
    const koffi = this.#koffi;
    let mapped = true;
    return {
      buffer,
      unmap(): number {
        if (!mapped) return 0;
        mapped = false;
        const r = munmap(ptr, length);
        return r < 0 ? -koffi.errno() : r;
      },
    };
  }

  waitReadable(fds: readonly number[], timeoutMs: number): Promise<number> {
    this.#poll ??= this.#libc.func('int poll(void *fds, unsigned long nfds, int timeout)') as PollFn;
    // struct pollfd { int fd; short events; short revents; }
    const pollfds = new Uint8Array(fds.length * 8);
    const view = new DataView(pollfds.buffer);
    fds.forEach((fd, i) => {
      view.setInt32(i * 8, fd, true);
      view.setInt16(i * 8 + 4, POLLIN, true);
    });
    const poll = this.#poll;
    const koffi = this.#koffi;
    return new Promise((resolve) => {
      poll.async(pollfds, fds.length, timeoutMs, (err, r) => {
        if (err !== null && err !== undefined) resolve(-4);
        else resolve(r < 0 ? -koffi.errno() : r);
      });
    });
  }

  setsockopt(fd: number, level: number, name: number, value: Uint8Array): number {
    this.#setsockopt ??= this.#libc.func(
      'int setsockopt(int fd, int level, int name, const void *value, unsigned int length)',
    ) as SetsockoptFn;
    const r = this.#setsockopt(fd, level, name, value, value.byteLength);
    return r < 0 ? -this.#koffi.errno() : r;
  }

  pageSize(): number {
    this.#sysconf ??= this.#libc.func('long sysconf(int name)') as SysconfFn;
    return this.#sysconf(SC_PAGESIZE);
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

/** The musl dynamic loader of each architecture koffi has a Linux prebuilt for. */
const MUSL_LOADER: Readonly<Record<string, string>> = {
  x64: '/lib/ld-musl-x86_64.so.1',
  arm64: '/lib/ld-musl-aarch64.so.1',
};

/**
 * koffi. Its entry point spends about 5 ms of a cold process's CPU before the native module is
 * even loaded (which takes 1 ms): it reads the ELF program headers of Node's own binary to tell
 * glibc from musl, probes several paths and wraps deprecated functions, as much CPU as a first
 * program load's relocations. koffi's API is its native module's (the entry only adds those
 * deprecated aliases), so on glibc Linux the prebuilt of npm's layout (koffi's optional
 * dependency `@koromix/koffi-linux-<arch>`, `linux_<arch>/koffi.node`) is loaded directly when it
 * is koffi's own version; anything else (musl, another layout, a mismatch) goes through koffi's
 * entry as before.
 */
function loadKoffi(): Koffi {
  const musl = MUSL_LOADER[process.arch];
  if (process.platform === 'linux' && musl !== undefined && !existsSync(musl)) {
    try {
      const native = loadPrebuilt(process.arch);
      if (native !== undefined) return native;
    } catch {
      // Not npm's layout: koffi's entry finds its module.
    }
  }
  return createRequire(import.meta.url)('koffi') as Koffi;
}

/**
 * koffi's prebuilt native module for `arch` where npm puts it, loaded with `process.dlopen`, or
 * `undefined` when it is not there or not koffi's version. The directories are looked up as
 * Node's resolution would find them in npm's layout (the nearest `node_modules/koffi` up from
 * here, the prebuilt nested in it or beside it) rather than asked of `require.resolve`: the
 * first resolution of a process runs Node's module resolver cold, 2 ms of CPU in a first
 * program load, for three `stat`s' worth of answer.
 */
function loadPrebuilt(arch: string): Koffi | undefined {
  let koffiDir: string | undefined;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'koffi');
    if (existsSync(join(candidate, 'package.json'))) {
      koffiDir = candidate;
      break;
    }
    if (dirname(dir) === dir) return undefined;
  }
  const version = (JSON.parse(readFileSync(join(koffiDir, 'package.json'), 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string') return undefined;
  const prebuilt = `koffi-linux-${arch}`;
  const file = [join(koffiDir, 'node_modules', '@koromix', prebuilt), join(dirname(koffiDir), '@koromix', prebuilt)]
    .map((dir) => join(dir, `linux_${arch}`, 'koffi.node'))
    .find((f) => existsSync(f));
  if (file === undefined) return undefined;
  const module = { exports: {} as Koffi };
  process.dlopen(module, file);
  return module.exports.version === version ? module.exports : undefined;
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
