/**
 * Distilling a module's base: the split BTF of a kernel module rewritten on top of a small
 * "distilled" base that holds only what the module needs of vmlinux, so the module can later be
 * relocated onto any vmlinux with compatible types (the `.BTF` + `.BTF.base` pair of modules
 * built out of tree, libbpf's `btf__distill_base`).
 *
 * What goes where:
 * - Named INT, FLOAT and FWD types the module reaches are kept in the distilled base as they are.
 * - Named STRUCT and UNION types become member-less definitions of the same kind and size
 *   (relocation matches them by name, and by size where the module embeds them by value).
 * - Named ENUM and ENUM64 types become value-less ENUMs of the same size (they match either).
 * - Everything else the module reaches in its base (pointers, arrays, typedefs, qualifiers,
 *   function prototypes, type tags, anonymous structs, unions and enums) is copied into the
 *   split part after the module's own types, and followed further; named structs and unions
 *   are not followed, since their distilled form has no members.
 *
 * The module's own types keep their order; their IDs continue after the distilled base.
 * @module
 */
import { BtfError } from '../errors.js';
import { Builder } from './builder.js';
import { KIND_NAMES, Kind } from './kinds.js';
import type { MarshalOptions } from './marshal.js';
import { type ChainRecords, chainRecords } from './record-at.js';
import { loadSpec, type Spec } from './spec.js';
import { forEachRef, forEachStr, intBitOffset, intBits, intEncoding, kflagAt, kindAt, recordWordsAt } from './wire.js';

/** What {@link distillBase} produced. */
export interface DistillResult {
  /** The distilled base BTF (a module's `.BTF.base`). */
  base: Uint8Array;
  /** The module's types as split BTF on {@link base} (the module's new `.BTF`). */
  split: Uint8Array;
  /** Types in the distilled base. */
  baseTypes: number;
  /** Types in the new split BTF: the module's own, then {@link movedTypes} copied from its base. */
  splitTypes: number;
  /** Base types copied into the split part (reference and anonymous types the module reaches). */
  movedTypes: number;
}

/** Kinds a module may reach in its base; others (FUNC, VAR, DATASEC, DECL_TAG) cannot be distilled. */
const REACHABLE = new Set<number>([
  Kind.Int,
  Kind.Float,
  Kind.Fwd,
  Kind.Array,
  Kind.Struct,
  Kind.Union,
  Kind.Typedef,
  Kind.Enum,
  Kind.Enum64,
  Kind.Ptr,
  Kind.Const,
  Kind.Restrict,
  Kind.Volatile,
  Kind.FuncProto,
  Kind.TypeTag,
]);

/** Whether a base type of `kind` (named or not) is kept in the distilled base rather than moved. */
function staysInBase(kind: number, named: boolean): boolean {
  switch (kind) {
    case Kind.Int:
    case Kind.Float:
    case Kind.Fwd:
    case Kind.Struct:
    case Kind.Union:
    case Kind.Enum:
    case Kind.Enum64:
      return named;
    default:
      return false;
  }
}

/**
 * The base types `module` reaches from its own types, as a mark per base ID. Named structs and
 * unions are reached but not followed.
 * @throws {BtfError} naming a reached base type of a kind that cannot be distilled.
 */
function reachedBaseTypes(module: Spec, records: ChainRecords): Uint8Array {
  const limit = module.firstId;
  const reached = new Uint8Array(limit);
  const stack: number[] = [];
  const visit = (words: Uint32Array, o: number, from: number) => {
    forEachRef(words, o, (pos) => {
      const ref = words[pos] as number;
      if (ref === 0 || ref >= limit || reached[ref]) return;
      const kind = kindAt(records.words, records.at(ref, from));
      if (!REACHABLE.has(kind)) {
        throw new BtfError(
          `type [${from}] references base type [${ref}] of kind ${KIND_NAMES[kind] ?? kind}, which distilled base BTF cannot hold`,
          { typeId: ref },
        );
      }
      reached[ref] = 1;
      stack.push(ref);
    });
  };
  const own = module.section;
  for (let i = 0; i < own.count; i++) visit(own.words, own.starts[i] as number, module.firstId + i);
  while (stack.length > 0) {
    const id = stack.pop() as number;
    const o = records.at(id);
    const kind = kindAt(records.words, o);
    if ((kind === Kind.Struct || kind === Kind.Union) && records.words[o] !== 0) continue;
    visit(records.words, o, id);
  }
  return reached;
}

/** The name of a record, by its `name_off`, from `spec`'s string chain. */
function nameOf(spec: Spec, off: number, id: number): string {
  const s = spec.strings.lookup(off);
  if (s === undefined) throw new BtfError(`name offset ${off} is beyond the string section`, { typeId: id });
  return s;
}

/**
 * Splits `module` (split BTF, a kernel module's, opened on its base) into a distilled base and
 * new split BTF on it, as `btf__distill_base` does. Both are written in the module's byte order
 * unless `options.littleEndian` says otherwise.
 * @throws {BtfError} when `module` is not split BTF, or reaches base types of kinds that cannot
 * be distilled (FUNC, VAR, DATASEC, DECL_TAG), or references missing types.
 */
export function distillBase(module: Spec, options: MarshalOptions = {}): DistillResult {
  const base = module.base;
  if (!base) {
    throw new BtfError('distill: this is base BTF; distilling needs split BTF (a module) opened on its base');
  }
  const littleEndian = options.littleEndian ?? module.littleEndian;
  const limit = module.firstId;
  const records = chainRecords(module);
  const reached = reachedBaseTypes(module, records);

  // The distilled base, in base ID order.
  const distilled = new Builder();
  const baseIds = new Int32Array(limit);
  const moved: number[] = [];
  for (let id = 1; id < limit; id++) {
    if (!reached[id]) continue;
    const words = records.words;
    const o = records.at(id);
    const kind = kindAt(words, o);
    const nameOff = words[o] as number;
    if (!staysInBase(kind, nameOff !== 0)) {
      moved.push(id);
      continue;
    }
    const name = nameOf(module, nameOff, id);
    const size = words[o + 2] as number;
    switch (kind) {
      case Kind.Int: {
        const enc = words[o + 3] as number;
        baseIds[id] = distilled.addInt(name, size, intEncoding(enc), intBits(enc), intBitOffset(enc));
        break;
      }
      case Kind.Float:
        baseIds[id] = distilled.addFloat(name, size);
        break;
      case Kind.Fwd:
        baseIds[id] = distilled.addFwd(name, kflagAt(words, o) ? 'union' : 'struct');
        break;
      case Kind.Struct:
        baseIds[id] = distilled.addStruct(name, size);
        break;
      case Kind.Union:
        baseIds[id] = distilled.addUnion(name, size);
        break;
      default:
        // ENUM and ENUM64 alike: a value-less ENUM of the same size.
        baseIds[id] = distilled.addEnum(name, size);
    }
  }
  const baseBytes = distilled.marshal({ littleEndian });
  const distSpec = loadSpec(baseBytes);

  // The new split part: the module's own types, then the moved base types.
  const split = new Builder({ base: distSpec });
  const table = split.table;
  const firstOwn = distSpec.nextId;
  const movedIds = new Int32Array(limit);
  moved.forEach((id, k) => {
    movedIds[id] = firstOwn + module.count + k;
  });
  const mapId = (ref: number, from: number): number => {
    if (ref === 0) return 0;
    if (ref >= limit) return ref - limit + firstOwn;
    const to = baseIds[ref] || movedIds[ref];
    if (!to) throw new BtfError(`internal: base type [${ref}] was not distilled`, { typeId: from });
    return to;
  };
  const copy = (from: number) => {
    const words = records.words;
    const o = records.at(from);
    const len = recordWordsAt(words, o);
    const to = table.allocate(len);
    const w = table.words;
    w.set(words.subarray(o, o + len), to);
    forEachRef(w, to, (pos) => {
      w[pos] = mapId(w[pos] as number, from);
    });
    forEachStr(w, to, (pos) => {
      const off = w[pos] as number;
      if (off === 0) return;
      const at = module.strings.locate(off);
      if (!at) throw new BtfError(`name offset ${off} is beyond the string section`, { typeId: from });
      w[pos] = table.strings.addBytes(at.bytes, at.start, at.end < 0 ? at.bytes.byteLength : at.end);
    });
  };
  for (let id = module.firstId; id < module.nextId; id++) copy(id);
  for (const id of moved) copy(id);
  const splitBytes = split.marshal({ littleEndian });
  return {
    base: baseBytes,
    split: splitBytes,
    baseTypes: distSpec.count,
    splitTypes: split.count,
    movedTypes: moved.length,
  };
}
