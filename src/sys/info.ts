/**
 * `BPF_OBJ_GET_INFO_BY_FD` for programs, maps and links, and opening them by ID.
 *
 * @module
 */

import { BpfAttr, BpfCommand, GetIdAttr, InfoAttr, LinkInfoLayout, MapInfoLayout, ProgInfoLayout, StructBuffer } from './attr.js';
import { bpf } from './bpf.js';
import { FD } from './fd.js';
import { syscallImpl } from './ffi.js';
import { cString, rawFd } from './u32.js';

function objInfo(fd: FD | number, size: number, what: string, fill?: (info: StructBuffer) => void): StructBuffer {
  const info = new StructBuffer(size);
  fill?.(info);
  const attr = new BpfAttr(BpfCommand.BPF_OBJ_GET_INFO_BY_FD, InfoAttr.size)
    .setU32(InfoAttr.bpfFd, rawFd(fd))
    .setU32(InfoAttr.infoLen, size)
    .setPointer(InfoAttr.info, info);
  bpf(attr, { subject: `${what} fd ${rawFd(fd)}` });
  return info;
}

/** What the kernel reports about a program. */
export interface ProgInfo {
  type: number;
  id: number;
  /** The program tag (hash of its instructions), 16 hex digits. */
  tag: string;
  name: string;
  /** BTF object ID of the program's BTF (0 without). */
  btfId: number;
  /** IDs of the maps the program uses. */
  mapIds: number[];
  /** Total run time and count (only counted while `BPF_ENABLE_STATS` is on). */
  runTimeNs: bigint;
  runCount: bigint;
  /** Instructions the verifier processed (Linux 5.16+). */
  verifiedInsns: number;
  /** Attach target: BTF object ID and type ID (Linux 5.16+; 0 for none). */
  attachBtfObjId: number;
  attachBtfId: number;
}

/**
 * Information about the program behind `fd`. `BPF_OBJ_GET_INFO_BY_FD`.
 *
 * @throws {@link KernelError} (`EBADF`/`EINVAL` for an fd that is not a program).
 */
export function progInfo(fd: FD | number): ProgInfo {
  const first = objInfo(fd, ProgInfoLayout.size, 'program');
  const nrMaps = first.u32(ProgInfoLayout.nrMapIds);
  let mapIds: number[] = [];
  if (nrMaps > 0) {
    const ids = new Uint8Array(nrMaps * 4);
    objInfo(fd, ProgInfoLayout.size, 'program', (info) => {
      info.setU32(ProgInfoLayout.nrMapIds, nrMaps).setPointer(ProgInfoLayout.mapIds, ids);
    });
    const view = new DataView(ids.buffer);
    mapIds = Array.from({ length: nrMaps }, (_, i) => view.getUint32(i * 4, true));
  }
  const tag = [...first.bytes.subarray(ProgInfoLayout.tag, ProgInfoLayout.tag + 8)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  return {
    type: first.u32(ProgInfoLayout.type),
    id: first.u32(ProgInfoLayout.id),
    tag,
    name: cString(first.bytes.subarray(ProgInfoLayout.name, ProgInfoLayout.name + 16)),
    btfId: first.u32(ProgInfoLayout.btfId),
    mapIds,
    runTimeNs: first.u64(ProgInfoLayout.runTimeNs),
    runCount: first.u64(ProgInfoLayout.runCnt),
    verifiedInsns: first.u32(ProgInfoLayout.verifiedInsns),
    attachBtfObjId: first.u32(ProgInfoLayout.attachBtfObjId),
    attachBtfId: first.u32(ProgInfoLayout.attachBtfId),
  };
}

/** What the kernel reports about a map. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  mapExtra: bigint;
}

/**
 * Information about the map behind `fd`. `BPF_OBJ_GET_INFO_BY_FD`.
 *
 * @throws {@link KernelError} (`EBADF`/`EINVAL` for an fd that is not a map).
 */
export function mapInfo(fd: FD | number): MapInfo {
  const info = objInfo(fd, MapInfoLayout.size, 'map');
  return {
    type: info.u32(MapInfoLayout.type),
    id: info.u32(MapInfoLayout.id),
    keySize: info.u32(MapInfoLayout.keySize),
    valueSize: info.u32(MapInfoLayout.valueSize),
    maxEntries: info.u32(MapInfoLayout.maxEntries),
    flags: info.u32(MapInfoLayout.mapFlags),
    name: cString(info.bytes.subarray(MapInfoLayout.name, MapInfoLayout.name + 16)),
    btfId: info.u32(MapInfoLayout.btfId),
    btfKeyTypeId: info.u32(MapInfoLayout.btfKeyTypeId),
    btfValueTypeId: info.u32(MapInfoLayout.btfValueTypeId),
    mapExtra: info.u64(MapInfoLayout.mapExtra),
  };
}

/** What the kernel reports about a link. */
export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  /** For tracing links: attach type, target BTF object ID and type ID. */
  tracing: { attachType: number; targetObjId: number; targetBtfId: number } | undefined;
}

/**
 * Information about the link behind `fd`. `BPF_OBJ_GET_INFO_BY_FD`.
 *
 * @throws {@link KernelError} (`EBADF`/`EINVAL` for an fd that is not a link).
 */
export function linkInfo(fd: FD | number): LinkInfo {
  const info = objInfo(fd, LinkInfoLayout.size, 'link');
  const type = info.u32(LinkInfoLayout.type);
  return {
    type,
    id: info.u32(LinkInfoLayout.id),
    progId: info.u32(LinkInfoLayout.progId),
    tracing:
      type === 2
        ? {
            attachType: info.u32(LinkInfoLayout.tracingAttachType),
            targetObjId: info.u32(LinkInfoLayout.tracingTargetObjId),
            targetBtfId: info.u32(LinkInfoLayout.tracingTargetBtfId),
          }
        : undefined,
  };
}

/** Object kinds that can be opened by ID. */
export type IdKind = 'prog' | 'map' | 'link';

const byId: Record<IdKind, number> = {
  prog: BpfCommand.BPF_PROG_GET_FD_BY_ID,
  map: BpfCommand.BPF_MAP_GET_FD_BY_ID,
  link: BpfCommand.BPF_LINK_GET_FD_BY_ID,
};

/**
 * Opens a program, map or link by ID. `BPF_*_GET_FD_BY_ID`; needs CAP_SYS_ADMIN.
 *
 * @throws {@link KernelError} (`ENOENT` when it is gone).
 */
export function getFdById(kind: IdKind, id: number): FD {
  const attr = new BpfAttr(byId[kind], GetIdAttr.size).setU32(GetIdAttr.id, id);
  const impl = syscallImpl();
  return new FD(bpf(attr, { subject: `${kind} ID ${id}` }), impl);
}
