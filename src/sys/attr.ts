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
  BPF_PROG_LOAD: 5,
  BPF_OBJ_GET_INFO_BY_FD: 15,
  BPF_BTF_LOAD: 18,
  BPF_BTF_GET_FD_BY_ID: 19,
  BPF_BTF_GET_NEXT_ID: 23,
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
