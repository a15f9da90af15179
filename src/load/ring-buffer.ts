/**
 * Reading a BPF ring buffer (`BPF_MAP_TYPE_RINGBUF`) from its shared memory, as an async
 * iterable that never blocks the event loop.
 *
 * The consumer page is mapped read-write, the producer page and the data area read-only; the
 * kernel maps the data area twice in a row, so a record that wraps is still one contiguous slice.
 * Each record is copied once, out of the ring, before the consumer position moves past it. When
 * the ring is empty the reader waits in `poll(2)` on the map fd on a worker thread (or, where the
 * syscall door has no `waitReadable`, on a timer).
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { type Mapping, Prot, syscallImpl } from '../sys/ffi.js';
import { MapType } from '../sys/map-type.js';
import { mmapFd } from '../sys/perf.js';
import type { BpfMap } from './map.js';

const BUSY = 0x8000_0000;
const DISCARD = 0x4000_0000;
const HEADER = 8;

/** Options of {@link RingBufferReader}. */
export interface RingBufferOptions {
  /** Page size of this machine (default 4096). */
  pageSize?: number;
  /** How long one wait lasts before the reader checks whether it was closed (default 100 ms). */
  waitMs?: number;
}

/** Records of a BPF ring buffer, in the order they were committed. */
export class RingBufferReader implements AsyncIterable<Uint8Array>, Disposable {
  readonly map: BpfMap;
  readonly #consumer: Mapping;
  readonly #producer: Mapping;
  readonly #cons: BigUint64Array;
  readonly #prod: BigUint64Array;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #mask: number;
  readonly #waitMs: number;
  #closed = false;
  /** Records delivered so far. */
  delivered = 0;

  /**
   * Maps the ring buffer of `map` (which stays owned by the caller).
   *
   * @throws {@link TsbpfError} for a map that is not a ring buffer; {@link KernelError} when it cannot be mapped.
   */
  constructor(map: BpfMap, options: RingBufferOptions = {}) {
    if (map.type !== MapType.RINGBUF) throw new TsbpfError(`${map}: not a ring buffer`);
    const page = options.pageSize ?? 4096;
    const size = map.maxEntries;
    this.map = map;
    this.#waitMs = options.waitMs ?? 100;
    this.#consumer = mmapFd(map.fd, page, Prot.READ | Prot.WRITE, 0, `${map} consumer page`);
    try {
      this.#producer = mmapFd(map.fd, page + 2 * size, Prot.READ, page, `${map} data`);
    } catch (err) {
      this.#consumer.unmap();
      throw err;
    }
    this.#cons = new BigUint64Array(this.#consumer.buffer, 0, 1);
    this.#prod = new BigUint64Array(this.#producer.buffer, 0, 1);
    this.#words = new Int32Array(this.#producer.buffer, page, (2 * size) / 4);
    this.#bytes = new Uint8Array(this.#producer.buffer, page, 2 * size);
    this.#mask = size - 1;
  }

  /** Bytes committed and not yet consumed. */
  get pending(): number {
    return Number(Atomics.load(this.#prod, 0) - Atomics.load(this.#cons, 0));
  }

  /**
   * Takes every record available now (without waiting) and calls `onRecord` for each; returns
   * how many there were. Each record is a copy out of the ring, unless `view` is set: then it is
   * a view into the ring, valid only until `onRecord` returns (no copy at all, as libbpf's
   * callbacks get).
   */
  drain(onRecord: (record: Uint8Array) => void, limit = Number.POSITIVE_INFINITY, view = false): number {
    if (this.#closed) return 0;
    const words = this.#words;
    const bytes = this.#bytes;
    const mask = this.#mask;
    let cons = Number(Atomics.load(this.#cons, 0));
    const prod = Number(Atomics.load(this.#prod, 0));
    let n = 0;
    let sinceRelease = 0;
    while (cons < prod && n < limit) {
      const off = cons & mask;
      const len = Atomics.load(words, off >> 2) >>> 0;
      if ((len & BUSY) !== 0) break; // reserved, not yet committed
      const size = len & ~(BUSY | DISCARD);
      if ((len & DISCARD) === 0) {
        const start = off + HEADER;
        onRecord(view ? bytes.subarray(start, start + size) : bytes.slice(start, start + size));
        n++;
      }
      cons += (size + HEADER + 7) & ~7;
      // Release room to the producer in batches rather than per record (one BigInt store each).
      if (++sinceRelease === 1024) {
        Atomics.store(this.#cons, 0, BigInt(cons));
        sinceRelease = 0;
      }
    }
    Atomics.store(this.#cons, 0, BigInt(cons));
    this.delivered += n;
    return n;
  }

  /**
   * Waits until the ring has data (or `timeoutMs` passes, or the reader is closed), off the
   * JavaScript thread.
   */
  async wait(timeoutMs = this.#waitMs): Promise<void> {
    if (this.#closed || this.pending > 0) return;
    const impl = syscallImpl();
    if (impl.waitReadable !== undefined) {
      await impl.waitReadable([this.map.fd.raw], timeoutMs);
    } else {
      await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 10)));
    }
  }

  /** Records as they arrive, until {@link RingBufferReader.close}. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const batch: Uint8Array[] = [];
    while (!this.#closed) {
      this.drain((r) => batch.push(r), 4096);
      if (batch.length === 0) {
        await this.wait();
        continue;
      }
      for (const r of batch) yield r;
      batch.length = 0;
    }
  }

  /** Unmaps the ring; iteration ends. The map itself stays open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#producer.unmap();
    this.#consumer.unmap();
  }

  /** Same as {@link RingBufferReader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
