/**
 * Module BTF objects held open for programs: one descriptor per module however many attach
 * targets or kfunc calls need it, counted by reference and closed when the last user releases
 * it. A handle is checked on opening (kernel BTF, the module's name), so an object ID reused by
 * another module after an unload is never handed out under the old name.
 * @module
 */
import { KernelError, NotFoundError } from '../errors.js';
import { Errno } from '../sys/errno.js';
import { Handle } from './handle.js';
import type { ObjectSnapshot } from './object-snapshot.js';

/** One user's hold on a module's open BTF object. */
export interface ModuleHandle {
  /** The module's name. */
  readonly module: string;
  /** The BTF object's ID. */
  readonly objectId: number;
  /** The shared handle (do not close it: {@link ModuleHandle.release}). */
  readonly handle: Handle;
  /** The descriptor (`attach_btf_obj_fd`, an `fd_array` slot); never 0. */
  readonly fd: number;
  /** Gives the hold back; the descriptor closes when no one holds it. Idempotent. */
  release(): void;
}

interface Shared {
  readonly handle: Handle;
  readonly objectId: number;
  refs: number;
}

/** A reference-counted cache of open module BTF objects. */
export class ModuleHandles {
  readonly #shared = new Map<string, Shared>();

  /** How many module BTF objects are open. */
  get openCount(): number {
    return this.#shared.size;
  }

  /**
   * A hold on `module`'s BTF object as listed in `objects`, opening it if no one holds it.
   * @throws {NotFoundError} when the snapshot does not list the module, or its object is gone
   * or now belongs to something else (the module was unloaded: refresh and retry).
   * @throws {KernelError} when the object cannot be opened (`EPERM` without CAP_SYS_ADMIN).
   */
  acquire(module: string, objects: ObjectSnapshot): ModuleHandle {
    const id = objects.idOf(module);
    if (id === undefined)
      throw new NotFoundError(`module ${module}: no BTF object for it in the running kernel (not loaded, or unloaded)`);
    let shared = this.#shared.get(module);
    if (shared && shared.objectId !== id) shared = undefined; // reloaded: a new object, a new fd
    if (!shared) {
      const handle = open(module, id);
      shared = { handle, objectId: id, refs: 0 };
      this.#shared.set(module, shared);
    }
    shared.refs++;
    const s = shared;
    let held = true;
    return {
      module,
      objectId: id,
      handle: s.handle,
      fd: s.handle.fd.raw,
      release: () => {
        if (!held) return;
        held = false;
        if (--s.refs > 0) return;
        s.handle.close();
        if (this.#shared.get(module) === s) this.#shared.delete(module);
      },
    };
  }
}

/** Opens BTF object `id` and checks it is `module`'s kernel BTF. */
function open(module: string, id: number): Handle {
  let handle: Handle | undefined;
  try {
    handle = Handle.fromId(id);
    const info = handle.info();
    if (info.kernelBtf && info.name === module) return handle;
  } catch (err) {
    handle?.close();
    if (err instanceof KernelError && err.errno === Errno.ENOENT) {
      throw new NotFoundError(`module ${module}: its BTF object ${id} is gone (module unloaded)`, { cause: err });
    }
    throw err;
  }
  handle.close();
  throw new NotFoundError(`module ${module}: BTF object ${id} is no longer its BTF (module unloaded)`);
}
