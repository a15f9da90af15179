/**
 * Reading a type's wire record by ID across a spec and its bases, without inflating it: the
 * host-order words of the spec that owns the type and the word index of its record.
 * @module
 */
import { BtfError } from '../errors.js';
import type { Spec } from './spec.js';

/** Where a type's record lies: `words[o]` is its `name_off`, `words[o + 1]` its info word. */
export interface RecordRef {
  /** The spec (the one asked, or a base of it) that owns the type. */
  owner: Spec;
  words: Uint32Array;
  o: number;
}

/**
 * The record of type `id` of `spec` (own or a base's).
 * @throws {BtfError} when no type has this ID (`void`, ID 0, has no record).
 */
export function recordAt(spec: Spec, id: number, referrer?: number): RecordRef {
  const owner = id > 0 ? spec.specOf(id) : undefined;
  if (!owner) {
    const what = `references type [${id}], which does not exist (IDs run to ${spec.nextId - 1})`;
    if (referrer !== undefined) throw new BtfError(what, { typeId: referrer });
    throw new BtfError(`no such type (IDs run to ${spec.nextId - 1})`, { typeId: id });
  }
  return { owner, words: owner.section.words, o: owner.section.starts[id - owner.firstId] as number };
}
