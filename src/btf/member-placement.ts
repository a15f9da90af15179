/**
 * Where struct and union members may lie, as the kernel checks them when it resolves a struct
 * (each member kind's `check_member` / `check_kflag_member` in kernel/bpf/btf.c): a member must
 * fit inside its struct ("Member exceeds struct_size"), a member that is not an integer or enum
 * bit-field must start on a byte boundary, a bit-field is no wider than its integer or enum, only
 * integers and enums can be bit-fields, floats are naturally aligned, and a member's type must have
 * a size (no functions, forward declarations, variables or sections by value).
 *
 * Runs after every record passed its own checks (IDs are in range), over the spec's own structs
 * and unions; referenced types may be the base's. Types and sizes are read through the
 * {@link TypeView} the reference checks use (arrays sized without recursion).
 * @module
 */
import { Kind } from './kinds.js';
import type { Spec } from './spec.js';
import { isRegularInt, TypeView } from './validate-references.js';
import { type BtfRuleId, ruleError } from './validate-rules.js';
import {
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  memberBitfieldSize,
  memberBitOffset,
  TYPE_RECORD_SIZE,
} from './wire.js';

/** The kernel's pointer size on every BTF-capable 64-bit target. */
const POINTER_SIZE = 8;

/**
 * Checks the members of every own struct and union of `spec`.
 * @param view - the reader of types and sizes, shared with the other reference checks.
 * @throws {BtfError} naming the struct's ID and the member's offset in the blob.
 */
export function checkMemberPlacement(spec: Spec, view: TypeView = new TypeView(spec)): void {
  new Placement(spec, view).run();
}

class Placement {
  constructor(
    private readonly spec: Spec,
    private readonly v: TypeView,
  ) {}

  run(): void {
    const s = this.spec.section;
    for (let i = 0; i < s.count; i++) {
      const info = s.info(i);
      const kind = infoKind(info);
      if (kind !== Kind.Struct && kind !== Kind.Union) continue;
      const size = s.sizeOrType(i);
      const kflag = infoKflag(info);
      const n = infoVlen(info);
      for (let j = 0; j < n; j++) this.member(i, size, kflag, j);
    }
  }

  /**
   * Refuses member `j` of own struct `i`. A method, not a closure made for each member: vmlinux
   * has some 70,000 of them, and before the code warms up each closure costs.
   * @throws {BtfRuleError} always.
   */
  private fail(i: number, j: number, rule: BtfRuleId, msg: string): never {
    const at = this.spec.section.offset(i) + TYPE_RECORD_SIZE + j * 12;
    throw ruleError(rule, `member ${j} ${msg}`, this.spec.firstId + i, at);
  }

  /** Refuses member `j` of own struct `i`, at `bitOff`, when it ends past the struct's size. */
  private exceeds(i: number, j: number, structSize: number, bitOff: number, bytesEnd: number): void {
    if (bytesEnd > structSize)
      this.fail(i, j, 'member-exceeds', `at bit ${bitOff} exceeds the ${structSize}-byte struct (ends at byte ${bytesEnd})`);
  }

  private member(i: number, structSize: number, kflag: boolean, j: number): void {
    const s = this.spec.section;
    const raw = s.u32(i, j * 12 + 8);
    const bitOff = memberBitOffset(raw, kflag);
    const bitfield = memberBitfieldSize(raw, kflag);
    const type = this.v.strip(s.u32(i, j * 12 + 4));
    const kind = this.v.kind(type);
    const byteOff = Math.floor(bitOff / 8);
    if (kind === Kind.Int) {
      const data = this.v.u32(type, 0);
      if (kflag) {
        if (!isRegularInt(data))
          this.fail(i, j, 'member-bitfield-base', 'is a bit-field of an integer that is itself a bit-field');
        let bits = bitfield;
        if (bits === 0) {
          if (bitOff % 8 !== 0) this.fail(i, j, 'member-alignment', `at bit ${bitOff} is not byte aligned`);
          bits = intBits(data);
        } else if (bits > intBits(data))
          this.fail(i, j, 'member-bitfield', `bit-field of ${bits} bits is wider than its ${intBits(data)}-bit integer`);
        if (bits + (bitOff % 8) > 128) this.fail(i, j, 'member-copy-bits', `spans ${bits + (bitOff % 8)} bits, more than 128`);
        this.exceeds(i, j, structSize, bitOff, Math.ceil((bitOff + bits) / 8));
      } else {
        const start = bitOff + intBitOffset(data);
        const copyBits = intBits(data) + (start % 8);
        if (copyBits > 128) this.fail(i, j, 'member-copy-bits', `spans ${copyBits} bits, more than 128`);
        this.exceeds(i, j, structSize, bitOff, Math.floor(start / 8) + Math.ceil(copyBits / 8));
      }
      return;
    }
    if (kind === Kind.Enum || kind === Kind.Enum64) {
      // In a struct with kind_flag the kernel takes every enum, ENUM64 too, as 32 bits wide
      // (btf_enum_check_kflag_member): no wider bit-field, and 4 bytes must fit when it is none.
      const bits = kflag ? 32 : this.v.sizeOrType(type) * 8;
      let width = bitfield;
      if (width === 0) {
        if (bitOff % 8 !== 0) this.fail(i, j, 'member-alignment', `at bit ${bitOff} is not byte aligned`);
        width = bits;
      } else if (width > bits)
        this.fail(i, j, 'member-bitfield', `bit-field of ${width} bits is wider than its ${bits}-bit enum`);
      this.exceeds(i, j, structSize, bitOff, Math.ceil((bitOff + width) / 8));
      return;
    }
    if (bitfield !== 0)
      this.fail(i, j, 'member-bitfield', `is a ${bitfield}-bit bit-field of a type that is neither an integer nor an enum`);
    // A section is never a member, although the kernel gives it a size.
    const size = kind === Kind.Datasec ? -1 : this.v.sizeOf(type);
    if (size === -2) this.fail(i, j, 'array-overflow', 'has an array type whose size overflows 32 bits');
    if (size < 0) this.fail(i, j, 'member-type', `has type [${type}], which has no size`);
    if (bitOff % 8 !== 0) this.fail(i, j, 'member-alignment', `at bit ${bitOff} is not byte aligned`);
    if (kind === Kind.Float && bitOff % (Math.min(size, POINTER_SIZE) * 8) !== 0) {
      this.fail(i, j, 'member-float-alignment', `float at bit ${bitOff} is not aligned to its size`);
    }
    this.exceeds(i, j, structSize, bitOff, byteOff + size);
  }
}
