/**
 * The state of a text dump in progress (raw or JSON): the output buffer with its flush rules, and
 * the spec's record and string arrays read into fields once, so the per-kind writers reach them
 * without property chains.
 * @module
 */
import type { Spec } from '../spec.js';
import type { StringTable } from '../strings.js';
import type { ChunkSink } from './byte-writer.js';

/**
 * Most bytes one line (raw) or one object head or vlen item (JSON) holds besides its one name:
 * the longest, a DATASEC entry or a bitfield member, is about 80 bytes with 10-digit numbers.
 */
export const LINE_MAX = 256;
/** Bytes handed to the sink per write when dumping a whole spec. */
export const CHUNK = 1 << 18;
/**
 * Room past {@link CHUNK} for the type being written when the chunk fills: types up to this
 * size never flush mid-type, so that branch of the writers stays cold (and uncompiled).
 */
export const SLACK = 1 << 16;
/**
 * The first chunk is small: the main loop's flush then first runs while it is still
 * interpreted, so its optimized code has seen the call and does not deoptimize at 256 KiB.
 */
export const FIRST_CHUNK = 1 << 12;

/**
 * One dump in progress. The buffer is handed to the sink when the main loop finds it past
 * {@link flushAt}, and mid-type when a long type or name would leave less than a line's room
 * ({@link lineLimit}, {@link nameLimit}).
 */
export class DumpBuffer {
  readonly buf: Uint8Array;
  pos = 0;
  flushAt: number;
  readonly lineLimit: number;
  readonly nameLimit: number;
  readonly spec: Spec;
  readonly words: Uint32Array;
  readonly starts: Uint32Array;
  readonly firstId: number;
  /** This spec's own string table, and the offset it starts at (non-zero for split BTF). */
  readonly strs: Uint8Array;
  readonly strStart: number;
  readonly strings: StringTable;
  private readonly sink: ChunkSink;
  private readonly later: number;

  /**
   * Flushes when the main loop finds more than `chunk` bytes, then at `later`.
   * @param bytesPerNameByte - output bytes one name byte may take (2 where escapes double it).
   */
  constructor(spec: Spec, sink: ChunkSink, chunk: number, later: number, slack: number, bytesPerNameByte = 1) {
    this.sink = sink;
    this.buf = new Uint8Array(Math.max(chunk, later) + slack);
    this.flushAt = chunk;
    this.later = later;
    this.lineLimit = this.buf.length - 2 * LINE_MAX;
    this.nameLimit = this.buf.length - LINE_MAX - bytesPerNameByte;
    this.spec = spec;
    this.words = spec.section.words;
    this.starts = spec.section.starts;
    this.firstId = spec.firstId;
    this.strings = spec.strings;
    this.strs = spec.strings.bytes;
    this.strStart = spec.strings.start;
  }

  /** Hands `buf[0, p)` to the sink; the caller continues at 0. */
  flush(p: number): void {
    if (p > 0) this.sink(this.buf.subarray(0, p));
    this.pos = 0;
    this.flushAt = this.later;
  }
}
