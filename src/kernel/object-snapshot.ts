/**
 * The running kernel's BTF objects as of one walk of their IDs: which object is vmlinux, which
 * belongs to which module, and whether the set changed since. Walking opens every object (about
 * 18 ms with 4,000 modules), and even listing the IDs costs one syscall per object, so a
 * registry takes one snapshot and re-checks it only where asked: before a lookup made directly
 * on the registry, never inside a {@link KernelRegistry.snapshot | registry snapshot} (one load).
 * @module
 */
import type { KernelError } from '../errors.js';
import { currentIds, type KernelObjects, walkKernelObjects } from './btf-objects.js';
import type { HandleInfo } from './handle.js';

/** One walk of the kernel's BTF object IDs. */
export class ObjectSnapshot {
  readonly #objects: KernelObjects;

  private constructor(objects: KernelObjects) {
    this.#objects = objects;
  }

  /**
   * Walks the IDs now. Not being allowed to walk is no error: see {@link ObjectSnapshot.denied}.
   * @throws {KernelError} for failures other than `EPERM`/`EACCES`.
   */
  static take(): ObjectSnapshot {
    return new ObjectSnapshot(walkKernelObjects());
  }

  /** vmlinux's object, when the walk saw it. */
  get vmlinux(): HandleInfo | undefined {
    return this.#objects.vmlinux;
  }

  /** Module name → its BTF object. */
  get modules(): ReadonlyMap<string, HandleInfo> {
    return this.#objects.modules;
  }

  /** The object ID of `vmlinux` or a module, when the walk saw it. */
  idOf(object: string): number | undefined {
    return object === 'vmlinux' ? this.#objects.vmlinux?.id : this.#objects.modules.get(object)?.id;
  }

  /** Why the walk could not run (one line), or `undefined`. */
  get diagnostic(): string | undefined {
    return this.#objects.diagnostic;
  }

  /** The kernel's refusal of the walk, to attach as a cause; `undefined` when it ran. */
  get denied(): KernelError | undefined {
    return this.#objects.denied;
  }

  /**
   * Whether the kernel's set of BTF object IDs differs from this walk's (a module loaded,
   * unloaded or reloaded). Lists the IDs without opening them. `false` when walking is denied.
   */
  changed(): boolean {
    if (this.#objects.denied !== undefined) return false;
    const ids = currentIds();
    const prev = this.#objects.ids;
    return ids !== undefined && (ids.length !== prev.length || ids.some((id, i) => id !== prev[i]));
  }
}
