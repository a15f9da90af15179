/**
 * The pure BTF core: decode base and split BTF lazily, look types up, validate, and format.
 * @module
 */

export { formatJsonType, writeJson } from './format/json.js';
export { formatRaw, formatRawType, writeRaw } from './format/raw.js';
export { type Header, parseHeader } from './header.js';
export * from './kinds.js';
export {
  alignOf,
  findMember,
  isQualifierOrTypedef,
  type MemberLocation,
  memberPath,
  POINTER_SIZE,
  resolveType,
  sizeOf,
} from './layout.js';
export { btfSectionOf, isElf, loadSpecFromBytes } from './load.js';
export { loadSpec, loadSplitSpec, Spec, type SpecOptions } from './spec.js';
export { StringTable } from './strings.js';
export * from './types.js';
