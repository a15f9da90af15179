/**
 * Walking the IDs of the programs, maps and BTF objects loaded in the kernel
 * (`BPF_PROG_GET_NEXT_ID`, `BPF_MAP_GET_NEXT_ID`, `BPF_BTF_GET_NEXT_ID`), as `bpftool prog list`
 * and `btf list` do.
 * @module
 */
import { BpfAttr, BpfCommand, GetIdAttr } from './attr.js';
import { bpfError, tryBpf } from './bpf.js';
import { Errno } from './errno.js';

/** Kinds of object whose IDs {@link objectIds} walks. */
export type WalkedKind = 'prog' | 'map' | 'btf';

/** Each kind's GET_NEXT_ID command, and its name in messages. */
const walks: Record<WalkedKind, { command: number; noun: string }> = {
  prog: { command: BpfCommand.BPF_PROG_GET_NEXT_ID, noun: 'prog' },
  map: { command: BpfCommand.BPF_MAP_GET_NEXT_ID, noun: 'map' },
  btf: { command: BpfCommand.BPF_BTF_GET_NEXT_ID, noun: 'BTF' },
};

/**
 * Every program, map or BTF object ID loaded in the kernel, in increasing order (for BTF,
 * vmlinux first). Needs CAP_SYS_ADMIN.
 * @throws {@link KernelError} for any failure of the walk other than reaching its end
 * (`EPERM` when not privileged).
 */
export function* objectIds(kind: WalkedKind): Generator<number, void, undefined> {
  const { command, noun } = walks[kind];
  // One attr for the whole walk: each call rewrites the fields it reads.
  const attr = new BpfAttr(command, GetIdAttr.size);
  let id = 0;
  for (;;) {
    attr.setU32(GetIdAttr.id, id).setU32(GetIdAttr.nextId, 0);
    const r = tryBpf(attr);
    if (!r.ok) {
      if (r.errno === Errno.ENOENT) return;
      throw bpfError(attr, r.errno, { subject: `after ${noun} ID ${id}` });
    }
    id = attr.u32(GetIdAttr.nextId);
    yield id;
  }
}
