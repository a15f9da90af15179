/**
 * The registry's modules: listed once from the source, read (header and strings) when a search
 * needs their strings, decoded and validated once when a search needs their types, kept until
 * they go stale (a module unloaded or reloaded under another BTF object ID, a file replaced).
 * A module whose BTF is broken is skipped with a warning, or throws when the registry is strict
 * or the module was asked for by name.
 * @module
 */
import { loadSplitSpec, type Spec } from '../btf/spec.js';
import { inObject, KernelError, NotFoundError, TsbpfError } from '../errors.js';
import { Errno } from '../sys/errno.js';
import { inSplitFile, isKernelPublished } from './btf-file.js';
import type { BtfSource, ModuleLocation } from './btf-source.js';
import type { ModuleBlob } from './module-blob.js';
import type { ObjectSnapshot } from './object-snapshot.js';

/** Something a lookup skipped and the caller should hear about. */
export interface RegistryWarning {
  /** The module concerned, if any. */
  readonly module: string | undefined;
  /** One line, naming the module and its file. */
  readonly message: string;
  /** The underlying error, if any. */
  readonly error: Error | undefined;
}

/** What the cache knows of one module. */
export interface ModuleEntry {
  readonly name: string;
  readonly location: ModuleLocation;
  /** BTF object ID it was read under (running kernel only). */
  readonly objectId: number | undefined;
  /** Identity of the file it was read from, to notice a replaced file. */
  stamp: string | undefined;
  blob: ModuleBlob | undefined;
  spec: Spec | undefined;
  /** Why this module is skipped. */
  broken: TsbpfError | undefined;
}

/** Options of {@link ModuleCache}. */
export interface ModuleCacheOptions {
  readonly strict: boolean;
  /** The running kernel's objects, when the registry attaches object IDs (taken on demand). */
  readonly objects: () => ObjectSnapshot | undefined;
  readonly onWarning: ((warning: RegistryWarning) => void) | undefined;
}

/** vmlinux and the modules of one source, decoded on demand and cached. */
export class ModuleCache {
  readonly source: BtfSource;
  readonly warnings: RegistryWarning[] = [];
  readonly #options: ModuleCacheOptions;
  #listing: Map<string, ModuleLocation> | undefined;
  readonly #entries = new Map<string, ModuleEntry>();
  #decoded = 0;
  /** Bumped whenever cached module data may have changed (a refresh, a module dropped). */
  #generation = 0;

  constructor(source: BtfSource, options: ModuleCacheOptions) {
    this.source = source;
    this.#options = options;
  }

  /** Whether a broken module throws instead of being skipped with a warning. */
  get strict(): boolean {
    return this.#options.strict;
  }

  /** How many module specs were decoded so far. */
  get decoded(): number {
    return this.#decoded;
  }

  /** Changes whenever what the cache holds may have changed: indexes over it are then rebuilt. */
  get generation(): number {
    return this.#generation;
  }

  /** vmlinux's spec. @throws {NotFoundError} if there is none. @throws {BtfError} if malformed. */
  vmlinux(): Spec {
    return this.source.vmlinux(this.#options.objects());
  }

  /** The listing, module name → where it is. */
  listing(): Map<string, ModuleLocation> {
    this.#listing ??= this.source.modules(this.#options.objects());
    return this.#listing;
  }

  /** Module names, sorted. */
  names(): string[] {
    return [...this.listing().keys()];
  }

  /** The entry of a listed module. @throws {NotFoundError} for a module that is not listed. */
  entry(name: string): ModuleEntry {
    const known = this.#entries.get(name);
    if (known) return known;
    const location = this.listing().get(name);
    if (location === undefined) throw new NotFoundError(`module ${name}: no BTF for it in ${this.source.description}`);
    const entry: ModuleEntry = {
      name,
      location,
      objectId: this.#options.objects()?.idOf(name),
      stamp: undefined,
      blob: undefined,
      spec: location.spec,
      broken: undefined,
    };
    this.#entries.set(name, entry);
    return entry;
  }

  /** The module's own string section, or `undefined` when it is skipped. */
  strings(entry: ModuleEntry): Uint8Array | undefined {
    return entry.spec ? entry.spec.strings.bytes : this.blob(entry, false)?.strings;
  }

  /** The module's bytes (header and strings at least), or `undefined` when skipped. */
  blob(entry: ModuleEntry, mustHave: boolean): ModuleBlob | undefined {
    if (entry.blob) return entry.blob;
    if (entry.broken) {
      if (mustHave) throw entry.broken;
      return undefined;
    }
    try {
      entry.blob = this.source.readModule(entry.location, entry.objectId);
      entry.stamp = entry.blob.stamp;
      return entry.blob;
    } catch (err) {
      return this.#fail(entry, err, mustHave);
    }
  }

  /**
   * The module's spec, split on vmlinux's: decoded and validated (through the spec's own
   * validate-once state) on first call; `undefined` when skipped.
   */
  spec(entry: ModuleEntry, mustHave: boolean): Spec | undefined {
    if (entry.spec) return entry.spec;
    const blob = this.blob(entry, mustHave);
    if (!blob) return undefined;
    const base = this.vmlinux();
    let bytes: Uint8Array | undefined;
    try {
      this.#decoded++;
      // BTF the running kernel publishes passed its own verifier at module load.
      const kernelVerified = this.source.directory === undefined ? entry.objectId !== undefined : isKernelPublished(blob.origin);
      bytes = blob.blob();
      const spec = loadSplitSpec(bytes, base, { name: entry.name, kernelVerified });
      spec.validateOwn();
      entry.spec = spec;
      return spec;
    } catch (err) {
      return this.#fail(
        entry,
        inSplitFile(
          err,
          blob.origin,
          this.source.directory ? `${this.source.directory.path}/vmlinux` : 'vmlinux',
          bytes && { bytes, base },
        ),
        mustHave,
      );
    }
  }

  /**
   * Forgets what may be stale: the listing, and the modules whose BTF object ID (running
   * kernel) or file (directories) changed; everything when vmlinux's file changed.
   */
  refresh(objects: ObjectSnapshot | undefined): void {
    this.#generation++;
    this.#listing = undefined;
    if (this.source.vmlinuxChanged()) {
      this.source.forgetVmlinux();
      this.#entries.clear();
      return;
    }
    for (const [name, e] of this.#entries) {
      if (e.location.spec) continue;
      const stale = objects
        ? objects.idOf(name) !== e.objectId
        : e.stamp !== undefined && this.source.moduleStamp(e.location) !== e.stamp;
      if (stale) this.#entries.delete(name);
    }
  }

  /** Records a warning. */
  warn(w: RegistryWarning): void {
    this.warnings.push(w);
    this.#options.onWarning?.(w);
  }

  /** Records a module as skipped: vanished files quietly, broken BTF with a warning or a throw. */
  #fail(entry: ModuleEntry, err: unknown, mustHave: boolean): undefined {
    if (!(err instanceof Error)) throw err;
    if (err instanceof NotFoundError || (err instanceof KernelError && err.errno === Errno.ENOENT)) {
      // Unloaded between listing and reading: a normal race, not a broken module.
      this.#entries.delete(entry.name);
      this.#listing?.delete(entry.name);
      this.#generation++;
      if (mustHave) throw new NotFoundError(`module ${entry.name}: gone (unloaded since it was listed)`, { cause: err });
      return undefined;
    }
    if (!(err instanceof TsbpfError)) throw err;
    // Reading and decoding name the file or BTF object; add the module.
    const broken = inObject(err, `module ${entry.name}`) as TsbpfError;
    entry.broken = broken;
    entry.blob = undefined;
    if (mustHave || this.#options.strict) throw broken;
    this.warn({ module: entry.name, message: `${broken.message} (skipped)`, error: broken });
    return undefined;
  }
}
