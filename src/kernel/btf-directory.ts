/**
 * A directory laid out like `/sys/kernel/btf`: a `vmlinux` file (raw BTF or an ELF with `.BTF`)
 * and one file per module (raw split BTF or the module's `.ko`), named after the module.
 * @module
 */
import { type Dirent, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '../errors.js';
import { displayName, displayPath, isMangledPath, utf8 } from '../io/display-path.js';
import { fileKind } from '../io/input-file.js';
import { ioError } from '../io/io-error.js';
import { SYSFS_BTF_DIR } from './btf-file.js';
import { type ModuleBlob, readModuleFile } from './module-blob.js';
import { moduleNameOf } from './module-name.js';

/** The file name of the base BTF in a kernel BTF directory. */
export const VMLINUX = 'vmlinux';

/**
 * Why the entry `name` of directory `dir` cannot hold BTF, or `undefined` when it can: a regular
 * file, or a symlink to one. Otherwise says what it is (`not a regular file (a FIFO)`, `a dangling
 * symlink (to X)`).
 */
export function whyNotModuleFile(dir: string, name: string, e: Dirent<Buffer> | Dirent): string | undefined {
  if (e.isFile()) return undefined;
  if (!e.isSymbolicLink()) return `not a regular file (${fileKind(e)})`;
  const path = join(dir, name);
  try {
    const st = statSync(path);
    if (st.isFile()) return undefined;
    if (st.isDirectory()) return 'a symlink to a directory';
    return `not a regular file (a symlink to ${fileKind(st)})`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return `cannot follow the symlink (${(err as NodeJS.ErrnoException).code})`;
    let to = '?';
    try {
      to = readlinkSync(path);
    } catch {
      // raced away
    }
    return `a dangling symlink (to ${displayPath(to)})`;
  }
}

/** A kernel BTF directory. Listing and reading happen on demand; nothing is cached here. */
export class BtfDirectory {
  /** The directory's absolute path. */
  readonly path: string;
  readonly #onWarning: ((message: string) => void) | undefined;
  /** Entries already warned about, so a listing repeated after a refresh stays quiet. */
  readonly #warned = new Set<string>();

  /**
   * @param onWarning told once about each entry {@link modules} skips: a FIFO, a device, a
   * dangling symlink, a name that is not UTF-8, a `vmlinux.ko`.
   */
  constructor(path: string = SYSFS_BTF_DIR, onWarning?: (message: string) => void) {
    this.path = resolve(path);
    this.#onWarning = onWarning;
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
   * Module name → file name, for every regular file (or symlink to one) but `vmlinux` and hidden
   * files, sorted by module name. What cannot be a module's BTF is skipped with a warning naming
   * it: a FIFO or a device (reading it would hang or never end), a dangling symlink, a name that
   * is not UTF-8, a file whose module name would be `vmlinux` (`vmlinux.ko`). Directories are
   * skipped quietly.
   * @throws {NotFoundError} if the directory does not exist.
   */
  modules(): Map<string, string> {
    let entries: (Dirent<Buffer> | Dirent)[];
    try {
      // Names as UTF-8 strings (half the cost of buffers); only a listing where some name holds
      // U+FFFD, which an invalid name decodes to, is read again as bytes to tell which.
      const named = readdirSync(this.path, { withFileTypes: true });
      entries = named.some((e) => e.name.includes('\uFFFD'))
        ? readdirSync(this.path, { withFileTypes: true, encoding: 'buffer' })
        : named;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
        const why = isMangledPath(this.path)
          ? 'no such directory (its name was not valid UTF-8 and lost bytes on the way in)'
          : 'no such directory (no kernel BTF here)';
        throw new NotFoundError(`${displayPath(this.path)}: ${why}`, { cause: err });
      }
      throw ioError(this.path, 'cannot list', err);
    }
    const files: string[] = [];
    for (const e of entries) {
      const name = typeof e.name === 'string' ? e.name : utf8(e.name);
      if (name === undefined) {
        this.#skip(displayName(e.name as Buffer), 'the file name is not valid UTF-8');
        continue;
      }
      if (name.startsWith('.') || name === VMLINUX || e.isDirectory()) continue;
      const why = whyNotModuleFile(this.path, name, e);
      if (why !== undefined) this.#skip(displayPath(name), why);
      else if (moduleNameOf(name) === VMLINUX)
        this.#skip(name, `a module cannot be named ${VMLINUX} (vmlinux's BTF is the file '${VMLINUX}')`);
      else files.push(name);
    }
    files.sort();
    const out = new Map<string, string>();
    for (const f of files) {
      const name = moduleNameOf(f);
      if (!out.has(name)) out.set(name, f);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  #skip(file: string, why: string): void {
    if (this.#warned.has(file)) return;
    this.#warned.add(file);
    this.#onWarning?.(`${displayPath(this.path)}/${file}: skipped: ${why}`);
  }

  /**
   * Opens a module's file, reading only its header and strings.
   * @throws {NotFoundError} if the file is gone.
   */
  readModule(name: string, file: string = name): ModuleBlob {
    return readModuleFile(name, join(this.path, file));
  }
}
