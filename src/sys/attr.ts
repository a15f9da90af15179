/**
 * `union bpf_attr` and the info structs, as little byte buffers written through a `DataView`.
 *
 * Field offsets follow `include/uapi/linux/bpf.h`. Every layout here is the prefix of the kernel's
 * struct that tsbpf uses: the kernel zero-fills the part of `bpf_attr` that user space does not
 * pass, and rejects (`E2BIG`/`EINVAL`) non-zero bytes beyond the fields it knows, so a short attr
 * works on old and new kernels alike.
 *
 * Pointer fields are not written as numbers by callers: {@link StructBuffer.setPointer} records the
 * buffer, and the syscall implementation writes its address just before the call. That keeps the
 * buffer referenced (alive) for as long as the attr is, and lets a fake implementation reach the
 * buffer behind a pointer field without any address arithmetic.
 *
 * @module
 */

/** `enum bpf_cmd` values tsbpf uses (numbers from `include/uapi/linux/bpf.h`). */
export const BpfCommand = {
  BPF_MAP_CREATE: 0,
  BPF_MAP_LOOKUP_ELEM: 1,
  BPF_MAP_UPDATE_ELEM: 2,
  BPF_MAP_DELETE_ELEM: 3,
  BPF_MAP_GET_NEXT_KEY: 4,
  BPF_PROG_LOAD: 5,
  BPF_OBJ_PIN: 6,
  BPF_OBJ_GET: 7,
  BPF_PROG_ATTACH: 8,
  BPF_PROG_DETACH: 9,
  BPF_PROG_TEST_RUN: 10,
  BPF_PROG_GET_NEXT_ID: 11,
  BPF_MAP_GET_NEXT_ID: 12,
  BPF_PROG_GET_FD_BY_ID: 13,
  BPF_MAP_GET_FD_BY_ID: 14,
  BPF_OBJ_GET_INFO_BY_FD: 15,
  BPF_RAW_TRACEPOINT_OPEN: 17,
  BPF_BTF_LOAD: 18,
  BPF_BTF_GET_FD_BY_ID: 19,
  BPF_BTF_GET_NEXT_ID: 23,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: 21,
  BPF_MAP_FREEZE: 22,
  BPF_MAP_LOOKUP_BATCH: 24,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH: 25,
  BPF_MAP_UPDATE_BATCH: 26,
  BPF_MAP_DELETE_BATCH: 27,
  BPF_LINK_CREATE: 28,
  BPF_LINK_UPDATE: 29,
  BPF_LINK_GET_FD_BY_ID: 30,
  BPF_LINK_GET_NEXT_ID: 31,
  BPF_ENABLE_STATS: 32,
  BPF_ITER_CREATE: 33,
  BPF_LINK_DETACH: 34,
} as const;

/** A `bpf()` command number. */
export type BpfCommand = (typeof BpfCommand)[keyof typeof BpfCommand];

const commandNames = new Map<number, string>(Object.entries(BpfCommand).map(([name, n]) => [n, name]));

/** The symbolic name of a `bpf()` command (`BPF_BTF_LOAD`), or `bpf cmd N` for unknown numbers. */
export function bpfCommandName(cmd: number): string {
  return commandNames.get(cmd) ?? `bpf cmd ${cmd}`;
}

/** What a pointer field may point at: plain bytes, or a struct that has pointer fields itself. */
export type Pointee = Uint8Array | StructBuffer;

/**
 * A C struct as bytes with little-endian field accessors and recorded pointer fields. Used for
 * the `bpf_*_info` structs an attr points at; {@link BpfAttr} is the attr itself.
 */
export class StructBuffer {
  /** The struct bytes. */
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #pointees = new Map<number, Pointee>();

  /** @param size - struct size in bytes (zero-filled). */
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#view = new DataView(this.bytes.buffer, this.bytes.byteOffset, size);
  }

  /** The struct size in bytes. */
  get size(): number {
    return this.bytes.byteLength;
  }

  /** Reads a `__u32` field. */
  u32(offset: number): number {
    return this.#view.getUint32(offset, true);
  }

  /** Writes a `__u32` field. */
  setU32(offset: number, value: number): this {
    this.#view.setUint32(offset, value, true);
    return this;
  }

  /** Reads a `__s32` field. */
  i32(offset: number): number {
    return this.#view.getInt32(offset, true);
  }

  /** Writes a `__s32` field. */
  setI32(offset: number, value: number): this {
    this.#view.setInt32(offset, value, true);
    return this;
  }

  /** Reads a `__u64` field. */
  u64(offset: number): bigint {
    return this.#view.getBigUint64(offset, true);
  }

  /** Writes a `__u64` field. */
  setU64(offset: number, value: bigint): this {
    this.#view.setBigUint64(offset, value, true);
    return this;
  }

  /**
   * Makes the `__aligned_u64` pointer field at `offset` point at `target` (NULL for `undefined`
   * or zero bytes). The field holds 0 until the syscall implementation writes the address.
   */
  setPointer(offset: number, target: Pointee | undefined): this {
    const bytes = target instanceof StructBuffer ? target.bytes : target;
    if (target === undefined || bytes === undefined || bytes.byteLength === 0) {
      this.#pointees.delete(offset);
    } else {
      this.#pointees.set(offset, target);
    }
    this.setU64(offset, 0n);
    return this;
  }

  /** What the pointer field at `offset` points at, or `undefined` for NULL. */
  pointee(offset: number): Pointee | undefined {
    return this.#pointees.get(offset);
  }

  /** Every non-NULL pointer field, as `[offset, target]`. */
  pointers(): IterableIterator<[number, Pointee]> {
    return this.#pointees.entries();
  }
}

/** One `bpf()` argument block: the command and its attr bytes (with their pointer targets). */
export class BpfAttr extends StructBuffer {
  /** The command this attr is for. */
  readonly cmd: number;

  /**
   * @param cmd - `bpf()` command number.
   * @param size - attr size in bytes: the end of the last field of the command's struct used.
   */
  constructor(cmd: number, size: number) {
    super(size);
    this.cmd = cmd;
  }
}

/** Attr of `BPF_*_GET_NEXT_ID` and `BPF_*_GET_FD_BY_ID` (shared anonymous struct). */
export const GetIdAttr = {
  /** `start_id` / `btf_id` / `prog_id` / `map_id` / `link_id` (`__u32`, a union). */
  id: 0,
  /** `next_id` (`__u32`, output of GET_NEXT_ID). */
  nextId: 4,
  /** `open_flags` (`__u32`). */
  openFlags: 8,
  /** Size of the prefix used. */
  size: 12,
} as const;

/** Attr of `BPF_OBJ_GET_INFO_BY_FD` (`attr.info`). */
export const InfoAttr = {
  /** `bpf_fd` (`__u32`). */
  bpfFd: 0,
  /** `info_len` (`__u32`, in: buffer size, out: bytes the kernel wrote). */
  infoLen: 4,
  /** `info` (`__aligned_u64` pointer to a `bpf_*_info`). */
  info: 8,
  /** Size of the struct. */
  size: 16,
} as const;

/** Attr of `BPF_BTF_LOAD`. */
export const BtfLoadAttr = {
  /** `btf` (`__aligned_u64` pointer to the blob). */
  btf: 0,
  /** `btf_log_buf` (`__aligned_u64` pointer). */
  logBuf: 8,
  /** `btf_size` (`__u32`). */
  btfSize: 16,
  /** `btf_log_size` (`__u32`). */
  logSize: 20,
  /** `btf_log_level` (`__u32`). */
  logLevel: 24,
  /**
   * `btf_log_true_size` (`__u32`, output, Linux 6.4+): the size the whole log needs, including
   * the terminating NUL. Older kernels ignore it (the field reads back as 0).
   */
  logTrueSize: 28,
  /** Size of the prefix used (through `btf_log_true_size`). */
  size: 32,
} as const;

/** `struct bpf_btf_info` (the `info` of a BTF fd). */
export const BtfInfoLayout = {
  /** `btf` (`__aligned_u64` pointer: where the kernel copies the raw blob). */
  btf: 0,
  /** `btf_size` (`__u32`, in: buffer size, out: blob size). */
  btfSize: 8,
  /** `id` (`__u32`). */
  id: 12,
  /** `name` (`__aligned_u64` pointer to a char buffer). */
  name: 16,
  /** `name_len` (`__u32`, in: buffer size, out: name length without NUL). */
  nameLen: 24,
  /** `kernel_btf` (`__u32`, 1 for vmlinux and module BTF). */
  kernelBtf: 28,
  /** `sizeof(struct bpf_btf_info)`. */
  size: 32,
} as const;

/** Attr of `BPF_MAP_CREATE`. */
export const MapCreateAttr = {
  /** `map_type` (`__u32`). */
  mapType: 0,
  /** `key_size` (`__u32`). */
  keySize: 4,
  /** `value_size` (`__u32`). */
  valueSize: 8,
  /** `max_entries` (`__u32`). */
  maxEntries: 12,
  /** `map_flags` (`__u32`). */
  mapFlags: 16,
  /** `inner_map_fd` (`__u32`). */
  innerMapFd: 20,
  /** `numa_node` (`__u32`). */
  numaNode: 24,
  /** `map_name` (`char[16]`). */
  mapName: 28,
  /** `map_ifindex` (`__u32`). */
  mapIfindex: 44,
  /** `btf_fd` (`__u32`). */
  btfFd: 48,
  /** `btf_key_type_id` (`__u32`). */
  btfKeyTypeId: 52,
  /** `btf_value_type_id` (`__u32`). */
  btfValueTypeId: 56,
  /** `btf_vmlinux_value_type_id` (`__u32`). */
  btfVmlinuxValueTypeId: 60,
  /** `map_extra` (`__u64`, Linux 5.16+). */
  mapExtra: 64,
  /** Size of the prefix used (through `map_extra`). */
  size: 72,
} as const;

/** Attr of `BPF_MAP_*_ELEM` and `BPF_MAP_GET_NEXT_KEY`. */
export const MapElemAttr = {
  /** `map_fd` (`__u32`). */
  mapFd: 0,
  /** `key` (`__aligned_u64` pointer). */
  key: 8,
  /** `value` / `next_key` (`__aligned_u64` pointer). */
  value: 16,
  /** `flags` (`__u64`). */
  flags: 24,
  /** Size of the struct. */
  size: 32,
} as const;

/** Attr of `BPF_MAP_*_BATCH` (`attr.batch`). */
export const MapBatchAttr = {
  /** `in_batch` (`__aligned_u64` pointer, NULL to start). */
  inBatch: 0,
  /** `out_batch` (`__aligned_u64` pointer). */
  outBatch: 8,
  /** `keys` (`__aligned_u64` pointer). */
  keys: 16,
  /** `values` (`__aligned_u64` pointer). */
  values: 24,
  /** `count` (`__u32`, in: room, out: elements done). */
  count: 32,
  /** `map_fd` (`__u32`). */
  mapFd: 36,
  /** `elem_flags` (`__u64`). */
  elemFlags: 40,
  /** `flags` (`__u64`). */
  flags: 48,
  /** Size of the struct. */
  size: 56,
} as const;

/** Attr of `BPF_MAP_FREEZE`, `BPF_LINK_DETACH` (a single fd). */
export const FdAttr = {
  /** `map_fd` / `link_fd` (`__u32`). */
  fd: 0,
  /** Size of the prefix used. */
  size: 4,
} as const;

/** Attr of `BPF_PROG_LOAD`. */
export const ProgLoadAttr = {
  /** `prog_type` (`__u32`). */
  progType: 0,
  /** `insn_cnt` (`__u32`). */
  insnCnt: 4,
  /** `insns` (`__aligned_u64` pointer). */
  insns: 8,
  /** `license` (`__aligned_u64` pointer to a C string). */
  license: 16,
  /** `log_level` (`__u32`). */
  logLevel: 24,
  /** `log_size` (`__u32`). */
  logSize: 28,
  /** `log_buf` (`__aligned_u64` pointer). */
  logBuf: 32,
  /** `kern_version` (`__u32`). */
  kernVersion: 40,
  /** `prog_flags` (`__u32`). */
  progFlags: 44,
  /** `prog_name` (`char[16]`). */
  progName: 48,
  /** `prog_ifindex` (`__u32`). */
  progIfindex: 64,
  /** `expected_attach_type` (`__u32`). */
  expectedAttachType: 68,
  /** `prog_btf_fd` (`__u32`). */
  progBtfFd: 72,
  /** `func_info_rec_size` (`__u32`). */
  funcInfoRecSize: 76,
  /** `func_info` (`__aligned_u64` pointer). */
  funcInfo: 80,
  /** `func_info_cnt` (`__u32`). */
  funcInfoCnt: 88,
  /** `line_info_rec_size` (`__u32`). */
  lineInfoRecSize: 92,
  /** `line_info` (`__aligned_u64` pointer). */
  lineInfo: 96,
  /** `line_info_cnt` (`__u32`). */
  lineInfoCnt: 104,
  /** `attach_btf_id` (`__u32`). */
  attachBtfId: 108,
  /** `attach_prog_fd` / `attach_btf_obj_fd` (`__u32`, a union). */
  attachFd: 112,
  /** `core_relo_cnt` (`__u32`). */
  coreReloCnt: 116,
  /** `fd_array` (`__aligned_u64` pointer to `__s32[]`, Linux 5.14+). */
  fdArray: 120,
  /** `core_relos` (`__aligned_u64` pointer). */
  coreRelos: 128,
  /** `core_relo_rec_size` (`__u32`). */
  coreReloRecSize: 136,
  /** `log_true_size` (`__u32`, output, Linux 6.4+). */
  logTrueSize: 140,
  /** Size of the prefix used (through `log_true_size`). */
  size: 144,
} as const;

/** Attr of `BPF_OBJ_PIN` / `BPF_OBJ_GET`. */
export const ObjAttr = {
  /** `pathname` (`__aligned_u64` pointer to a C string). */
  pathname: 0,
  /** `bpf_fd` (`__u32`). */
  bpfFd: 8,
  /** `file_flags` (`__u32`). */
  fileFlags: 12,
  /** Size of the prefix used. */
  size: 16,
} as const;

/** Attr of `BPF_PROG_TEST_RUN` (`attr.test`). */
export const TestRunAttr = {
  /** `prog_fd` (`__u32`). */
  progFd: 0,
  /** `retval` (`__u32`, output). */
  retval: 4,
  /** `data_size_in` (`__u32`). */
  dataSizeIn: 8,
  /** `data_size_out` (`__u32`, in: room, out: bytes written). */
  dataSizeOut: 12,
  /** `data_in` (`__aligned_u64` pointer). */
  dataIn: 16,
  /** `data_out` (`__aligned_u64` pointer). */
  dataOut: 24,
  /** `repeat` (`__u32`). */
  repeat: 32,
  /** `duration` (`__u32`, output: mean ns per run). */
  duration: 36,
  /** `ctx_size_in` (`__u32`). */
  ctxSizeIn: 40,
  /** `ctx_size_out` (`__u32`). */
  ctxSizeOut: 44,
  /** `ctx_in` (`__aligned_u64` pointer). */
  ctxIn: 48,
  /** `ctx_out` (`__aligned_u64` pointer). */
  ctxOut: 56,
  /** `flags` (`__u32`). */
  flags: 64,
  /** `cpu` (`__u32`). */
  cpu: 68,
  /** `batch_size` (`__u32`). */
  batchSize: 72,
  /** Size of the struct. */
  size: 80,
} as const;

/** Attr of `BPF_RAW_TRACEPOINT_OPEN`. */
export const RawTracepointAttr = {
  /** `name` (`__aligned_u64` pointer to a C string, NULL for tp_btf/fentry/... programs). */
  name: 0,
  /** `prog_fd` (`__u32`). */
  progFd: 8,
  /** Size of the prefix used. */
  size: 16,
} as const;

/** Attr of `BPF_LINK_CREATE` (`attr.link_create`). */
export const LinkCreateAttr = {
  /** `prog_fd` (`__u32`). */
  progFd: 0,
  /** `target_fd` / `target_ifindex` (`__u32`). */
  targetFd: 4,
  /** `attach_type` (`__u32`). */
  attachType: 8,
  /** `flags` (`__u32`). */
  flags: 12,
  /** `target_btf_id` (`__u32`, tracing and a union member of the rest). */
  targetBtfId: 16,
  /** `iter_info` (`__aligned_u64` pointer). */
  iterInfo: 16,
  /** `iter_info_len` (`__u32`). */
  iterInfoLen: 24,
  /** `perf_event.bpf_cookie` (`__u64`). */
  perfEventCookie: 16,
  /** `kprobe_multi.flags` (`__u32`). */
  kprobeMultiFlags: 16,
  /** `kprobe_multi.cnt` (`__u32`). */
  kprobeMultiCnt: 20,
  /** `kprobe_multi.syms` (`__aligned_u64` pointer to `char *[]`). */
  kprobeMultiSyms: 24,
  /** `kprobe_multi.addrs` (`__aligned_u64` pointer). */
  kprobeMultiAddrs: 32,
  /** `kprobe_multi.cookies` (`__aligned_u64` pointer). */
  kprobeMultiCookies: 40,
  /** `tracing.cookie` (`__u64`). */
  tracingCookie: 24,
  /** `tcx.relative_fd` / `relative_id` (`__u32`, Linux 6.6+). */
  tcxRelative: 16,
  /** `tcx.expected_revision` (`__u64`). */
  tcxExpectedRevision: 24,
  /** Size of the struct. */
  size: 48,
} as const;

/** `struct bpf_prog_info` (the prefix tsbpf reads). */
export const ProgInfoLayout = {
  /** `type` (`__u32`). */
  type: 0,
  /** `id` (`__u32`). */
  id: 4,
  /** `tag` (`__u8[8]`). */
  tag: 8,
  /** `xlated_prog_len` (`__u32`). */
  xlatedProgLen: 20,
  /** `nr_map_ids` (`__u32`). */
  nrMapIds: 52,
  /** `map_ids` (`__aligned_u64` pointer). */
  mapIds: 56,
  /** `name` (`char[16]`). */
  name: 64,
  /** `btf_id` (`__u32`). */
  btfId: 128,
  /** `run_time_ns` (`__u64`). */
  runTimeNs: 192,
  /** `run_cnt` (`__u64`). */
  runCnt: 200,
  /** `verified_insns` (`__u32`). */
  verifiedInsns: 216,
  /** `attach_btf_obj_id` (`__u32`). */
  attachBtfObjId: 220,
  /** `attach_btf_id` (`__u32`). */
  attachBtfId: 224,
  /** `sizeof(struct bpf_prog_info)` as of Linux 6.1. */
  size: 232,
} as const;

/** `struct bpf_map_info`. */
export const MapInfoLayout = {
  /** `type` (`__u32`). */
  type: 0,
  /** `id` (`__u32`). */
  id: 4,
  /** `key_size` (`__u32`). */
  keySize: 8,
  /** `value_size` (`__u32`). */
  valueSize: 12,
  /** `max_entries` (`__u32`). */
  maxEntries: 16,
  /** `map_flags` (`__u32`). */
  mapFlags: 20,
  /** `name` (`char[16]`). */
  name: 24,
  /** `btf_id` (`__u32`). */
  btfId: 64,
  /** `btf_key_type_id` (`__u32`). */
  btfKeyTypeId: 68,
  /** `btf_value_type_id` (`__u32`). */
  btfValueTypeId: 72,
  /** `map_extra` (`__u64`). */
  mapExtra: 80,
  /** `sizeof(struct bpf_map_info)`. */
  size: 88,
} as const;

/** `struct bpf_link_info` (the common part and the tracing member). */
export const LinkInfoLayout = {
  /** `type` (`__u32`). */
  type: 0,
  /** `id` (`__u32`). */
  id: 4,
  /** `prog_id` (`__u32`). */
  progId: 8,
  /** `tracing.attach_type` (`__u32`). */
  tracingAttachType: 16,
  /** `tracing.target_obj_id` (`__u32`). */
  tracingTargetObjId: 20,
  /** `tracing.target_btf_id` (`__u32`). */
  tracingTargetBtfId: 24,
  /** `sizeof(struct bpf_link_info)` as of Linux 6.1. */
  size: 48,
} as const;
