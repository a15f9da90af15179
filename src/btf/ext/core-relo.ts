/**
 * CO-RE relocation records (`struct bpf_core_relo`) and their kinds.
 *
 * @module
 */

/**
 * What a CO-RE relocation computes: `enum bpf_core_relo_kind` of the kernel's UAPI
 * (`linux/bpf.h`), with libbpf's names and the same values.
 */
export enum CoreReloKind {
  /** Field byte offset. */
  FIELD_BYTE_OFFSET = 0,
  /** Field size in bytes. */
  FIELD_BYTE_SIZE = 1,
  /** Whether the field exists in the target. */
  FIELD_EXISTS = 2,
  /** Whether the field is signed (0 unsigned, 1 signed). */
  FIELD_SIGNED = 3,
  /** Bitfield left shift, for a 64-bit read. */
  FIELD_LSHIFT_U64 = 4,
  /** Bitfield right shift, for a 64-bit read. */
  FIELD_RSHIFT_U64 = 5,
  /** Type ID in the local object. */
  TYPE_ID_LOCAL = 6,
  /** Type ID in the target. */
  TYPE_ID_TARGET = 7,
  /** Whether the type exists in the target. */
  TYPE_EXISTS = 8,
  /** Type size in bytes. */
  TYPE_SIZE = 9,
  /** Whether the enumerator exists in the target. */
  ENUMVAL_EXISTS = 10,
  /** The enumerator's value in the target. */
  ENUMVAL_VALUE = 11,
  /** Whether the type matches one in the target (`bpf_core_type_matches`). */
  TYPE_MATCHES = 12,
}

/** The highest {@link CoreReloKind} value. */
export const CORE_RELO_KIND_MAX = CoreReloKind.TYPE_MATCHES;

/** libbpf's short names of the kinds, as its debug log prints them (`byte_off`, `type_matches`...). */
export const CORE_RELO_KIND_NAMES: Readonly<Record<CoreReloKind, string>> = {
  [CoreReloKind.FIELD_BYTE_OFFSET]: 'byte_off',
  [CoreReloKind.FIELD_BYTE_SIZE]: 'byte_sz',
  [CoreReloKind.FIELD_EXISTS]: 'field_exists',
  [CoreReloKind.FIELD_SIGNED]: 'signed',
  [CoreReloKind.FIELD_LSHIFT_U64]: 'lshift_u64',
  [CoreReloKind.FIELD_RSHIFT_U64]: 'rshift_u64',
  [CoreReloKind.TYPE_ID_LOCAL]: 'local_type_id',
  [CoreReloKind.TYPE_ID_TARGET]: 'target_type_id',
  [CoreReloKind.TYPE_EXISTS]: 'type_exists',
  [CoreReloKind.TYPE_SIZE]: 'type_size',
  [CoreReloKind.ENUMVAL_EXISTS]: 'enumval_exists',
  [CoreReloKind.ENUMVAL_VALUE]: 'enumval_value',
  [CoreReloKind.TYPE_MATCHES]: 'type_matches',
};

/** One CO-RE relocation record, its access string resolved. */
export interface CoreRelo {
  /** Byte offset of the instruction to patch, within its ELF section. */
  insnOff: number;
  /** Local BTF type ID of the root type. */
  typeId: number;
  /** Access string, e.g. `"0:1:2"`, from the BTF string table. */
  access: string;
  /** What to compute. */
  kind: CoreReloKind;
}

/** Whether `access` is well formed: decimal indices separated by colons. */
export function isAccessString(access: string): boolean {
  return /^\d+(?::\d+)*$/.test(access);
}
