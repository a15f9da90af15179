/**
 * Socket filters: a `BPF_PROG_TYPE_SOCKET_FILTER` program attached to one socket with
 * `SO_ATTACH_BPF`, seeing each packet the socket receives (and truncating or dropping it by its
 * return value). No bpf_link exists for this: closing the attachment detaches the program with
 * `SO_DETACH_BPF`.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { ProgType } from '../sys/prog-type.js';
import { SO_ATTACH_BPF, SO_DETACH_BPF, SOL_SOCKET, setsockoptInt } from '../sys/socket.js';
import type { AttachableProgram } from './link.js';

/** A socket filter attached to a socket; {@link SocketFilter.close} detaches it. */
export class SocketFilter implements Disposable {
  /** The socket's descriptor (owned by the caller, not closed here). */
  readonly socket: number;
  /** `socket filter PROG on fd N`, for messages. */
  readonly description: string;
  #attached = true;

  /** Use {@link attachSocketFilter}. */
  constructor(socket: number, description: string) {
    this.socket = socket;
    this.description = description;
  }

  /**
   * Detaches the program from the socket (`SO_DETACH_BPF`). Calling it again does nothing; a
   * socket already closed or given another filter since is left as it is.
   */
  close(): void {
    if (!this.#attached) return;
    this.#attached = false;
    try {
      setsockoptInt(this.socket, SOL_SOCKET, SO_DETACH_BPF, 0, this.description);
    } catch {
      // The socket is gone (EBADF, or another descriptor by now: ENOTSOCK) or has no filter (ENOENT).
    }
  }

  /** Same as {@link SocketFilter.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `socket filter ...`. */
  toString(): string {
    return this.description;
  }
}

/**
 * Attaches a socket filter program to the socket `socket` (a descriptor this process holds, as
 * a Node socket's), replacing any filter it had.
 *
 * @throws {@link TsbpfError} for a program that is not a socket filter; {@link KernelError} when
 *   the kernel refuses (`ENOTSOCK` for a descriptor that is not a socket, `EBADF` for none).
 */
export function attachSocketFilter(prog: AttachableProgram, socket: number): SocketFilter {
  if (prog.type !== ProgType.SOCKET_FILTER) {
    throw new TsbpfError(`program ${prog.name}: a socket filter must be of type socket_filter (it is type ${prog.type})`);
  }
  if (!Number.isInteger(socket) || socket < 0)
    throw new TsbpfError(`program ${prog.name}: socket fd ${socket} is not a descriptor`);
  const description = `socket filter ${prog.name} on fd ${socket}`;
  setsockoptInt(socket, SOL_SOCKET, SO_ATTACH_BPF, prog.fd.raw, description);
  return new SocketFilter(socket, description);
}
