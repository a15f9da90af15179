/**
 * A handle on one BTF object loaded in the kernel (vmlinux's, a module's, or one a process
 * loaded): its descriptor, what the kernel says about it, and its types on demand.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import { loadSpec, loadSplitSpec } from '../btf/spec.js';
import { inObject, KernelError, NotFoundError, TsbpfError } from '../errors.js';
import { type BtfObjectInfo, btfGetFdById, btfInfo } from '../sys/btf.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';

/** What the kernel reports about a BTF object, without its blob. */
export interface HandleInfo {
  /** The object's ID. */
  readonly id: number;
  /** `vmlinux`, a module name, or `''` for BTF loaded by a process. */
  readonly name: string;
  /** Size of the raw blob in bytes. */
  readonly size: number;
  /** Whether it is kernel BTF (vmlinux or a module's). */
  readonly kernelBtf: boolean;
}

/** The object named `vmlinux` with kernel BTF. */
export function isVmlinux(info: HandleInfo): boolean {
  return info.kernelBtf && info.name === 'vmlinux';
}

/** Kernel BTF of a module: split BTF on vmlinux. */
export function isModule(info: HandleInfo): boolean {
  return info.kernelBtf && info.name !== 'vmlinux' && info.name !== '';
}

/**
 * An open BTF object. The handle owns its descriptor: {@link Handle.close} releases it (and a
 * handle dropped without closing is closed when collected, as a safety net only).
 */
export class Handle {
  /** The descriptor (for `attach_btf_obj_fd` and the like). */
  readonly fd: FD;
  #info: HandleInfo | undefined;
  #spec: Spec | undefined;

  /** Takes ownership of `fd`, which must name a BTF object. */
  constructor(fd: FD, info?: HandleInfo) {
    this.fd = fd;
    this.#info = info;
  }

  /**
   * Opens the BTF object with this ID (`BPF_BTF_GET_FD_BY_ID`, needs CAP_SYS_ADMIN).
   * @throws {NotFoundError} when no object has this ID (any more: a module unloaded since its ID
   * was listed). @throws {KernelError} for other failures, `EPERM` when not privileged.
   */
  static fromId(id: number): Handle {
    let fd: FD;
    try {
      fd = btfGetFdById(id);
    } catch (err) {
      if (err instanceof KernelError && err.errno === Errno.ENOENT) {
        throw new NotFoundError(`BTF object ${id}: no such object (unloaded, or never existed)`);
      }
      throw err;
    }
    return new Handle(fd);
  }

  /** ID, name, size and kind, fetched once (`BPF_OBJ_GET_INFO_BY_FD`). */
  info(): HandleInfo {
    if (!this.#info) {
      const i = btfInfo(this.fd);
      this.#info = { id: i.id, name: i.name, size: i.size, kernelBtf: i.kernelBtf };
    }
    return this.#info;
  }

  /** The object's ID. */
  get id(): number {
    return this.info().id;
  }

  /** `vmlinux`, a module name, or `''`. */
  get name(): string {
    return this.info().name;
  }

  /** The raw BTF blob as the kernel holds it (fetched on every call). */
  bytes(): Uint8Array {
    const i: BtfObjectInfo = btfInfo(this.fd, { withData: true });
    this.#info ??= { id: i.id, name: i.name, size: i.size, kernelBtf: i.kernelBtf };
    return i.data ?? new Uint8Array(0);
  }

  /**
   * The object's types, fetched and opened on first call (types themselves decode lazily).
   * A module's BTF is split BTF: pass vmlinux's spec as `base`. The spec is named
   * `options.name`, by default the object's name (`vmlinux`, `veth`).
   * @throws {TsbpfError} if a module's BTF is asked for without a base, or with another base
   * than the first call's. @throws {BtfError} if the blob is malformed.
   */
  spec(base?: Spec, options: { name?: string } = {}): Spec {
    if (this.#spec) {
      if (base !== undefined && this.#spec.base !== base) {
        throw new TsbpfError(`BTF object ${this.id}: spec already opened on another base`);
      }
      return this.#spec;
    }
    const info = this.info();
    if (base === undefined && isModule(info)) {
      throw new TsbpfError(`BTF object ${info.id} (module ${info.name}) is split BTF: open it on vmlinux's spec`);
    }
    const bytes = this.bytes();
    try {
      // Every BTF object the kernel holds passed its verifier (at boot, module load or BTF_LOAD).
      const opts = { kernelVerified: true, name: options.name ?? info.name };
      this.#spec = base ? loadSplitSpec(bytes, base, opts) : loadSpec(bytes, opts);
    } catch (err) {
      throw inObject(err, `BTF object ${info.id}${info.name ? ` (${info.name})` : ''}`);
    }
    return this.#spec;
  }

  /** Whether {@link Handle.close} was called. */
  get closed(): boolean {
    return this.fd.closed;
  }

  /** Closes the descriptor; the decoded spec, if any, stays usable. */
  close(): void {
    this.fd.close();
  }

  /** `BTF object 7 (veth)`. */
  toString(): string {
    const i = this.#info;
    return i ? `BTF object ${i.id}${i.name ? ` (${i.name})` : ''}` : `BTF object (${this.fd})`;
  }
}
