/**
 * Kernel BTF (`tsbpf/kernel`): handles on loaded BTF objects, the registry of vmlinux and module
 * BTF (of the running kernel, of a directory laid out like /sys/kernel/btf, or of specs in
 * memory), CO-RE candidates over it, attach targets, kfunc tags and `fd_array`s.
 *
 * This is the public face of the folder. What the registry uses inside (module file reading,
 * the string search, the module cache, the raw walk of BTF object IDs) is internal: inside
 * tsbpf, import it from its own file.
 * @module
 */
export { type AttachNaming, type AttachTarget, attachNaming, BtfAttachType } from './attach-target.js';
export { type OpenBtfFileOptions, openBtfFile } from './btf-file.js';
export { listBtfObjects, objectInfo } from './btf-objects.js';
export { DeclTagIndex, type DeclTagMatch } from './decl-tags.js';
export { FdArray } from './fd-array.js';
export { Handle, type HandleInfo, isModule, isVmlinux } from './handle.js';
export { loadBtf } from './load-btf.js';
export type { RegistryWarning } from './module-cache.js';
export type { TypeMatch } from './name-search.js';
export { parseQualifiedName, type QualifiedName } from './qualified-name.js';
export {
  type CandidateSourceOptions,
  type FindOptions,
  KernelRegistry,
  type RegistryOptions,
  type RegistryView,
} from './registry.js';
export { loadSpecFile, type OpenSpecFileOptions, openSpecFile, type SpecFileOptions, SYSFS_BTF_DIR } from './spec-file.js';
