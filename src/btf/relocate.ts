/**
 * Relocating split BTF from its distilled base onto a real base (libbpf's `btf__relocate`, what
 * the kernel does when it loads a module that carries `.BTF.base`): every distilled base type
 * is matched to one type of the real base, and the split types' references, IDs and strings
 * are rewritten so that the result is ordinary split BTF on the real base.
 *
 * Matching a distilled type against the real base's types of the same name:
 * - INT: an INT of the same size and encoding; FLOAT: a FLOAT of the same size.
 * - ENUM: an ENUM or ENUM64 of the same size.
 * - FWD: a FWD of the same flavour (struct or union), or a STRUCT (UNION) for a struct (union) FWD.
 * - STRUCT, UNION: one of the same kind; its size must equal the distilled size when the split
 *   types embed it by value (a member of the type, through typedefs, qualifiers and arrays but
 *   not pointers), or when the real base has several structs/unions of that name.
 * No match, or more than one, is a {@link BtfRelocationError} naming the distilled type.
 * @module
 */
import { BtfError } from '../errors.js';
import { KIND_NAMES, Kind } from './kinds.js';
import { writeBlob } from './marshal.js';
import { type ChainRecords, chainRecords } from './record-at.js';
import { Spec } from './spec.js';
import { ARRAY_TYPE, forEachRef, forEachStr, intEncoding, kflagAt, kindAt } from './wire.js';

/** Why a distilled type could not be relocated. */
export type RelocationFault = 'missing' | 'size' | 'ambiguous';

/** A distilled base type with no single counterpart in the real base. */
export class BtfRelocationError extends BtfError {
  override name = 'BtfRelocationError';
  /** Name of the distilled type. */
  readonly typeName: string;
  /** Its kind, as bpftool prints kinds (`STRUCT`). */
  readonly kind: string;
  /** What did not match, as data. */
  readonly fault: RelocationFault;
  /**
   * IDs in the real base: the types that all matched (`ambiguous`), that matched but for their
   * size (`size`), or that share the name but not a compatible kind (`missing`).
   */
  readonly candidates: readonly number[];

  constructor(distId: number, kind: string, typeName: string, fault: RelocationFault, detail: string, candidates: number[]) {
    super(`distilled base ${kind} '${typeName}': ${detail}`, { typeId: distId });
    this.typeName = typeName;
    this.kind = kind;
    this.fault = fault;
    this.candidates = candidates;
  }
}

/** What {@link relocate} produced. */
export interface RelocateResult {
  /** The split types, now split BTF on the real base. */
  spec: Spec;
  /** Real base ID of each distilled base type, indexed by distilled ID (0 for `void`). */
  map: Uint32Array;
  /** Distilled IDs of the structs and unions the split types embed by value. */
  embedded: number[];
}

const DISTILLED_KINDS = new Set<number>([Kind.Int, Kind.Float, Kind.Enum, Kind.Struct, Kind.Union, Kind.Fwd]);

/**
 * Checks that `dist` can be a distilled base: base BTF (not split) whose types are all named
 * INT, FLOAT, ENUM, STRUCT, UNION or FWD.
 * @throws {BtfError} naming the first type that cannot be in a distilled base.
 */
export function checkDistilledBase(dist: Spec): void {
  if (dist.base) throw new BtfError('distilled base BTF must be base BTF, but it is split BTF on another base');
  const { words, starts } = dist.section;
  for (let i = 0; i < dist.count; i++) {
    const o = starts[i] as number;
    const kind = kindAt(words, o);
    const id = dist.firstId + i;
    if (!DISTILLED_KINDS.has(kind)) {
      throw new BtfError(`kind ${KIND_NAMES[kind] ?? kind} cannot be in distilled base BTF`, { typeId: id });
    }
    if (words[o] === 0) {
      throw new BtfError(`anonymous ${KIND_NAMES[kind]} cannot be in distilled base BTF`, { typeId: id });
    }
  }
}

/** Distilled IDs of structs/unions that `split`'s own structs/unions embed by value. */
function embeddedComposites(split: Spec, distNext: number): Uint8Array {
  const marks = new Uint8Array(distNext);
  const records = chainRecords(split);
  const { words, starts } = split.section;
  for (let i = 0; i < split.count; i++) {
    const o = starts[i] as number;
    const kind = kindAt(words, o);
    if (kind !== Kind.Struct && kind !== Kind.Union) continue;
    const from = split.firstId + i;
    forEachRef(words, o, (pos) => {
      let id = words[pos] as number;
      for (let steps = 0; id !== 0; steps++) {
        if (steps > split.nextId) throw new BtfError('reference loop through a member type', { typeId: from });
        if (id >= split.nextId) {
          throw new BtfError(`references type [${id}], which does not exist (IDs run to ${split.nextId - 1})`, { typeId: from });
        }
        const o = records.at(id, from);
        const w = records.words;
        switch (kindAt(w, o)) {
          case Kind.Const:
          case Kind.Volatile:
          case Kind.Restrict:
          case Kind.Typedef:
          case Kind.TypeTag:
            id = w[o + 2] as number;
            break;
          case Kind.Array:
            id = w[o + ARRAY_TYPE] as number;
            break;
          case Kind.Struct:
          case Kind.Union:
            if (id < distNext) marks[id] = 1;
            id = 0;
            break;
          default:
            id = 0;
        }
      }
    });
  }
  return marks;
}

/** Whether base record (`bw`, `bo`) can stand for the distilled record (`dw`, `do_`), size aside. */
function kindMatches(dw: Uint32Array, dOff: number, bw: Uint32Array, bOff: number): boolean {
  const dk = kindAt(dw, dOff);
  const bk = kindAt(bw, bOff);
  switch (dk) {
    case Kind.Int:
      return bk === Kind.Int && intEncoding(dw[dOff + 3] as number) === intEncoding(bw[bOff + 3] as number);
    case Kind.Float:
      return bk === Kind.Float;
    case Kind.Enum:
      return bk === Kind.Enum || bk === Kind.Enum64;
    case Kind.Fwd: {
      const union = kflagAt(dw, dOff);
      if (bk === Kind.Fwd) return kflagAt(bw, bOff) === union;
      return bk === (union ? Kind.Union : Kind.Struct);
    }
    default:
      return bk === dk;
  }
}

/**
 * Maps every distilled base type of `split` to a type of `base`.
 * @returns the real base ID of each distilled ID, and the embedded marks.
 * @throws {BtfRelocationError} for a distilled type with no or several counterparts.
 */
function mapDistilled(
  split: Spec,
  dist: Spec,
  base: Spec,
  baseRecords: ChainRecords,
): { map: Uint32Array; embedded: Uint8Array } {
  const embedded = embeddedComposites(split, dist.nextId);
  const bw = baseRecords.words;
  const map = new Uint32Array(dist.nextId);
  const { words: dw, starts } = dist.section;
  for (let i = 0; i < dist.count; i++) {
    const id = dist.firstId + i;
    const dOff = starts[i] as number;
    const dk = kindAt(dw, dOff);
    const name = dist.strings.lookup(dw[dOff] as number);
    if (name === undefined) throw new BtfError(`name offset ${dw[dOff]} is beyond the string section`, { typeId: id });
    const dSize = dw[dOff + 2] as number;
    const named = base.typesByName(name);
    const sameKind: number[] = [];
    let composites = 0;
    for (const t of named) {
      const bo = baseRecords.at(t.id);
      const bk = kindAt(bw, bo);
      if (bk === Kind.Struct || bk === Kind.Union) composites++;
      if (kindMatches(dw, dOff, bw, bo)) sameKind.push(t.id);
    }
    const isComposite = dk === Kind.Struct || dk === Kind.Union;
    const sizeMatters =
      dk === Kind.Int || dk === Kind.Float || dk === Kind.Enum || (isComposite && (embedded[id] === 1 || composites > 1));
    const hits = sizeMatters ? sameKind.filter((b) => bw[baseRecords.at(b) + 2] === dSize) : sameKind;
    const kind = KIND_NAMES[dk] ?? String(dk);
    if (hits.length === 1) {
      map[id] = hits[0] as number;
      continue;
    }
    if (hits.length > 1) {
      throw new BtfRelocationError(
        id,
        kind,
        name,
        'ambiguous',
        `${hits.length} types of the base match (IDs ${hits.join(', ')}); cannot tell which to relocate to`,
        hits,
      );
    }
    if (sameKind.length > 0) {
      const sizes = sameKind.map((b) => `[${b}] ${bw[baseRecords.at(b) + 2]}`);
      const why = embedded[id] === 1 ? 'embedded by value in the split types, ' : '';
      throw new BtfRelocationError(
        id,
        kind,
        name,
        'size',
        `${why}size ${dSize} bytes, but the base's differ (${sizes.join(', ')} bytes)`,
        sameKind,
      );
    }
    const others = named.map((t) => {
      const bo = baseRecords.at(t.id);
      const bk = kindAt(bw, bo);
      const enc = bk === Kind.Int ? ` encoding ${intEncoding(bw[bo + 3] as number)}` : '';
      return `[${t.id}] ${KIND_NAMES[bk] ?? bk}${enc}`;
    });
    const mine = dk === Kind.Int ? ` (encoding ${intEncoding(dw[dOff + 3] as number)})` : '';
    throw new BtfRelocationError(
      id,
      kind,
      name,
      'missing',
      others.length > 0
        ? `no compatible type of this name in the base${mine}: only ${others.join(', ')}`
        : 'the base has no type of this name',
      named.map((t) => t.id),
    );
  }
  return { map, embedded };
}

/**
 * Relocates `split` (split BTF on a distilled base) onto `base`, as `btf__relocate` does.
 * @throws {BtfError} when `split` is not on a valid distilled base, or references missing types.
 * @throws {BtfRelocationError} naming a distilled type `base` has no single counterpart for.
 */
export function relocate(split: Spec, base: Spec): RelocateResult {
  const dist = split.base;
  if (!dist) throw new BtfError('relocate: this is base BTF; only split BTF on a distilled base can be relocated');
  if (dist === base) throw new BtfError('relocate: the split BTF is already on this base');
  checkDistilledBase(dist);
  if (dist.littleEndian !== base.littleEndian) {
    throw new BtfError('relocate: the distilled base and the target base differ in byte order');
  }
  const baseRecords = chainRecords(base);
  const { map, embedded } = mapDistilled(split, dist, base, baseRecords);

  // Distilled type names become the matched base types' names; any other string of the
  // distilled base is appended to the split's own strings.
  const distEnd = dist.strings.end;
  const ownShift = base.strings.end - distEnd;
  const strMap = new Map<number, number>();
  for (let i = 0; i < dist.count; i++) {
    const to = map[dist.firstId + i] as number;
    strMap.set(dist.section.words[dist.section.starts[i] as number] as number, baseRecords.words[baseRecords.at(to)] as number);
  }
  const own = split.strings.bytes;
  const extra: number[] = [];
  let extraLen = 0;
  const appended = new Map<number, number>();

  const distNext = dist.nextId;
  const idShift = base.nextId - distNext;
  const words = split.section.words.slice();
  const starts = split.section.starts;
  for (let i = 0; i < split.count; i++) {
    const o = starts[i] as number;
    const from = split.firstId + i;
    forEachRef(words, o, (pos) => {
      const ref = words[pos] as number;
      if (ref === 0) return;
      if (ref >= split.nextId) {
        throw new BtfError(`references type [${ref}], which does not exist (IDs run to ${split.nextId - 1})`, { typeId: from });
      }
      words[pos] = ref < distNext ? (map[ref] as number) : ref + idShift;
    });
    forEachStr(words, o, (pos) => {
      const off = words[pos] as number;
      if (off === 0) return;
      if (off >= distEnd) {
        words[pos] = off + ownShift;
        return;
      }
      let to = strMap.get(off) ?? appended.get(off);
      if (to === undefined) {
        const at = dist.strings.locate(off);
        if (!at) throw new BtfError(`name offset ${off} is beyond the string section`, { typeId: from });
        const end = at.end < 0 ? at.bytes.byteLength : at.end;
        to = base.strings.end + own.byteLength + extraLen;
        for (let k = at.start; k < end; k++) extra.push(at.bytes[k] as number);
        extra.push(0);
        extraLen = extra.length;
        appended.set(off, to);
      }
      words[pos] = to;
    });
  }
  const strings = new Uint8Array(own.byteLength + extra.length);
  strings.set(own);
  strings.set(extra, own.byteLength);
  const spec = new Spec(writeBlob(words, strings, split.littleEndian), base, { name: split.name });
  const marked: number[] = [];
  embedded.forEach((m, id) => {
    if (m) marked.push(id);
  });
  return { spec, map, embedded: marked };
}

/**
 * Relocates `split` onto `base` and returns the relocated split spec.
 * @throws {BtfError} / {@link BtfRelocationError} as {@link relocate} does.
 */
export function relocateSplit(split: Spec, base: Spec): Spec {
  return relocate(split, base).spec;
}
