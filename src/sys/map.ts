/**
 * Map commands: create, element operations, iteration, batches, freeze.
 *
 * @module
 */

import { BpfAttr, BpfCommand, FdAttr, MapBatchAttr, MapCreateAttr, MapElemAttr } from './attr.js';
import { bpf, bpfError, tryBpf } from './bpf.js';
import { Errno } from './errno.js';
import { FD } from './fd.js';
import { syscallImpl } from './ffi.js';
import { checkU32, objectName, rawFd } from './u32.js';

/** What `BPF_MAP_CREATE` needs. */
export interface MapCreateOptions {
  /** `BPF_MAP_TYPE_*`. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** `BPF_F_*` map flags. */
  flags?: number;
  /** Object name (sanitized to the kernel's 15 characters). */
  name?: string;
  /** For map-in-map: a map of the inner type. */
  innerMapFd?: FD | number;
  numaNode?: number;
  /** BTF object describing key and value. */
  btfFd?: FD | number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  /** `map_extra` (bloom filter hashes, arena address). */
  mapExtra?: bigint;
}

/** `BPF_F_*` map creation flags tsbpf uses. */
export const MapFlags = {
  NO_PREALLOC: 1 << 0,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  MMAPABLE: 1 << 10,
} as const;

/** `flags` of element updates. */
export const UpdateFlags = {
  /** Create or update. */
  ANY: 0,
  /** Create only. */
  NOEXIST: 1,
  /** Update only. */
  EXIST: 2,
  /** Take the value's spin lock. */
  LOCK: 4,
} as const;

/**
 * Creates a map. `BPF_MAP_CREATE`.
 *
 * @throws {@link KernelError} when the kernel refuses it.
 */
export function mapCreate(options: MapCreateOptions): FD {
  checkU32('map key size', options.keySize);
  checkU32('map value size', options.valueSize);
  checkU32('map max entries', options.maxEntries);
  const attr = new BpfAttr(BpfCommand.BPF_MAP_CREATE, MapCreateAttr.size)
    .setU32(MapCreateAttr.mapType, options.type)
    .setU32(MapCreateAttr.keySize, options.keySize)
    .setU32(MapCreateAttr.valueSize, options.valueSize)
    .setU32(MapCreateAttr.maxEntries, options.maxEntries)
    .setU32(MapCreateAttr.mapFlags, options.flags ?? 0)
    .setU32(MapCreateAttr.innerMapFd, options.innerMapFd === undefined ? 0 : rawFd(options.innerMapFd))
    .setU32(MapCreateAttr.numaNode, options.numaNode ?? 0)
    .setU32(MapCreateAttr.btfFd, options.btfFd === undefined ? 0 : rawFd(options.btfFd))
    .setU32(MapCreateAttr.btfKeyTypeId, options.btfKeyTypeId ?? 0)
    .setU32(MapCreateAttr.btfValueTypeId, options.btfValueTypeId ?? 0)
    .setU32(MapCreateAttr.btfVmlinuxValueTypeId, options.btfVmlinuxValueTypeId ?? 0)
    .setU64(MapCreateAttr.mapExtra, options.mapExtra ?? 0n);
  if (options.name !== undefined) attr.bytes.set(objectName(options.name), MapCreateAttr.mapName);
  const impl = syscallImpl();
  const fd = bpf(attr, { subject: options.name !== undefined ? `map ${options.name}` : `map of type ${options.type}` });
  return new FD(fd, impl);
}

function elemAttr(
  cmd: number,
  fd: FD | number,
  key: Uint8Array | undefined,
  value: Uint8Array | undefined,
  flags: number,
): BpfAttr {
  return new BpfAttr(cmd, MapElemAttr.size)
    .setU32(MapElemAttr.mapFd, rawFd(fd))
    .setPointer(MapElemAttr.key, key)
    .setPointer(MapElemAttr.value, value)
    .setU64(MapElemAttr.flags, BigInt(flags));
}

/**
 * Copies the value stored under `key` into `value`. `BPF_MAP_LOOKUP_ELEM`.
 *
 * @returns false when there is no such key.
 * @throws {@link KernelError} for any other failure.
 */
export function mapLookup(fd: FD | number, key: Uint8Array, value: Uint8Array, flags = 0): boolean {
  return elemCall(elemAttr(BpfCommand.BPF_MAP_LOOKUP_ELEM, fd, key, value, flags), 'lookup');
}

/**
 * Copies the value stored under `key` into `value` and removes it (or pops a queue or stack when
 * `key` is empty). `BPF_MAP_LOOKUP_AND_DELETE_ELEM`.
 *
 * @returns false when there is no such key (or the queue is empty).
 * @throws {@link KernelError} for any other failure.
 */
export function mapLookupAndDelete(fd: FD | number, key: Uint8Array, value: Uint8Array, flags = 0): boolean {
  return elemCall(elemAttr(BpfCommand.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags), 'lookup and delete');
}

/**
 * Stores `value` under `key`. `BPF_MAP_UPDATE_ELEM`.
 *
 * @throws {@link KernelError} (`EEXIST`/`ENOENT` for {@link UpdateFlags} that do not hold, `E2BIG` when full).
 */
export function mapUpdate(fd: FD | number, key: Uint8Array, value: Uint8Array, flags = 0): void {
  bpf(elemAttr(BpfCommand.BPF_MAP_UPDATE_ELEM, fd, key, value, flags), { subject: `map fd ${rawFd(fd)}` });
}

/**
 * Removes `key`. `BPF_MAP_DELETE_ELEM`.
 *
 * @returns false when there was no such key.
 * @throws {@link KernelError} for any other failure.
 */
export function mapDelete(fd: FD | number, key: Uint8Array, flags = 0): boolean {
  return elemCall(elemAttr(BpfCommand.BPF_MAP_DELETE_ELEM, fd, key, undefined, flags), 'delete');
}

/**
 * Writes the key after `key` (the first key for `undefined`) into `next`. `BPF_MAP_GET_NEXT_KEY`.
 *
 * @returns false at the end of the map.
 * @throws {@link KernelError} for any other failure.
 */
export function mapGetNextKey(fd: FD | number, key: Uint8Array | undefined, next: Uint8Array): boolean {
  return elemCall(elemAttr(BpfCommand.BPF_MAP_GET_NEXT_KEY, fd, key, next, 0), 'next key');
}

function elemCall(attr: BpfAttr, what: string): boolean {
  const r = tryBpf(attr);
  if (r.ok) return true;
  if (r.errno === Errno.ENOENT) return false;
  throw bpfError(attr, r.errno, { subject: `${what} in map fd ${attr.u32(MapElemAttr.mapFd)}` });
}

/**
 * Makes a map read-only for user space from now on (programs may still write it). `BPF_MAP_FREEZE`.
 *
 * @throws {@link KernelError} (`EBUSY` when the map is mapped writable).
 */
export function mapFreeze(fd: FD | number): void {
  bpf(new BpfAttr(BpfCommand.BPF_MAP_FREEZE, FdAttr.size).setU32(FdAttr.fd, rawFd(fd)), {
    subject: `map fd ${rawFd(fd)}`,
  });
}

/** One batch step's result. */
export interface BatchResult {
  /** Elements read or written in this step. */
  count: number;
  /** Whether the map has no more elements after these. */
  done: boolean;
}

/**
 * Reads up to `count` elements into `keys` and `values` (packed arrays), continuing after the
 * position in `inBatch` (`undefined` to start) and leaving the next position in `outBatch`.
 * `BPF_MAP_LOOKUP_BATCH` (or `..._AND_DELETE_BATCH` with `remove`); Linux 5.6+.
 *
 * @throws {@link KernelError} (`EINVAL`/`ENOTSUPP` where the map type has no batches).
 */
export function mapLookupBatch(
  fd: FD | number,
  inBatch: Uint8Array | undefined,
  outBatch: Uint8Array,
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
  remove = false,
): BatchResult {
  checkU32('batch count', count);
  const cmd = remove ? BpfCommand.BPF_MAP_LOOKUP_AND_DELETE_BATCH : BpfCommand.BPF_MAP_LOOKUP_BATCH;
  const attr = new BpfAttr(cmd, MapBatchAttr.size)
    .setPointer(MapBatchAttr.inBatch, inBatch)
    .setPointer(MapBatchAttr.outBatch, outBatch)
    .setPointer(MapBatchAttr.keys, keys)
    .setPointer(MapBatchAttr.values, values)
    .setU32(MapBatchAttr.count, count)
    .setU32(MapBatchAttr.mapFd, rawFd(fd));
  const r = tryBpf(attr);
  if (r.ok) return { count: attr.u32(MapBatchAttr.count), done: false };
  if (r.errno === Errno.ENOENT) return { count: attr.u32(MapBatchAttr.count), done: true };
  throw bpfError(attr, r.errno, { subject: `map fd ${rawFd(fd)}` });
}

/**
 * Writes `count` elements from packed `keys` and `values`. `BPF_MAP_UPDATE_BATCH`; Linux 5.6+.
 *
 * @returns how many were written.
 * @throws {@link KernelError} carrying the failure of the first element that failed.
 */
export function mapUpdateBatch(fd: FD | number, keys: Uint8Array, values: Uint8Array, count: number, elemFlags = 0): number {
  checkU32('batch count', count);
  const attr = new BpfAttr(BpfCommand.BPF_MAP_UPDATE_BATCH, MapBatchAttr.size)
    .setPointer(MapBatchAttr.keys, keys)
    .setPointer(MapBatchAttr.values, values)
    .setU32(MapBatchAttr.count, count)
    .setU32(MapBatchAttr.mapFd, rawFd(fd))
    .setU64(MapBatchAttr.elemFlags, BigInt(elemFlags));
  const r = tryBpf(attr);
  if (r.ok) return attr.u32(MapBatchAttr.count);
  throw bpfError(attr, r.errno, { subject: `map fd ${rawFd(fd)}, after ${attr.u32(MapBatchAttr.count)} elements` });
}

/**
 * Removes `count` keys given packed in `keys`. `BPF_MAP_DELETE_BATCH`; Linux 5.6+.
 *
 * @returns how many were removed.
 * @throws {@link KernelError} (`ENOENT` for a key that is absent, with the ones before it removed).
 */
export function mapDeleteBatch(fd: FD | number, keys: Uint8Array, count: number): number {
  checkU32('batch count', count);
  const attr = new BpfAttr(BpfCommand.BPF_MAP_DELETE_BATCH, MapBatchAttr.size)
    .setPointer(MapBatchAttr.keys, keys)
    .setU32(MapBatchAttr.count, count)
    .setU32(MapBatchAttr.mapFd, rawFd(fd));
  const r = tryBpf(attr);
  if (r.ok) return attr.u32(MapBatchAttr.count);
  throw bpfError(attr, r.errno, { subject: `map fd ${rawFd(fd)}, after ${attr.u32(MapBatchAttr.count)} keys` });
}
