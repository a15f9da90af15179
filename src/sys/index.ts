/**
 * The system-call layer (`tsbpf/sys`): the only part of tsbpf that talks to the kernel. Everything
 * above it (the kernel BTF registry, the CLI) goes through these functions, and every call they
 * make goes through one replaceable {@link SyscallImpl}.
 *
 * This is the public face of the folder: the commands a user may call directly, the descriptor
 * type, errno names, and the door for a fake `bpf()`. The attr layouts, the raw `bpf()` wrapper
 * and the error constructors are internal (import them from their own files inside tsbpf).
 *
 * @module
 */

export { type BpfAttr, BpfCommand, bpfCommandName, type StructBuffer } from './attr.js';
export {
  type BtfInfoOptions,
  type BtfLoadOptions,
  type BtfObjectInfo,
  btfGetFdById,
  btfGetNextId,
  btfIds,
  btfInfo,
  btfLoad,
} from './btf.js';
export { describeErrno, Errno, errnoCode } from './errno.js';
export { FD } from './fd.js';
export { nativeSyscallImpl, type SyscallImpl, setSyscallImpl } from './ffi.js';
