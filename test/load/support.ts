/** Shared helpers of the live-object tests. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A skip reason when this process cannot use bpf() (not root), else false. */
export function canBpf(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for bpf()';
  return false;
}

/** The count of open descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * A private bpffs mount in a fresh temporary directory, unmounted and removed by the returned
 * function; or a skip reason where bpffs cannot be mounted.
 */
export function privateBpffs(): { dir: string; done: () => void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bpffs-'));
  const r = spawnSync('mount', ['-t', 'bpf', 'bpf', dir]);
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount bpffs: ${r.stderr.toString().trim()}`;
  }
  return {
    dir,
    done: () => {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
