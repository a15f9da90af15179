/**
 * Full validation of a spec's own types, following the kernel's BTF verifier (kernel/bpf/btf.c):
 * per-kind metadata rules, names and referenced IDs in range, and reference loops that no
 * struct, union or pointer-to-aggregate breaks. Runs over wire records, without inflating types.
 * Where the kernel is stricter than what compilers emit before a loader fixes the object up
 * (DATASEC sizes and VAR offsets of an unloaded `.o`), those objects are accepted.
 * @module
 */
import { BtfError } from '../errors.js';
import { Kind } from './kinds.js';
import type { Spec } from './spec.js';
import { infoKflag, infoKind, infoVlen, TYPE_RECORD_SIZE } from './type-section.js';

const INT_SIZES = new Set([1, 2, 4, 8, 16]);
const ENUM_SIZES = new Set([1, 2, 4, 8]);
const FLOAT_SIZES = new Set([2, 4, 8, 12, 16]);

/** Kinds whose only reference is `type` and that can form a chain. */
function isModifier(kind: number): boolean {
  return (
    kind === Kind.Ptr ||
    kind === Kind.Typedef ||
    kind === Kind.Volatile ||
    kind === Kind.Const ||
    kind === Kind.Restrict ||
    kind === Kind.TypeTag
  );
}

/**
 * Checks every own type of `spec`.
 * @throws {BtfError} at the first fault, naming its type ID and record offset.
 */
export function validateSpec(spec: Spec): void {
  const s = spec.section;
  const first = spec.firstId;
  const limit = spec.nextId;
  const strings = spec.strings;
  const split = spec.base !== undefined;
  const own = strings.bytes;
  const kindOf = (id: number): number => {
    if (id === 0) return Kind.Unknown;
    if (id >= first) return s.kind(id - first);
    const owner = spec.specOf(id)!;
    return owner.section.kind(id - owner.firstId);
  };

  for (let i = 0; i < s.count; i++) {
    const id = first + i;
    const at = s.offset(i);
    const fail = (msg: string, off = at): never => {
      throw new BtfError(msg, { typeId: id, offset: off });
    };
    const checkName = (off: number, where: number, what = 'name'): void => {
      if (!strings.has(off)) fail(`${what} offset ${off} is out of range (strings end at ${strings.end})`, where);
      // Offsets into a split spec's own table must start a string: a blob opened on the wrong
      // base shifts them into the middle of strings (or past the end).
      if (split && off >= strings.start && off > strings.start && own[off - strings.start - 1] !== 0) {
        fail(`${what} offset ${off} does not start a string (wrong base BTF?)`, where);
      }
    };
    const checkRef = (ref: number, where: number, what: string, allowVoid: boolean): void => {
      if (ref >= limit) fail(`${what} references type [${ref}], beyond the last ID ${limit - 1}`, where);
      if (ref === 0 && !allowVoid) fail(`${what} references void`, where);
    };

    const info = s.info(i);
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    const kflag = infoKflag(info);
    const nameOff = s.nameOff(i);
    const st = s.sizeOrType(i);
    const extra = at + TYPE_RECORD_SIZE;
    checkName(nameOff, at);
    const needName = (): void => {
      if (nameOff === 0) fail('must have a name');
    };
    const noName = (): void => {
      if (nameOff !== 0) fail('must not have a name');
    };
    const noVlen = (): void => {
      if (vlen !== 0) fail(`vlen ${vlen} must be 0`);
    };
    const noKflag = (): void => {
      if (kflag) fail('kind_flag must be 0');
    };
    // Bits of the info word no kind uses (between vlen and kind).
    if ((info & 0x7f000000) >>> 24 !== kind) fail('bad info word');

    switch (kind) {
      case Kind.Int: {
        noVlen();
        noKflag();
        const v = s.u32(i, 0);
        if (v & 0xf000ff00) fail(`int data 0x${v.toString(16)} has reserved bits set`, extra);
        const enc = (v >>> 24) & 0x0f;
        const off = (v >>> 16) & 0xff;
        const bits = v & 0xff;
        if (!INT_SIZES.has(st)) fail(`int size ${st} is not 1, 2, 4, 8 or 16`);
        if (bits === 0 || bits > 128 || off + bits > st * 8) fail(`int bits_offset ${off} + nr_bits ${bits} exceed ${st * 8} bits`, extra);
        if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) fail(`int encoding ${enc} mixes SIGNED, CHAR and BOOL`, extra);
        break;
      }
      case Kind.Ptr:
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
        noVlen();
        noKflag();
        noName();
        checkRef(st, at + 8, 'type', true);
        break;
      case Kind.Typedef:
        noVlen();
        noKflag();
        needName();
        checkRef(st, at + 8, 'type', true);
        break;
      case Kind.TypeTag:
        noVlen();
        needName();
        checkRef(st, at + 8, 'type', true);
        break;
      case Kind.Array: {
        noVlen();
        noKflag();
        noName();
        if (st !== 0) fail(`array size field ${st} must be 0`);
        checkRef(s.u32(i, 0), extra, 'element', false);
        checkRef(s.u32(i, 4), extra + 4, 'index', false);
        break;
      }
      case Kind.Struct:
      case Kind.Union: {
        for (let j = 0; j < vlen; j++) {
          const m = extra + j * 12;
          checkName(s.u32(i, j * 12), m, `member ${j} name`);
          const mt = s.u32(i, j * 12 + 4);
          checkRef(mt, m + 4, `member ${j}`, false);
          const raw = s.u32(i, j * 12 + 8);
          const bitOff = kflag ? raw & 0xffffff : raw;
          const bitSize = kflag ? raw >>> 24 : 0;
          if (kind === Kind.Union && bitOff !== 0) fail(`union member ${j} has bit offset ${bitOff}`, m + 8);
          if (bitOff + bitSize > st * 8 && st > 0) {
            fail(`member ${j} at bit ${bitOff} (+${bitSize}) lies outside the ${st}-byte ${kind === Kind.Struct ? 'struct' : 'union'}`, m + 8);
          }
        }
        break;
      }
      case Kind.Enum:
      case Kind.Enum64: {
        const elem = kind === Kind.Enum ? 8 : 12;
        if (!ENUM_SIZES.has(st)) fail(`enum size ${st} is not 1, 2, 4 or 8`);
        for (let j = 0; j < vlen; j++) {
          const nOff = s.u32(i, j * elem);
          checkName(nOff, extra + j * elem, `enumerator ${j} name`);
          if (nOff === 0) fail(`enumerator ${j} has no name`, extra + j * elem);
        }
        break;
      }
      case Kind.Fwd:
        noVlen();
        needName();
        if (st !== 0) fail(`fwd type field ${st} must be 0`);
        break;
      case Kind.Func:
        noKflag();
        needName();
        if (vlen > 2) fail(`func linkage ${vlen} is unknown`);
        checkRef(st, at + 8, 'prototype', false);
        break;
      case Kind.FuncProto: {
        noKflag();
        noName();
        checkRef(st, at + 8, 'return type', true);
        for (let j = 0; j < vlen; j++) {
          const p = extra + j * 8;
          checkName(s.u32(i, j * 8), p, `param ${j} name`);
          const pt = s.u32(i, j * 8 + 4);
          // Only the last parameter may be void: the `...` marker, which has no name.
          const variadic = j === vlen - 1 && pt === 0;
          if (variadic && s.u32(i, j * 8) !== 0) fail(`variadic marker param ${j} has a name`, p);
          checkRef(pt, p + 4, `param ${j}`, variadic);
        }
        break;
      }
      case Kind.Var: {
        noVlen();
        noKflag();
        needName();
        const link = s.u32(i, 0);
        if (link > 2) fail(`var linkage ${link} is unknown`, extra);
        checkRef(st, at + 8, 'type', false);
        break;
      }
      case Kind.Datasec: {
        noKflag();
        needName();
        for (let j = 0; j < vlen; j++) {
          const v = extra + j * 12;
          const vt = s.u32(i, j * 12);
          checkRef(vt, v, `var ${j}`, false);
          const off = s.u32(i, j * 12 + 4);
          const size = s.u32(i, j * 12 + 8);
          if (st > 0 && off + size > st) fail(`var ${j} [${off}, ${off + size}) lies outside the ${st}-byte section`, v + 4);
        }
        break;
      }
      case Kind.Float:
        noVlen();
        noKflag();
        needName();
        if (!FLOAT_SIZES.has(st)) fail(`float size ${st} is not 2, 4, 8, 12 or 16`);
        break;
      case Kind.DeclTag: {
        noVlen();
        needName();
        checkRef(st, at + 8, 'type', false);
        if (s.i32(i, 0) < -1) fail(`component_idx ${s.i32(i, 0)} is below -1`, extra);
        break;
      }
      default:
        // A kind newer than this library, sized by the layout section: nothing more to check.
        break;
    }
  }

  // Second pass: checks that need the kinds of referenced types.
  for (let i = 0; i < s.count; i++) {
    const id = first + i;
    const kind = s.kind(i);
    const at = s.offset(i);
    if (kind === Kind.Func && kindOf(s.sizeOrType(i)) !== Kind.FuncProto) {
      throw new BtfError(`func references type [${s.sizeOrType(i)}], which is not a FUNC_PROTO`, { typeId: id, offset: at + 8 });
    }
    if (kind === Kind.Datasec) {
      for (let j = 0; j < infoVlen(s.info(i)); j++) {
        const vt = s.u32(i, j * 12);
        if (kindOf(vt) !== Kind.Var && kindOf(vt) !== Kind.Func) {
          throw new BtfError(`datasec entry ${j} references type [${vt}], which is not a VAR`, { typeId: id, offset: at + 12 + j * 12 });
        }
      }
    }
    if (kind === Kind.DeclTag) {
      const target = s.sizeOrType(i);
      const idx = s.i32(i, 0);
      const tk = kindOf(target);
      if (idx >= 0) {
        let n = -1;
        const owner = spec.specOf(target)!;
        const ti = target - owner.firstId;
        if (tk === Kind.Struct || tk === Kind.Union) n = infoVlen(owner.section.info(ti));
        else if (tk === Kind.Func) {
          const proto = owner.section.sizeOrType(ti);
          const po = spec.specOf(proto);
          if (po) n = infoVlen(po.section.info(proto - po.firstId));
        }
        if (idx >= n) {
          throw new BtfError(`component_idx ${idx} is out of range for type [${target}]`, { typeId: id, offset: at + 12 });
        }
      }
    }
  }

  checkLoops(spec);
}

/**
 * Rejects reference cycles the kernel cannot resolve: a chain of pointers, typedefs and
 * qualifiers that returns to itself, and a struct, union or array that contains itself by value.
 * A pointer to a struct or union ends a chain, which is how linked lists are legal.
 */
function checkLoops(spec: Spec): void {
  const s = spec.section;
  const first = spec.firstId;
  const n = s.count;
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const path: number[] = [];

  // Chains of modifiers (PTR, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG).
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0 || !isModifier(s.kind(i))) continue;
    let j = i;
    path.length = 0;
    for (;;) {
      if (state[j] === 1) {
        throw new BtfError(`reference loop through types [${path.map((k) => k + first).join(', ')}]`, {
          typeId: j + first,
          offset: s.offset(j),
        });
      }
      if (state[j] === 2) break;
      state[j] = 1;
      path.push(j);
      const next = s.sizeOrType(j) - first;
      if (next < 0 || next >= n) break;
      const nk = s.kind(next);
      // Anything but another modifier ends the chain: a pointer to a struct, union or fwd is how
      // self-referencing data structures stay legal (the kernel treats them as resolve sinks).
      if (!isModifier(nk)) break;
      j = next;
    }
    for (const k of path) state[k] = 2;
  }

  // Containment by value: struct/union members and array elements, through typedefs and qualifiers.
  const strip = (id: number): number => {
    let local = id - first;
    for (let guard = 0; local >= 0 && local < n && guard < n; guard++) {
      const k = s.kind(local);
      if (k === Kind.Typedef || k === Kind.Const || k === Kind.Volatile || k === Kind.Restrict || k === Kind.TypeTag) {
        local = s.sizeOrType(local) - first;
      } else break;
    }
    return local;
  };
  const isAggregate = (k: number): boolean => k === Kind.Struct || k === Kind.Union || k === Kind.Array;
  const children = (i: number): number[] => {
    const k = s.kind(i);
    const out: number[] = [];
    const push = (id: number): void => {
      const c = strip(id);
      if (c >= 0 && c < n && isAggregate(s.kind(c))) out.push(c);
    };
    if (k === Kind.Array) push(s.u32(i, 0));
    else for (let j = 0; j < infoVlen(s.info(i)); j++) push(s.u32(i, j * 12 + 4));
    return out;
  };
  state.fill(0);
  const stack: { node: number; kids: number[]; next: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0 || !isAggregate(s.kind(i))) continue;
    state[i] = 1;
    stack.push({ node: i, kids: children(i), next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next === top.kids.length) {
        state[top.node] = 2;
        stack.pop();
        continue;
      }
      const c = top.kids[top.next++]!;
      if (state[c] === 1) {
        throw new BtfError(`type [${c + first}] contains itself by value`, { typeId: top.node + first, offset: s.offset(top.node) });
      }
      if (state[c] === 0) {
        state[c] = 1;
        stack.push({ node: c, kids: children(c), next: 0 });
      }
    }
  }
}
