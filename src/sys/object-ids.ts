/**
 * Walking the IDs of the programs and maps loaded in the kernel (`BPF_PROG_GET_NEXT_ID`,
 * `BPF_MAP_GET_NEXT_ID`), as `bpftool prog list` and `btf list` do.
 * @module
 */
import { BpfAttr, BpfCommand, GetIdAttr } from './attr.js';
import { bpfError, tryBpf } from './bpf.js';
import { Errno } from './errno.js';

/** Kinds of object whose IDs {@link objectIds} walks. */
export type WalkedKind = 'prog' | 'map';

const nextIdCommand: Record<WalkedKind, number> = {
  prog: BpfCommand.BPF_PROG_GET_NEXT_ID,
  map: BpfCommand.BPF_MAP_GET_NEXT_ID,
};

/**
 * Every program or map ID loaded in the kernel, in increasing order. Needs CAP_SYS_ADMIN.
 * @throws {@link KernelError} for any failure of the walk other than reaching its end
 * (`EPERM` when not privileged).
 */
export function* objectIds(kind: WalkedKind): Generator<number, void, undefined> {
  const attr = new BpfAttr(nextIdCommand[kind], GetIdAttr.size);
  let id = 0;
  for (;;) {
    attr.setU32(GetIdAttr.id, id).setU32(GetIdAttr.nextId, 0);
    const r = tryBpf(attr);
    if (!r.ok) {
      if (r.errno === Errno.ENOENT) return;
      throw bpfError(attr, r.errno, { subject: `after ${kind} ID ${id}` });
    }
    id = attr.u32(GetIdAttr.nextId);
    yield id;
  }
}
