/**
 * Walking the kernel's BTF objects by ID: the list `btf list` prints, and the module name → BTF
 * object ID map attach targets need.
 * @module
 */
import { KernelError, NotFoundError } from '../errors.js';
import { btfIds } from '../sys/btf.js';
import { Errno } from '../sys/errno.js';
import { Handle, type HandleInfo, isModule, isVmlinux } from './handle.js';

/**
 * Every BTF object loaded in the kernel, in ID order. An object that goes away between the walk
 * and its opening (a module unloading) is skipped.
 * @throws {KernelError} `EPERM` without CAP_SYS_ADMIN, or any other failure of the walk.
 */
export function listBtfObjects(): HandleInfo[] {
  const out: HandleInfo[] = [];
  for (const id of btfIds()) {
    const info = objectInfo(id);
    if (info) out.push(info);
  }
  return out;
}

/** Info of one object by ID, or `undefined` when it vanished before it could be read. */
export function objectInfo(id: number): HandleInfo | undefined {
  let h: Handle;
  try {
    h = Handle.fromId(id);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  try {
    return h.info();
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENOENT) return undefined;
    throw err;
  } finally {
    h.close();
  }
}

/** The kernel BTF objects by name, from one walk. */
export interface KernelObjects {
  /** vmlinux's object, when the walk saw it. */
  vmlinux: HandleInfo | undefined;
  /** Module name → its BTF object. */
  modules: Map<string, HandleInfo>;
  /** Every ID the walk saw (also user-loaded BTF), in order: compare two walks to see a change. */
  ids: number[];
  /**
   * Why the walk could not run (`EPERM` without CAP_SYS_ADMIN), in one line; then the maps are
   * empty and no object IDs are known. `undefined` when the walk ran.
   */
  diagnostic: string | undefined;
  /** The kernel's refusal behind {@link KernelObjects.diagnostic}, to attach as a cause. */
  denied: KernelError | undefined;
}

/**
 * Walks the IDs and names every kernel BTF object. Not being allowed to walk is not an error
 * here: the result says so in {@link KernelObjects.diagnostic}.
 * @throws {KernelError} for failures other than `EPERM`/`EACCES`.
 */
export function walkKernelObjects(): KernelObjects {
  const result: KernelObjects = { vmlinux: undefined, modules: new Map(), ids: [], diagnostic: undefined, denied: undefined };
  try {
    for (const id of btfIds()) {
      result.ids.push(id);
      const info = objectInfo(id);
      if (!info) continue;
      if (isVmlinux(info)) result.vmlinux = info;
      else if (isModule(info)) result.modules.set(info.name, info);
    }
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.EPERM || err.errno === Errno.EACCES)) {
      return {
        vmlinux: undefined,
        modules: new Map(),
        ids: [],
        diagnostic: `cannot list kernel BTF objects (${err.code}: walking BTF object IDs needs root, i.e. CAP_SYS_ADMIN); module BTF object IDs are not available`,
        denied: err,
      };
    }
    throw err;
  }
  return result;
}

/**
 * The IDs alone (no opening), to notice cheaply that objects came or went since a walk.
 * `undefined` when the walk is not permitted.
 */
export function currentIds(): number[] | undefined {
  try {
    return [...btfIds()];
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.EPERM || err.errno === Errno.EACCES)) return undefined;
    throw err;
  }
}
