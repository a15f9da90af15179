/**
 * A program's `fd_array` for kfunc calls into modules: one slot per module BTF object however
 * many of its kfuncs the program calls. A call's `off` is the slot index; slot 0 is never a
 * module's (an `off` of 0 means vmlinux), so it holds 0.
 * @module
 */
import type { ModuleHandle, ModuleHandles } from './module-handles.js';
import type { ObjectSnapshot } from './object-snapshot.js';

/** Builds one program's (or one load's) `fd_array`. */
export class FdArray {
  readonly #handles: ModuleHandles;
  readonly #objects: ObjectSnapshot;
  readonly #slots = new Map<string, number>();
  readonly #held: ModuleHandle[] = [];

  /** Module BTF objects are opened through `handles`, as listed in `objects`. */
  constructor(handles: ModuleHandles, objects: ObjectSnapshot) {
    this.#handles = handles;
    this.#objects = objects;
  }

  /**
   * The slot (a kfunc call's `off`) of `object`'s BTF: 0 for `vmlinux`, else the module's
   * slot, added (and the module's BTF object held open) on first use.
   * @throws {NotFoundError} when the module has no BTF object (unloaded). @throws {KernelError}
   * when it cannot be opened.
   */
  slot(object: string): number {
    if (object === 'vmlinux') return 0;
    const known = this.#slots.get(object);
    if (known !== undefined) return known;
    const held = this.#handles.acquire(object, this.#objects);
    this.#held.push(held);
    const slot = this.#held.length;
    this.#slots.set(object, slot);
    return slot;
  }

  /** Modules in slot order (slot 1 first). */
  get modules(): string[] {
    return this.#held.map((h) => h.module);
  }

  /** The array to pass as `fd_array`: 0, then each module's BTF fd in slot order. */
  fds(): Int32Array {
    return Int32Array.from([0, ...this.#held.map((h) => h.fd)]);
  }

  /** Releases every module BTF object held (after the load). */
  close(): void {
    for (const h of this.#held.splice(0)) h.release();
    this.#slots.clear();
  }
}
