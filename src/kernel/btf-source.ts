/**
 * Where a registry's kernel BTF comes from: a directory laid out like `/sys/kernel/btf` (the
 * running kernel's, or any other), the running kernel's BTF objects read by ID (in
 * object-source.ts, which alone loads the syscall layer), or specs already in memory (a vmlinux the caller opened, modules built in code or read from elsewhere, a merged
 * blob). A source opens vmlinux, lists modules, and reads a module's bytes; it caches nothing
 * but vmlinux's spec, which it can tell has changed.
 * @module
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpecFromBytes } from '../btf/load.js';
import type { Spec } from '../btf/spec.js';
import { inObject, NotFoundError, UsageError } from '../errors.js';
import { BtfDirectory } from './btf-directory.js';
import { isKernelPublished, readBytes } from './btf-file.js';
import { blobFromBytes, type ModuleBlob } from './module-blob.js';
import type { ObjectSnapshot } from './object-snapshot.js';

/** A module as a source lists it. */
export interface ModuleLocation {
  readonly name: string;
  /** The file name in the directory (directory sources). */
  readonly file: string | undefined;
  /** The decoded spec, when the source holds it already (memory sources). */
  readonly spec: Spec | undefined;
}

/** Where vmlinux and module BTF are read from. */
export interface BtfSource {
  /** What is read: a directory path, `kernel BTF objects`, or `specs in memory`. */
  readonly description: string;
  /** The directory read, for directory sources. */
  readonly directory: BtfDirectory | undefined;
  /** vmlinux's spec, opened on first call. @throws {NotFoundError} when there is none. */
  vmlinux(objects: ObjectSnapshot | undefined): Spec;
  /** Whether vmlinux's spec is stale (its file was replaced); then call `forgetVmlinux`. */
  vmlinuxChanged(): boolean;
  /** Drops the cached vmlinux spec. */
  forgetVmlinux(): void;
  /** Every module, sorted by name. */
  modules(objects: ObjectSnapshot | undefined): Map<string, ModuleLocation>;
  /**
   * A module's bytes (header and strings at least).
   * @throws {NotFoundError} when it is gone. @throws {BtfError} / {@link ElfError} if malformed.
   */
  readModule(module: ModuleLocation, objectId: number | undefined): ModuleBlob;
  /** An identity of what a module was read from, to notice a replaced file; `undefined` if none. */
  moduleStamp(module: ModuleLocation): string | undefined;
}

function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Orders names by code unit (byte order for ASCII names), whatever the locale. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads the running kernel's vmlinux BTF some faster way than its sysfs file, given a walk of
 * the BTF objects; `undefined` to read the file. See `runningVmlinux` in object-source.ts.
 */
export type RunningVmlinux = (objects: ObjectSnapshot | undefined, file: string) => Uint8Array | undefined;

/**
 * A directory laid out like `/sys/kernel/btf`: `vmlinux` and one file per module. `onWarning`
 * hears of the entries the listing skips (see {@link BtfDirectory.modules}). `running`, when
 * given, reads a kernel-published vmlinux instead of its file (the registry passes it; without
 * it, nothing of the syscall layer is loaded or used).
 */
export function directorySource(path: string, onWarning?: (message: string) => void, running?: RunningVmlinux): BtfSource {
  const directory = new BtfDirectory(path, onWarning);
  let vmlinux: Spec | undefined;
  let stamp: string | undefined;
  return {
    description: directory.path,
    directory,
    vmlinux(objects) {
      if (vmlinux) return vmlinux;
      if (!directory.exists()) throw new NotFoundError(`${directory.path}: no such directory (no kernel BTF here)`);
      const file = directory.vmlinuxPath;
      stamp = fileStamp(file);
      const published = isKernelPublished(file);
      const bytes = (published ? running?.(objects, file) : undefined) ?? readBytes(file);
      try {
        vmlinux = loadSpecFromBytes(bytes, undefined, { name: 'vmlinux', kernelVerified: published });
      } catch (err) {
        throw inObject(err, file);
      }
      return vmlinux;
    },
    vmlinuxChanged: () => vmlinux !== undefined && fileStamp(directory.vmlinuxPath) !== stamp,
    forgetVmlinux() {
      vmlinux = undefined;
    },
    modules() {
      const out = new Map<string, ModuleLocation>();
      for (const [name, file] of directory.modules()) out.set(name, { name, file, spec: undefined });
      return out;
    },
    readModule: (m) => directory.readModule(m.name, m.file),
    moduleStamp: (m) => (m.file === undefined ? undefined : fileStamp(join(directory.path, m.file))),
  };
}

/**
 * Specs already in memory: a vmlinux spec the caller opened (a file, a merged vmlinux+modules
 * blob, a spec built in code) and, optionally, modules split on it.
 * @throws {UsageError} when a module's spec is not split on `vmlinux`.
 */
export function memorySource(vmlinux: Spec, modules: ReadonlyMap<string, Spec> = new Map()): BtfSource {
  const listing = new Map<string, ModuleLocation>();
  for (const name of [...modules.keys()].sort(byName)) {
    const spec = modules.get(name)!;
    if (spec.base !== vmlinux) throw new UsageError(`module ${name}: its spec is not split on the vmlinux spec given`);
    listing.set(name, { name, file: undefined, spec });
  }
  return {
    description: 'specs in memory',
    directory: undefined,
    vmlinux: () => vmlinux,
    vmlinuxChanged: () => false,
    forgetVmlinux() {},
    modules: () => new Map(listing),
    readModule(m) {
      const spec = m.spec ?? listing.get(m.name)?.spec;
      if (!spec) throw new NotFoundError(`module ${m.name}: not among the specs given`);
      const bytes = spec.bytes;
      return blobFromBytes(m.name, `module ${m.name}`, bytes);
    },
    moduleStamp: () => undefined,
  };
}
