/**
 * DECL_TAGs by value across vmlinux and the modules: which declarations carry a tag such as
 * `bpf_kfunc` (the kernel's kfunc marker since 6.8, written by pahole 1.26+). The tag's value is
 * the DECL_TAG's name, so the registry's name search finds the tags without decoding modules
 * that cannot hold them.
 * @module
 */
import type { Spec } from '../btf/spec.js';
import type { DeclTag, Type } from '../btf/types.js';
import type { TypeMatch } from './name-search.js';

/** One DECL_TAG and what it tags. */
export interface DeclTagMatch {
  /** `vmlinux` or the module's name. */
  readonly object: string;
  /** The object's BTF object ID in the running kernel, when known. */
  readonly objectId: number | undefined;
  /** The spec of the object. */
  readonly spec: Spec;
  /** The tag's value (`bpf_kfunc`). */
  readonly value: string;
  /** The DECL_TAG's type ID. */
  readonly tagId: number;
  /** The tagged declaration's type ID (a FUNC, VAR, STRUCT, UNION or TYPEDEF). */
  readonly targetId: number;
  /** -1 for the declaration itself, else the member or parameter index. */
  readonly componentIdx: number;
  /** The tagged declaration. */
  readonly target: Type;
}

/** Tags of one value, found once and indexed by (object, target ID). */
export class DeclTagIndex {
  /** Every tag with this value, in the order the name search found them. */
  readonly matches: readonly DeclTagMatch[];
  readonly #byObject = new Map<string, Map<number, DeclTagMatch[]>>();

  /** @param found - the DECL_TAG types named `value` (from the registry's name search). */
  constructor(value: string, found: readonly TypeMatch[]) {
    const matches: DeclTagMatch[] = [];
    for (const m of found) {
      const tag = m.type as DeclTag;
      const d: DeclTagMatch = {
        object: m.object,
        objectId: m.objectId,
        spec: m.spec,
        value,
        tagId: m.typeId,
        targetId: tag.typeId,
        componentIdx: tag.componentIdx,
        get target(): Type {
          return tag.type;
        },
      };
      matches.push(d);
      let ids = this.#byObject.get(m.object);
      if (!ids) {
        ids = new Map();
        this.#byObject.set(m.object, ids);
      }
      const list = ids.get(d.targetId);
      if (list) list.push(d);
      else ids.set(d.targetId, [d]);
    }
    this.matches = matches;
  }

  /** The tags on type `typeId` of `object` (the declaration's own and its components'). */
  on(object: string, typeId: number): readonly DeclTagMatch[] {
    return this.#byObject.get(object)?.get(typeId) ?? [];
  }

  /** Whether the declaration itself (not a component) of type `typeId` in `object` carries the tag. */
  tags(object: string, typeId: number): boolean {
    return this.on(object, typeId).some((d) => d.componentIdx === -1);
  }
}
