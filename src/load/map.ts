/**
 * A live BPF map: created (or opened from a pin), read and written through plain values
 * decoded by its BTF, closed.
 *
 * @module
 */

import { rmSync } from 'node:fs';
import type { Type, TypeResolver } from '../btf/types.js';
import { KernelError, NotSupportedError, TsbpfError } from '../errors.js';
import { kernelFeatures } from '../kernel/features.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { mapInfo } from '../sys/info.js';
import {
  mapCreate,
  mapDelete,
  mapDeleteBatch,
  mapFreeze,
  mapGetNextKey,
  mapLookup,
  mapLookupAndDelete,
  mapLookupBatch,
  mapUpdate,
  mapUpdateBatch,
} from '../sys/map.js';
import { isPerCpuMapType, MapType, mapTypeName, mapTypeSince } from '../sys/map-type.js';
import { objGet, objPin } from '../sys/pin.js';
import { decodeValue, encodeValue, type Value } from './btf-value.js';
import { possibleCpus } from './possible-cpus.js';

/** BTF that describes a map's key and value. */
export interface MapBtf {
  /** Resolves type IDs (the spec the types come from). */
  spec: TypeResolver;
  /** Key type (undefined: raw bytes). */
  key?: Type | undefined;
  /** Value type (undefined: raw bytes). */
  value?: Type | undefined;
  /** The loaded BTF object and IDs to hand the kernel (optional: the codec works without). */
  fd?: FD | undefined;
  keyTypeId?: number;
  valueTypeId?: number;
}

/** How to create a map. */
export interface MapOptions {
  /** Name (the kernel keeps 15 characters). */
  name: string;
  /** `BPF_MAP_TYPE_*` ({@link MapType}). */
  type: number;
  /** Size of a key in bytes (0 for maps without keys, such as ring buffers). */
  keySize: number;
  /** Size of a value in bytes (for per-CPU maps: of one CPU's value). */
  valueSize: number;
  /** Capacity in entries (for ring buffers: the buffer size in bytes, a power-of-2 multiple of the page size). */
  maxEntries: number;
  /** `BPF_F_*` map flags (`map_flags`; default 0). */
  flags?: number;
  /** For array/hash of maps: a map of the inner kind. */
  innerMap?: BpfMap;
  /** NUMA node to allocate on (`numa_node`, honoured with `BPF_F_NUMA_NODE`; default 0). */
  numaNode?: number;
  /** `map_extra` (bloom filter hash count, arena start address; default 0). */
  mapExtra?: bigint;
  /** BTF for the key and value: the codec for plain values, and the type IDs handed to the kernel when it has an fd. */
  btf?: MapBtf;
}

/** A key or value given to a map: a plain value (encoded through BTF or as an integer) or raw bytes. */
export type MapInput = Value;

/**
 * A BPF map. Keys and values go in and out as plain values when the map has BTF (see
 * {@link decodeValue}), as integers for maps with integer-sized keys, and as bytes always.
 * Per-CPU maps take and return one value per possible CPU, as an array.
 */
export class BpfMap implements Disposable {
  /** The map's descriptor. */
  readonly fd: FD;
  /** Name: the one given at creation, or the kernel's (at most 15 characters) for a map opened from a pin. */
  readonly name: string;
  /** `BPF_MAP_TYPE_*` ({@link MapType}). */
  readonly type: number;
  /** Size of a key in bytes. */
  readonly keySize: number;
  /** Size of a value in bytes (for per-CPU maps: of one CPU's value). */
  readonly valueSize: number;
  /** Capacity in entries (for ring buffers: the size in bytes). */
  readonly maxEntries: number;
  /** `BPF_F_*` map flags it was created with. */
  readonly flags: number;
  /** BTF used to encode and decode keys and values, if any. */
  readonly btf: MapBtf | undefined;
  /** Where the map is pinned, once pinned. */
  #pinnedAt: string | undefined;

  /** Wraps an open map fd (ownership passes to the map). Use {@link BpfMap.create} or {@link BpfMap.open}. */
  constructor(
    fd: FD,
    info: { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number },
    btf?: MapBtf,
  ) {
    this.fd = fd;
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.btf = btf;
  }

  /**
   * Creates a map.
   *
   * @throws {@link NotSupportedError} when the kernel lacks the map type; {@link KernelError}
   *   for other refusals.
   */
  static create(options: MapOptions): BpfMap {
    let fd: FD;
    const btf = options.btf;
    try {
      fd = mapCreate({
        type: options.type,
        keySize: options.keySize,
        valueSize: options.valueSize,
        maxEntries: options.maxEntries,
        flags: options.flags ?? 0,
        name: options.name,
        ...(options.innerMap !== undefined ? { innerMapFd: options.innerMap.fd } : {}),
        numaNode: options.numaNode ?? 0,
        ...(btf?.fd !== undefined
          ? { btfFd: btf.fd, btfKeyTypeId: btf.keyTypeId ?? 0, btfValueTypeId: btf.valueTypeId ?? 0 }
          : {}),
        mapExtra: options.mapExtra ?? 0n,
      });
    } catch (err) {
      if (err instanceof KernelError && err.errno === Errno.EINVAL) {
        const name = mapTypeName(options.type);
        if (kernelFeatures().mapTypes[name] !== true) {
          throw new NotSupportedError(
            `map ${options.name}: map type ${name} is not supported by this kernel`,
            mapTypeSince[options.type],
          );
        }
        throw new KernelError(
          'BPF_MAP_CREATE',
          err.errno,
          err.code,
          `rejected (${name}, key ${options.keySize}, value ${options.valueSize}, max_entries ${options.maxEntries}, flags 0x${(options.flags ?? 0).toString(16)})`,
          { object: `map ${options.name}`, cause: err },
        );
      }
      throw err;
    }
    return new BpfMap(fd, { ...options, flags: options.flags ?? 0 }, btf);
  }

  /**
   * Opens the map pinned at `path`.
   *
   * @throws {@link KernelError} (`ENOENT` when nothing is pinned there).
   */
  static open(path: string, btf?: MapBtf): BpfMap {
    const fd = objGet(path);
    try {
      const info = mapInfo(fd);
      const map = new BpfMap(fd, info, btf);
      map.#pinnedAt = path;
      return map;
    } catch (err) {
      fd.close();
      throw err;
    }
  }

  /**
   * Reuses the map pinned at `path` when it matches `options` (type, sizes, entries, flags), or
   * creates the map and pins it there.
   *
   * @throws {@link TsbpfError} when a pinned map there does not match; kernel errors as
   *   {@link BpfMap.create}.
   */
  static createPinned(options: MapOptions, path: string): BpfMap {
    let existing: FD | undefined;
    try {
      existing = objGet(path);
    } catch (err) {
      if (!(err instanceof KernelError && err.errno === Errno.ENOENT)) throw err;
    }
    if (existing !== undefined) {
      try {
        const info = mapInfo(existing);
        const want = {
          type: options.type,
          keySize: options.keySize,
          valueSize: options.valueSize,
          maxEntries: options.maxEntries,
        };
        const flags = options.flags ?? 0;
        for (const [k, v] of Object.entries(want)) {
          const got = info[k as keyof typeof want];
          if (got !== v)
            throw new TsbpfError(`map ${options.name}: pinned map at ${path} has ${k} ${got}, the object wants ${v}`);
        }
        if (info.flags !== flags) {
          throw new TsbpfError(
            `map ${options.name}: pinned map at ${path} has flags 0x${info.flags.toString(16)}, the object wants 0x${flags.toString(16)}`,
          );
        }
        const map = new BpfMap(existing, { ...info, name: options.name }, options.btf);
        map.#pinnedAt = path;
        return map;
      } catch (err) {
        existing.close();
        throw err;
      }
    }
    const map = BpfMap.create(options);
    try {
      map.pin(path);
    } catch (err) {
      map.close();
      throw err;
    }
    return map;
  }

  /** Whether each key holds one value per possible CPU. */
  get perCpu(): boolean {
    return isPerCpuMapType(this.type);
  }

  /** Where the map is pinned, if it is. */
  get pinnedAt(): string | undefined {
    return this.#pinnedAt;
  }

  /** Bytes of one value as the kernel copies it out (per-CPU: every CPU's, each 8-aligned). */
  get #valueBytes(): number {
    return this.perCpu ? roundUp8(this.valueSize) * possibleCpus() : this.valueSize;
  }

  /**
   * A key as the kernel wants it.
   *
   * @throws {@link TsbpfError} when it cannot be encoded.
   */
  encodeKey(key: MapInput): Uint8Array {
    return this.#encode(key, this.keySize, this.btf?.key, 'key');
  }

  /**
   * A value as the kernel wants it (per-CPU maps: an array of one value per CPU, or one value
   * for every CPU).
   *
   * @throws {@link TsbpfError} when it cannot be encoded.
   */
  encodeValue(value: MapInput): Uint8Array {
    if (!this.perCpu) return this.#encode(value, this.valueSize, this.btf?.value, 'value');
    const cpus = possibleCpus();
    const stride = roundUp8(this.valueSize);
    const out = new Uint8Array(stride * cpus);
    const many = Array.isArray(value) && this.btf?.value?.kind !== 'array' ? value : undefined;
    if (many !== undefined && many.length !== cpus) {
      throw new TsbpfError(`map ${this.name}: per-CPU value: ${many.length} values given, ${cpus} possible CPUs`);
    }
    for (let cpu = 0; cpu < cpus; cpu++) {
      out.set(
        this.#encode(many !== undefined ? (many[cpu] as Value) : value, this.valueSize, this.btf?.value, 'value'),
        cpu * stride,
      );
    }
    return out;
  }

  /** Decodes a key's bytes (BTF, else an integer for 4- and 8-byte keys, else the bytes). */
  decodeKey(bytes: Uint8Array): Value {
    return this.#decode(bytes, this.btf?.key);
  }

  /** Decodes a value's bytes (per-CPU: an array of one value per CPU). */
  decodeValue(bytes: Uint8Array): Value {
    if (!this.perCpu) return this.#decode(bytes, this.btf?.value);
    const stride = roundUp8(this.valueSize);
    const out: Value[] = [];
    for (let off = 0; off + this.valueSize <= bytes.byteLength; off += stride) {
      out.push(this.#decode(bytes.subarray(off, off + this.valueSize), this.btf?.value));
    }
    return out;
  }

  #encode(input: MapInput, size: number, type: Type | undefined, what: string): Uint8Array {
    if (input instanceof Uint8Array) {
      if (input.byteLength !== size)
        throw new TsbpfError(`map ${this.name}: ${what} of ${input.byteLength} bytes, the map's is ${size}`);
      return input;
    }
    if (type !== undefined) {
      try {
        return encodeValue(type, input, this.btf?.spec);
      } catch (err) {
        throw new TsbpfError(`map ${this.name}: ${what}: ${(err as Error).message}`, { cause: err });
      }
    }
    if ((typeof input === 'number' || typeof input === 'bigint') && (size === 1 || size === 2 || size === 4 || size === 8)) {
      const out = new Uint8Array(size);
      let v = BigInt.asUintN(size * 8, BigInt(input));
      for (let i = 0; i < size; i++) {
        out[i] = Number(v & 0xffn);
        v >>= 8n;
      }
      return out;
    }
    throw new TsbpfError(`map ${this.name}: ${what}: without BTF, give ${size} raw bytes${size <= 8 ? ' or an integer' : ''}`);
  }

  #decode(bytes: Uint8Array, type: Type | undefined): Value {
    if (type !== undefined) return decodeValue(type, bytes, 0, this.btf?.spec);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength === 4) return view.getUint32(0, true);
    if (bytes.byteLength === 8) return view.getBigUint64(0, true);
    return bytes.slice();
  }

  /**
   * The raw value under `key`, or `undefined` when absent.
   *
   * @throws {@link KernelError} for failures other than a missing key.
   */
  lookupBytes(key: MapInput): Uint8Array | undefined {
    const value = new Uint8Array(this.#valueBytes);
    return mapLookup(this.fd, this.encodeKey(key), value) ? value : undefined;
  }

  /**
   * The value under `key`, decoded, or `undefined` when absent.
   *
   * @throws {@link KernelError} for failures other than a missing key.
   */
  lookup(key: MapInput): Value | undefined {
    const bytes = this.lookupBytes(key);
    return bytes === undefined ? undefined : this.decodeValue(bytes);
  }

  /**
   * Removes and returns the value under `key`; for queues and stacks pass `undefined` to pop.
   *
   * @throws {@link KernelError} where the map type cannot do it.
   */
  lookupAndDelete(key?: MapInput): Value | undefined {
    const value = new Uint8Array(this.#valueBytes);
    const k = key === undefined ? new Uint8Array(0) : this.encodeKey(key);
    return mapLookupAndDelete(this.fd, k, value) ? this.decodeValue(value) : undefined;
  }

  /**
   * Stores `value` under `key` (flags: {@link UpdateFlags}); for queues and stacks `key` is
   * `undefined` (push).
   *
   * @throws {@link KernelError} (`E2BIG` when full, `EEXIST`/`ENOENT` for flags that do not hold).
   */
  update(key: MapInput | undefined, value: MapInput, flags = 0): void {
    const k = key === undefined ? new Uint8Array(0) : this.encodeKey(key);
    mapUpdate(this.fd, k, this.encodeValue(value), flags);
  }

  /**
   * Removes `key`; false when it was absent.
   *
   * @throws {@link KernelError} for other failures (arrays cannot delete: `EINVAL`).
   */
  delete(key: MapInput): boolean {
    return mapDelete(this.fd, this.encodeKey(key));
  }

  /** Every key's bytes, in the kernel's order (`BPF_MAP_GET_NEXT_KEY`). */
  *keyBytes(): Generator<Uint8Array, void, undefined> {
    let prev: Uint8Array | undefined;
    for (;;) {
      const next = new Uint8Array(this.keySize);
      if (!mapGetNextKey(this.fd, prev, next)) return;
      yield next;
      prev = next;
    }
  }

  /** Every key, decoded. */
  *keys(): Generator<Value, void, undefined> {
    for (const k of this.keyBytes()) yield this.decodeKey(k);
  }

  /**
   * Every entry, decoded, by `BPF_MAP_GET_NEXT_KEY` and lookups (a key deleted between the two
   * is skipped).
   */
  *entries(): Generator<[Value, Value], void, undefined> {
    for (const k of this.keyBytes()) {
      const value = new Uint8Array(this.#valueBytes);
      if (mapLookup(this.fd, k, value)) yield [this.decodeKey(k), this.decodeValue(value)];
    }
  }

  /** Same as {@link BpfMap.entries}. */
  [Symbol.iterator](): Generator<[Value, Value], void, undefined> {
    return this.entries();
  }

  /**
   * Every entry's raw key and value bytes, read `chunk` at a time with `BPF_MAP_LOOKUP_BATCH`
   * (Linux 5.6+, hash and array types).
   *
   * @throws {@link NotSupportedError} when the kernel or map type has no batch lookups.
   */
  *batchEntries(chunk = 256, remove = false): Generator<[Uint8Array, Uint8Array], void, undefined> {
    const valueBytes = this.#valueBytes;
    const keys = new Uint8Array(this.keySize * chunk);
    const values = new Uint8Array(valueBytes * chunk);
    // The batch cursor is a key for hashes and a u32 index for arrays; 8 bytes cover both.
    const cursorSize = Math.max(this.keySize, 8);
    let inBatch: Uint8Array | undefined;
    for (;;) {
      const outBatch = new Uint8Array(cursorSize);
      let r: { count: number; done: boolean };
      try {
        r = mapLookupBatch(this.fd, inBatch, outBatch, keys, values, chunk, remove);
      } catch (err) {
        if (
          err instanceof KernelError &&
          (err.errno === Errno.EINVAL || err.errno === Errno.ENOTSUPP || err.errno === Errno.EOPNOTSUPP)
        ) {
          throw new NotSupportedError(`map ${this.name} (${mapTypeName(this.type)}): batch lookups not supported`, '5.6');
        }
        throw err;
      }
      for (let i = 0; i < r.count; i++) {
        yield [keys.slice(i * this.keySize, (i + 1) * this.keySize), values.slice(i * valueBytes, (i + 1) * valueBytes)];
      }
      if (r.done) return;
      inBatch = outBatch;
    }
  }

  /**
   * Writes every entry in one `BPF_MAP_UPDATE_BATCH` (Linux 5.6+).
   *
   * @returns how many were written.
   * @throws {@link KernelError} for the first entry that failed.
   */
  updateBatch(entries: readonly [MapInput, MapInput][], flags = 0): number {
    const valueBytes = this.#valueBytes;
    const keys = new Uint8Array(this.keySize * entries.length);
    const values = new Uint8Array(valueBytes * entries.length);
    entries.forEach(([k, v], i) => {
      keys.set(this.encodeKey(k), i * this.keySize);
      values.set(this.encodeValue(v), i * valueBytes);
    });
    return mapUpdateBatch(this.fd, keys, values, entries.length, flags);
  }

  /**
   * Removes every key in one `BPF_MAP_DELETE_BATCH` (Linux 5.6+).
   *
   * @returns how many were removed.
   * @throws {@link KernelError} (`ENOENT` for an absent key).
   */
  deleteBatch(keys: readonly MapInput[]): number {
    const bytes = new Uint8Array(this.keySize * keys.length);
    keys.forEach((k, i) => {
      bytes.set(this.encodeKey(k), i * this.keySize);
    });
    return mapDeleteBatch(this.fd, bytes, keys.length);
  }

  /**
   * Makes the map read-only for user space (`BPF_MAP_FREEZE`, Linux 5.2+).
   *
   * @throws {@link KernelError} when it cannot be frozen.
   */
  freeze(): void {
    mapFreeze(this.fd);
  }

  /**
   * Pins the map at `path` in a bpffs mount.
   *
   * @throws {@link KernelError} (`EEXIST` when the path is taken).
   */
  pin(path: string): void {
    objPin(this.fd, path);
    this.#pinnedAt = path;
  }

  /** Removes the pin made by {@link BpfMap.pin} (or found by {@link BpfMap.open}); the map stays open. */
  unpin(): void {
    if (this.#pinnedAt === undefined) return;
    rmSync(this.#pinnedAt, { force: true });
    this.#pinnedAt = undefined;
  }

  /** Closes the map's descriptor (the kernel frees it once nothing else holds it). */
  close(): void {
    this.fd.close();
  }

  /** Same as {@link BpfMap.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `map NAME (TYPE)`. */
  toString(): string {
    return `map ${this.name} (${mapTypeName(this.type)})`;
  }
}

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

export { MapType };
