/**
 * CO-RE relocation kinds: the numbers of `enum bpf_core_relo_kind` in the kernel's UAPI header
 * and the names libbpf prints for them.
 * @module
 */

/** `enum bpf_core_relo_kind` values, as they appear in `.BTF.ext` records. */
export const CoreReloKind = {
  FieldByteOffset: 0,
  FieldByteSize: 1,
  FieldExists: 2,
  FieldSigned: 3,
  FieldLshiftU64: 4,
  FieldRshiftU64: 5,
  TypeIdLocal: 6,
  TypeIdTarget: 7,
  TypeExists: 8,
  TypeSize: 9,
  EnumvalExists: 10,
  EnumvalValue: 11,
  TypeMatches: 12,
} as const;

/** A relocation kind's number. */
export type CoreReloKindNumber = (typeof CoreReloKind)[keyof typeof CoreReloKind];

/** Kind names as libbpf prints them, indexed by kind number. */
export const CORE_RELO_KIND_NAMES = [
  'byte_off',
  'byte_sz',
  'field_exists',
  'signed',
  'lshift_u64',
  'rshift_u64',
  'local_type_id',
  'target_type_id',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
] as const;

/** A relocation kind's name: `byte_off`, `type_matches`, ... */
export type CoreReloKindName = (typeof CORE_RELO_KIND_NAMES)[number];

/** The kind's name, or `'unknown'` for a number this library does not know. */
export function coreReloKindName(kind: number): CoreReloKindName | 'unknown' {
  return CORE_RELO_KIND_NAMES[kind] ?? 'unknown';
}

/** Kinds about a field reached by an access string: offsets, sizes, existence, signedness, shifts. */
export function isFieldKind(kind: number): boolean {
  return kind >= CoreReloKind.FieldByteOffset && kind <= CoreReloKind.FieldRshiftU64;
}

/** Kinds about a whole type: IDs, existence, size, match. */
export function isTypeKind(kind: number): boolean {
  return (kind >= CoreReloKind.TypeIdLocal && kind <= CoreReloKind.TypeSize) || kind === CoreReloKind.TypeMatches;
}

/** Kinds about one enumerator. */
export function isEnumvalKind(kind: number): boolean {
  return kind === CoreReloKind.EnumvalExists || kind === CoreReloKind.EnumvalValue;
}

/**
 * One CO-RE relocation record as `.BTF.ext` holds it (the shape of `CoreRelo` from
 * `src/btf/ext`, accepted structurally).
 */
export interface CoreRelocationRecord {
  /** Byte offset of the instruction, within its function (or section: see the caller). */
  readonly insnOff: number;
  /** The local type (in the object's BTF) the access starts from. */
  readonly typeId: number;
  /** The access string, e.g. `'0:1:2'`. */
  readonly access: string;
  /** An `enum bpf_core_relo_kind` value. */
  readonly kind: number;
}
