/**
 * A loaded BPF program: loaded from instructions (with its BTF, func and line info, attach
 * target and fd array), test-run, pinned, closed.
 *
 * @module
 */

import { rmSync } from 'node:fs';
import type { Instruction } from '../asm/instruction.js';
import { encodeInstructions } from '../asm/instruction.js';
import { KernelError, NotSupportedError } from '../errors.js';
import type { RegistryView } from '../kernel/registry.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { type ProgInfo, progInfo } from '../sys/info.js';
import { objPin } from '../sys/pin.js';
import { progLoad } from '../sys/prog.js';
import { progTypeName, progTypeSince } from '../sys/prog-type.js';
import { progTestRun, type TestRunOptions, type TestRunResult } from '../sys/test-run.js';
import { findTarget, needsBtfTarget, type TargetRef } from './attach-target.js';
import { sharedKernelBtf } from './kernel-btf.js';

/** How to load a program. */
export interface ProgramOptions {
  /** Name (the kernel keeps 15 characters; errors use the whole name). */
  name: string;
  /** `BPF_PROG_TYPE_*` ({@link ProgType}). */
  type: number;
  /** `BPF_*` attach type (`AttachType`) the program is verified for (`expected_attach_type`); required by some types (fentry, lsm, cgroup hooks...). */
  expectedAttachType?: number;
  /** The instructions: decoded slots, or encoded bytes in host order. */
  instructions: readonly Instruction[] | Uint8Array;
  /** License (default `GPL`). */
  license?: string;
  /** `kern_version`: `LINUX_VERSION_CODE` checked by kprobes on old kernels (default 0). */
  kernelVersion?: number;
  /** `BPF_F_*` program flags. */
  flags?: number;
  /** The program's BTF object with its func and line info records. */
  btf?: { fd: FD; funcInfo?: Uint8Array; funcInfoRecSize?: number; lineInfo?: Uint8Array; lineInfoRecSize?: number };
  /**
   * Attach target for fentry/fexit/fmod_ret/tp_btf/lsm/iter: `function`, `module:function` or
   * `vmlinux:function` (found in vmlinux first, then the modules), or an ID already resolved.
   */
  attachTo?: string | { btfId: number; btfObj?: FD | number; object?: string; name?: string };
  /** For freplace and tracing of BPF programs: the target program. */
  attachProg?: FD;
  /** Descriptors the instructions index: module BTF fds for kfunc calls. */
  fdArray?: readonly number[];
  /**
   * Where attach targets are searched: a registry or one load's snapshot of it (default: the
   * process-wide registry).
   */
  registry?: Pick<RegistryView, 'findProgramTarget'>;
  /** Verifier log level (0: a log only when the load fails). */
  logLevel?: number;
  /** Initial verifier log buffer size in bytes (default 256 KiB, at least 1 KiB); grown up to 64 MiB when the log does not fit. */
  logSize?: number;
}

/** A loaded program. */
export class Program implements Disposable {
  /** The program's descriptor. */
  readonly fd: FD;
  /** Name as given at load (the kernel keeps 15 characters). */
  readonly name: string;
  /** `BPF_PROG_TYPE_*` ({@link ProgType}). */
  readonly type: number;
  /** The `BPF_*` attach type it was loaded with, if any. */
  readonly expectedAttachType: number | undefined;
  /** Where it attaches, for BTF-typed programs. */
  readonly target: TargetRef | undefined;
  /** The verifier log, when a log level was asked for. */
  readonly log: string | undefined;
  #pinnedAt: string | undefined;

  private constructor(fd: FD, options: ProgramOptions, target: TargetRef | undefined, log: string | undefined) {
    this.fd = fd;
    this.name = options.name;
    this.type = options.type;
    this.expectedAttachType = options.expectedAttachType;
    this.target = target;
    this.log = log;
  }

  /**
   * Loads a program.
   *
   * @throws {@link VerifierError} with the verifier log when it is rejected;
   *   {@link NotFoundError}/{@link AmbiguousError} for an attach target that is in no object or
   *   in several; {@link NotSupportedError} for a program type this kernel lacks;
   *   {@link KernelError} for other refusals.
   */
  static load(options: ProgramOptions): Program {
    const insns =
      options.instructions instanceof Uint8Array
        ? options.instructions
        : encodeInstructions(options.instructions, hostLittleEndian);
    let targetRef: TargetRef | undefined;
    let attachBtfId: number | undefined;
    let attachBtfObj: FD | number | undefined;
    let close: (() => void) | undefined;
    const at = options.attachTo;
    if (typeof at === 'string') {
      if (!needsBtfTarget(options.type, options.expectedAttachType)) {
        throw new NotSupportedError(
          `program ${options.name}: a ${progTypeName(options.type)} program has no BTF attach target (got '${at}')`,
        );
      }
      const t = findTarget(options.registry ?? sharedKernelBtf(), options.expectedAttachType, at);
      close = () => t.close();
      attachBtfId = t.typeId;
      if (t.object !== 'vmlinux') {
        // Never fd 0 for a module: 0 would make the kernel look the ID up in vmlinux.
        if (t.handle === undefined || t.fd === undefined || t.fd <= 0) {
          t.close();
          throw new KernelError(
            'BPF_PROG_LOAD',
            Errno.ENOENT,
            'ENOENT',
            `program ${options.name}: module ${t.object}'s BTF object is not open`,
          );
        }
        attachBtfObj = t.fd;
      }
      targetRef = { object: t.object, typeId: t.typeId, name: at };
    } else if (at !== undefined) {
      attachBtfId = at.btfId;
      attachBtfObj = at.btfObj;
      targetRef = { object: at.object ?? 'vmlinux', typeId: at.btfId, name: at.name ?? '' };
    }
    try {
      const r = progLoad({
        type: options.type,
        instructions: insns,
        license: options.license ?? 'GPL',
        name: options.name,
        ...(options.expectedAttachType !== undefined ? { expectedAttachType: options.expectedAttachType } : {}),
        kernVersion: options.kernelVersion ?? 0,
        flags: options.flags ?? 0,
        ...(options.btf !== undefined
          ? {
              btfFd: options.btf.fd,
              ...(options.btf.funcInfo !== undefined
                ? { funcInfo: options.btf.funcInfo, funcInfoRecSize: options.btf.funcInfoRecSize ?? 8 }
                : {}),
              ...(options.btf.lineInfo !== undefined
                ? { lineInfo: options.btf.lineInfo, lineInfoRecSize: options.btf.lineInfoRecSize ?? 16 }
                : {}),
            }
          : {}),
        ...(attachBtfId !== undefined ? { attachBtfId } : {}),
        ...(attachBtfObj !== undefined ? { attachBtfObjFd: attachBtfObj } : {}),
        ...(options.attachProg !== undefined ? { attachProgFd: options.attachProg } : {}),
        ...(options.fdArray !== undefined ? { fdArray: options.fdArray } : {}),
        logLevel: options.logLevel ?? 0,
        ...(options.logSize !== undefined ? { logSize: options.logSize } : {}),
      });
      return new Program(r.fd, options, targetRef, r.log);
    } catch (err) {
      if (
        err instanceof KernelError &&
        err.errno === Errno.EINVAL &&
        err.log === undefined &&
        progTypeSince[options.type] === undefined
      ) {
        throw new NotSupportedError(
          `program ${options.name}: program type ${options.type} unknown to tsbpf and refused by the kernel`,
          undefined,
        );
      }
      throw err;
    } finally {
      close?.();
    }
  }

  /**
   * Runs the program on `data` once (or `repeat` times). `BPF_PROG_TEST_RUN`.
   *
   * @throws {@link NotSupportedError} when this program type has no test runs; {@link KernelError} otherwise.
   */
  testRun(options: TestRunOptions = {}): TestRunResult {
    try {
      return progTestRun(this.fd, options);
    } catch (err) {
      if (err instanceof KernelError && (err.errno === Errno.ENOTSUPP || err.errno === Errno.EOPNOTSUPP)) {
        throw new NotSupportedError(
          `program ${this.name}: ${progTypeName(this.type)} programs have no BPF_PROG_TEST_RUN in this kernel`,
        );
      }
      throw err;
    }
  }

  /**
   * What the kernel reports about the program (ID, tag, map IDs, run statistics).
   *
   * @throws {@link KernelError} when it cannot be read.
   */
  info(): ProgInfo {
    return progInfo(this.fd);
  }

  /**
   * Pins the program at `path` in a bpffs mount.
   *
   * @throws {@link KernelError} (`EEXIST` when the path is taken).
   */
  pin(path: string): void {
    objPin(this.fd, path);
    this.#pinnedAt = path;
  }

  /** Removes the pin made by {@link Program.pin}. */
  unpin(): void {
    if (this.#pinnedAt === undefined) return;
    rmSync(this.#pinnedAt, { force: true });
    this.#pinnedAt = undefined;
  }

  /** Closes the program's descriptor (links keep the program alive while attached). */
  close(): void {
    this.fd.close();
  }

  /** Same as {@link Program.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `program NAME (TYPE)`. */
  toString(): string {
    return `program ${this.name} (${progTypeName(this.type)})`;
  }
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
