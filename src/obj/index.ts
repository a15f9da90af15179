/**
 * BPF objects: a clang `-target bpf` ELF read into programs, maps, externs and loadable BTF.
 *
 * @module
 */

export { ObjectError } from '../errors.js';
export { assembledProgram } from './assembled.js';
export { BtfEditor } from './btf-edit.js';
export { fixupBtf } from './btf-fixup.js';
export { ALL_BTF_FEATURES, type BtfFeatures, kernelBtf, needsSanitizing, sanitizeBtf } from './btf-sanitize.js';
export { essentialName, KCONFIG_SECTION, KSYMS_SECTION } from './externs.js';
export { kconfigData, kernelVersionCode, parseKconfig } from './kconfig.js';
export { type LinkedFunction, type LinkedProgram, linkProgram } from './link.js';
export { loadObject } from './load-object.js';
export { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, internalMapName, MAP_NAME_MAX } from './maps.js';
export type * from './object-spec.js';
export {
  BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
  matchSection,
  SECTION_KINDS,
  type SectionKind,
  type SectionMatch,
} from './section-defs.js';
export { AttachType, MapType, ProgramType } from './types.js';
