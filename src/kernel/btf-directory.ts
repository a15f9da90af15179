/**
 * A directory laid out like `/sys/kernel/btf`: a `vmlinux` file (raw BTF or an ELF with `.BTF`)
 * and one file per module (raw split BTF or the module's `.ko`), named after the module.
 * @module
 */
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError, TsbpfError } from '../errors.js';
import { type ModuleBlob, readModuleFile } from './module-blob.js';
import { SYSFS_BTF_DIR } from './spec-file.js';

/** The file name of the base BTF in a kernel BTF directory. */
export const VMLINUX = 'vmlinux';

/** Module name of a file in the directory: `veth` for `veth` and for `veth.ko`. */
export function moduleNameOf(file: string): string {
  return file.endsWith('.ko') ? file.slice(0, -3) : file;
}

/** A kernel BTF directory. Listing and reading happen on demand; nothing is cached here. */
export class BtfDirectory {
  /** The directory's absolute path. */
  readonly path: string;

  constructor(path: string = SYSFS_BTF_DIR) {
    this.path = resolve(path);
  }

  /** Whether this is the running kernel's `/sys/kernel/btf`. */
  get isSysfs(): boolean {
    return this.path === SYSFS_BTF_DIR;
  }

  /** Path of `vmlinux` in the directory. */
  get vmlinuxPath(): string {
    return join(this.path, VMLINUX);
  }

  /** Whether the directory exists. */
  exists(): boolean {
    try {
      return statSync(this.path).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * Module name → file name, for every regular file but `vmlinux` and hidden files, sorted by
   * module name.
   * @throws {NotFoundError} if the directory does not exist.
   */
  modules(): Map<string, string> {
    let entries: Dirent[];
    try {
      entries = readdirSync(this.path, { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
        throw new NotFoundError(`${this.path}: no such directory (no kernel BTF here)`);
      }
      throw new TsbpfError(`${this.path}: ${e.code ?? ''} ${e.message}`.trim());
    }
    const files = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && e.name !== VMLINUX)
      .map((e) => e.name)
      .sort();
    const out = new Map<string, string>();
    for (const f of files) {
      const name = moduleNameOf(f);
      if (!out.has(name)) out.set(name, f);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * Opens a module's file, reading only its header and strings.
   * @throws {NotFoundError} if the file is gone.
   */
  readModule(name: string, file: string = name): ModuleBlob {
    return readModuleFile(name, join(this.path, file));
  }
}
