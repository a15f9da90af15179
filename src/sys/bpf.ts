/**
 * The `bpf()` system call with errors turned into {@link KernelError}.
 *
 * @module
 */

import type { KernelError } from '../errors.js';
import { type BpfAttr, bpfCommandName } from './attr.js';
import { type KernelErrorContext, kernelError } from './errno.js';
import { syscallImpl } from './ffi.js';

/** Outcome of a `bpf()` call that is allowed to fail: the result, or the errno. */
export type BpfResult = { ok: true; value: number } | { ok: false; errno: number };

/** Calls `bpf()` and reports failure as an errno instead of throwing. */
export function tryBpf(attr: BpfAttr): BpfResult {
  const r = syscallImpl().bpf(attr);
  return r < 0 ? { ok: false, errno: -r } : { ok: true, value: r };
}

/**
 * Calls `bpf()` and returns its non-negative result.
 *
 * @throws {@link KernelError} naming the command and explaining the errno.
 */
export function bpf(attr: BpfAttr, context?: KernelErrorContext): number {
  const r = syscallImpl().bpf(attr);
  if (r < 0) throw bpfError(attr, -r, context);
  return r;
}

/** The {@link KernelError} for `attr`'s command failing with `errno`. */
export function bpfError(attr: BpfAttr, errno: number, context?: KernelErrorContext): KernelError {
  return kernelError(bpfCommandName(attr.cmd), errno, context);
}
