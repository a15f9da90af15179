/**
 * Reading a perf event array (`BPF_MAP_TYPE_PERF_EVENT_ARRAY`): one perf buffer per CPU, opened,
 * mapped and stored in the map, read as an async iterable with lost-sample counts.
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
import { possibleCpus } from './possible-cpus.js';

/** `struct perf_event_mmap_page` fields read here. */
const DATA_HEAD = 1024;
const DATA_TAIL = 1032;
const DATA_OFFSET = 1040;
const DATA_SIZE = 1048;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;

/** One sample and the CPU whose buffer it came from. */
export interface PerfSample {
  cpu: number;
  /**
   * The bytes the program passed to `bpf_perf_event_output`, followed by the kernel's padding
   * (raw samples and their u32 size are padded to a multiple of 8 bytes: 64 bytes arrive as 68).
   */
  data: Uint8Array;
}

/** Options of {@link PerfBufferReader}. */
export interface PerfBufferOptions {
  /** Data pages per CPU, a power of two (default 8). */
  pages?: number;
  pageSize?: number;
  /** How long one wait lasts before the reader checks whether it was closed (default 100 ms). */
  waitMs?: number;
}

interface CpuBuffer {
  cpu: number;
  fd: FD;
  mapping: Mapping;
  view: DataView;
  bytes: Uint8Array;
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
  readonly map: BpfMap;
  readonly #buffers: CpuBuffer[] = [];
  readonly #waitMs: number;
  #closed = false;
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
    const page = options.pageSize ?? 4096;
    this.map = map;
    this.#waitMs = options.waitMs ?? 100;
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
        const view = new DataView(mapping.buffer);
        const dataOffset = Number(view.getBigUint64(DATA_OFFSET, true)) || page;
        const dataSize = Number(view.getBigUint64(DATA_SIZE, true)) || page * pages;
        const buffer: CpuBuffer = {
          cpu,
          fd,
          mapping,
          view,
          bytes: new Uint8Array(mapping.buffer),
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

  /** Takes every sample available now (without waiting); returns how many there were. */
  drain(onSample: (sample: PerfSample) => void): number {
    if (this.#closed) return 0;
    let n = 0;
    for (const b of this.#buffers) {
      const head = Number(Atomics.load(b.head, 0));
      let tail = Number(Atomics.load(b.tail, 0));
      while (tail < head) {
        const at = b.dataOffset + (tail % b.dataSize);
        const header = this.#read(b, at, 8);
        const hv = new DataView(header.buffer);
        const type = hv.getUint32(0, true);
        const size = hv.getUint16(6, true);
        if (size < 8) break; // corrupt; stop reading this buffer
        if (type === PERF_RECORD_SAMPLE) {
          const body = this.#read(b, at + 8 >= b.dataOffset + b.dataSize ? at + 8 - b.dataSize : at + 8, size - 8);
          const raw = new DataView(body.buffer).getUint32(0, true);
          onSample({ cpu: b.cpu, data: body.subarray(4, 4 + raw) });
          n++;
        } else if (type === PERF_RECORD_LOST) {
          const body = this.#read(b, at + 8 >= b.dataOffset + b.dataSize ? at + 8 - b.dataSize : at + 8, 16);
          this.lost += new DataView(body.buffer).getBigUint64(8, true);
        }
        tail += size;
      }
      Atomics.store(b.tail, 0, BigInt(tail));
    }
    this.delivered += n;
    return n;
  }

  /** `length` bytes at `at` of a CPU's buffer, wrapping at the end of its data area (one copy). */
  #read(b: CpuBuffer, at: number, length: number): Uint8Array {
    const end = b.dataOffset + b.dataSize;
    if (at + length <= end) return b.bytes.slice(at, at + length);
    const out = new Uint8Array(length);
    const first = end - at;
    out.set(b.bytes.subarray(at, end));
    out.set(b.bytes.subarray(b.dataOffset, b.dataOffset + length - first), first);
    return out;
  }

  /** Waits until some CPU's buffer has data (or the timeout passes), off the JavaScript thread. */
  async wait(timeoutMs = this.#waitMs): Promise<void> {
    if (this.#closed) return;
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

  /** Samples as they arrive, until {@link PerfBufferReader.close}. */
  async *[Symbol.asyncIterator](): AsyncIterator<PerfSample> {
    const batch: PerfSample[] = [];
    while (!this.#closed) {
      this.drain((s) => batch.push(s));
      if (batch.length === 0) {
        await this.wait();
        continue;
      }
      for (const s of batch) yield s;
      batch.length = 0;
    }
  }

  /** Removes the buffers from the map, unmaps and closes them. The map stays open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
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
