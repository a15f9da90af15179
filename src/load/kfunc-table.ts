/**
 * kfunc calls resolved against kernel BTF: the function's BTF ID, found in vmlinux first, then
 * in the modules, and for a module's kfunc the `fd_array` slot of the module's BTF object (the
 * registry's {@link FdArray}: one slot per module however many of its kfuncs are called, slot
 * 0 standing for vmlinux).
 *
 * @module
 */

import type { FdArray } from '../kernel/fd-array.js';
import type { RegistryView } from '../kernel/registry.js';

/** Where a kfunc call points: the instruction's `imm` (BTF ID) and `off` (fd_array slot). */
export interface KfuncRef {
  /** `vmlinux` or the module's name. */
  object: string;
  /** BTF ID of the FUNC in that object. */
  btfId: number;
  /** `fd_array` slot of the object's BTF fd; 0 for vmlinux. */
  slot: number;
}

/** The kfuncs of one load, and the module BTF objects they need (released by {@link KfuncTable.close}). */
export class KfuncTable implements Disposable {
  readonly #registry: Pick<RegistryView, 'findAttachTarget' | 'fdArray'>;
  readonly #refs = new Map<string, KfuncRef>();
  #fdArray: FdArray | undefined;

  constructor(registry: Pick<RegistryView, 'findAttachTarget' | 'fdArray'>) {
    this.#registry = registry;
  }

  /**
   * Resolves kfunc `name` (`module:name` to pick a module).
   *
   * @throws {@link NotFoundError} when no BTF object has the function (or its module is gone);
   *   {@link AmbiguousError} when several modules do.
   */
  resolve(name: string): KfuncRef {
    const known = this.#refs.get(name);
    if (known !== undefined) return known;
    const t = this.#registry.findAttachTarget(name, 'func');
    try {
      let slot = 0;
      if (!t.inVmlinux) {
        this.#fdArray ??= this.#registry.fdArray();
        slot = this.#fdArray.slot(t.object);
      }
      const ref = { object: t.object, btfId: t.typeId, slot };
      this.#refs.set(name, ref);
      return ref;
    } finally {
      t.close();
    }
  }

  /** The `fd_array` for the load, or `undefined` when every kfunc is vmlinux's. */
  fdArray(): number[] | undefined {
    return this.#fdArray !== undefined && this.#fdArray.modules.length > 0 ? [...this.#fdArray.fds()] : undefined;
  }

  /** Releases the module BTF objects (after the load: the kernel holds its own references). */
  close(): void {
    this.#fdArray?.close();
    this.#fdArray = undefined;
  }

  /** Same as {@link KfuncTable.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
