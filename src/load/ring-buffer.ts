/**
 * Reading a BPF ring buffer (`BPF_MAP_TYPE_RINGBUF`) from its shared memory, parsed entirely in
 * JavaScript: no call into native code per record, and no allocation per record on the fast path.
 *
 * The consumer page is mapped read-write, the producer page and the data area read-only; the
 * kernel maps the data area twice in a row, so a record that runs past the end of the ring is
 * still one contiguous slice of the mapping. Three ways to read:
 *
 * - {@link RingBufferReader.consume}: a callback per record that receives the mapping itself and
 *   the record's offset and length in it (nothing copied, nothing allocated). The bytes are valid
 *   only until the callback returns: the kernel may overwrite them as soon as the consumer
 *   position passes them.
 * - {@link RingBufferReader.drain}: the same, with each record copied out first;
 *   {@link RingBufferReader.takeBatch}: one copy of a run of records and a view per record.
 * - `for await (const record of reader)`: records copied out in batches (one copy of a run of
 *   records, then views into it); when the ring is empty the reader waits in `poll(2)` on the map
 *   fd on a worker thread (or, where the syscall door has no `waitReadable`, on a timer).
 *   `for await (const batch of reader.batches())` is the same with one `await` per batch.
 *
 * ## Memory ordering
 *
 * The kernel reserves a record by advancing the producer position, writes it, then commits it by
 * exchanging its header (an `xchg`, a full barrier) to clear the busy bit. The consumer must read
 * the producer position, then each header, then the record, in that order (libbpf:
 * `smp_load_acquire` on both), and must finish reading before it publishes the new consumer
 * position (`smp_store_release`). Here the positions are read and written with `Atomics`
 * (sequentially consistent, so at least acquire/release), once per batch. The header word is read
 * per record; Node 20's optimizing compiler does not inline `Atomics.load` (each is a call of
 * about 15 ns, four times what libbpf spends per record), so:
 *
 * - on x86-64, headers are read with plain typed-array loads. x86 never reorders a load with an
 *   older load (x86-TSO), which is why libbpf's `smp_load_acquire` is a plain `mov` there; and V8
 *   keeps typed-array loads on its effect chain in program order and does not move a load above
 *   the branch that tests the header, so the record's bytes are read after its header was seen
 *   committed.
 * - on every other architecture (arm64 reorders loads), headers are read with `Atomics.load`,
 *   which V8 compiles to a load-acquire (`ldar`).
 *
 * The mapping is a plain `ArrayBuffer` (koffi's view of foreign memory), not a
 * `SharedArrayBuffer`; `Atomics.load`/`Atomics.store` work on both.
 *
 * @module
 */

import { TsbpfError } from '../errors.js';
import { type Mapping, Prot, syscallImpl } from '../sys/ffi.js';
import { MapType } from '../sys/map-type.js';
import { mmapFd } from '../sys/perf.js';
import type { BpfMap } from './map.js';
import { pageSize } from './page-size.js';

// `BPF_RINGBUF_BUSY_BIT` is the sign bit of the header word read as an `int32`: busy is `< 0`.
/** `BPF_RINGBUF_DISCARD_BIT`. */
const DISCARD = 0x4000_0000;
const LENGTH = 0x3fff_ffff;
/** `BPF_RINGBUF_HDR_SZ`: the length word and the page offset word. */
const HEADER = 8;
/** Records consumed between two publications of the consumer position during a long batch. */
const RELEASE_EVERY = 1024;

/** Reads a committed record's header word; see "Memory ordering" in the module comment. */
const loadHeader: (words: Int32Array, index: number) => number =
  process.arch === 'x64' ? (words, index) => words[index] as number : (words, index) => Atomics.load(words, index);

/**
 * Called by {@link RingBufferReader.consume} for each record: the record is `length` bytes at
 * `offset` of `view` (and of `bytes`, the same memory), which are the ring's mapping itself. Read
 * what you need before returning; do not keep `view`/`bytes` to read this record later. Return
 * `false` to stop after this record.
 */
export type RingRecordCallback = (view: DataView, offset: number, length: number, bytes: Uint8Array) => unknown;

/** A run of records copied out of the ring by `#scan`, not yet released. */
interface RingBatch {
  copy: ArrayBuffer;
  spans: number[];
  count: number;
  start: number;
  end: number;
}

/** Options of {@link RingBufferReader}. */
export interface RingBufferOptions {
  /** Page size of this machine (default: the system's, {@link pageSize}). */
  pageSize?: number;
  /** How long one wait lasts before the reader checks whether it was closed (default 100 ms). */
  waitMs?: number;
  /** Most bytes the async iterator copies out of the ring at once (default 64 KiB). */
  batchBytes?: number;
}

/** Records of a BPF ring buffer, in the order they were committed. */
export class RingBufferReader implements AsyncIterable<Uint8Array>, Disposable {
  /** The ring buffer map it reads (not closed with the reader). */
  readonly map: BpfMap;
  /** Bytes of the data area (the map's `max_entries`). */
  readonly size: number;
  readonly #consumer: Mapping;
  readonly #producer: Mapping;
  readonly #cons: BigUint64Array;
  readonly #prod: BigUint64Array;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #mask: number;
  readonly #waitMs: number;
  readonly #batchBytes: number;
  #closed = false;
  /** Inside {@link RingBufferReader.consume} (which reads the mapping until it returns). */
  #consuming = false;
  /** Records delivered so far. */
  delivered = 0;

  /**
   * Maps the ring buffer of `map` (which stays owned by the caller).
   *
   * @throws {@link TsbpfError} for a map that is not a ring buffer; {@link KernelError} when it cannot be mapped.
   */
  constructor(map: BpfMap, options: RingBufferOptions = {}) {
    if (map.type !== MapType.RINGBUF) throw new TsbpfError(`${map}: not a ring buffer`);
    const page = options.pageSize ?? pageSize();
    const size = map.maxEntries;
    this.map = map;
    this.size = size;
    this.#waitMs = options.waitMs ?? 100;
    this.#batchBytes = Math.max(HEADER, options.batchBytes ?? 64 << 10);
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
    this.#view = new DataView(this.#producer.buffer, page, 2 * size);
    this.#mask = size - 1;
  }

  /** The kernel's producer position: bytes ever reserved in the ring (a running count). */
  get producerPosition(): number {
    return this.#closed ? 0 : Number(Atomics.load(this.#prod, 0));
  }

  /** The consumer position: bytes ever consumed (a running count; the ring offset is it modulo {@link size}). */
  get consumerPosition(): number {
    return this.#closed ? 0 : Number(Atomics.load(this.#cons, 0));
  }

  /** Bytes reserved and not yet consumed (headers and padding included). */
  get pending(): number {
    return this.producerPosition - this.consumerPosition;
  }

  /**
   * Takes every record committed now (without waiting), up to `limit`, and calls `onRecord` for
   * each with the ring's own memory (see {@link RingRecordCallback}: valid only during the call);
   * returns how many records there were. Discarded records are skipped. Stops early at a record
   * still being written (as libbpf does), or when `onRecord` returns `false`. If `onRecord`
   * throws, the record it threw on counts as consumed. `onRecord` may call
   * {@link RingBufferReader.close} (the ring is unmapped when this returns); reading the same
   * reader from inside `onRecord` finds nothing.
   *
   * @throws {@link TsbpfError} when a header claims more bytes than were produced (a corrupt ring);
   *   whatever `onRecord` throws.
   */
  consume(onRecord: RingRecordCallback, limit = Number.POSITIVE_INFINITY): number {
    return this.#walk(onRecord, undefined, limit);
  }

  /**
   * As {@link RingBufferReader.consume}, but each record reaches `onRecord` as its own copy
   * (`Uint8Array.prototype.slice`, a small on-heap array for small records: measured faster than
   * views into a batch's copy), which may be kept.
   *
   * @throws As {@link RingBufferReader.consume}.
   */
  drain(onRecord: (record: Uint8Array) => void, limit = Number.POSITIVE_INFINITY): number {
    return this.#walk(undefined, onRecord, limit);
  }

  /**
   * The loop of {@link RingBufferReader.consume} (`onView`) and {@link RingBufferReader.drain}
   * (`onCopy`); exactly one of the two is given.
   *
   * Each has its own call site in the loop, and that is the point: V8 inlines a callback into the
   * loop only while its call site has met one function. When drain passed its own callback to
   * consume, a process that used both (the bench warms every mode) had consume's one call site
   * meet two functions; the callback was then called, not inlined, and a record cost about twice
   * as much (bench/README.md).
   */
  #walk(onView: RingRecordCallback | undefined, onCopy: ((record: Uint8Array) => void) | undefined, limit: number): number {
    if (this.#closed || this.#consuming) return 0;
    const words = this.#words;
    const view = this.#view;
    const bytes = this.#bytes;
    const mask = this.#mask;
    const consPage = this.#cons;
    // Module-level constants and functions are read through the module's context with a check
    // per use (they could be uninitialized); locals and literals keep the loop free of that.
    const load = loadHeader;
    const releaseEvery = RELEASE_EVERY;
    // Positions are 64-bit running counts, exact as doubles up to 2^53; within one batch the
    // loop counts in small integers (a batch is never longer than the ring).
    let cons = Number(Atomics.load(consPage, 0));
    let done = 0;
    let n = 0;
    let untilRelease = releaseEvery;
    this.#consuming = true;
    try {
      for (;;) {
        const prod = Number(Atomics.load(this.#prod, 0));
        let left = prod - cons;
        if (left <= 0) return n;
        let off = cons & mask;
        while (left > 0) {
          const len = load(words, off >> 2);
          if (len < 0) return n; // BUSY: reserved, not yet committed
          const length = len & 0x3fff_ffff; // LENGTH (a literal: see above)
          const step = (length + 15) & ~7; // HEADER + length, rounded up to 8
          if (step > left) throw this.#corrupt(off, length, left);
          left -= step;
          done += step;
          if ((len & 0x4000_0000) === 0) {
            // not DISCARD
            n++;
            const at = off + 8; // after the header (HEADER)
            if (onView !== undefined) {
              if (onView(view, at, length, bytes) === false) return n;
            } else {
              (onCopy as (record: Uint8Array) => void)(bytes.slice(at, at + length));
            }
            if (n >= limit || this.#closed) return n;
            // A long batch gives room back to the producer as it goes, not only at its end.
            if (--untilRelease === 0) {
              untilRelease = releaseEvery;
              Atomics.store(consPage, 0, BigInt(cons + done));
            }
          }
          off = (off + step) & mask;
        }
        cons += done;
        done = 0;
      }
    } finally {
      this.#consuming = false;
      this.delivered += n;
      if (this.#closed) this.#unmap();
      else Atomics.store(consPage, 0, BigInt(cons + done));
    }
  }

  #corrupt(offset: number, length: number, left: number): TsbpfError {
    return new TsbpfError(
      `${this.map}: ring offset ${offset}: a record of ${length} bytes runs past the producer position (${left} bytes left)`,
    );
  }

  /**
   * Copies out the records committed now, up to about `maxBytes` of ring and `maxRecords`
   * records (at least one record when there is one): one copy of the whole run, made before the
   * consumer position moves past it, and a view into it per record (the views keep the copy
   * alive). Discarded records are skipped. An empty array when no record is committed.
   *
   * @throws {@link TsbpfError} when a header claims more bytes than were produced (a corrupt ring).
   */
  takeBatch(maxBytes = this.#batchBytes, maxRecords = Number.POSITIVE_INFINITY): Uint8Array[] {
    const out: Uint8Array[] = [];
    const batch = this.#scan(maxBytes, maxRecords);
    if (batch === undefined) return out;
    const { copy, spans, count } = batch;
    for (let k = 0; k < count; k++) out.push(new Uint8Array(copy, spans[3 * k] as number, spans[3 * k + 1] as number));
    this.#release(batch.end, count);
    return out;
  }

  /**
   * Finds the committed records from the consumer position on (without moving it) and copies
   * their run of the ring out: `spans` holds, per record, its offset in `copy`, its length and
   * where it ends (from `start`). Runs past `maxBytes` only to reach a record that is not
   * discarded.
   */
  #scan(maxBytes: number, maxRecords: number): RingBatch | undefined {
    if (this.#closed || this.#consuming || maxRecords <= 0) return undefined;
    const words = this.#words;
    const mask = this.#mask;
    const load = loadHeader;
    const start = Number(Atomics.load(this.#cons, 0));
    const prod = Number(Atomics.load(this.#prod, 0));
    const spans: number[] = [];
    let count = 0;
    let used = 0;
    const left = prod - start;
    while (used < left && (used < maxBytes || count === 0) && count < maxRecords) {
      const len = load(words, ((start + used) & mask) >> 2);
      if (len < 0) break; // BUSY
      const length = len & LENGTH;
      const step = (length + HEADER + 7) & ~7;
      if (step > left - used) throw this.#corrupt((start + used) & mask, length, left - used);
      if ((len & DISCARD) === 0) {
        spans.push(used + HEADER, length, used + step);
        count++;
      }
      used += step;
    }
    if (used === 0) return undefined;
    if (count === 0) {
      // Only discarded records: nothing to copy, but their room goes back to the producer.
      this.#release(start + used, 0);
      return this.#scan(maxBytes, maxRecords);
    }
    // The run is never longer than the ring, and the data area is mapped twice in a row: one slice.
    const from = start & mask;
    const copy = this.#bytes.slice(from, from + used).buffer;
    return { copy, spans, count, start, end: start + used };
  }

  /** Publishes the consumer position (release) and counts `records` as delivered. */
  #release(position: number, records: number): void {
    if (this.#closed) return;
    Atomics.store(this.#cons, 0, BigInt(position));
    this.delivered += records;
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

  /**
   * Records as they arrive, each its own bytes (views into a batch's copy, see
   * {@link RingBufferReader.takeBatch}), until {@link RingBufferReader.close}. Waits (off the
   * JavaScript thread) only when the ring is empty. A record counts as consumed once it is
   * handed out: leaving the loop leaves the records after it in the ring.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (!this.#closed) {
      const batch = this.#scan(this.#batchBytes, Number.POSITIVE_INFINITY);
      if (batch === undefined) {
        await this.wait();
        continue;
      }
      const { copy, spans, count } = batch;
      let k = 0;
      try {
        for (; k < count; k++) yield new Uint8Array(copy, spans[3 * k] as number, spans[3 * k + 1] as number);
      } finally {
        if (k === count) this.#release(batch.end, count);
        else this.#release(batch.start + (spans[3 * k + 2] as number), k + 1);
      }
    }
  }

  /**
   * The records as they arrive, a batch at a time (what {@link RingBufferReader.takeBatch}
   * returns, never empty), until {@link RingBufferReader.close}: one `await` per batch rather
   * than per record. Waits (off the JavaScript thread) only when the ring is empty.
   *
   * @throws {@link TsbpfError} when a header claims more bytes than were produced (a corrupt ring).
   */
  async *batches(maxBytes = this.#batchBytes): AsyncGenerator<Uint8Array[], void, undefined> {
    while (!this.#closed) {
      const batch = this.takeBatch(maxBytes);
      if (batch.length === 0) await this.wait();
      else yield batch;
    }
  }

  /** Unmaps the ring; iteration ends. The map itself stays open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Called from a callback of consume(): that loop still reads the mapping; it unmaps on exit.
    if (this.#consuming) return;
    this.#unmap();
  }

  #unmap(): void {
    this.#producer.unmap();
    this.#consumer.unmap();
  }

  /** Same as {@link RingBufferReader.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
