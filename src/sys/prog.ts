/**
 * `BPF_PROG_LOAD`: a program into the kernel, with the verifier log collected on failure.
 *
 * @module
 */

import { VerifierError } from '../errors.js';
import { BpfAttr, BpfCommand, ProgLoadAttr } from './attr.js';
import { type BpfResult, bpfError, tryBpf } from './bpf.js';
import { Errno, errnoCode } from './errno.js';
import { FD } from './fd.js';
import { syscallImpl } from './ffi.js';
import { checkU32, cString, objectName, rawFd, toCString } from './u32.js';

/** What `BPF_PROG_LOAD` needs. */
export interface ProgLoadOptions {
  /** `BPF_PROG_TYPE_*`. */
  type: number;
  /** The instructions, encoded (8 bytes a slot, host byte order). */
  instructions: Uint8Array;
  /** License string (`GPL` to call GPL-only helpers). */
  license: string;
  /** Program name (sanitized to the kernel's 15 characters); also names it in errors. */
  name?: string;
  expectedAttachType?: number;
  /** `kern_version` (only kprobes on kernels before 5.0 check it). */
  kernVersion?: number;
  /** `BPF_F_*` program flags. */
  flags?: number;
  /** The program's BTF object (needed for func_info and line_info). */
  btfFd?: FD | number;
  /** Packed `bpf_func_info` records. */
  funcInfo?: Uint8Array;
  funcInfoRecSize?: number;
  /** Packed `bpf_line_info` records. */
  lineInfo?: Uint8Array;
  lineInfoRecSize?: number;
  /** BTF ID of the attach target (fentry/fexit/tp_btf/lsm/iter/ext). */
  attachBtfId?: number;
  /** BTF object holding the target: a module's BTF fd; unset for vmlinux. */
  attachBtfObjFd?: FD | number;
  /** For freplace and tracing of programs: the target program. */
  attachProgFd?: FD | number;
  /** Descriptors the instructions index (module BTF for kfunc calls: slot = the call's `off`). */
  fdArray?: readonly number[];
  /** Kernel log level; with 0 the log is collected only after a failure, at level 1. */
  logLevel?: number;
  /** Initial log size in bytes (default 256 KiB); grown when the kernel needs more. */
  logSize?: number;
}

/** A successful load. */
export interface ProgLoadResult {
  fd: FD;
  /** The verifier log when `logLevel` was non-zero. */
  log: string | undefined;
}

const DEFAULT_LOG_SIZE = 256 * 1024;
/**
 * How often one load is tried when the kernel answers EAGAIN: the verifier gives up with EAGAIN
 * when a signal is pending (a profiler's SIGPROF, a timer), which says nothing about the program.
 */
const EAGAIN_ATTEMPTS = 5;
const MAX_LOG_SIZE = 64 * 1024 * 1024;

/**
 * Loads a program. `BPF_PROG_LOAD`. A refused program is retried with a log buffer (grown until
 * the whole log fits) so that the error carries the verifier's explanation.
 *
 * @throws {@link VerifierError} when the verifier rejects the program (message: the log's last
 *   lines; `log`: all of it); {@link KernelError} for other failures (EPERM, E2BIG...).
 */
export function progLoad(options: ProgLoadOptions): ProgLoadResult {
  const insnCount = options.instructions.byteLength / 8;
  checkU32('program instruction count', insnCount);
  const logLevel = options.logLevel ?? 0;
  let logSize = Math.min(Math.max(options.logSize ?? DEFAULT_LOG_SIZE, 1024), MAX_LOG_SIZE);
  const impl = syscallImpl();
  const license = toCString(options.license);
  const fdArray = options.fdArray !== undefined && options.fdArray.length > 0 ? fdArrayBytes(options.fdArray) : undefined;
  const name = options.name ?? 'program';

  const build = (log: Uint8Array | undefined, level: number): BpfAttr => {
    const attr = new BpfAttr(BpfCommand.BPF_PROG_LOAD, ProgLoadAttr.size)
      .setU32(ProgLoadAttr.progType, options.type)
      .setU32(ProgLoadAttr.insnCnt, insnCount)
      .setPointer(ProgLoadAttr.insns, options.instructions)
      .setPointer(ProgLoadAttr.license, license)
      .setU32(ProgLoadAttr.logLevel, log !== undefined ? level : 0)
      .setU32(ProgLoadAttr.logSize, log?.byteLength ?? 0)
      .setPointer(ProgLoadAttr.logBuf, log)
      .setU32(ProgLoadAttr.kernVersion, options.kernVersion ?? 0)
      .setU32(ProgLoadAttr.progFlags, options.flags ?? 0)
      .setU32(ProgLoadAttr.expectedAttachType, options.expectedAttachType ?? 0)
      .setU32(ProgLoadAttr.progBtfFd, options.btfFd === undefined ? 0 : rawFd(options.btfFd))
      .setU32(ProgLoadAttr.attachBtfId, options.attachBtfId ?? 0)
      .setPointer(ProgLoadAttr.fdArray, fdArray);
    if (options.name !== undefined) attr.bytes.set(objectName(options.name), ProgLoadAttr.progName);
    if (options.funcInfo !== undefined && options.funcInfo.byteLength > 0) {
      const size = options.funcInfoRecSize ?? 8;
      attr
        .setU32(ProgLoadAttr.funcInfoRecSize, size)
        .setPointer(ProgLoadAttr.funcInfo, options.funcInfo)
        .setU32(ProgLoadAttr.funcInfoCnt, options.funcInfo.byteLength / size);
    }
    if (options.lineInfo !== undefined && options.lineInfo.byteLength > 0) {
      const size = options.lineInfoRecSize ?? 16;
      attr
        .setU32(ProgLoadAttr.lineInfoRecSize, size)
        .setPointer(ProgLoadAttr.lineInfo, options.lineInfo)
        .setU32(ProgLoadAttr.lineInfoCnt, options.lineInfo.byteLength / size);
    }
    const attachFd = options.attachBtfObjFd ?? options.attachProgFd;
    if (attachFd !== undefined) attr.setU32(ProgLoadAttr.attachFd, rawFd(attachFd));
    return attr;
  };

  let firstErrno: number | undefined;
  if (logLevel === 0) {
    const attr = build(undefined, 0);
    const r = tryLoad(attr);
    if (r.ok) return { fd: new FD(r.value, impl), log: undefined };
    // The verifier refuses with EINVAL, EACCES, E2BIG, ENOTSUPP...; only a missing privilege
    // is certain to leave no log worth collecting.
    if (r.errno === Errno.EPERM) throw bpfError(attr, r.errno, { subject: `program ${name}` });
    firstErrno = r.errno;
  }
  for (;;) {
    const log = new Uint8Array(logSize);
    const attr = build(log, logLevel === 0 ? 1 : logLevel);
    const r = tryLoad(attr);
    const text = cString(log);
    if (r.ok) return { fd: new FD(r.value, impl), log: logLevel === 0 ? undefined : text };
    if (r.errno === Errno.ENOSPC && logSize < MAX_LOG_SIZE) {
      const trueSize = attr.u32(ProgLoadAttr.logTrueSize);
      logSize = Math.min(trueSize > logSize ? trueSize : logSize * 4, MAX_LOG_SIZE);
      continue;
    }
    const errno = firstErrno ?? r.errno;
    if (text.length === 0) throw bpfError(attr, errno, { subject: `program ${name}` });
    const truncated = r.errno === Errno.ENOSPC;
    const full = truncated ? `${text}\n[log truncated at ${logSize} bytes]` : text;
    throw new VerifierError(name, errno, errnoCode(errno), `rejected by the verifier: ${verifierSummary(text)}`, full);
  }
}

/** `BPF_PROG_LOAD`, tried again (up to {@link EAGAIN_ATTEMPTS} times in all) while the kernel answers EAGAIN. */
function tryLoad(attr: BpfAttr): BpfResult {
  let r = tryBpf(attr);
  for (let i = 1; i < EAGAIN_ATTEMPTS && !r.ok && r.errno === Errno.EAGAIN; i++) r = tryBpf(attr);
  return r;
}

function fdArrayBytes(fds: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(fds.length * 4);
  const view = new DataView(bytes.buffer);
  fds.forEach((fd, i) => {
    view.setInt32(i * 4, fd, true);
  });
  return bytes;
}

const NOISE = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|mark_precise|Func#|\s*$)/;

/**
 * The last meaningful lines of a verifier log, on one line: the error the verifier stopped at,
 * after the bookkeeping lines (`processed N insns`, `verification time`) are dropped.
 */
export function verifierSummary(log: string): string {
  const lines = log.split('\n').filter((l) => !NOISE.test(l));
  const tail = lines.slice(-2).map((l) => l.trim());
  return tail.length > 0 ? tail.join(' / ') : 'no log';
}
