/**
 * `BPF_PROG_TEST_RUN`: running a loaded program on given input.
 *
 * @module
 */

import { BpfAttr, BpfCommand, TestRunAttr } from './attr.js';
import { bpf } from './bpf.js';
import type { FD } from './fd.js';
import { checkU32, rawFd } from './u32.js';

/** Input of {@link progTestRun}. */
export interface TestRunOptions {
  /** Packet or input data. */
  data?: Uint8Array;
  /** Room for the output data (default: as large as `data`, plus 256 bytes for XDP growth). */
  dataOutSize?: number;
  /** Context (`struct __sk_buff`, `struct xdp_md`, syscall args...). */
  context?: Uint8Array;
  /** Room for the output context. */
  contextOutSize?: number;
  /** Runs (default 1). */
  repeat?: number;
  /** `BPF_F_TEST_*` flags. */
  flags?: number;
  /** CPU to run on (with `BPF_F_TEST_RUN_ON_CPU`). */
  cpu?: number;
}

/** What a test run returned. */
export interface TestRunResult {
  /** The program's return value. */
  retval: number;
  /** Mean run time in nanoseconds. */
  durationNs: number;
  /** Output data (the packet as the program left it). */
  data: Uint8Array;
  /** Output context, when room was given. */
  context: Uint8Array | undefined;
}

/**
 * Runs a loaded program once (or `repeat` times) on `data`. `BPF_PROG_TEST_RUN`; the program
 * types that support it are the networking ones, raw tracepoints, tracing (fentry...), syscall.
 *
 * @throws {@link KernelError} (`ENOTSUPP`/`EINVAL` for a type without test runs).
 */
export function progTestRun(fd: FD | number, options: TestRunOptions = {}): TestRunResult {
  const data = options.data;
  const outSize = options.dataOutSize ?? (data !== undefined ? data.byteLength + 256 : 0);
  checkU32('test run output size', outSize);
  const dataOut = outSize > 0 ? new Uint8Array(outSize) : undefined;
  const ctxOut =
    options.contextOutSize !== undefined && options.contextOutSize > 0 ? new Uint8Array(options.contextOutSize) : undefined;
  const attr = new BpfAttr(BpfCommand.BPF_PROG_TEST_RUN, TestRunAttr.size)
    .setU32(TestRunAttr.progFd, rawFd(fd))
    .setU32(TestRunAttr.dataSizeIn, data?.byteLength ?? 0)
    .setPointer(TestRunAttr.dataIn, data)
    .setU32(TestRunAttr.dataSizeOut, dataOut?.byteLength ?? 0)
    .setPointer(TestRunAttr.dataOut, dataOut)
    .setU32(TestRunAttr.repeat, options.repeat ?? 1)
    .setU32(TestRunAttr.ctxSizeIn, options.context?.byteLength ?? 0)
    .setPointer(TestRunAttr.ctxIn, options.context)
    .setU32(TestRunAttr.ctxSizeOut, ctxOut?.byteLength ?? 0)
    .setPointer(TestRunAttr.ctxOut, ctxOut)
    .setU32(TestRunAttr.flags, options.flags ?? 0)
    .setU32(TestRunAttr.cpu, options.cpu ?? 0);
  bpf(attr, { subject: `program fd ${rawFd(fd)}` });
  const written = attr.u32(TestRunAttr.dataSizeOut);
  return {
    retval: attr.u32(TestRunAttr.retval),
    durationNs: attr.u32(TestRunAttr.duration),
    data: dataOut === undefined ? new Uint8Array(0) : dataOut.subarray(0, Math.min(written, dataOut.byteLength)),
    context: ctxOut?.subarray(0, Math.min(attr.u32(TestRunAttr.ctxSizeOut), ctxOut.byteLength)),
  };
}
