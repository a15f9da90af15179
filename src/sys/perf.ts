/**
 * `perf_event_open(2)` and the perf-event ioctls: the hooks kprobes, uprobes and tracepoints
 * attach through, and the per-CPU buffers of perf event arrays. Also the `mmap(2)` door shared
 * with ring buffers.
 *
 * @module
 */

import { KernelError, NotSupportedError } from '../errors.js';
import { StructBuffer } from './attr.js';
import { describeErrno, errnoCode } from './errno.js';
import { FD } from './fd.js';
import { type Mapping, syscallImpl } from './ffi.js';
import { rawFd, toCString } from './u32.js';

/** `struct perf_event_attr` fields tsbpf sets. */
export const PerfEventAttrLayout = {
  /** `type` (`__u32`: PMU type). */
  type: 0,
  /** `size` (`__u32`). */
  size: 4,
  /** `config` (`__u64`). */
  config: 8,
  /** `sample_period` / `sample_freq` (`__u64`). */
  samplePeriod: 16,
  /** `sample_type` (`__u64`). */
  sampleType: 24,
  /** The flag bits (`disabled`, `inherit`, ... `watermark` at bit 14) (`__u64`). */
  flags: 40,
  /** `wakeup_events` / `wakeup_watermark` (`__u32`). */
  wakeupEvents: 48,
  /** `config1` / `kprobe_func` / `uprobe_path` (`__u64`, a pointer for probes). */
  config1: 56,
  /** `config2` / `kprobe_addr` / `probe_offset` (`__u64`). */
  config2: 64,
  /** `sizeof(struct perf_event_attr)` as of `PERF_ATTR_SIZE_VER7`. */
  struct: 128,
} as const;

/** `PERF_TYPE_*` fixed PMU types. */
export const PerfType = { SOFTWARE: 1, TRACEPOINT: 2 } as const;

/** `PERF_COUNT_SW_BPF_OUTPUT`: the software event perf event arrays write into. */
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
/** `PERF_SAMPLE_RAW`. */
export const PERF_SAMPLE_RAW = 1 << 10;
/** `PERF_FLAG_FD_CLOEXEC`. */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

/** perf-event ioctl requests (x86_64/aarch64 encodings). */
export const PerfIoctl = {
  ENABLE: 0x2400,
  DISABLE: 0x2401,
  SET_BPF: 0x40042408,
} as const;

/** What {@link perfEventOpen} opens. */
export interface PerfEventOptions {
  /** PMU type (fixed, or a dynamic one such as kprobe's from sysfs). */
  type: number;
  config: bigint;
  /** `config1`: for kprobes/uprobes the function name or binary path (a C string pointer). */
  config1?: string | bigint;
  /** `config2`: for probes the address or offset. */
  config2?: bigint;
  samplePeriod?: bigint;
  sampleType?: bigint;
  /** Wake the reader after this many events. */
  wakeupEvents?: number;
  /** Start disabled. */
  disabled?: boolean;
  /** Process (-1 for all) and CPU (-1 for any). */
  pid?: number;
  cpu?: number;
  /** What errors name. */
  subject?: string;
}

function door<K extends 'perfEventOpen' | 'ioctl' | 'mmap'>(name: K) {
  const impl = syscallImpl();
  const fn = impl[name];
  if (fn === undefined) throw new NotSupportedError(`${name}: not provided by the installed syscall implementation`);
  return { impl, fn: fn.bind(impl) as NonNullable<(typeof impl)[K]> };
}

/**
 * Opens a perf event. `perf_event_open(2)` with `PERF_FLAG_FD_CLOEXEC`.
 *
 * @throws {@link KernelError} when the kernel refuses it (`ENOENT` for an unknown probe target).
 */
export function perfEventOpen(options: PerfEventOptions): FD {
  const { impl, fn } = door('perfEventOpen');
  const attr = new StructBuffer(PerfEventAttrLayout.struct)
    .setU32(PerfEventAttrLayout.type, options.type)
    .setU32(PerfEventAttrLayout.size, PerfEventAttrLayout.struct)
    .setU64(PerfEventAttrLayout.config, options.config)
    .setU64(PerfEventAttrLayout.samplePeriod, options.samplePeriod ?? 0n)
    .setU64(PerfEventAttrLayout.sampleType, options.sampleType ?? 0n)
    .setU64(PerfEventAttrLayout.flags, options.disabled ? 1n : 0n)
    .setU32(PerfEventAttrLayout.wakeupEvents, options.wakeupEvents ?? 0);
  if (typeof options.config1 === 'string') attr.setPointer(PerfEventAttrLayout.config1, toCString(options.config1));
  else attr.setU64(PerfEventAttrLayout.config1, options.config1 ?? 0n);
  attr.setU64(PerfEventAttrLayout.config2, options.config2 ?? 0n);
  const r = fn(attr, options.pid ?? -1, options.cpu ?? -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (r < 0) throw sysError('perf_event_open', -r, options.subject);
  return new FD(r, impl);
}

/**
 * `ioctl(fd, request, arg)`.
 *
 * @throws {@link KernelError} when it fails.
 */
export function ioctl(fd: FD | number, request: number, arg: number, subject?: string): number {
  const { fn } = door('ioctl');
  const r = fn(rawFd(fd), request, arg);
  if (r < 0) throw sysError('ioctl', -r, subject);
  return r;
}

/**
 * Maps `length` bytes of `fd` at `offset`, shared. `mmap(2)`.
 *
 * @throws {@link KernelError} when it fails.
 */
export function mmapFd(fd: FD | number, length: number, prot: number, offset = 0, subject?: string): Mapping {
  const { fn } = door('mmap');
  const r = fn(rawFd(fd), length, prot, offset);
  if (typeof r === 'number') throw sysError('mmap', -r, subject);
  return r;
}

function sysError(call: string, errno: number, subject: string | undefined): KernelError {
  const detail = describeErrno(call, errno);
  return new KernelError(call, errno, errnoCode(errno), subject !== undefined ? `${detail} (${subject})` : detail);
}
