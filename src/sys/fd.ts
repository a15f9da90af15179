/**
 * Owned file descriptors.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { type SyscallImpl, syscallImpl } from './ffi.js';

interface Held {
  fd: number;
  impl: SyscallImpl;
}

/**
 * Closes descriptors whose {@link FD} was garbage-collected without `close()`. A safety net
 * only: collection time is unpredictable, so callers should close what they open.
 */
const leaked = new FinalizationRegistry<Held>((held) => {
  held.impl.close(held.fd);
});

/**
 * A file descriptor owned by tsbpf (a BTF object, a map, a program...). `close()` releases it;
 * one that is dropped without being closed is closed when it is garbage-collected.
 */
export class FD {
  #fd: number;
  readonly #impl: SyscallImpl;

  /**
   * Takes ownership of `fd`.
   *
   * @param fd - a non-negative descriptor number.
   * @param impl - the syscall implementation that opened it (and will close it).
   */
  constructor(fd: number, impl: SyscallImpl = syscallImpl()) {
    if (!Number.isInteger(fd) || fd < 0) {
      throw new TsbpfError(`FD: not a file descriptor: ${fd}`);
    }
    this.#fd = fd;
    this.#impl = impl;
    leaked.register(this, { fd, impl }, this);
  }

  /** The descriptor number. Throws once the descriptor is closed. */
  get raw(): number {
    if (this.#fd < 0) {
      throw new TsbpfError('FD: used after close()');
    }
    return this.#fd;
  }

  /** Same as {@link FD.raw}. */
  get value(): number {
    return this.raw;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Closes the descriptor. Calling it again does nothing. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    leaked.unregister(this);
    // close(2) releases the descriptor even when it reports an error (EINTR, EIO), so there is
    // nothing to retry and nothing useful to throw.
    this.#impl.close(fd);
  }

  /** `fd N` or `fd (closed)`. */
  toString(): string {
    return this.#fd < 0 ? 'fd (closed)' : `fd ${this.#fd}`;
  }
}
