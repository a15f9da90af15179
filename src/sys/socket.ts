/**
 * Socket options that attach programs to sockets: `SO_ATTACH_BPF` and `SO_DETACH_BPF` through
 * `setsockopt(2)`.
 *
 * @module
 */

import { KernelError, NotSupportedError } from '../errors.js';
import { describeErrno, errnoCode } from './errno.js';
import { syscallImpl } from './ffi.js';

/** `SOL_SOCKET`. */
export const SOL_SOCKET = 1;
/** `SO_ATTACH_BPF`: the value is a socket filter program's fd (an int). */
export const SO_ATTACH_BPF = 50;
/** `SO_DETACH_BPF` (the same number as `SO_DETACH_FILTER`): removes the socket's filter. */
export const SO_DETACH_BPF = 27;

/**
 * `setsockopt(fd, level, name, &value, 4)` with an int value.
 *
 * @throws {@link KernelError} when it fails (`ENOTSOCK` for an fd that is not a socket,
 *   `ENOENT` detaching from a socket without a filter); {@link NotSupportedError} when the
 *   installed syscall implementation has no setsockopt.
 */
export function setsockoptInt(fd: number, level: number, name: number, value: number, subject?: string): void {
  const impl = syscallImpl();
  if (impl.setsockopt === undefined)
    throw new NotSupportedError('setsockopt: not provided by the installed syscall implementation');
  const bytes = new Uint8Array(new Int32Array([value]).buffer); // an int in the host's byte order
  const r = impl.setsockopt(fd, level, name, bytes);
  if (r < 0) {
    throw new KernelError('setsockopt', -r, errnoCode(-r), describeErrno('setsockopt', -r), {
      ...(subject !== undefined ? { object: subject } : {}),
    });
  }
}
