/**
 * The value a relocation computes from a spec, for the local object (the value the compiler put
 * in the instruction) and for a target (the value to patch in), with libbpf 1.1's rules:
 * bitfield loads widened to the smallest aligned load that holds them, what each kind yields
 * when nothing matched (0 for the existence and type kinds, poison for the others), and when a
 * load or store may change its width.
 * @module
 */
import type { Type } from '../btf/types.js';
import { CoreError } from '../errors.js';
import { type CoreSpec, resolveSize, skipModsAndTypedefs } from './access-spec.js';
import { CoreReloKind, coreReloKindName, isEnumvalKind, isFieldKind, isTypeKind } from './relo-kind.js';

/** A value one spec yields. */
interface SpecValue {
  value: bigint;
  /** Size in bytes of the field a byte_off relocation reaches (0 when not a plain field). */
  size: number;
  /** The field's type (qualifiers stripped) when `size` is set. */
  type: Type | undefined;
  /** Whether the local value can be checked against the instruction (not for bitfields, type IDs). */
  validate: boolean;
}

const POISON = 'poison' as const;

/** The outcome of one relocation against one target (or against none). */
export interface RelocationValue {
  /** The value computed from the local object: what the instruction should hold now. */
  readonly old: bigint;
  /** The value to patch in (0 when poisoned). */
  readonly new: bigint;
  /** Nothing fits: the instruction is to be replaced by a call that fails verification if reached. */
  readonly poison: boolean;
  /** Whether the instruction's current value must equal {@link old} before patching. */
  readonly validate: boolean;
  /** Size of the accessed field locally and in the target, for loads and stores (0 when not a plain field). */
  readonly oldSize: number;
  readonly newSize: number;
  /** The field changed size in a way a load or store cannot follow (not both pointers, not both unsigned ints). */
  readonly unsafeSizeChange: boolean;
}

const u64 = (n: number | bigint) => BigInt.asUintN(64, BigInt(n));

function fieldValue(kind: number, spec: CoreSpec | undefined, littleEndian: boolean): SpecValue | typeof POISON {
  if (kind === CoreReloKind.FieldExists) return { value: spec ? 1n : 0n, size: 0, type: undefined, validate: true };
  if (!spec) return POISON;
  const acc = spec.accessors[spec.accessors.length - 1]!;
  if (acc.name === undefined) {
    // The access ends at an array element (or is the root itself, `p[0]`).
    const size = resolveSize(acc.type);
    if (size === undefined) throw new CoreError(`type [${acc.type.id}] ${acc.type.kind} has no size`);
    if (kind === CoreReloKind.FieldByteOffset) return { value: u64(spec.bitOffset >>> 3), size, type: acc.type, validate: true };
    if (kind === CoreReloKind.FieldByteSize) return { value: u64(size), size: 0, type: undefined, validate: true };
    throw new CoreError(`${coreReloKindName(kind)} relocation cannot be applied to an array element`);
  }
  const owner = acc.type as Extract<Type, { kind: 'struct' | 'union' }>;
  const member = owner.members[acc.idx]!;
  const fieldType = skipModsAndTypedefs(member.type);
  const bitOff = spec.bitOffset;
  let bitSize = member.bitfieldSize;
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    byteSize = (fieldType as { size?: number }).size ?? 0;
    if (byteSize === 0) throw new CoreError(`bitfield '${member.name}' has a type without a size`);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    // The smallest naturally aligned load that holds the whole bitfield.
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreError(`bitfield '${member.name}' cannot be read with one 64-bit load`);
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  } else {
    const size = resolveSize(fieldType);
    if (size === undefined)
      throw new CoreError(`field '${member.name}' has type [${fieldType.id}] ${fieldType.kind} without a size`);
    byteSize = size;
    byteOff = bitOff >>> 3;
    bitSize = byteSize * 8;
  }
  // For bitfields the compiler's choices may differ from ours: only signedness and the right
  // shift are checked against the instruction.
  switch (kind) {
    case CoreReloKind.FieldByteOffset:
      return { value: u64(byteOff), size: bitfield ? 0 : byteSize, type: bitfield ? undefined : fieldType, validate: !bitfield };
    case CoreReloKind.FieldByteSize:
      return { value: u64(byteSize), size: 0, type: undefined, validate: !bitfield };
    case CoreReloKind.FieldSigned: {
      const signed =
        ((fieldType.kind === 'enum' || fieldType.kind === 'enum64') && fieldType.signed) ||
        (fieldType.kind === 'int' && fieldType.signed);
      return { value: signed ? 1n : 0n, size: 0, type: undefined, validate: true };
    }
    case CoreReloKind.FieldLshiftU64: {
      const shift = littleEndian ? 64 - (bitOff + bitSize - byteOff * 8) : (8 - byteSize) * 8 + (bitOff - byteOff * 8);
      return { value: u64(shift), size: 0, type: undefined, validate: !bitfield };
    }
    case CoreReloKind.FieldRshiftU64:
      return { value: u64(64 - bitSize), size: 0, type: undefined, validate: true };
    default:
      throw new CoreError(`unknown CO-RE relocation kind ${kind}`);
  }
}

function typeValue(kind: number, spec: CoreSpec | undefined): SpecValue {
  if (!spec) return { value: 0n, size: 0, type: undefined, validate: true };
  switch (kind) {
    case CoreReloKind.TypeIdTarget:
      // IDs may change when objects are linked: never checked against the instruction.
      return { value: u64(spec.root.id), size: 0, type: undefined, validate: false };
    case CoreReloKind.TypeExists:
    case CoreReloKind.TypeMatches:
      return { value: 1n, size: 0, type: undefined, validate: true };
    case CoreReloKind.TypeSize: {
      const size = resolveSize(spec.root);
      if (size === undefined) throw new CoreError(`type [${spec.root.id}] ${spec.root.kind} has no size`);
      return { value: u64(size), size: 0, type: undefined, validate: true };
    }
    default:
      throw new CoreError(`unknown CO-RE relocation kind ${kind}`);
  }
}

function enumvalValue(kind: number, spec: CoreSpec | undefined): SpecValue | typeof POISON {
  if (kind === CoreReloKind.EnumvalExists) return { value: spec ? 1n : 0n, size: 0, type: undefined, validate: true };
  if (kind !== CoreReloKind.EnumvalValue) throw new CoreError(`unknown CO-RE relocation kind ${kind}`);
  if (!spec) return POISON;
  const acc = spec.accessors[0]!;
  const t = acc.type;
  if (t.kind === 'enum') return { value: u64(t.values[acc.idx]!.value | 0), size: 0, type: undefined, validate: true };
  if (t.kind === 'enum64') return { value: u64(t.values[acc.idx]!.value), size: 0, type: undefined, validate: true };
  throw new CoreError(`enumval relocation on type [${t.id}] ${t.kind}`);
}

function specValue(kind: number, spec: CoreSpec | undefined, littleEndian: boolean): SpecValue | typeof POISON {
  if (isFieldKind(kind)) return fieldValue(kind, spec, littleEndian);
  if (isTypeKind(kind)) return typeValue(kind, spec);
  if (isEnumvalKind(kind)) return enumvalValue(kind, spec);
  throw new CoreError(`unknown CO-RE relocation kind ${kind}`);
}

/** Whether a load or store may change width from `a` to `b` without changing the value read. */
function widthChangeIsSafe(a: Type | undefined, b: Type | undefined): boolean {
  if (!a || !b) return false;
  if (a.kind === 'ptr' && b.kind === 'ptr') return true;
  return a.kind === 'int' && b.kind === 'int' && a.encoding !== 1 && b.encoding !== 1;
}

/**
 * The relocation's old and new values given the local spec and a target spec (`undefined`
 * when no candidate matched). `local_type_id` is not computed here (it needs no target).
 * @param littleEndian byte order of the program (for `lshift_u64` of bitfields).
 * @throws {CoreError} for relocations libbpf refuses: a kind applied where it cannot be
 * (a bitfield kind on an array element, a bitfield wider than a 64-bit load).
 */
export function computeValue(
  kind: number,
  local: CoreSpec,
  target: CoreSpec | undefined,
  littleEndian: boolean,
): RelocationValue {
  const before = specValue(kind, local, littleEndian);
  if (before === POISON) throw new CoreError('the local access has no value');
  const after = specValue(kind, target, littleEndian);
  if (after === POISON) {
    return {
      old: before.value,
      new: 0n,
      poison: true,
      validate: before.validate,
      oldSize: before.size,
      newSize: 0,
      unsafeSizeChange: false,
    };
  }
  const unsafeSizeChange = isFieldKind(kind) && before.size !== after.size && !widthChangeIsSafe(before.type, after.type);
  return {
    old: before.value,
    new: after.value,
    poison: false,
    validate: before.validate,
    oldSize: before.size,
    newSize: after.size,
    unsafeSizeChange,
  };
}
