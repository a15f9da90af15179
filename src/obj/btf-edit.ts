/**
 * In-place edits of a raw BTF blob, as libbpf makes them before BTF_LOAD: rewrite words of type
 * records, append types and strings. String offsets of existing names never change, so
 * `.BTF.ext` records and func_info keep pointing at the same strings.
 *
 * @module
 */

import { Spec } from '../btf/spec.js';
import { BtfError } from '../errors.js';
import { encodeUtf8 } from '../internal/utf8.js';

/** A mutable copy of a BTF blob with the record offsets of its types. */
export class BtfEditor {
  /** The copy being edited (types and strings sections only grow at {@link finish}). */
  readonly bytes: Uint8Array;
  /** A view over {@link bytes}, for reading and writing record fields. */
  readonly view: DataView;
  /** Byte order of the blob (read from its header's magic). */
  readonly littleEndian: boolean;
  readonly #spec: Spec;
  readonly #types: number[] = [];
  readonly #strings: number[] = [];
  #nextId: number;
  #extraStrings = 0;

  /**
   * Copies `bytes` (base BTF).
   *
   * @throws {@link BtfError} if the blob's header or type section is malformed.
   */
  constructor(bytes: Uint8Array) {
    // A fresh copy: a Node Buffer's slice() is a view of the caller's bytes.
    this.bytes = new Uint8Array(bytes);
    this.view = new DataView(this.bytes.buffer);
    this.#spec = new Spec(this.bytes, undefined);
    this.littleEndian = this.#spec.littleEndian;
    this.#nextId = this.#spec.nextId;
  }

  /** The spec over the copy (types decoded from it reflect edits made before they are read). */
  get spec(): Spec {
    return this.#spec;
  }

  /** Absolute byte offset of type `id`'s record. */
  recordOffset(id: number): number {
    if (id < 1 || id >= this.#spec.nextId) throw new BtfError(`no type [${id}] to edit`, { typeId: id });
    return this.#spec.section.offset(id - 1);
  }

  /** The u32 at absolute byte offset `at`, in the blob's byte order. */
  u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }

  /** Writes `value` as a u32 at absolute byte offset `at`, in the blob's byte order. */
  setU32(at: number, value: number): void {
    this.view.setUint32(at, value >>> 0, this.littleEndian);
  }

  /** Appends a type record given as 32-bit words; returns its ID. */
  appendType(words: readonly number[]): number {
    this.#types.push(...words);
    return this.#nextId++;
  }

  /** Appends a string; returns its offset in the string section. */
  appendString(s: string): number {
    const off = this.#spec.header.strLen + this.#extraStrings;
    const encoded = encodeUtf8(s);
    this.#strings.push(...encoded, 0);
    this.#extraStrings += encoded.length + 1;
    return off;
  }

  /** The edited blob: the copy itself if nothing was appended, else a new blob with the additions. */
  finish(): Uint8Array {
    if (this.#types.length === 0 && this.#strings.length === 0) return this.bytes;
    const h = this.#spec.header;
    const typeBytes = this.#types.length * 4;
    const out = new Uint8Array(h.hdrLen + h.typeLen + typeBytes + h.strLen + this.#strings.length);
    const v = new DataView(out.buffer);
    out.set(this.bytes.subarray(0, h.hdrLen), 0);
    out.set(this.bytes.subarray(h.typeOff, h.typeOff + h.typeLen), h.hdrLen);
    let at = h.hdrLen + h.typeLen;
    for (const w of this.#types) {
      v.setUint32(at, w >>> 0, this.littleEndian);
      at += 4;
    }
    out.set(this.bytes.subarray(h.strOff, h.strOff + h.strLen), at);
    out.set(this.#strings, at + h.strLen);
    // type_off 0, type_len, str_off, str_len (offsets relative to the end of the header).
    v.setUint32(8, 0, this.littleEndian);
    v.setUint32(12, h.typeLen + typeBytes, this.littleEndian);
    v.setUint32(16, h.typeLen + typeBytes, this.littleEndian);
    v.setUint32(20, h.strLen + this.#strings.length, this.littleEndian);
    if (h.hdrLen >= 32) {
      v.setUint32(24, 0, this.littleEndian);
      v.setUint32(28, 0, this.littleEndian);
    }
    return out;
  }
}
