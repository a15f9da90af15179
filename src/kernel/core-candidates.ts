/**
 * CO-RE candidates over a kernel's BTF: vmlinux's types of an essential name, then the modules'
 * (always, or only when vmlinux has none), each module decoded only when its strings can hold
 * the name. The registry answers CO-RE through this; {@link directoryCandidateSource} is the
 * same search over a directory without the registry's other parts (attach targets, BTF object
 * handles, the syscall layer), for a cold `tsbpf core explain`.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { Type, TypeKind } from '../btf/types.js';
import { type CandidateGroup, type CandidateObject, type CandidateSource, candidatesIn } from '../core/candidates.js';
import { NotFoundError } from '../errors.js';
import { directorySource } from './btf-source.js';
import { ModuleCache, type RegistryWarning } from './module-cache.js';
import { NameSearch } from './name-search.js';

/** When modules are searched: every time, or only when vmlinux has no candidate (libbpf's rule). */
export type ModulePolicy = 'always' | 'if-none-in-vmlinux';

/** CO-RE candidate search over one module cache. */
export class CoreCandidateSearch {
  readonly #cache: ModuleCache;
  readonly #search: NameSearch;
  readonly #objects = new WeakMap<Spec, CandidateObject>();

  constructor(cache: ModuleCache, search: NameSearch) {
    this.#cache = cache;
    this.#search = search;
  }

  /**
   * The candidates of `essential` of `kinds` (see {@link CandidateSource.candidates}): vmlinux's,
   * then, per `policy`, those of every module that may hold one, by module name. Each object is
   * one stable {@link CandidateObject}, named like its spec.
   * @throws {BtfError} if vmlinux's BTF is malformed, or (when strict) a module's.
   */
  candidates(essential: string, kinds: TypeKind | readonly TypeKind[], policy: ModulePolicy): CandidateGroup[] {
    const out: CandidateGroup[] = [];
    const vm = this.#cache.vmlinux();
    const own = candidatesIn(vm, essential, kinds);
    if (own.length > 0) out.push({ object: this.#object(vm), types: own });
    if (policy === 'if-none-in-vmlinux' && out.length > 0) return out;
    for (const m of this.#search.modulesForEssentialName(essential)) {
      let spec: Spec | undefined;
      try {
        spec = this.#cache.spec(this.#cache.entry(m), false);
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        throw err;
      }
      if (!spec) continue;
      const types: Type[] = candidatesIn(spec, essential, kinds);
      if (types.length > 0) out.push({ object: this.#object(spec), types });
    }
    return out;
  }

  #object(spec: Spec): CandidateObject {
    let o = this.#objects.get(spec);
    if (!o) {
      o = { name: spec.name, spec };
      this.#objects.set(spec, o);
    }
    return o;
  }
}

/** Options of {@link directoryCandidateSource}. */
export interface DirectoryCandidateOptions {
  /** When modules are searched; default `'always'`, as the registry's. */
  modules?: ModulePolicy;
  /** Throw on a broken module's BTF instead of skipping it with a warning. */
  strict?: boolean;
  /** Called for each warning (a broken module, a file that is not BTF). */
  onWarning?: (warning: RegistryWarning) => void;
}

/**
 * CO-RE candidates from a directory laid out like `/sys/kernel/btf`, as a registry on it gives
 * them, with nothing read before the first question and nothing of the running kernel's BTF
 * objects (their IDs, handles) used: vmlinux is opened on the first search, the directory is
 * listed and modules are read only when vmlinux lacks a name (or `modules` is `'always'`).
 */
export function directoryCandidateSource(dir: string, options: DirectoryCandidateOptions = {}): CandidateSource {
  let cache: ModuleCache | undefined;
  const source = directorySource(dir, (message) => cache?.warn({ module: undefined, message, error: undefined }));
  cache = new ModuleCache(source, { strict: options.strict ?? false, objects: () => undefined, onWarning: options.onWarning });
  const search = new CoreCandidateSearch(cache, new NameSearch(cache, () => undefined));
  const policy = options.modules ?? 'always';
  return {
    candidates: (essential, kinds, hint) =>
      search.candidates(essential, kinds, hint?.vmlinuxFirst ? 'if-none-in-vmlinux' : policy),
  };
}
