/**
 * Pinning in bpffs: `BPF_OBJ_PIN` and `BPF_OBJ_GET`.
 *
 * @module
 */

import { BpfAttr, BpfCommand, ObjAttr } from './attr.js';
import { bpf } from './bpf.js';
import type { FD } from './fd.js';
import { FD as OwnedFd } from './fd.js';
import { syscallImpl } from './ffi.js';
import { rawFd, toCString } from './u32.js';

/** `file_flags` of {@link objGet}. */
export const ObjGetFlags = {
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
} as const;

/**
 * Pins the map, program or link behind `fd` at `path` in a bpffs mount. `BPF_OBJ_PIN`.
 *
 * @throws {@link KernelError} (`EEXIST` when the path exists, `EPERM` outside bpffs).
 */
export function objPin(fd: FD | number, path: string): void {
  const attr = new BpfAttr(BpfCommand.BPF_OBJ_PIN, ObjAttr.size)
    .setPointer(ObjAttr.pathname, toCString(path))
    .setU32(ObjAttr.bpfFd, rawFd(fd));
  bpf(attr, { subject: path });
}

/**
 * Opens the object pinned at `path`. `BPF_OBJ_GET`.
 *
 * @throws {@link KernelError} (`ENOENT` when nothing is pinned there).
 */
export function objGet(path: string, flags = 0): FD {
  const attr = new BpfAttr(BpfCommand.BPF_OBJ_GET, ObjAttr.size)
    .setPointer(ObjAttr.pathname, toCString(path))
    .setU32(ObjAttr.fileFlags, flags);
  const impl = syscallImpl();
  return new OwnedFd(bpf(attr, { subject: path }), impl);
}
