/**
 * An append-only ASCII/bytes buffer that hands full chunks to a sink. Formatters that emit
 * hundreds of thousands of lines write digits and name bytes straight into it, creating no
 * intermediate strings.
 * @module
 */
import { decodeUtf8 } from '../../internal/utf8.js';

/** Receives output chunks; a chunk's bytes are only valid during the call. */
export type ChunkSink = (chunk: Uint8Array) => void;

export class ByteWriter {
  private buf: Uint8Array;
  private pos = 0;
  private readonly sink: ChunkSink;

  private readonly chunkSize: number;

  constructor(sink: ChunkSink, chunkSize = 1 << 18) {
    this.sink = sink;
    this.chunkSize = chunkSize;
    // The first chunk is small on purpose: the flush path then runs while the writer is still
    // interpreted, so optimized code has seen it and does not deoptimize at the first full chunk.
    this.buf = new Uint8Array(Math.min(chunkSize, 1024));
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (this.buf.length < this.chunkSize || n > this.buf.length) this.buf = new Uint8Array(Math.max(this.chunkSize, n * 2));
  }

  /** Hands what is buffered to the sink. */
  flush(): void {
    if (this.pos > 0) this.sink(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** Appends an ASCII string (literals, numbers already formatted). */
  ascii(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Appends one byte. */
  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** Appends the NUL-terminated string at `src[start]` (without the NUL). */
  cString(src: Uint8Array, start: number): void {
    let p = this.pos;
    let b = this.buf;
    for (let i = start; ; i++) {
      const c = src[i];
      if (c === 0 || c === undefined) break;
      if (p === b.length) {
        this.pos = p;
        this.room(1);
        b = this.buf;
        p = this.pos;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /**
   * Appends the NUL-terminated string at `src[start]` as {@link cString} does, and returns its
   * length, or -1 if one of its bytes `c` has no bit of `mask` in `classes[c]`: a writer checks
   * what a name holds in the same pass that copies it.
   */
  cStringOf(src: Uint8Array, start: number, classes: Uint8Array, mask: number): number {
    let p = this.pos;
    let b = this.buf;
    let ok = mask;
    let i = start;
    for (; ; i++) {
      const c = src[i];
      if (c === 0 || c === undefined) break;
      ok &= classes[c]!;
      if (p === b.length) {
        this.pos = p;
        this.room(1);
        b = this.buf;
        p = this.pos;
      }
      b[p++] = c;
    }
    this.pos = p;
    return ok === 0 ? -1 : i - start;
  }

  /** Appends `src[start, end)`. */
  bytes(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    if (end - start <= 64) {
      // Names, mostly: a loop costs less than making a subarray to hand to set().
      const b = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) b[p++] = src[i]!;
      this.pos = p;
      return;
    }
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  /** Appends an unsigned 32-bit integer in decimal. */
  uint(n: number): void {
    if (this.pos + 10 > this.buf.length) this.room(10);
    const b = this.buf;
    // Counting digits with a loop rather than a ladder of compares keeps one code path for
    // every magnitude, so optimized code never meets an untried branch and deoptimizes.
    let digits = 1;
    for (let t = n; t >= 10; t = (t / 10) >>> 0) digits++;
    let p = this.pos + digits;
    this.pos = p;
    let v = n;
    while (v >= 10) {
      const q = (v / 10) >>> 0;
      b[--p] = 48 + v - q * 10;
      v = q;
    }
    b[--p] = 48 + v;
  }

  /** Appends `label` then `n` in decimal: the `key=value` pairs of text dumps, in one call. */
  field(label: string, n: number): void {
    if (this.pos + label.length + 10 > this.buf.length) this.room(label.length + 10);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < label.length; i++) b[p++] = label.charCodeAt(i);
    this.pos = p;
    this.uint(n);
  }

  /** Appends `'` + the NUL-terminated string at `src[start]` + `'`. */
  quoted(src: Uint8Array, start: number): void {
    this.byte(39);
    this.cString(src, start);
    this.byte(39);
  }

  /** Appends a signed 32-bit integer in decimal. */
  int(n: number): void {
    if (n < 0) {
      this.byte(45);
      this.uint(-n);
    } else this.uint(n);
  }
}

/** Runs `emit` into memory and decodes what it wrote as UTF-8 (for tests and small outputs). */
export function toText(emit: (sink: ChunkSink) => void): string {
  const chunks: Uint8Array[] = [];
  let total = 0;
  emit((c) => {
    chunks.push(c.slice());
    total += c.length;
  });
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return decodeUtf8(all, 0, total);
}
