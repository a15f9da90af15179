/**
 * Kernel BTF: handles on loaded BTF objects, the registry of vmlinux and module BTF (of the
 * running kernel or of a directory laid out like /sys/kernel/btf), and attach-target lookup.
 * @module
 */
export { BtfDirectory, moduleNameOf, VMLINUX } from './btf-directory.js';
export { currentIds, type KernelObjects, listBtfObjects, objectInfo, walkKernelObjects } from './btf-objects.js';
export { Handle, type HandleInfo, isModule, isVmlinux } from './handle.js';
export { loadBtf } from './load-btf.js';
export { blobFromBytes, type ModuleBlob, readModuleFile } from './module-blob.js';
export { parseQualifiedName, type QualifiedName } from './qualified-name.js';
export {
  type AttachTarget,
  KernelRegistry,
  type RegistryOptions,
  type RegistryWarning,
  type TypeMatch,
} from './registry.js';
export { defaultBaseFor, loadSpecFile, readBytes, type SpecFileOptions, SYSFS_BTF_DIR } from './spec-file.js';
export { mayContainWord, needleOf, stringOffsets } from './string-search.js';
