/**
 * CO-RE (compile once, run everywhere), pure: relocations of a BPF object computed against
 * candidate types from vmlinux, modules or external BTF (given as data through a
 * {@link CandidateSource}), each decision printable, then patched into instructions.
 * @module
 */

export {
  type CandidateGroup,
  type CandidateHint,
  type CandidateObject,
  type CandidateSource,
  essentialName,
  sameEssentialName,
  specCandidateSource,
} from './candidates.js';
export {
  type AppliedFixup,
  type CoreObject,
  coreObjectOf,
  type ObjectFunction,
  type ObjectRelocation,
  readCoreObject,
  relocateObject,
} from './object-relocations.js';
export { type PatchResult, POISON_HELPER_ID, patchInstruction } from './patch.js';
export {
  CORE_RELO_KIND_NAMES,
  type CoreRelocationRecord,
  CoreReloKind,
  type CoreReloKindName,
  coreReloKindName,
} from './relo-kind.js';
export {
  type CandidatePolicy,
  type CoreCandidate,
  type CoreFixup,
  type CoreOptions,
  CoreRelocator,
  type CoreTypeRef,
  type ModuleTypeIdPolicy,
} from './relocator.js';
