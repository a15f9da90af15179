/**
 * The kernel BTF registry shared by every load in the process, so that vmlinux and module BTF
 * are decoded once, not once per program or object.
 *
 * @module
 */

import { KernelRegistry } from '../kernel/registry.js';

let shared: KernelRegistry | undefined;

/** The process-wide registry of the running kernel's BTF (created on first use). */
export function sharedKernelBtf(): KernelRegistry {
  shared ??= new KernelRegistry();
  return shared;
}
