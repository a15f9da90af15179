/**
 * The kernel's BTF as one searchable whole: vmlinux plus every module's split BTF. A thin
 * facade over four parts:
 *
 * - where the BTF comes from ({@link BtfSource}, btf-source.ts): a directory laid out like
 *   `/sys/kernel/btf` (the running kernel's by default, or any other), the running kernel's BTF
 *   objects by ID, or specs already in memory;
 * - the module cache (module-cache.ts): modules read and decoded on demand, dropped when stale,
 *   broken ones skipped with a warning;
 * - the name search (name-search.ts): raw string sections first, a string index after a few
 *   lookups, exact names and CO-RE essential names;
 * - attach targets (attach-target.ts, module-handles.ts, fd-array.ts): vmlinux first, module
 *   BTF objects held open once, shared and counted.
 *
 * The registry is also CO-RE's {@link CandidateSource} over the kernel.
 *
 * On the running kernel, results carry BTF object IDs from one walk of the IDs. Direct lookups
 * on the registry first check that the set of IDs did not change (one syscall per object); a
 * {@link KernelRegistry.snapshot | snapshot} checks once, for a whole program load.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { TypeKind } from '../btf/types.js';
import type { CandidateGroup, CandidateHint, CandidateSource } from '../core/candidates.js';
import { AmbiguousError, KernelError, NotFoundError, UsageError } from '../errors.js';
import { type AttachTarget, attachNaming, attachTarget } from './attach-target.js';
import type { BtfDirectory } from './btf-directory.js';
import { type BtfSource, directorySource, memorySource } from './btf-source.js';
import { CoreCandidateSearch, type ModulePolicy } from './core-candidates.js';
import { DeclTagIndex } from './decl-tags.js';
import { FdArray } from './fd-array.js';
import { ModuleCache, type RegistryWarning } from './module-cache.js';
import { type ModuleHandle, ModuleHandles } from './module-handles.js';
import { NameSearch, type TypeMatch } from './name-search.js';
import { ObjectSnapshot } from './object-snapshot.js';
import { objectSource, runningVmlinux } from './object-source.js';
import { parseQualifiedName } from './qualified-name.js';
import { SYSFS_BTF_DIR } from './spec-file.js';

export type { AttachTarget } from './attach-target.js';
export type { RegistryWarning } from './module-cache.js';
export type { TypeMatch } from './name-search.js';

/** Options of {@link KernelRegistry}. */
export interface RegistryOptions {
  /**
   * A directory laid out like `/sys/kernel/btf` (default: `/sys/kernel/btf`). When the default
   * does not exist, the running kernel's BTF objects are read through `bpf()` instead.
   */
  dir?: string;
  /**
   * vmlinux's spec, already opened by the caller: adopted instead of opening the source's.
   * Modules from the source are split on it, so it must be that kernel's vmlinux BTF.
   */
  vmlinux?: Spec;
  /**
   * Module specs already in memory, split on {@link RegistryOptions.vmlinux} (which is then
   * required): the registry holds these and nothing else (no directory, no kernel objects).
   */
  modules?: ReadonlyMap<string, Spec>;
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

/** Options of {@link KernelRegistry.find}. */
export interface FindOptions {
  /**
   * Search the modules only when vmlinux has no match: the order in which the kernel and
   * libbpf resolve attach targets and kfuncs. Default `false` (every object).
   */
  vmlinuxFirst?: boolean;
}

/** Options of {@link KernelRegistry.candidateSource}. */
export interface CandidateSourceOptions {
  /**
   * When modules are searched for CO-RE candidates: `'always'` (vmlinux's candidates, then every
   * module's, as cilium/ebpf does) or `'if-none-in-vmlinux'` (modules only when vmlinux has no
   * candidate, as libbpf does). Default `'always'`; a question that carries the
   * `vmlinuxFirst` hint (a `CoreRelocator` with its default policy asks so) is answered
   * as `'if-none-in-vmlinux'`, since the module candidates would be dropped anyway.
   */
  modules?: 'always' | 'if-none-in-vmlinux';
}

/** Lookups that see one state of the kernel's BTF objects (for one program load). */
export interface RegistryView extends CandidateSource {
  /** See {@link KernelRegistry.find}. */
  find(query: string, kind?: TypeKind, options?: FindOptions): TypeMatch[];
  /** See {@link KernelRegistry.findAttachTarget}. */
  findAttachTarget(query: string, kind?: TypeKind): AttachTarget;
  /** See {@link KernelRegistry.findProgramTarget}. */
  findProgramTarget(attachType: number, query: string): AttachTarget;
  /** See {@link KernelRegistry.declTags}. */
  declTags(value: string): DeclTagIndex;
  /** See {@link KernelRegistry.fdArray}. */
  fdArray(): FdArray;
  /** See {@link KernelRegistry.objectId}. */
  objectId(object: string): number | undefined;
}

/** vmlinux and every module's BTF of one kernel. */
export class KernelRegistry implements CandidateSource {
  /** Whether a broken module's BTF throws ({@link RegistryOptions.strict}) instead of being skipped with a warning. */
  readonly strict: boolean;
  /** Whether results carry the running kernel's BTF object IDs. */
  readonly live: boolean;
  readonly #source: BtfSource;
  readonly #cache: ModuleCache;
  readonly #search: NameSearch;
  readonly #handles = new ModuleHandles();
  #objects: ObjectSnapshot | undefined;
  #walkWarned = false;
  readonly #core: CoreCandidateSearch;
  readonly #declTags = new Map<string, { generation: number; index: DeclTagIndex }>();

  /**
   * @throws {UsageError} for `modules` without `vmlinux`, or a module spec not split on it.
   */
  constructor(options: RegistryOptions = {}) {
    this.strict = options.strict ?? false;
    let source: BtfSource;
    if (options.modules !== undefined) {
      if (options.vmlinux === undefined) throw new UsageError('KernelRegistry: modules in memory need their vmlinux spec');
      source = memorySource(options.vmlinux, options.modules);
      this.live = false;
    } else {
      const dir = directorySource(
        options.dir ?? SYSFS_BTF_DIR,
        (message) => this.#cache.warn({ module: undefined, message, error: undefined }),
        runningVmlinux,
      );
      if (options.dir === undefined && !dir.directory!.exists()) {
        // No sysfs BTF: the running kernel's objects are the only source.
        source = objectSource();
        this.live = true;
      } else {
        source = dir;
        this.live = options.objectIds ?? dir.directory!.isSysfs;
      }
      if (options.vmlinux !== undefined) source = adoptVmlinux(source, options.vmlinux);
    }
    this.#source = source;
    this.#cache = new ModuleCache(source, {
      strict: this.strict,
      objects: () => this.#walk(),
      onWarning: options.onWarning,
    });
    this.#search = new NameSearch(this.#cache, (object) => this.#walk()?.idOf(object));
    this.#core = new CoreCandidateSearch(this.#cache, this.#search);
  }

  /** A registry over specs in memory: vmlinux (or a merged blob) and modules split on it. */
  static fromSpecs(vmlinux: Spec, modules: ReadonlyMap<string, Spec> = new Map()): KernelRegistry {
    return new KernelRegistry({ vmlinux, modules });
  }

  /** The directory read, or `undefined` for kernel BTF objects and specs in memory. */
  get directory(): BtfDirectory | undefined {
    return this.#source.directory;
  }

  /** What the registry reads: a directory path, `kernel BTF objects`, or `specs in memory`. */
  get source(): string {
    return this.#source.description;
  }

  /** Every warning so far, in order. */
  get warnings(): readonly RegistryWarning[] {
    return this.#cache.warnings;
  }

  /** How many module specs were decoded so far (a lookup decodes only candidate modules). */
  get decodedModules(): number {
    return this.#cache.decoded;
  }

  /** How many module BTF objects are held open (by attach targets and fd arrays). */
  get openModuleHandles(): number {
    return this.#handles.openCount;
  }

  /**
   * vmlinux's spec, opened on first call (its structure is checked; run `validate()` for the
   * full checks).
   * @throws {NotFoundError} if there is no vmlinux BTF. @throws {BtfError} if it is malformed.
   */
  vmlinux(): Spec {
    return this.#cache.vmlinux();
  }

  /** Names of every module with BTF, sorted. */
  modules(): string[] {
    return this.#cache.names();
  }

  /** Whether a module of this name has BTF here. */
  hasModule(name: string): boolean {
    return this.#cache.listing().has(name);
  }

  /**
   * A module's spec (split on vmlinux's, named after the module), decoded and validated on
   * first call.
   * @throws {NotFoundError} for an unknown (or unloaded) module. @throws {BtfError} /
   * {@link ElfError} if its BTF is broken (whatever `strict` says: it was asked for by name).
   */
  module(name: string): Spec {
    this.#noticeChanges();
    return this.#module(name);
  }

  /** The running kernel's BTF object ID of `vmlinux` or a module, when known. */
  objectId(object: string): number | undefined {
    return this.#walk()?.idOf(object);
  }

  /**
   * Every type named `query` (`name`, `module:name`, or `vmlinux:name`), of `kind` if given: in
   * vmlinux, then in modules by name. Broken modules are skipped with a warning (or, when
   * strict, throw).
   * @throws {NotFoundError} for an unknown module in a qualified name.
   */
  find(query: string, kind?: TypeKind, options: FindOptions = {}): TypeMatch[] {
    this.#noticeChanges();
    return this.#find(query, kind, options);
  }

  /**
   * Resolves an attach target the way the kernel and libbpf do: vmlinux first, then the
   * modules. An unqualified name defined in several modules is refused. A module target holds
   * the module's BTF object open (shared): close the target when the program is loaded.
   * @throws {NotFoundError} if no object has it. @throws {AmbiguousError} listing the modules
   * when several have it. @throws {KernelError} when the module's BTF object cannot be opened,
   * or object IDs cannot be listed (not root).
   */
  findAttachTarget(query: string, kind: TypeKind = 'func'): AttachTarget {
    this.#noticeChanges();
    return this.#findAttachTarget(query, kind, true);
  }

  /**
   * The attach target of a program of `attachType` (an `enum bpf_attach_type` value) naming
   * `query` (`[module:]name` as in its section): `sched_switch` for tp_btf is found as typedef
   * `btf_trace_sched_switch`, an LSM hook `file_open` as function `bpf_lsm_file_open`, an
   * iterator `task` as `bpf_iter_task`, fentry/fexit/fmod_ret targets by their own name.
   * @throws as {@link KernelRegistry.findAttachTarget}.
   */
  findProgramTarget(attachType: number, query: string): AttachTarget {
    this.#noticeChanges();
    return this.#findProgramTarget(attachType, query, true);
  }

  /**
   * Every DECL_TAG of value `value` (`bpf_kfunc`) in vmlinux and the modules, indexed by what
   * they tag; found once per state of the modules.
   */
  declTags(value: string): DeclTagIndex {
    this.#noticeChanges();
    return this.#declTagIndex(value);
  }

  /**
   * A new `fd_array` builder for one program: module BTF objects held open through the shared
   * cache, one slot per module. Close it after the load.
   * @throws {UsageError} when the registry is not on the running kernel (nothing to open).
   */
  fdArray(): FdArray {
    this.#noticeChanges();
    return this.#fdArray();
  }

  /**
   * CO-RE candidates (see {@link CandidateSource}): every type whose essential name is
   * `essentialName`, of BTF kind `kind`, in vmlinux and then in every module that may hold one
   * (modules are decoded only when their strings hold the name).
   */
  candidates(essentialName: string, kind: TypeKind | readonly TypeKind[], hint?: CandidateHint): readonly CandidateGroup[] {
    this.#noticeChanges();
    return this.#candidates(essentialName, kind, hint?.vmlinuxFirst ? 'if-none-in-vmlinux' : 'always');
  }

  /** A {@link CandidateSource} with a choice of when modules are searched. */
  candidateSource(options: CandidateSourceOptions = {}): CandidateSource {
    const policy = options.modules ?? 'always';
    return {
      candidates: (essentialName: string, kind: TypeKind | readonly TypeKind[], hint?: CandidateHint) => {
        this.#noticeChanges();
        return this.#candidates(essentialName, kind, hint?.vmlinuxFirst ? 'if-none-in-vmlinux' : policy);
      },
    };
  }

  /**
   * Lookups for one program load: the running kernel's BTF object IDs are checked once, now,
   * and not again for each lookup (walking 4,000 IDs costs about 18 ms). The view shares this
   * registry's caches; take a new one for the next load.
   */
  snapshot(options: CandidateSourceOptions = {}): RegistryView {
    this.#noticeChanges();
    const policy = options.modules ?? 'always';
    return {
      find: (query, kind, findOptions = {}) => this.#find(query, kind, findOptions),
      findAttachTarget: (query, kind = 'func') => this.#findAttachTarget(query, kind, false),
      findProgramTarget: (attachType, query) => this.#findProgramTarget(attachType, query, false),
      declTags: (value) => this.#declTagIndex(value),
      fdArray: () => this.#fdArray(),
      objectId: (object) => this.#walk()?.idOf(object),
      candidates: (essentialName, kind, hint) =>
        this.#candidates(essentialName, kind, hint?.vmlinuxFirst ? 'if-none-in-vmlinux' : policy),
    };
  }

  /**
   * Forgets what may be stale: re-lists the modules and, for the running kernel, walks the BTF
   * object IDs again. Cached specs stay only for modules whose object ID (or file) is unchanged.
   */
  refresh(): void {
    let objects: ObjectSnapshot | undefined;
    if (this.live) {
      objects = ObjectSnapshot.take();
      this.#objects = objects;
    }
    this.#cache.refresh(objects);
  }

  #module(name: string): Spec {
    const entry = this.#cache.entry(name);
    const spec = this.#cache.spec(entry, true);
    if (!spec) throw entry.broken ?? new NotFoundError(`module ${name}: no BTF`);
    return spec;
  }

  #find(query: string, kind: TypeKind | undefined, options: FindOptions): TypeMatch[] {
    const q = parseQualifiedName(query);
    if (q.object !== undefined && q.object !== 'vmlinux' && !this.hasModule(q.object)) {
      throw new NotFoundError(`module ${q.object}: no BTF for it in ${this.source}`);
    }
    return this.#search.search(q.object, q.name, kind, options.vmlinuxFirst ?? false);
  }

  #findProgramTarget(attachType: number, query: string, mayRefresh: boolean): AttachTarget {
    const naming = attachNaming(attachType);
    const q = parseQualifiedName(query);
    const name = q.name.startsWith(naming.prefix) ? q.name : `${naming.prefix}${q.name}`;
    return this.#findAttachTarget(q.object === undefined ? name : `${q.object}:${name}`, naming.kind, mayRefresh);
  }

  #findAttachTarget(query: string, kind: TypeKind, mayRefresh: boolean): AttachTarget {
    const q = parseQualifiedName(query);
    for (let attempt = 0; ; attempt++) {
      const matches = this.#find(query, kind, { vmlinuxFirst: q.object === undefined });
      const objects = [...new Set(matches.map((m) => m.object))];
      if (objects.length === 0) {
        const where = q.object ?? `vmlinux or any of ${this.modules().length} modules`;
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
      const snapshot = this.#walk()!;
      const denied = snapshot.denied;
      if (denied !== undefined) {
        throw new KernelError(
          denied.command,
          denied.errno,
          denied.code,
          `${q.name} is in module ${m.object}, but module BTF object IDs cannot be listed (walking them needs root, i.e. CAP_SYS_ADMIN)`,
          { cause: denied },
        );
      }
      let held: ModuleHandle;
      try {
        held = this.#handles.acquire(m.object, snapshot);
      } catch (err) {
        // The module went away (or was reloaded under another ID) since the walk.
        if (!(err instanceof NotFoundError) || attempt > 0 || !mayRefresh) throw err;
        this.refresh();
        continue;
      }
      return attachTarget(m, held);
    }
  }

  #declTagIndex(value: string): DeclTagIndex {
    const known = this.#declTags.get(value);
    if (known && known.generation === this.#cache.generation) return known.index;
    const index = new DeclTagIndex(value, this.#search.search(undefined, value, 'decl_tag', false));
    this.#declTags.set(value, { generation: this.#cache.generation, index });
    return index;
  }

  #fdArray(): FdArray {
    const snapshot = this.live ? this.#walk() : undefined;
    if (!snapshot) throw new UsageError(`fd_array: ${this.source} is not the running kernel's BTF`);
    return new FdArray(this.#handles, snapshot);
  }

  #candidates(essential: string, kind: TypeKind | readonly TypeKind[], policy: ModulePolicy): CandidateGroup[] {
    return this.#core.candidates(essential, kind, policy);
  }

  /** For the running kernel: re-walks when the set of BTF object IDs changed since the last walk. */
  #noticeChanges(): void {
    if (!this.live || !this.#objects) return;
    if (this.#objects.changed()) this.refresh();
  }

  /** The running kernel's objects (walked on first call), or `undefined` when not live. */
  #walk(): ObjectSnapshot | undefined {
    if (!this.live) return undefined;
    if (!this.#objects) {
      this.#objects = ObjectSnapshot.take();
      if (this.#objects.diagnostic !== undefined && !this.#walkWarned) {
        this.#walkWarned = true;
        this.#cache.warn({ module: undefined, message: this.#objects.diagnostic, error: this.#objects.denied });
      }
    }
    return this.#objects;
  }
}

/** `source` with vmlinux's spec replaced by one the caller opened. */
function adoptVmlinux(source: BtfSource, vmlinux: Spec): BtfSource {
  return {
    ...source,
    vmlinux: () => vmlinux,
    vmlinuxChanged: () => false,
    forgetVmlinux() {},
    modules: (objects) => source.modules(objects),
    readModule: (m, id) => source.readModule(m, id),
    moduleStamp: (m) => source.moduleStamp(m),
  };
}
