/**
 * The system-call layer: the only part of tsbpf that talks to the kernel. Everything above it
 * (the kernel BTF registry, the CLI) goes through these functions, and every call they make goes
 * through one replaceable {@link SyscallImpl}.
 *
 * @module
 */

export {
  BpfAttr,
  BpfCommand,
  BtfInfoLayout,
  BtfLoadAttr,
  bpfCommandName,
  GetIdAttr,
  InfoAttr,
  type Pointee,
  StructBuffer,
} from './attr.js';
export { type BpfResult, bpf, bpfError, tryBpf } from './bpf.js';
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
export { describeErrno, Errno, errnoCode, type KernelErrorContext, kernelError } from './errno.js';
export { FD } from './fd.js';
export { bpfSyscallNumber, nativeSyscallImpl, type SyscallImpl, setSyscallImpl, syscallImpl } from './ffi.js';
