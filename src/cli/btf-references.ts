/**
 * Which programs and maps use each BTF object: the `prog_ids` and `map_ids` of `bpftool btf
 * list`, found by walking every program and map and reading the BTF object ID it reports.
 * @module
 */
import { KernelError } from '../errors.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { getFdById, mapInfo, progInfo } from '../sys/info.js';
import { objectIds, type WalkedKind } from '../sys/object-ids.js';

/** The objects that refer to BTF: programs and maps. */
type Referrer = Exclude<WalkedKind, 'btf'>;

/** The programs and maps that hold one BTF object, each list in increasing ID order. */
export interface BtfReferences {
  progIds: number[];
  mapIds: number[];
}

/**
 * The programs and maps of the running kernel by the BTF object they use (objects without BTF
 * are left out). A program or map that goes away during the walk is skipped.
 * @throws {KernelError} `EPERM` without CAP_SYS_ADMIN, or any other failure of the walks.
 */
export function btfReferences(): Map<number, BtfReferences> {
  const byBtf = new Map<number, BtfReferences>();
  const add = (btfId: number, kind: Referrer, id: number) => {
    if (btfId === 0) return;
    let refs = byBtf.get(btfId);
    if (!refs) {
      refs = { progIds: [], mapIds: [] };
      byBtf.set(btfId, refs);
    }
    (kind === 'prog' ? refs.progIds : refs.mapIds).push(id);
  };
  for (const kind of ['prog', 'map'] as const) {
    for (const id of objectIds(kind)) {
      const btfId = withObject(kind, id, (fd) => (kind === 'prog' ? progInfo(fd).btfId : mapInfo(fd).btfId));
      if (btfId !== undefined) add(btfId, kind, id);
    }
  }
  return byBtf;
}

/** `read(fd)` of the object with this ID, or `undefined` when it vanished before it was read. */
function withObject<T>(kind: Referrer, id: number, read: (fd: FD) => T): T | undefined {
  let fd: FD;
  try {
    fd = getFdById(kind, id);
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENOENT) return undefined;
    throw err;
  }
  try {
    return read(fd);
  } finally {
    fd.close();
  }
}
