/**
 * kfunc calls resolved against kernel BTF: the function's BTF ID, found in vmlinux first, then
 * in the modules, and for a module's kfunc the `fd_array` slot of the module's BTF object, one
 * slot per module however many of its kfuncs a program calls (slot 0 stands for vmlinux).
 *
 * @module
 */

import { NotFoundError } from '../errors.js';
import type { AttachTarget, KernelRegistry } from '../kernel/registry.js';

/** Where a kfunc call points: the instruction's `imm` (BTF ID) and `off` (fd_array slot). */
export interface KfuncRef {
  /** `vmlinux` or the module's name. */
  object: string;
  /** BTF ID of the FUNC in that object. */
  btfId: number;
  /** `fd_array` slot of the object's BTF fd; 0 for vmlinux. */
  slot: number;
}

/** The kfuncs of one load, and the module BTF fds they need (closed by {@link KfuncTable.close}). */
export class KfuncTable implements Disposable {
  readonly #registry: KernelRegistry;
  readonly #refs = new Map<string, KfuncRef>();
  readonly #slots = new Map<string, number>();
  readonly #targets: AttachTarget[] = [];
  readonly #fds: number[] = [0];

  constructor(registry: KernelRegistry) {
    this.#registry = registry;
  }

  /**
   * Resolves kfunc `name` (`module:name` to pick a module).
   *
   * @throws {@link NotFoundError} when no BTF object has the function;
   *   {@link AmbiguousError} when several modules do.
   */
  resolve(name: string): KfuncRef {
    const known = this.#refs.get(name);
    if (known !== undefined) return known;
    const t = this.#registry.findAttachTarget(name, 'func');
    let slot = 0;
    if (t.object !== 'vmlinux') {
      const existing = this.#slots.get(t.object);
      if (existing !== undefined) {
        slot = existing;
        t.close();
      } else {
        // Never fd 0 for a module: the handle must be open.
        if (t.handle === undefined || t.fd <= 0) {
          t.close();
          throw new NotFoundError(`kfunc ${name}: module ${t.object}'s BTF object is not open`);
        }
        slot = this.#fds.length;
        this.#fds.push(t.fd);
        this.#slots.set(t.object, slot);
        this.#targets.push(t);
      }
    }
    const ref = { object: t.object, btfId: t.typeId, slot };
    this.#refs.set(name, ref);
    return ref;
  }

  /** The `fd_array` for the load, or `undefined` when every kfunc is vmlinux's. */
  fdArray(): number[] | undefined {
    return this.#fds.length > 1 ? [...this.#fds] : undefined;
  }

  /** Closes the module BTF fds (after the load: the kernel holds its own references). */
  close(): void {
    for (const t of this.#targets) t.close();
    this.#targets.length = 0;
  }

  /** Same as {@link KfuncTable.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
