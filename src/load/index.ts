/**
 * Live BPF objects: a {@link Collection} loaded from a BPF ELF object (maps, global data,
 * programs, CO-RE against the running kernel's vmlinux and module BTF, links), and the maps,
 * programs and event readers it is made of.
 * @module
 */

export type { Link } from '../link/link.js';
export { attachPrograms } from './attach-programs.js';
export { autoAttach } from './auto-attach.js';
export type { Value } from './btf-value.js';
export { autoloads, Collection, type CollectionOptions, type ProgramOverride } from './collection.js';
export { assignVariables, globalVariables } from './global-data.js';
export { BpfMap, type MapInput, type MapOptions } from './map.js';
export { pageSize } from './page-size.js';
export { type PerfBufferOptions, PerfBufferReader, type PerfSample } from './perf-buffer.js';
export { Program, type ProgramOptions } from './program.js';
export { type RingBufferOptions, RingBufferReader } from './ring-buffer.js';
export { TypedMap } from './typed-map.js';
