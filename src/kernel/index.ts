/**
 * Kernel BTF (`tsbpf/kernel`): handles on loaded BTF objects, the registry of vmlinux and module
 * BTF (of the running kernel or of a directory laid out like /sys/kernel/btf), and attach-target
 * lookup.
 *
 * This is the public face of the folder. What the registry uses inside (module file reading,
 * the string search and index, the raw walk of BTF object IDs) is internal: inside tsbpf, import
 * it from its own file.
 * @module
 */
export { listBtfObjects, objectInfo } from './btf-objects.js';
export { Handle, type HandleInfo, isModule, isVmlinux } from './handle.js';
export { loadBtf } from './load-btf.js';
export { parseQualifiedName, type QualifiedName } from './qualified-name.js';
export {
  type AttachTarget,
  KernelRegistry,
  type RegistryOptions,
  type RegistryWarning,
  type TypeMatch,
} from './registry.js';
export { loadSpecFile, type SpecFileOptions, SYSFS_BTF_DIR } from './spec-file.js';
