/**
 * tsbpf: eBPF for TypeScript, with first-class kernel module (split) BTF.
 *
 * The package has one entry per folder, and this root entry:
 *
 * | import             | what it holds                                                        |
 * | ------------------ | -------------------------------------------------------------------- |
 * | `tsbpf`            | every error class, and the entry points most programs start from     |
 * | `tsbpf/asm`        | pure BPF instructions: decode, encode, assemble, disassemble         |
 * | `tsbpf/btf`        | BTF: open (`openSpec`, and `openSpecFile` under Node), look up, validate, format, build, merge |
 * | `tsbpf/core`       | pure CO-RE: candidates, decisions, explanations, patching            |
 * | `tsbpf/elf`        | the pure ELF reader                                                  |
 * | `tsbpf/kernel`     | kernel BTF: the registry of vmlinux and module BTF, handles, loading |
 * | `tsbpf/link`       | attaching programs: links, kprobes, uprobes, tracepoints, XDP, tcx   |
 * | `tsbpf/load`       | live objects: collections, maps, programs, ring and perf buffers     |
 * | `tsbpf/obj`        | pure BPF ELF objects read into programs, maps, externs; the linker   |
 * | `tsbpf/sys`        | the `bpf()` system call layer and its replaceable door               |
 *
 * Each folder's `index.ts` is its public face, and `package.json` maps `./<folder>` to it; a
 * folder without an entry there is internal. What is not exported from an entry is internal and
 * may change in any release.
 *
 * Every error tsbpf throws on purpose is a {@link TsbpfError}; catch by class:
 *
 * ```ts
 * import { KernelRegistry, NotFoundError } from 'tsbpf';
 * try {
 *   new KernelRegistry().findAttachTarget('veth:veth_xmit');
 * } catch (err) {
 *   if (err instanceof NotFoundError) console.error(err.message);
 *   else throw err;
 * }
 * ```
 * @module
 */

export { loadSpecFromBytes, type OpenSpecOptions, openSpec } from './btf/load.js';
export { BtfRelocationError, type RelocationFault } from './btf/relocate.js';
export { loadSpec, loadSplitSpec, Spec, type SpecOptions } from './btf/spec.js';
export type { Type, TypeKind } from './btf/types.js';
// Every error class, whatever is appended to errors.ts later (test/package.test.ts checks it).
export * from './errors.js';
export { Handle, type HandleInfo } from './kernel/handle.js';
export {
  type AttachTarget,
  KernelRegistry,
  type RegistryOptions,
  type RegistryWarning,
  type TypeMatch,
} from './kernel/registry.js';
export { loadSpecFile, type OpenSpecFileOptions, openSpecFile, type SpecFileOptions } from './kernel/spec-file.js';
export { Link } from './link/link.js';
export { Collection, type CollectionOptions } from './load/collection.js';
export { BpfMap } from './load/map.js';
export { Program } from './load/program.js';
export { loadObject } from './obj/load-object.js';
