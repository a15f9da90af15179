/**
 * The running kernel as the oracle of BTF validation tests: what its BPF_BTF_LOAD says of a blob.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { KernelError } from '../../src/errors.js';
import { btfLoad } from '../../src/sys/index.js';

/** The running kernel's verdict on `bytes`: 'accepts', or the last line of its verifier log. */
export function kernelVerdict(bytes: Uint8Array): string {
  try {
    btfLoad(bytes, { logLevel: 1 }).close();
    return 'accepts';
  } catch (err) {
    assert.ok(err instanceof KernelError, String(err));
    const lines = (err.log ?? '').trim().split('\n');
    return lines[lines.length - 1] || `(no log, ${err.code})`;
  }
}

/** Why a test that asks the kernel must skip here, or false when it can run. */
export function kernelVerdictSkip(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for BPF_BTF_LOAD';
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'needs a kernel with BTF';
  return false;
}
