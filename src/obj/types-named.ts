/**
 * Finding an object's types of a few kinds by name (its DATASECs, its extern VARs and FUNCs)
 * without the spec's name index.
 *
 * The index hashes the name of every type and needs the spec validated first; a BPF object is
 * read once, looks up a handful of names of two or three kinds, and in a cold process the
 * index's code is as dear as its work. A walk of the info words compares only the names of the
 * kinds asked for, and reads records in place, bounds-checked, so it also serves the compiler's
 * BTF before its fixups, which is validated once, after them.
 *
 * @module
 */

import type { Spec } from '../btf/spec.js';
import { kindNumber, type Type, type TypeKind, type TypeOfKind } from '../btf/types.js';
import { infoKind } from '../btf/wire.js';

/**
 * The spec's own types of `kind` named `name`, in ID order.
 * @throws {BtfError} if one of them cannot be decoded.
 */
export function typesNamed<K extends TypeKind>(btf: Spec, kind: K, name: string): TypeOfKind<K>[];
/**
 * The spec's own types of any of `kinds` named `name`, in ID order.
 * @throws {BtfError} if one of them cannot be decoded.
 */
export function typesNamed(btf: Spec, kinds: readonly TypeKind[], name: string): Type[];
export function typesNamed(btf: Spec, kinds: TypeKind | readonly TypeKind[], name: string): Type[] {
  const wanted = typeof kinds === 'string' ? [kindNumber(kinds)] : kinds.map(kindNumber);
  const { words, starts, count } = btf.section;
  const out: Type[] = [];
  for (let i = 0; i < count; i++) {
    const w = starts[i]!;
    if (!wanted.includes(infoKind(words[w + 1]!))) continue;
    if (btf.strings.lookup(words[w]!) === name) out.push(btf.mustTypeById(btf.firstId + i));
  }
  return out;
}
