/**
 * BTF kind numbers as `include/uapi/linux/btf.h` defines them, and the names bpftool prints.
 * @module
 */
import type { TypeKind } from './types.js';

/** Wire values of `BTF_INFO_KIND(info)`. */
export const Kind = {
  Unknown: 0,
  Int: 1,
  Ptr: 2,
  Array: 3,
  Struct: 4,
  Union: 5,
  Enum: 6,
  Fwd: 7,
  Typedef: 8,
  Volatile: 9,
  Const: 10,
  Restrict: 11,
  Func: 12,
  FuncProto: 13,
  Var: 14,
  Datasec: 15,
  Float: 16,
  DeclTag: 17,
  TypeTag: 18,
  Enum64: 19,
} as const;

/** A wire kind number. */
export type KindNumber = (typeof Kind)[keyof typeof Kind];

/** Highest kind this library decodes natively; higher ones are skipped via the layout section. */
export const MAX_KNOWN_KIND = Kind.Enum64;

/**
 * The kind string of the model's types ({@link TypeKind}), indexed by wire kind number: the one
 * table of kinds. `void` stands at 0, where the wire has no kind.
 */
export const KIND_BY_NUMBER: readonly TypeKind[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
];

/** Kind names as bpftool prints them (`FUNC_PROTO`), indexed by kind number; `UNKNOWN` at 0. */
export const KIND_NAMES: readonly string[] = KIND_BY_NUMBER.map((k) => (k === 'void' ? 'UNKNOWN' : k.toUpperCase()));

/** Wire kind number of a kind string (0 for `void` and `unknown`). */
export function kindNumber(kind: TypeKind): number {
  const n = KIND_BY_NUMBER.indexOf(kind);
  return Math.max(n, 0);
}

/** Function linkage as stored in a FUNC's vlen. */
export const FUNC_LINKAGE = ['static', 'global', 'extern'] as const;
/** Variable linkage as stored in `struct btf_var`. */
export const VAR_LINKAGE = ['static', 'global', 'extern'] as const;

/** Linkage of a FUNC or VAR. */
export type Linkage = (typeof FUNC_LINKAGE)[number];

/** `BTF_MAX_TYPE`: the largest type ID the format allows. */
export const MAX_TYPE_ID = 0x000fffff;
/** `BTF_MAX_NAME_OFFSET`: the largest string offset the format allows. */
export const MAX_NAME_OFFSET = 0x00ffffff;
/** `BTF_MAX_VLEN` since the 24-bit widening (was 0xffff). */
export const MAX_VLEN = 0x00ffffff;
