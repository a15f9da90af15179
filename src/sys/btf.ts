/**
 * BTF objects in the kernel: walking their IDs, opening them, reading their info and raw blob,
 * and loading new ones.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { BpfAttr, BpfCommand, BtfInfoLayout, BtfLoadAttr, GetIdAttr, InfoAttr, StructBuffer } from './attr.js';
import { bpf, bpfError, tryBpf } from './bpf.js';
import { Errno } from './errno.js';
import { FD } from './fd.js';
import { syscallImpl } from './ffi.js';
import { objectIds } from './object-ids.js';

const U32_MAX = 0xffff_ffff;

function checkU32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new TsbpfError(`${what}: not a u32: ${value}`);
  }
}

/**
 * The ID of the first BTF object loaded in the kernel whose ID is greater than `start`, or
 * `undefined` when there is none. `BPF_BTF_GET_NEXT_ID`; needs CAP_SYS_ADMIN.
 *
 * @throws {@link KernelError} for any failure other than reaching the end.
 */
export function btfGetNextId(start = 0): number | undefined {
  return nextId(new BpfAttr(BpfCommand.BPF_BTF_GET_NEXT_ID, GetIdAttr.size), start);
}

function nextId(attr: BpfAttr, start: number): number | undefined {
  checkU32('BPF_BTF_GET_NEXT_ID start', start);
  attr.setU32(GetIdAttr.id, start).setU32(GetIdAttr.nextId, 0);
  const r = tryBpf(attr);
  if (r.ok) return attr.u32(GetIdAttr.nextId);
  if (r.errno === Errno.ENOENT) return undefined;
  throw bpfError(attr, r.errno, { subject: `after BTF ID ${start}` });
}

/** Every BTF object ID loaded in the kernel, in increasing order (vmlinux first). */
export function btfIds(): Generator<number, void, undefined> {
  return objectIds('btf');
}

/**
 * Opens the BTF object with this ID. `BPF_BTF_GET_FD_BY_ID`; needs CAP_SYS_ADMIN.
 *
 * @throws {@link KernelError} `ENOENT` when no such object exists.
 */
export function btfGetFdById(id: number): FD {
  checkU32('BPF_BTF_GET_FD_BY_ID id', id);
  const attr = new BpfAttr(BpfCommand.BPF_BTF_GET_FD_BY_ID, GetIdAttr.size).setU32(GetIdAttr.id, id);
  const impl = syscallImpl();
  const fd = bpf(attr, { subject: `BTF ID ${id}` });
  return new FD(fd, impl);
}

/** What the kernel reports about a BTF object (`struct bpf_btf_info`). */
export interface BtfObjectInfo {
  /** The object's ID. */
  id: number;
  /** `vmlinux`, a module name, or `''` for BTF loaded from user space. */
  name: string;
  /** Size of the raw BTF blob in bytes. */
  size: number;
  /** Whether this is kernel BTF (vmlinux or a module's) rather than loaded by a process. */
  kernelBtf: boolean;
  /** The raw blob, when asked for (for module BTF: split BTF, on top of vmlinux). */
  data?: Uint8Array;
}

/** Options of {@link btfInfo}. */
export interface BtfInfoOptions {
  /** Also copy out the raw BTF blob. */
  withData?: boolean;
}

/**
 * Information about the BTF object behind `fd`, optionally with its raw blob.
 * `BPF_OBJ_GET_INFO_BY_FD`, called once to learn the sizes and once more with buffers.
 */
export function btfInfo(fd: FD | number, options: BtfInfoOptions = {}): BtfObjectInfo {
  const raw = typeof fd === 'number' ? fd : fd.raw;
  const subject = `BTF fd ${raw}`;
  const info = new StructBuffer(BtfInfoLayout.size);
  const attr = new BpfAttr(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, InfoAttr.size)
    .setU32(InfoAttr.bpfFd, raw)
    .setU32(InfoAttr.infoLen, info.size)
    .setPointer(InfoAttr.info, info);
  bpf(attr, { subject });

  const size = info.u32(BtfInfoLayout.btfSize);
  const nameLen = info.u32(BtfInfoLayout.nameLen);
  // Kernels before 5.11 know only btf/btf_size/id and report a shorter info_len; sending them
  // a name buffer would be rejected, and they have no names to give.
  const hasNames = attr.u32(InfoAttr.infoLen) >= BtfInfoLayout.size;
  const result: BtfObjectInfo = {
    id: info.u32(BtfInfoLayout.id),
    name: '',
    size,
    kernelBtf: hasNames && info.u32(BtfInfoLayout.kernelBtf) !== 0,
  };
  const wantName = hasNames && nameLen > 0;
  if (!options.withData && !wantName) return result;

  const data = options.withData ? new Uint8Array(size) : undefined;
  const name = wantName ? new Uint8Array(nameLen + 1) : undefined;
  const second = new StructBuffer(BtfInfoLayout.size)
    .setPointer(BtfInfoLayout.btf, data)
    .setU32(BtfInfoLayout.btfSize, data?.byteLength ?? 0)
    .setPointer(BtfInfoLayout.name, name)
    .setU32(BtfInfoLayout.nameLen, name?.byteLength ?? 0);
  const attr2 = new BpfAttr(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, InfoAttr.size)
    .setU32(InfoAttr.bpfFd, raw)
    .setU32(InfoAttr.infoLen, second.size)
    .setPointer(InfoAttr.info, second);
  bpf(attr2, { subject });

  if (second.u32(BtfInfoLayout.btfSize) !== size || second.u32(BtfInfoLayout.id) !== result.id) {
    // A BTF object is immutable; a change means the fd now names something else.
    throw bpfError(attr2, Errno.EAGAIN, {
      detail: `BTF object changed between two calls (size ${size} -> ${second.u32(BtfInfoLayout.btfSize)})`,
      subject,
    });
  }
  if (name !== undefined) result.name = cString(name);
  if (data !== undefined) result.data = data;
  return result;
}

/** Options of {@link btfLoad}. */
export interface BtfLoadOptions {
  /**
   * Kernel log level for the load. With 0 (the default) the first attempt runs without a log
   * and, if it fails, is repeated with level 1 to collect the kernel's explanation.
   */
  logLevel?: number;
  /** Initial log buffer size in bytes (default 64 KiB); grown when the kernel needs more. */
  logSize?: number;
}

const DEFAULT_LOG_SIZE = 64 * 1024;
const MIN_LOG_SIZE = 128;
const MAX_LOG_SIZE = 16 * 1024 * 1024;

/**
 * Loads a BTF blob into the kernel. `BPF_BTF_LOAD`; needs CAP_BPF.
 *
 * @returns the new BTF object's fd.
 * @throws {@link KernelError} with the kernel's BTF log when the kernel rejects the blob.
 */
export function btfLoad(bytes: Uint8Array, options: BtfLoadOptions = {}): FD {
  const logLevel = options.logLevel ?? 0;
  checkU32('BPF_BTF_LOAD log level', logLevel);
  let logSize = Math.min(Math.max(options.logSize ?? DEFAULT_LOG_SIZE, MIN_LOG_SIZE), MAX_LOG_SIZE);
  checkU32('BPF_BTF_LOAD log size', logSize);
  const impl = syscallImpl();

  let firstErrno: number | undefined;
  if (logLevel === 0) {
    const attr = btfLoadAttr(bytes, 0, undefined);
    const r = tryBpf(attr);
    if (r.ok) return new FD(r.value, impl);
    if (r.errno === Errno.EPERM || r.errno === Errno.EACCES) throw bpfError(attr, r.errno);
    firstErrno = r.errno;
  }

  for (;;) {
    const log = new Uint8Array(logSize);
    const attr = btfLoadAttr(bytes, logLevel === 0 ? 1 : logLevel, log);
    const r = tryBpf(attr);
    if (r.ok) return new FD(r.value, impl);
    if (r.errno === Errno.ENOSPC && logSize < MAX_LOG_SIZE) {
      const trueSize = attr.u32(BtfLoadAttr.logTrueSize);
      logSize = Math.min(trueSize > logSize ? trueSize : logSize * 4, MAX_LOG_SIZE);
      continue;
    }
    // Kernels before 6.4 report neither the log's true size nor ENOSPC when the log does not
    // fit: the load's own error (EINVAL) comes back with a silently truncated log. A log that
    // fills the whole buffer there is grown and retried.
    const end = log.indexOf(0);
    const filled = end === -1 || end >= logSize - 1;
    if (filled && attr.u32(BtfLoadAttr.logTrueSize) === 0 && logSize < MAX_LOG_SIZE) {
      logSize = Math.min(logSize * 4, MAX_LOG_SIZE);
      continue;
    }
    let text = cString(log);
    const truncated = r.errno === Errno.ENOSPC;
    if (truncated) text += `\n[log truncated at ${logSize} bytes]`;
    const errno = firstErrno ?? r.errno;
    const detail =
      truncated && firstErrno === undefined
        ? `log buffer of ${logSize} bytes too small for the kernel's BTF log`
        : errno === Errno.EINVAL
          ? "the kernel rejected the BTF blob (see the kernel's log)"
          : undefined;
    throw bpfError(attr, errno, {
      ...(detail !== undefined ? { detail } : {}),
      subject: `${bytes.byteLength} bytes of BTF`,
      log: text,
    });
  }
}

function btfLoadAttr(bytes: Uint8Array, logLevel: number, log: Uint8Array | undefined): BpfAttr {
  checkU32('BPF_BTF_LOAD size', bytes.byteLength);
  return new BpfAttr(BpfCommand.BPF_BTF_LOAD, BtfLoadAttr.size)
    .setPointer(BtfLoadAttr.btf, bytes)
    .setU32(BtfLoadAttr.btfSize, bytes.byteLength)
    .setPointer(BtfLoadAttr.logBuf, log)
    .setU32(BtfLoadAttr.logSize, log?.byteLength ?? 0)
    .setU32(BtfLoadAttr.logLevel, log !== undefined ? logLevel : 0);
}

const utf8 = new TextDecoder();

/** The text of a NUL-terminated buffer. */
function cString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return utf8.decode(end < 0 ? buffer : buffer.subarray(0, end));
}
