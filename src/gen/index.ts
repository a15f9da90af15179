/**
 * Generating from BTF, pure: minimal CO-RE BTF for a set of BPF objects (vmlinux and module
 * BTF cut to what their relocations reach), and TypeScript skeletons of BPF objects.
 * @module
 */

export {
  type MinCoreBtfOptions,
  type MinCoreBtfResult,
  type MinCoreObject,
  type MinimizedBtf,
  minimizeCoreBtf,
} from './min-core-btf.js';
export { generateSkeleton, type SkeletonOptions } from './skeleton.js';
