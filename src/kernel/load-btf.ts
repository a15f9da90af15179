/**
 * Loading BTF into the kernel (`BPF_BTF_LOAD`).
 * @module
 */
import { Spec } from '../btf/spec.js';
import { TsbpfError } from '../errors.js';
import { type BtfLoadOptions, btfLoad } from '../sys/btf.js';
import { Handle } from './handle.js';

/**
 * Loads a BTF blob (or a base spec's blob) into the kernel and returns a handle on the new
 * object. A split spec cannot be loaded this way (its base would have to be a loaded object).
 * @throws {KernelError} with the kernel's BTF log when the kernel rejects the blob, `EPERM`
 * without CAP_BPF. @throws {TsbpfError} for a split spec.
 */
export function loadBtf(source: Spec | Uint8Array, options: BtfLoadOptions = {}): Handle {
  let bytes: Uint8Array;
  if (source instanceof Spec) {
    if (source.base !== undefined) {
      throw new TsbpfError('loadBtf: a split spec needs its base loaded in the kernel; load base BTF only');
    }
    bytes = source.bytes;
  } else {
    bytes = source;
  }
  return new Handle(btfLoad(bytes, options));
}
