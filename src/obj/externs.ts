/**
 * Externs (`extern ... __kconfig`, `extern ... __ksym`): found among undefined ELF symbols, typed
 * through the object's BTF (a VAR or FUNC inside the `.kconfig` or `.ksyms` DATASEC), ordered
 * and laid out as libbpf does: Kconfig externs before ksyms; Kconfig ones by descending
 * alignment, then ascending size, then name, packed into the `.kconfig` map in that order.
 *
 * @module
 */

import { alignOf, resolveType, sizeOf } from '../btf/layout.js';
import type { Spec } from '../btf/spec.js';
import type { Datasec, Type } from '../btf/types.js';
import { STB_WEAK } from '../elf/index.js';
import { ObjectError, TsbpfError } from '../errors.js';
import type { ElfObject } from './elf-object.js';
import { isExternSymbol } from './elf-object.js';
import type { ExternSpec } from './object-spec.js';
import { typesNamed } from './types-named.js';

/** Section of Kconfig externs. */
export const KCONFIG_SECTION = '.kconfig';
/** Section of kernel-symbol externs. */
export const KSYMS_SECTION = '.ksyms';

/** The name without its `___flavour` suffix (`bpf_task_from_pid___v2` → `bpf_task_from_pid`). */
export function essentialName(name: string): string {
  const at = name.indexOf('___');
  return at > 0 ? name.slice(0, at) : name;
}

/** The DATASEC (of `names`) that lists type `id`, and the datasec itself. */
function datasecOf(btf: Spec, id: number): Datasec | undefined {
  for (const name of [KCONFIG_SECTION, KSYMS_SECTION]) {
    for (const t of typesNamed(btf, 'datasec', name)) {
      if (t.vars.some((v) => v.typeId === id)) return t;
    }
  }
  return undefined;
}

/**
 * The object's externs, in libbpf's order, with `.kconfig` offsets assigned.
 *
 * @throws {@link ObjectError} naming the symbol for an extern without BTF, in another section,
 *   or of a Kconfig type libbpf cannot fill.
 */
export function collectExterns(obj: ElfObject, btf: Spec | undefined): ExternSpec[] {
  const found: { spec: ExternSpec; align: number }[] = [];
  for (const sym of obj.symbols) {
    if (!isExternSymbol(sym)) continue;
    if (btf === undefined) throw new ObjectError('extern needs BTF, and the object has no .BTF section', { symbol: sym.name });
    const decl = typesNamed(btf, ['var', 'func'], sym.name).find(
      (t) => (t.kind === 'var' || t.kind === 'func') && t.linkage === 'extern',
    );
    if (decl === undefined || (decl.kind !== 'var' && decl.kind !== 'func')) {
      throw new ObjectError('no BTF VAR or FUNC with extern linkage for this extern', { symbol: sym.name });
    }
    const sec = datasecOf(btf, decl.id);
    if (sec === undefined) {
      throw new ObjectError(`extern is in neither ${KCONFIG_SECTION} nor ${KSYMS_SECTION}`, { symbol: sym.name });
    }
    const kconfig = sec.name === KCONFIG_SECTION;
    let type: Type;
    let size = 0;
    let align = 1;
    try {
      type = decl.type;
      if (kconfig) {
        if (decl.kind !== 'var') throw new ObjectError('a Kconfig extern must be a variable', { symbol: sym.name });
        const r = resolveType(type);
        if (!isKconfigType(r))
          throw new ObjectError(`Kconfig extern of unsupported type ${r.kind} '${r.name}'`, { symbol: sym.name });
        size = sizeOf(type);
        align = alignOf(type);
      }
    } catch (err) {
      if (err instanceof ObjectError || !(err instanceof TsbpfError)) throw err;
      throw new ObjectError('extern type cannot be resolved', { symbol: sym.name }, { cause: err });
    }
    found.push({
      align,
      spec: {
        name: sym.name,
        essentialName: essentialName(sym.name),
        kind: kconfig ? 'kconfig' : 'ksym',
        weak: sym.bind === STB_WEAK,
        func: decl.kind === 'func',
        typed: decl.kind === 'func' || resolveType(type).kind !== 'void',
        btfId: decl.id,
        type,
        offset: 0,
        size,
      },
    });
  }
  const rank = (e: ExternSpec) => (e.kind === 'kconfig' ? 0 : 1);
  found.sort(({ spec: a, align: aa }, { spec: b, align: ba }) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (a.kind === 'kconfig') {
      if (aa !== ba) return ba - aa;
      if (a.size !== b.size) return a.size - b.size;
    }
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  let off = 0;
  for (const { spec, align } of found) {
    if (spec.kind !== 'kconfig') continue;
    off = Math.ceil(off / align) * align;
    spec.offset = off;
    off += spec.size;
  }
  return found.map((f) => f.spec);
}

/** Types libbpf fills from Kconfig: bool, char, tristate enum, integers, char arrays. */
function isKconfigType(t: Type): boolean {
  if (t.kind === 'int' || t.kind === 'enum') return true;
  if (t.kind === 'array') {
    const e = resolveType(t.type);
    return e.kind === 'int' && e.size === 1;
  }
  return false;
}

/** Total size of the `.kconfig` map: the end of its last extern. */
export function kconfigSize(externs: readonly ExternSpec[]): number {
  let end = 0;
  for (const e of externs) if (e.kind === 'kconfig') end = Math.max(end, e.offset + e.size);
  return end;
}
