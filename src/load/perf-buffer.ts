/**
 * Reading a perf event array (`BPF_MAP_TYPE_PERF_EVENT_ARRAY`): one perf buffer per CPU, opened,
 * mapped and stored in the map, parsed in JavaScript with lost-sample counts.
 *
 * {@link PerfBufferReader.consume} hands each sample to a callback as an offset and length in the
 * CPU's mapped buffer (nothing copied, nothing allocated), except a sample that runs past the end
 * of the buffer (perf buffers are not mapped twice, unlike ring buffers): that one is copied into
 * a scratch buffer first. {@link PerfBufferReader.drain} and the async iterator copy each sample.
 *
 * Memory ordering: the kernel writes samples, then (after `smp_wmb`) `data_head`; the reader must
 * read `data_head`, then (after `smp_rmb`) the samples, and finish reading before it writes
 * `data_tail` (after `smp_mb`), as `linux/perf_event.h` says. Both are read and written here with
 * `Atomics` once per buffer per pass: a sequentially consistent load is at least a load-acquire
 * (nothing after it is read before it) and a sequentially consistent store at least a
 * store-release, on every architecture, so the samples in between are read with plain loads.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { KernelError, TsbpfError } from '../errors.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { type Mapping, Prot, syscallImpl } from '../sys/ffi.js';
import { MapType } from '../sys/map-type.js';
import { ioctl, mmapFd, PERF_COUNT_SW_BPF_OUTPUT, PERF_SAMPLE_RAW, PerfIoctl, PerfType, perfEventOpen } from '../sys/perf.js';
import type { BpfMap } from './map.js';
import { pageSize } from './page-size.js';
import { possibleCpus } from './possible-cpus.js';

/** `struct perf_event_mmap_page` fields read here. */
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;
// Record types read (as literals in the loop): PERF_RECORD_LOST = 2, PERF_RECORD_SAMPLE = 9.

/** One sample and the CPU whose buffer it came from. */
export interface PerfSample {
  /** Index of the CPU whose buffer held the sample (the CPU the program ran on). */
  cpu: number;
  /**
   * The bytes the program passed to `bpf_perf_event_output`, followed by the kernel's padding
   * (raw samples and their u32 size are padded to a multiple of 8 bytes: 64 bytes arrive as 68).
   */
  data: Uint8Array;
}

/**
 * Called by {@link PerfBufferReader.consume} for each sample: the bytes the program passed to
 * `bpf_perf_event_output` (and the kernel's padding, see {@link PerfSample.data}) are `length`
 * bytes at `offset` of `view` (and of `bytes`, the same memory), which are the CPU's mapped buffer
 * itself or a scratch copy reused for the next sample. Read what you need before returning. Return
 * `false` to stop after this sample.
 */
export type PerfSampleCallback = (view: DataView, offset: number, length: number, cpu: number, bytes: Uint8Array) => unknown;

/** Options of {@link PerfBufferReader}. */
export interface PerfBufferOptions {
  /** Data pages per CPU, a power of two (default 8). */
  pages?: number;
  /** Page size of this machine (default: the system's, {@link pageSize}). */
  pageSize?: number;
  /** How long one wait lasts before the reader checks whether it was closed (default 100 ms). */
  waitMs?: number;
  /** About how many bytes of a CPU's buffer drain and the async iterator copy at once (default 64 KiB). */
  batchBytes?: number;
}

interface CpuBuffer {
  cpu: number;
  fd: FD;
  mapping: Mapping;
  /** The data area: `dataSize` bytes from `dataOffset` of the mapping. */
  view: DataView;
  bytes: Uint8Array;
  /** The data area as 32-bit words (host byte order, as the kernel writes it). */
  words: Uint32Array;
  head: BigUint64Array;
  tail: BigUint64Array;
  dataOffset: number;
  dataSize: number;
}

function onlineCpus(): Set<number> | undefined {
  try {
    const text = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    const out = new Set<number>();
    for (const part of text.split(',')) {
      const [a, b] = part.split('-').map(Number) as [number, number | undefined];
      for (let c = a; c <= (b ?? a); c++) out.add(c);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Samples of a perf event array, every CPU's buffer merged. */
export class PerfBufferReader implements AsyncIterable<PerfSample>, Disposable {
  /** The perf event array the per-CPU events are stored in (not closed with the reader). */
  readonly map: BpfMap;
  readonly #buffers: CpuBuffer[] = [];
  readonly #waitMs: number;
  readonly #batchBytes: number;
  #closed = false;
  /** Inside {@link PerfBufferReader.consume} (which reads the mappings until it returns). */
  #consuming = false;
  /** Where a sample that runs past the end of its CPU's buffer is put together. */
  #scratch = new Uint8Array(256);
  #scratchView = new DataView(this.#scratch.buffer);
  /** Samples taken by an iterator and not handed out yet. */
  readonly #backlog: PerfSample[] = [];
  #backlogAt = 0;
  /** Samples the kernel dropped because a buffer was full (`PERF_RECORD_LOST`). */
  lost = 0n;
  /** Samples delivered so far. */
  delivered = 0;

  /**
   * Opens one `PERF_COUNT_SW_BPF_OUTPUT` event per online CPU, maps it and stores its fd in `map`
   * at the CPU's index. On failure everything opened so far is closed.
   *
   * @throws {@link TsbpfError} for a map that is not a perf event array; {@link KernelError}.
   */
  constructor(map: BpfMap, options: PerfBufferOptions = {}) {
    if (map.type !== MapType.PERF_EVENT_ARRAY) throw new TsbpfError(`${map}: not a perf event array`);
    const pages = options.pages ?? 8;
    if (pages < 1 || (pages & (pages - 1)) !== 0) throw new TsbpfError(`perf buffer: ${pages} pages is not a power of two`);
    const page = options.pageSize ?? pageSize();
    this.map = map;
    this.#waitMs = options.waitMs ?? 100;
    this.#batchBytes = Math.max(8, options.batchBytes ?? 64 << 10);
    const online = onlineCpus();
    const cpus = Math.min(possibleCpus(), map.maxEntries);
    try {
      for (let cpu = 0; cpu < cpus; cpu++) {
        if (online !== undefined && !online.has(cpu)) continue;
        let fd: FD;
        try {
          fd = perfEventOpen({
            type: PerfType.SOFTWARE,
            config: BigInt(PERF_COUNT_SW_BPF_OUTPUT),
            samplePeriod: 1n,
            sampleType: BigInt(PERF_SAMPLE_RAW),
            wakeupEvents: 1,
            pid: -1,
            cpu,
            subject: `perf buffer of ${map} on CPU ${cpu}`,
          });
        } catch (err) {
          if (err instanceof KernelError && err.errno === Errno.ENODEV) continue; // went offline
          throw err;
        }
        let mapping: Mapping;
        try {
          mapping = mmapFd(fd, page * (pages + 1), Prot.READ | Prot.WRITE, 0, `perf buffer on CPU ${cpu}`);
        } catch (err) {
          fd.close();
          throw err;
        }
        const meta = new DataView(mapping.buffer);
        const dataOffset = Number(meta.getBigUint64(DATA_OFFSET, true)) || page;
        const dataSize = Number(meta.getBigUint64(DATA_SIZE, true)) || page * pages;
        const buffer: CpuBuffer = {
          cpu,
          fd,
          mapping,
          view: new DataView(mapping.buffer, dataOffset, dataSize),
          bytes: new Uint8Array(mapping.buffer, dataOffset, dataSize),
          words: new Uint32Array(mapping.buffer, dataOffset, dataSize / 4),
          head: new BigUint64Array(mapping.buffer, DATA_HEAD, 1),
          tail: new BigUint64Array(mapping.buffer, DATA_TAIL, 1),
          dataOffset,
          dataSize,
        };
        this.#buffers.push(buffer);
        map.update(cpu, fd.raw);
        ioctl(fd, PerfIoctl.ENABLE, 0, `perf buffer on CPU ${cpu}`);
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Takes every sample available now (without waiting), up to `limit`, and calls `onSample` for
   * each (see {@link PerfSampleCallback}: valid only during the call); returns how many samples
   * there were. `PERF_RECORD_LOST` records add to {@link PerfBufferReader.lost}. CPUs are read in
   * turn, each up to what it had when its turn came. If `onSample` throws, the sample it threw
   * on counts as consumed. `onSample` may call {@link PerfBufferReader.close} (the buffers go
   * when this returns); reading the same reader from inside `onSample` finds nothing.
   *
   * @throws {@link TsbpfError} for a record header whose size is impossible (a corrupt buffer);
   *   whatever `onSample` throws.
   */
  consume(onSample: PerfSampleCallback, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    let n = 0;
    this.#consuming = true;
    try {
      for (const b of this.#buffers) {
        n += this.#consumeCpu(b, onSample, limit - n);
        if (n >= limit || this.#closed) break;
      }
    } finally {
      this.#consuming = false;
      this.delivered += n;
      if (this.#closed) this.#release();
    }
    return n;
  }

  #consumeCpu(b: CpuBuffer, onSample: PerfSampleCallback, limit: number): number {
    const { view, bytes, words, dataSize, cpu } = b;
    const mask = dataSize - 1;
    const head = Number(Atomics.load(b.head, 0));
    const tail = Number(Atomics.load(b.tail, 0));
    // Positions are 64-bit running counts (exact as doubles up to 2^53); within one pass the loop
    // counts in small integers (a pass is never longer than the buffer).
    let left = head - tail;
    let done = 0;
    let at = tail & mask;
    let n = 0;
    try {
      while (left > 0) {
        // Records are 8-byte aligned and the data area a power of two: a header never wraps.
        // Header: u32 type, u16 misc, u16 size (literals rather than module constants in the loop,
        // see ring-buffer.ts).
        const type = words[at >> 2] as number;
        const size = (words[(at >> 2) + 1] as number) >>> 16;
        if (size < 8 || size > left) throw this.#corrupt(b, at, size, left);
        let v = view;
        let u = bytes;
        let start = at;
        if (at + size > dataSize) {
          // Runs past the end of the buffer: one copy of this record, into the scratch.
          this.#scratchRecord(bytes, at, size, dataSize);
          v = this.#scratchView;
          u = this.#scratch;
          start = 0;
        }
        left -= size;
        done += size;
        at = (at + size) & mask;
        if (type === 9) {
          // PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW: u32 size, then the bytes
          const raw = v.getUint32(start + 8, true);
          if (raw + 12 > size) throw this.#corrupt(b, start, size, left + size);
          n++;
          if (onSample(v, start + 12, raw, cpu, u) === false || n >= limit || this.#closed) break;
        } else if (type === 2 && size >= 24) {
          // PERF_RECORD_LOST: u64 id, u64 lost
          this.lost += v.getBigUint64(start + 16, true);
        }
      }
    } finally {
      if (!this.#closed) Atomics.store(b.tail, 0, BigInt(tail + done));
    }
    return n;
  }

  /** Copies the `size`-byte record at `at` of a data area, wrapping at its end, into the scratch. */
  #scratchRecord(bytes: Uint8Array, at: number, size: number, dataSize: number): void {
    if (this.#scratch.length < size) {
      this.#scratch = new Uint8Array(Math.max(size, 2 * this.#scratch.length));
      this.#scratchView = new DataView(this.#scratch.buffer);
    }
    const first = dataSize - at;
    this.#scratch.set(bytes.subarray(at, dataSize));
    this.#scratch.set(bytes.subarray(0, size - first), first);
  }

  #corrupt(b: CpuBuffer, at: number, size: number, left: number): TsbpfError {
    return new TsbpfError(
      `perf buffer on CPU ${b.cpu}: data offset ${at}: a record of ${size} bytes (${left} bytes produced from there)`,
    );
  }

  /**
   * As {@link PerfBufferReader.consume}, but each sample reaches `onSample` as a
   * {@link PerfSample} with its own copy of the bytes, which may be kept. Samples are copied a
   * run at a time (about {@link PerfBufferOptions.batchBytes} of a CPU's buffer, then a view into
   * the copy per sample): a kept sample keeps its run's copy alive. If `onSample` throws, the
   * sample it threw on counts as consumed and the rest of its run stays in the buffer.
   *
   * @throws As {@link PerfBufferReader.consume}.
   */
  drain(onSample: (sample: PerfSample) => void, limit = Number.POSITIVE_INFINITY): number {
    if (this.#closed || this.#consuming) return 0;
    let n = 0;
    for (const b of this.#buffers) {
      if (n >= limit || this.#closed) break;
      const head = Number(Atomics.load(b.head, 0));
      let tail = Number(Atomics.load(b.tail, 0));
      while (tail < head && n < limit && !this.#closed) {
        // A record is at most 64 KiB (its size is a u16): a run that long always holds one.
        const left = head - tail;
        const want = Math.min(left, this.#batchBytes + 0x10000);
        const at = tail & (b.dataSize - 1);
        const copy = new Uint8Array(want);
        const first = Math.min(want, b.dataSize - at);
        copy.set(b.bytes.subarray(at, at + first));
        if (first < want) copy.set(b.bytes.subarray(0, want - first), first);
        const cv = new DataView(copy.buffer);
        let done = 0;
        try {
          while (done + 8 <= want && n < limit && done < this.#batchBytes) {
            const type = cv.getUint32(done, true);
            const size = cv.getUint16(done + 6, true);
            if (size < 8 || size > left - done) throw this.#corrupt(b, (at + done) & (b.dataSize - 1), size, left - done);
            if (done + size > want) break;
            const start = done;
            done += size;
            if (type === 9) {
              const raw = cv.getUint32(start + 8, true);
              if (raw + 12 > size) throw this.#corrupt(b, (at + start) & (b.dataSize - 1), size, left - start);
              n++;
              this.delivered++;
              onSample({ cpu: b.cpu, data: new Uint8Array(copy.buffer, start + 12, raw) });
            } else if (type === 2 && size >= 24) {
              this.lost += cv.getBigUint64(start + 16, true);
            }
          }
        } finally {
          tail += done;
          if (!this.#closed) Atomics.store(b.tail, 0, BigInt(tail));
        }
      }
    }
    return n;
  }

  /** Bytes written into the CPUs' buffers and not yet consumed (headers included). */
  get pending(): number {
    if (this.#closed) return 0;
    let bytes = 0;
    for (const b of this.#buffers) bytes += Number(Atomics.load(b.head, 0) - Atomics.load(b.tail, 0));
    return bytes;
  }

  /** Waits until some CPU's buffer has data (or the timeout passes), off the JavaScript thread. */
  async wait(timeoutMs = this.#waitMs): Promise<void> {
    if (this.#closed || this.pending > 0) return;
    const impl = syscallImpl();
    if (impl.waitReadable !== undefined) {
      await impl.waitReadable(
        this.#buffers.map((b) => b.fd.raw),
        timeoutMs,
      );
    } else {
      await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 10)));
    }
  }

  /**
   * Samples as they arrive, each with its own copy of the bytes, until
   * {@link PerfBufferReader.close}; taken a batch at a time (up to 4096), waiting (off the
   * JavaScript thread) only when every buffer is empty. Samples of a batch not yet handed out when
   * a loop is left are handed out first by the next iteration.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<PerfSample> {
    const backlog = this.#backlog;
    while (!this.#closed) {
      if (this.#backlogAt === backlog.length) {
        backlog.length = 0;
        this.#backlogAt = 0;
        this.drain((s) => backlog.push(s), 4096);
        if (backlog.length === 0) {
          await this.wait();
          continue;
        }
      }
      while (this.#backlogAt < backlog.length) yield backlog[this.#backlogAt++] as PerfSample;
    }
  }

  /**
   * The samples as they arrive, a batch at a time (up to `maxSamples`, never empty), until
   * {@link PerfBufferReader.close}: one `await` per batch rather than per sample. Waits (off the
   * JavaScript thread) only when every buffer is empty.
   *
   * @throws As {@link PerfBufferReader.consume}.
   */
  async *batches(maxSamples = 4096): AsyncGenerator<PerfSample[], void, undefined> {
    while (!this.#closed) {
      const batch: PerfSample[] = [];
      this.drain((s) => batch.push(s), maxSamples);
      if (batch.length === 0) await this.wait();
      else yield batch;
    }
  }

  /** Removes the buffers from the map, unmaps and closes them. The map stays open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Called from a callback of consume(): that loop still reads a mapping; it releases on exit.
    if (!this.#consuming) this.#release();
  }

  #release(): void {
    for (const b of this.#buffers) {
      try {
        this.map.delete(b.cpu);
      } catch {
        // The map may be closed already; the buffers go regardless.
      }
      b.mapping.unmap();
      b.fd.close();
    }
    this.#buffers.length = 0;
  }

  /** Same as {@link PerfBufferReader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
