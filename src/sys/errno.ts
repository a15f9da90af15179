/**
 * Linux errno numbers, their symbolic codes, and the {@link KernelError} a failed `bpf()` turns
 * into. The numbers are the asm-generic ones shared by x86_64 and aarch64.
 *
 * @module
 */

import { KernelError } from '../errors.js';

/** Errno values tsbpf reacts to or explains. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  ELOOP: 40,
  EOVERFLOW: 75,
  ENOTSOCK: 88,
  EOPNOTSUPP: 95,
  /** Kernel-internal "not supported" that leaks out of some `bpf()` paths. */
  ENOTSUPP: 524,
} as const;

const codes = new Map<number, string>(Object.entries(Errno).map(([code, n]) => [n, code]));

/** The symbolic code of an errno number (`EPERM`), or `E<number>` when unknown. */
export function errnoCode(errno: number): string {
  return codes.get(errno) ?? `E${errno}`;
}

/** What went wrong, in words, for an errno returned by `command`. */
export function describeErrno(command: string, errno: number): string {
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      // Root lacks no capability, so the refusal is the kernel's policy, not a missing privilege.
      return process.geteuid?.() === 0
        ? "operation not permitted, although running as root: the kernel's policy refuses it (lockdown, an LSM such as SELinux, seccomp; for tracing programs, a kernel that allows no BPF trampolines)"
        : 'operation not permitted: needs root or CAP_BPF (and CAP_SYS_ADMIN for some commands, such as walking or opening objects by ID)';
    case Errno.ENOENT:
      return 'no such object (the ID or name does not exist, or is already gone)';
    case Errno.E2BIG:
      return `argument too big for ${command} (or the attr uses fields this kernel does not know)`;
    case Errno.EINVAL:
      return `the kernel rejected the arguments of ${command}`;
    case Errno.ENOSPC:
      return 'a user buffer (such as the log buffer) is too small for what the kernel has to write';
    case Errno.EBADF:
      return 'not an open file descriptor';
    case Errno.ENOTSOCK:
      return 'the file descriptor is not a socket';
    case Errno.EFAULT:
      return 'the kernel could not access a buffer passed by pointer';
    case Errno.ENOMEM:
      return 'out of kernel memory (or, before Linux 5.11, the RLIMIT_MEMLOCK limit)';
    case Errno.EMFILE:
    case Errno.ENFILE:
      return 'too many open files';
    case Errno.ENOSYS:
      return 'bpf() is not available (kernel built without CONFIG_BPF_SYSCALL)';
    case Errno.EOPNOTSUPP:
    case Errno.ENOTSUPP:
      return `${command} is not supported by this kernel`;
    case Errno.EAGAIN:
      return 'resource temporarily unavailable, try again';
    case Errno.EINTR:
      return 'interrupted by a signal';
    default:
      return 'system call failed';
  }
}

/** Extra context for {@link kernelError}. */
export interface KernelErrorContext {
  /** Detail that replaces the generic description of the errno. */
  detail?: string;
  /** What the call was about (such as `BTF ID 7`), appended to the description. */
  subject?: string;
  /** The kernel's log (BTF or verifier), when one was collected. */
  log?: string;
}

/**
 * The {@link KernelError} for `command` failing with `errno`: symbolic code, a description of
 * the likely cause, and the kernel's log when there is one.
 */
export function kernelError(command: string, errno: number, context: KernelErrorContext = {}): KernelError {
  const base = context.detail ?? describeErrno(command, errno);
  const detail = context.subject !== undefined ? `${base} (${context.subject})` : base;
  return new KernelError(command, errno, errnoCode(errno), detail, context.log);
}
