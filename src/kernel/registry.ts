/**
 * The kernel's BTF as one searchable whole: vmlinux plus every module's split BTF, read from a
 * directory laid out like `/sys/kernel/btf` (the running kernel's by default, or any other,
 * such as a distribution kernel's extracted BTF), with the running kernel's BTF object IDs
 * attached when the directory is the running kernel's.
 *
 * Module specs are decoded only when a lookup needs them: a name is first searched for in the
 * raw string sections of the modules (a byte search), and only the modules that can hold it are
 * decoded. Decoded specs are cached for the life of the registry, keyed by module name and, for
 * the running kernel, BTF object ID: when the set of BTF objects changes (a module unloaded or
 * reloaded) the stale entries are dropped.
 * @module
 */
import { statSync } from 'node:fs';
import type { Spec } from '../btf/spec.js';
import { loadSplitSpec } from '../btf/spec.js';
import { KIND_BY_NUMBER, type Type, type TypeKind } from '../btf/types.js';
import { validateSpec } from '../btf/validate.js';
import { AmbiguousError, inObject, KernelError, NotFoundError, TsbpfError } from '../errors.js';
import { Errno } from '../sys/errno.js';
import { BtfDirectory } from './btf-directory.js';
import { currentIds, type KernelObjects, walkKernelObjects } from './btf-objects.js';
import { Handle } from './handle.js';
import { blobFromBytes, type ModuleBlob } from './module-blob.js';
import { parseQualifiedName } from './qualified-name.js';
import { loadSpecFile, SYSFS_BTF_DIR } from './spec-file.js';
import { baseNameOffsets, StringIndex } from './string-index.js';
import { needleOf, stringOffsets } from './string-search.js';

/** Options of {@link KernelRegistry}. */
export interface RegistryOptions {
  /**
   * A directory laid out like `/sys/kernel/btf` (default: `/sys/kernel/btf`). When the default
   * does not exist, the running kernel's BTF objects are read through `bpf()` instead.
   */
  dir?: string;
  /** Throw on a broken module's BTF instead of skipping it with a warning. */
  strict?: boolean;
  /**
   * Attach the running kernel's BTF object IDs to results (walking the IDs needs root).
   * Default: whether `dir` is `/sys/kernel/btf`.
   */
  objectIds?: boolean;
  /** Called for each warning (a broken module, a walk that was not permitted). */
  onWarning?: (warning: RegistryWarning) => void;
}

/** Something a lookup skipped and the caller should hear about. */
export interface RegistryWarning {
  /** The module concerned, if any. */
  readonly module: string | undefined;
  /** One line, naming the module and its file. */
  readonly message: string;
  /** The underlying error, if any. */
  readonly error: Error | undefined;
}

/** A type found by name, with the BTF object that holds it. */
export interface TypeMatch {
  /** `vmlinux` or the module's name. */
  readonly object: string;
  /** The object's BTF object ID in the running kernel, when known. */
  readonly objectId: number | undefined;
  /** The type's ID (in a module: continuing after vmlinux's IDs, as the kernel numbers them). */
  readonly typeId: number;
  readonly kind: TypeKind;
  readonly name: string;
  /** The spec of the object (a module's is split on vmlinux's). */
  readonly spec: Spec;
  /** The decoded type. */
  readonly type: Type;
}

/** Where a program attaches: the BTF object (as `attach_btf_obj_fd`) and the type ID. */
export interface AttachTarget {
  /** `vmlinux` or the module's name. */
  readonly object: string;
  /** The BTF object's ID in the running kernel, when known. */
  readonly objectId: number | undefined;
  /** `attach_btf_id`. */
  readonly typeId: number;
  readonly kind: TypeKind;
  readonly name: string;
  /**
   * The module's BTF object, open (owned by the target: {@link AttachTarget.close}). `undefined`
   * for vmlinux (whose `attach_btf_obj_fd` is 0) and for registries not on the running kernel.
   */
  readonly handle: Handle | undefined;
  /** `attach_btf_obj_fd`: the module's BTF object fd, 0 for vmlinux. */
  readonly fd: number;
  /** Closes the handle, if any. */
  close(): void;
}

interface ModuleEntry {
  readonly name: string;
  /** File name in the directory (module sources only). */
  readonly file: string | undefined;
  /** BTF object ID it was read under (running kernel only). */
  objectId: number | undefined;
  /** File identity it was read from (directories), to notice a replaced file. */
  stamp: string | undefined;
  blob: ModuleBlob | undefined;
  spec: Spec | undefined;
  /** Why this module is skipped. */
  broken: Error | undefined;
}

function stampOf(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** How many searches scan the raw bytes before the registry builds its string index. */
const INDEX_AFTER = 3;

/** Every string of vmlinux (table 0) and of the modules (tables 1...), and vmlinux's names. */
interface SearchIndex {
  index: StringIndex;
  /** Table number → `vmlinux` or module name. */
  names: string[];
  /** vmlinux name offset → local indices of the types named by it. */
  vmlinuxNames: Map<number, number[]>;
}

/** Orders names by code unit (byte order for ASCII names), whatever the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** vmlinux and every module's BTF of one kernel. */
export class KernelRegistry {
  /** The directory read, or `undefined` when reading the running kernel's BTF objects. */
  readonly directory: BtfDirectory | undefined;
  readonly strict: boolean;
  /** Whether results carry the running kernel's BTF object IDs. */
  readonly live: boolean;
  /** Every warning so far, in order. */
  readonly warnings: RegistryWarning[] = [];
  readonly #onWarning: ((w: RegistryWarning) => void) | undefined;
  #vmlinux: Spec | undefined;
  #vmlinuxStamp: string | undefined;
  /** Module name → file name (directory) or `''` (objects). */
  #listing: Map<string, string> | undefined;
  readonly #entries = new Map<string, ModuleEntry>();
  #objects: KernelObjects | undefined;
  #decoded = 0;
  #walkWarned = false;
  #searches = 0;
  #index: SearchIndex | undefined;
  #baseRefs: Map<number, string[]> | undefined;

  constructor(options: RegistryOptions = {}) {
    const dir = new BtfDirectory(options.dir ?? SYSFS_BTF_DIR);
    this.strict = options.strict ?? false;
    this.#onWarning = options.onWarning;
    if (options.dir === undefined && !dir.exists()) {
      // No sysfs BTF: the running kernel's objects are the only source.
      this.directory = undefined;
      this.live = true;
    } else {
      this.directory = dir;
      this.live = options.objectIds ?? dir.isSysfs;
    }
  }

  /** What the registry reads: a directory path, or `kernel BTF objects`. */
  get source(): string {
    return this.directory?.path ?? 'kernel BTF objects';
  }

  /** How many module specs were decoded so far (a lookup decodes only candidate modules). */
  get decodedModules(): number {
    return this.#decoded;
  }

  /**
   * vmlinux's spec, opened on first call (its structure is checked; run `validate()` for the
   * full checks).
   * @throws {NotFoundError} if there is no vmlinux BTF. @throws {BtfError} if it is malformed.
   */
  vmlinux(): Spec {
    if (this.#vmlinux) return this.#vmlinux;
    if (this.directory) {
      const path = this.directory.vmlinuxPath;
      if (!this.directory.exists()) throw new NotFoundError(`${this.directory.path}: no such directory (no kernel BTF here)`);
      this.#vmlinuxStamp = stampOf(path);
      this.#vmlinux = loadSpecFile(path, {});
    } else {
      const info = this.#walk().vmlinux;
      if (!info) {
        const why = this.#walk().diagnostic ?? 'no BTF object named vmlinux';
        throw new NotFoundError(`${SYSFS_BTF_DIR} does not exist and ${why}`);
      }
      const h = Handle.fromId(info.id);
      try {
        this.#vmlinux = h.spec();
      } finally {
        h.close();
      }
    }
    return this.#vmlinux;
  }

  /** Names of every module with BTF, sorted. */
  modules(): string[] {
    return [...this.#list().keys()];
  }

  /** Whether a module of this name has BTF here. */
  hasModule(name: string): boolean {
    return this.#list().has(name);
  }

  /**
   * A module's spec (split on vmlinux's), decoded and validated on first call.
   * @throws {NotFoundError} for an unknown (or unloaded) module. @throws {BtfError} /
   * {@link ElfError} if its BTF is broken (whatever `strict` says: it was asked for by name).
   */
  module(name: string): Spec {
    this.#noticeChanges();
    const entry = this.#entry(name);
    const spec = this.#decode(entry, true);
    if (!spec) throw entry.broken ?? new NotFoundError(`module ${name}: no BTF`);
    return spec;
  }

  /** The running kernel's BTF object ID of `vmlinux` or a module, when known. */
  objectId(object: string): number | undefined {
    if (!this.live) return undefined;
    const objects = this.#walk();
    return object === 'vmlinux' ? objects.vmlinux?.id : objects.modules.get(object)?.id;
  }

  /**
   * Every type named `query` (`name`, `module:name`, or `vmlinux:name`), of `kind` if given: in
   * vmlinux, then in modules by name. Broken modules are skipped with a warning (or, when
   * strict, throw).
   * @throws {NotFoundError} for an unknown module in a qualified name.
   */
  find(query: string, kind?: TypeKind): TypeMatch[] {
    const q = parseQualifiedName(query);
    this.#noticeChanges();
    return this.#search(q.object, q.name, kind, false);
  }

  /**
   * Resolves an attach target the way libbpf does: vmlinux first, then the modules. An
   * unqualified name defined in several modules is refused.
   * @throws {NotFoundError} if no object has it. @throws {AmbiguousError} listing the modules
   * when several have it. @throws {KernelError} when the module's BTF object cannot be opened.
   */
  findAttachTarget(query: string, kind: TypeKind = 'func'): AttachTarget {
    const q = parseQualifiedName(query);
    for (let attempt = 0; ; attempt++) {
      this.#noticeChanges();
      const matches = this.#search(q.object, q.name, kind, q.object === undefined);
      const objects = [...new Set(matches.map((m) => m.object))];
      if (objects.length === 0) {
        const where = q.object ?? `vmlinux or any of ${this.#list().size} modules`;
        throw new NotFoundError(`${kind} '${q.name}': not found in ${where}`);
      }
      if (objects.length > 1) {
        throw new AmbiguousError(
          `${kind} '${q.name}' is defined in ${objects.length} modules; qualify it as <module>:${q.name}`,
          objects.map((o) => `${o}:${q.name}`),
        );
      }
      const m = matches[0]!;
      if (m.object === 'vmlinux' || !this.live) return attachTarget(m, undefined);
      const objectsNow = this.#walk();
      const denied = objectsNow.denied;
      if (denied !== undefined) {
        throw new KernelError(
          denied.command,
          denied.errno,
          denied.code,
          `${q.name} is in module ${m.object}, but module BTF object IDs cannot be listed (walking them needs root, i.e. CAP_SYS_ADMIN)`,
          { cause: denied },
        );
      }
      const id = objectsNow.modules.get(m.object)?.id;
      let handle: Handle | undefined;
      if (id !== undefined) {
        try {
          handle = Handle.fromId(id);
          const info = handle.info();
          if (!info.kernelBtf || info.name !== m.object) {
            handle.close();
            handle = undefined;
          }
        } catch (err) {
          handle?.close();
          handle = undefined;
          if (!(err instanceof NotFoundError) && !(err instanceof KernelError && err.errno === Errno.ENOENT)) throw err;
        }
      }
      if (handle) return attachTarget(m, handle);
      // The module went away (or was reloaded under another ID) since the walk.
      if (attempt > 0) throw new NotFoundError(`module ${m.object}: its BTF object is gone (module unloaded)`);
      this.refresh();
    }
  }

  /**
   * Forgets what may be stale: re-lists the modules and, for the running kernel, walks the BTF
   * object IDs again. Cached specs stay only for modules whose object ID (or file) is unchanged.
   */
  refresh(): void {
    this.#listing = undefined;
    this.#index = undefined;
    this.#baseRefs = undefined;
    if (this.directory && this.#vmlinux && stampOf(this.directory.vmlinuxPath) !== this.#vmlinuxStamp) {
      this.#vmlinux = undefined;
      this.#entries.clear();
    }
    let objects: KernelObjects | undefined;
    if (this.live) {
      objects = walkKernelObjects();
      this.#objects = objects;
    }
    for (const [name, e] of this.#entries) {
      const stale = objects
        ? objects.modules.get(name)?.id !== e.objectId
        : e.stamp !== undefined && this.directory && e.file !== undefined
          ? stampOf(`${this.directory.path}/${e.file}`) !== e.stamp
          : false;
      if (stale) this.#entries.delete(name);
    }
  }

  /** For the running kernel: re-walks when the set of BTF object IDs changed since the last walk. */
  #noticeChanges(): void {
    if (!this.live || !this.#objects || this.#objects.diagnostic !== undefined) return;
    const ids = currentIds();
    const prev = this.#objects.ids;
    if (ids && (ids.length !== prev.length || ids.some((id, i) => id !== prev[i]))) this.refresh();
  }

  #walk(): KernelObjects {
    if (!this.#objects) {
      this.#objects = walkKernelObjects();
      if (this.#objects.diagnostic !== undefined && !this.#walkWarned) {
        this.#walkWarned = true;
        this.#warn({ module: undefined, message: this.#objects.diagnostic, error: undefined });
      }
    }
    return this.#objects;
  }

  #list(): Map<string, string> {
    if (!this.#listing) {
      if (this.directory) this.#listing = this.directory.modules();
      else this.#listing = new Map([...this.#walk().modules.keys()].sort(byName).map((n) => [n, '']));
    }
    return this.#listing;
  }

  #entry(name: string): ModuleEntry {
    const known = this.#entries.get(name);
    if (known) return known;
    const file = this.#list().get(name);
    if (file === undefined) throw new NotFoundError(`module ${name}: no BTF for it in ${this.source}`);
    const entry: ModuleEntry = {
      name,
      file: this.directory ? file : undefined,
      objectId: this.live ? this.#walk().modules.get(name)?.id : undefined,
      stamp: undefined,
      blob: undefined,
      spec: undefined,
      broken: undefined,
    };
    this.#entries.set(name, entry);
    return entry;
  }

  /** The module's bytes (header and strings at least), or `undefined` when skipped. */
  #blob(entry: ModuleEntry, mustHave: boolean): ModuleBlob | undefined {
    if (entry.blob) return entry.blob;
    if (entry.broken) {
      if (mustHave) throw entry.broken;
      return undefined;
    }
    try {
      if (this.directory) {
        entry.blob = this.directory.readModule(entry.name, entry.file);
        entry.stamp = entry.blob.stamp;
      } else {
        const id = entry.objectId;
        if (id === undefined) throw new NotFoundError(`module ${entry.name}: no BTF object`);
        const h = Handle.fromId(id);
        try {
          const origin = `BTF object ${id}`;
          try {
            entry.blob = blobFromBytes(entry.name, origin, h.bytes());
          } catch (err) {
            throw inObject(err, origin);
          }
        } finally {
          h.close();
        }
      }
      return entry.blob;
    } catch (err) {
      return this.#fail(entry, err, mustHave);
    }
  }

  /** Decodes (and validates) a module's spec once; `undefined` when skipped. */
  #decode(entry: ModuleEntry, mustHave: boolean): Spec | undefined {
    if (entry.spec) return entry.spec;
    const blob = this.#blob(entry, mustHave);
    if (!blob) return undefined;
    const base = this.vmlinux();
    try {
      this.#decoded++;
      const spec = loadSplitSpec(blob.blob(), base);
      validateSpec(spec);
      entry.spec = spec;
      return spec;
    } catch (err) {
      return this.#fail(entry, inObject(err, blob.origin), mustHave);
    }
  }

  /** Records a module as skipped: vanished files quietly, broken BTF with a warning or a throw. */
  #fail(entry: ModuleEntry, err: unknown, mustHave: boolean): undefined {
    if (!(err instanceof Error)) throw err;
    if (err instanceof NotFoundError || (err instanceof KernelError && err.errno === Errno.ENOENT)) {
      // Unloaded between listing and reading: a normal race, not a broken module.
      this.#entries.delete(entry.name);
      this.#listing?.delete(entry.name);
      if (mustHave) throw new NotFoundError(`module ${entry.name}: gone (unloaded since it was listed)`);
      return undefined;
    }
    if (!(err instanceof TsbpfError)) throw err;
    // Reading and decoding name the file or BTF object; add the module.
    const broken = inObject(err, `module ${entry.name}`) as TsbpfError;
    entry.broken = broken;
    entry.blob = undefined;
    if (mustHave || this.strict) throw broken;
    this.#warn({ module: entry.name, message: `${broken.message} (skipped)`, error: broken });
    return undefined;
  }

  #warn(w: RegistryWarning): void {
    this.warnings.push(w);
    this.#onWarning?.(w);
  }

  /**
   * The search behind {@link find} and {@link findAttachTarget}. With `vmlinuxFirst`, modules
   * are searched only when vmlinux has no match.
   */
  #search(object: string | undefined, name: string, kind: TypeKind | undefined, vmlinuxFirst: boolean): TypeMatch[] {
    const vm = this.vmlinux();
    const needle = needleOf(name);
    // After a few searches, index every string once: later lookups then take microseconds.
    const index = object === undefined && this.#searches++ >= INDEX_AFTER ? this.#stringIndex() : undefined;
    const hits = index?.index.lookup(needle.subarray(0, needle.byteLength - 1));
    const baseOffsets = hits ? hits.filter((h) => h.table === 0).map((h) => h.offset) : stringOffsets(vm.strings.bytes, needle);
    const out: TypeMatch[] = [];
    if (object === undefined || object === 'vmlinux') {
      if (baseOffsets.length > 0) {
        const vmId = this.objectId('vmlinux');
        if (index)
          for (const off of baseOffsets) pushMatches(vm, 'vmlinux', vmId, index.vmlinuxNames.get(off) ?? [], off, kind, out);
        else scanSpec(vm, 'vmlinux', vmId, baseOffsets, kind, out);
      }
      if (object === 'vmlinux' || (vmlinuxFirst && out.length > 0)) return out;
    }
    const splitStart = vm.strings.end;
    // Module → absolute offsets of its own strings equal to the name.
    let candidates: Map<string, number[]>;
    if (object !== undefined) {
      if (!this.hasModule(object)) throw new NotFoundError(`module ${object}: no BTF for it in ${this.source}`);
      const entry = this.#entry(object);
      const spec = this.#decode(entry, this.strict);
      const own = spec ? stringOffsets(spec.strings.bytes, needle).map((o) => o + splitStart) : [];
      if (spec) scanSpec(spec, object, entry.objectId, own.concat(baseOffsets), kind, out);
      return out;
    }
    if (index && hits) {
      candidates = new Map();
      for (const hit of hits) {
        if (hit.table === 0) continue;
        const m = index.names[hit.table]!;
        const list = candidates.get(m);
        if (list) list.push(hit.offset + splitStart);
        else candidates.set(m, [hit.offset + splitStart]);
      }
    } else {
      candidates = new Map();
      for (const m of this.modules()) {
        const entry = this.#entries.get(m) ?? this.#entry(m);
        const strings = entry.spec ? entry.spec.strings.bytes : this.#blob(entry, false)?.strings;
        if (!strings) continue;
        const own = stringOffsets(strings, needle);
        if (own.length > 0)
          candidates.set(
            m,
            own.map((o) => o + splitStart),
          );
      }
    }
    if (baseOffsets.length > 0) {
      // The name is also a vmlinux string: modules may name their own types by its offset.
      const refs = this.#baseReferences();
      for (const off of baseOffsets) {
        for (const m of refs.get(off) ?? []) if (!candidates.has(m)) candidates.set(m, []);
      }
      for (const m of refs.get(-1) ?? []) if (!candidates.has(m)) candidates.set(m, []);
    }
    for (const m of [...candidates.keys()].sort(byName)) {
      const entry = this.#entries.get(m);
      if (!entry) continue;
      const spec = this.#decode(entry, false);
      if (!spec) continue;
      scanSpec(spec, m, entry.objectId, candidates.get(m)!.concat(baseOffsets), kind, out);
    }
    return out;
  }

  /** The string index over every module's own strings, built on first call. */
  #stringIndex(): SearchIndex {
    if (!this.#index) {
      const vm = this.vmlinux();
      const names: string[] = ['vmlinux'];
      const tables: Uint8Array[] = [vm.strings.bytes];
      for (const m of this.modules()) {
        const entry = this.#entries.get(m) ?? this.#entry(m);
        const strings = entry.spec ? entry.spec.strings.bytes : this.#blob(entry, false)?.strings;
        if (!strings) continue;
        names.push(m);
        tables.push(strings);
      }
      const vmlinuxNames = new Map<number, number[]>();
      const section = vm.section;
      for (let i = 0; i < section.count; i++) {
        const off = section.nameOff(i);
        if (off === 0) continue;
        const l = vmlinuxNames.get(off);
        if (l) l.push(i);
        else vmlinuxNames.set(off, [i]);
      }
      this.#index = { index: new StringIndex(tables), names, vmlinuxNames };
    }
    return this.#index;
  }

  /**
   * vmlinux string offset → modules whose type records are named by it; key -1 lists modules
   * whose records could not be walked (they may use any).
   */
  #baseReferences(): Map<number, string[]> {
    if (!this.#baseRefs) {
      const limit = this.vmlinux().strings.end;
      const refs = new Map<number, string[]>();
      const add = (off: number, m: string) => {
        const l = refs.get(off);
        if (l) l.push(m);
        else refs.set(off, [m]);
      };
      for (const m of this.modules()) {
        const entry = this.#entries.get(m) ?? this.#entry(m);
        let offsets: Set<number> | undefined;
        if (entry.spec) {
          offsets = new Set();
          const section = entry.spec.section;
          for (let i = 0; i < section.count; i++) {
            const off = section.nameOff(i);
            if (off !== 0 && off < limit) offsets.add(off);
          }
        } else {
          const blob = this.#blob(entry, false);
          if (!blob) continue;
          try {
            const h = blob.header;
            offsets = baseNameOffsets(blob.blob().subarray(h.typeOff, h.typeOff + h.typeLen), h.littleEndian, limit);
          } catch (err) {
            this.#fail(entry, err, false);
            continue;
          }
        }
        if (offsets === undefined) add(-1, m);
        else for (const off of offsets) add(off, m);
      }
      this.#baseRefs = refs;
    }
    return this.#baseRefs;
  }
}

/** Appends the own types of `spec` whose name offset is one of `offsets` (and of `kind`). */
function scanSpec(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  offsets: readonly number[],
  kind: TypeKind | undefined,
  out: TypeMatch[],
): void {
  if (offsets.length === 0) return;
  const section = spec.section;
  const one = offsets.length === 1 ? offsets[0]! : -1;
  const set = one < 0 ? new Set(offsets) : undefined;
  for (let i = 0; i < section.count; i++) {
    const off = section.nameOff(i);
    if (set ? !set.has(off) : off !== one) continue;
    const k = KIND_BY_NUMBER[section.kind(i)] ?? 'unknown';
    if (kind !== undefined && k !== kind) continue;
    out.push(match(spec, object, objectId, spec.firstId + i, k, spec.strings.lookup(off) ?? ''));
  }
}

/** Appends the types at local `indices` of `spec` (all named by string offset `off`) that are of `kind`. */
function pushMatches(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  indices: readonly number[],
  off: number,
  kind: TypeKind | undefined,
  out: TypeMatch[],
): void {
  for (const i of indices) {
    const k = KIND_BY_NUMBER[spec.section.kind(i)] ?? 'unknown';
    if (kind !== undefined && k !== kind) continue;
    out.push(match(spec, object, objectId, spec.firstId + i, k, spec.strings.lookup(off) ?? ''));
  }
}

function match(
  spec: Spec,
  object: string,
  objectId: number | undefined,
  typeId: number,
  kind: TypeKind,
  name: string,
): TypeMatch {
  return {
    object,
    objectId,
    typeId,
    kind,
    name,
    spec,
    get type(): Type {
      return spec.mustTypeById(typeId);
    },
  };
}

function attachTarget(m: TypeMatch, handle: Handle | undefined): AttachTarget {
  return {
    object: m.object,
    objectId: handle?.id ?? m.objectId,
    typeId: m.typeId,
    kind: m.kind,
    name: m.name,
    handle,
    get fd(): number {
      return handle ? handle.fd.raw : 0;
    },
    close: () => handle?.close(),
  };
}
