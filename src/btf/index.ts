/**
 * The pure BTF core: decode base and split BTF lazily, look types up, validate, and format.
 * The Builder's record table and the functions over it (`TypeTable`, `dedupTable`,
 * `marshalTable`) are internal: use `Builder.dedup` and `Builder.marshal`.
 * @module
 */

export {
  Builder,
  type EnumValueInit,
  type MemberInit,
  type ParamInit,
  type SecinfoInit,
} from './builder.js';
export type { LayoutMemberInit, LayoutOptions, MemberLayout } from './builder-layout.js';
export type { DedupStats } from './dedup.js';
export { type DistillResult, distillBase } from './distill.js';
export { C_HEADER_EPILOGUE, C_HEADER_PROLOGUE, formatC, writeC } from './format/c.js';
export { formatJsonType, writeJson } from './format/json.js';
export { formatRaw, formatRawType, writeRaw } from './format/raw.js';
export { type Header, parseHeader, peekHeader } from './header.js';
export * from './kinds.js';
export {
  alignOf,
  findMember,
  isQualifierOrTypedef,
  layoutOf,
  type MemberLocation,
  memberPath,
  POINTER_SIZE,
  resolveType,
  sizeOf,
  trySizeOf,
} from './layout.js';
export { btfSectionOf, isElf, loadSpecFromBytes, type OpenSpecOptions, openSpec } from './load.js';
export { type MarshalOptions, type MarshalSpecOptions, marshalSpec } from './marshal.js';
export { type MergeInput, type MergeOptions, type MergeResult, merge } from './merge.js';
export {
  BtfRelocationError,
  checkDistilledBase,
  type RelocateResult,
  type RelocationFault,
  relocate,
  relocateSplit,
} from './relocate.js';
export { pointerSizeOf, TypeLayout } from './size-align.js';
export { loadSpec, loadSplitSpec, Spec, type SpecOptions } from './spec.js';
export { type StringHit, StringIndex } from './string-index.js';
export { StringSet } from './string-set.js';
export { StringTable } from './strings.js';
export * from './types.js';
export { type BtfKernelRules, btfKernelRules, type KernelRelease, NEWEST_KNOWN_RELEASE } from './validate-kernel.js';
export { type LoadableOptions, loadabilityFaults, MAX_LOAD_SIZE, validateLoadable } from './validate-loadable.js';
export { BTF_RULES, type BtfRule, type BtfRuleId } from './validate-rules.js';
export { walkRecords } from './wire.js';
