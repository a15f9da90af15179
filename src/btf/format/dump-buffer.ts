/**
 * The state of a text dump in progress (raw or JSON): the output buffer with its flush rules, and
 * the spec's record and string arrays read into fields once, so the per-kind writers reach them
 * without property chains.
 * @module
 */
import { Kind } from '../kinds.js';
import type { Spec } from '../spec.js';
import { longestString } from '../string-bounds.js';
import type { StringTable } from '../strings.js';
import type { ChunkSink } from './byte-writer.js';

/**
 * Most bytes one line (raw) or one object head or vlen item (JSON) holds besides its one name:
 * the longest, a DATASEC entry or a bitfield member, is about 80 bytes with 10-digit numbers.
 */
export const LINE_MAX = 256;
/**
 * The provisional bound of a name: names end at their NUL long before it, so a dump need not
 * measure the table's longest string ({@link longestString}) up front, which for a spec nothing
 * validated (vmlinux read from sysfs is trusted as the kernel checked it) was a pass over its
 * 2.3 MB of strings, 5 ms of a 0.17 s raw dump. The first name that reaches it has the table
 * measured, and every name is bounded by that from then on, as validation's measure bounds them:
 * should the bytes have changed after loading (NULs overwritten), a name still cannot run on to
 * the end of the table, once per name.
 */
export const NAME_PROBE = 1 << 12;

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
  /** The same bytes as {@link buf}, for the word and digit-pair stores of put-bytes.ts. */
  readonly view: DataView;
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
  /**
   * How far a name of {@link strs} is copied before it is cut: {@link NAME_PROBE} until a name
   * reaches it, then the table's longest string ({@link measureStrs}).
   */
  strsBound = NAME_PROBE;
  /** Whether {@link strsBound} is still the provisional {@link NAME_PROBE}. */
  strsProvisional = true;
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
    this.view = new DataView(this.buf.buffer);
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

  /**
   * Measures {@link strs}' longest string (cached per table, so free after validation) and makes
   * it the bound of names; returns it. Called when a name reaches the provisional bound.
   */
  measureStrs(): number {
    this.strsBound = longestString(this.strs);
    this.strsProvisional = false;
    return this.strsBound;
  }

  /** Hands `buf[0, p)` to the sink; the caller continues at 0. */
  flush(p: number): void {
    if (p > 0) this.sink(this.buf.subarray(0, p));
    this.pos = 0;
    this.flushAt = this.later;
  }
}

/** Writes type `id`, whose record starts at word `h`, into the dump. */
export type KindWriter = (d: DumpBuffer, id: number, h: number) => void;

/** One writer per kind family; `headOnly` serves kinds without a body and unknown kinds. */
export interface KindWriters {
  headOnly: KindWriter;
  int: KindWriter;
  /** PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG. */
  ref: KindWriter;
  array: KindWriter;
  /** STRUCT and UNION. */
  composite: KindWriter;
  enum: KindWriter;
  enum64: KindWriter;
  fwd: KindWriter;
  func: KindWriter;
  funcProto: KindWriter;
  var: KindWriter;
  datasec: KindWriter;
  float: KindWriter;
  declTag: KindWriter;
}

/**
 * The writer of each kind number, for dispatch through a table: a kind first met late compiles
 * on its own instead of deoptimizing one big switch. Kinds past the end use `headOnly`.
 */
export function kindWriterTable(w: KindWriters): readonly KindWriter[] {
  const table: KindWriter[] = [];
  for (let k = 0; k <= Kind.Enum64; k++) table.push(w.headOnly);
  table[Kind.Int] = w.int;
  for (const k of [Kind.Ptr, Kind.Typedef, Kind.Volatile, Kind.Const, Kind.Restrict, Kind.TypeTag]) table[k] = w.ref;
  table[Kind.Array] = w.array;
  table[Kind.Struct] = w.composite;
  table[Kind.Union] = w.composite;
  table[Kind.Enum] = w.enum;
  table[Kind.Enum64] = w.enum64;
  table[Kind.Fwd] = w.fwd;
  table[Kind.Func] = w.func;
  table[Kind.FuncProto] = w.funcProto;
  table[Kind.Var] = w.var;
  table[Kind.Datasec] = w.datasec;
  table[Kind.Float] = w.float;
  table[Kind.DeclTag] = w.declTag;
  return table;
}
