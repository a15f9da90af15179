/**
 * The running kernel's BTF objects as of one walk of their IDs: which object is vmlinux, which
 * belongs to which module, and whether the set changed since. Walking opens every object (about
 * 18 ms with 4,000 modules), and even listing the IDs costs one syscall per object, so a
 * registry takes one snapshot and re-checks it only where asked: before a lookup made directly
 * on the registry, never inside a {@link KernelRegistry.snapshot | registry snapshot} (one load).
 * @module
 */
import type { KernelError } from '../errors.js';
import { currentIds, type KernelObjects, objectInfo, walkKernelObjects } from './btf-objects.js';
import { type HandleInfo, isModule, isVmlinux } from './handle.js';

/** One walk of the kernel's BTF object IDs. */
export class ObjectSnapshot {
  readonly #objects: KernelObjects;
  /** IDs of vmlinux's and the modules' objects. */
  readonly #kernel = new Set<number>();
  /** IDs seen that are not kernel BTF (programs' BTF, loaded by this process or others). */
  readonly #others = new Set<number>();

  private constructor(objects: KernelObjects) {
    this.#objects = objects;
    if (objects.vmlinux) this.#kernel.add(objects.vmlinux.id);
    for (const m of objects.modules.values()) this.#kernel.add(m.id);
    for (const id of objects.ids) if (!this.#kernel.has(id)) this.#others.add(id);
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
   * Whether the kernel's BTF objects (vmlinux and the modules) differ from this walk's: a module
   * loaded, unloaded or reloaded. Lists the IDs; opens only IDs not seen before, once each, to
   * tell kernel BTF from a program's BTF (every object load adds one, and must not make the
   * registry forget what it decoded). `false` when walking is denied.
   */
  changed(): boolean {
    if (this.#objects.denied !== undefined) return false;
    const ids = currentIds();
    if (ids === undefined) return false;
    const now = new Set(ids);
    for (const id of this.#kernel) if (!now.has(id)) return true;
    for (const id of this.#others) if (!now.has(id)) this.#others.delete(id);
    for (const id of ids) {
      if (this.#kernel.has(id) || this.#others.has(id)) continue;
      const info = objectInfo(id);
      if (info === undefined) continue; // gone already
      if (isVmlinux(info) || isModule(info)) return true;
      this.#others.add(id);
    }
    return false;
  }
}
