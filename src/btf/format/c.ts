/**
 * The C header dump, byte for byte as `bpftool btf dump file <f> format c` prints it: the
 * `vmlinux.h` that CO-RE programs include. Every type gets a compilable C definition, in an order
 * where each struct or union follows what it embeds by value (see {@link definitionOrder}), with
 * `struct foo;` forward declarations for types reached first through pointers. Anonymous structs,
 * unions and enums are written inline where they are used; explicit `type: bits;` padding members
 * and `__attribute__((packed))` reproduce layouts the natural C rules would not; a name shared by
 * several types gets `___2`, `___3`, ... suffixes in the order the names are first written.
 * Functions, variables, data sections, declaration tags and floats get no definitions of their own.
 *
 * Text is built from Latin-1 strings (one char per byte), so names are copied as bytes.
 * @module
 */
import { BtfError } from '../../errors.js';
import { IDENT, identifierFault, isBasicTypeName, MAX_NAME_LENGTH, quoteName } from '../name-rules.js';
import type { Spec } from '../spec.js';
import { ByteWriter, type ChunkSink, toText } from './byte-writer.js';
import { CKind } from './c-kinds.js';
import { NameCounter } from './c-name-counter.js';
import { definitionOrder } from './c-order.js';
import { CTypeTable } from './c-table.js';

/** What precedes the definitions. */
export const C_HEADER_PROLOGUE =
  '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
  '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n';
/** What follows the definitions. */
export const C_HEADER_EPILOGUE =
  '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n';

/** Indentation strings; nesting deeper than the last entry is written at its depth. */
const INDENT = Array.from({ length: 14 }, (_, i) => '\t'.repeat(i));
function indent(level: number): string {
  return INDENT[Math.min(level, 13)]!;
}
/** A line break and {@link indent}: what starts each member's line. */
const NEW_LINE = INDENT.map((s) => `\n${s}`);
function newLine(level: number): string {
  return NEW_LINE[Math.min(level, 13)]!;
}

/** GCC's internal ARM SIMD scalar types and the standard types they stand for. */
const SIMD_ALIASES = new Map([
  ['__Poly8_t', 'unsigned char'],
  ['__Poly16_t', 'unsigned short'],
  ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
]);

/** A compiler built-in that must never be redefined. */
const BUILTIN_VA_LIST = '__builtin_va_list';

/** Bit mask of the kinds (and 0, void) before which the declarator writes qualifiers as prefixes. */
const PREFIXED_KINDS =
  (1 << 0) |
  (1 << CKind.Int) |
  (1 << CKind.Float) |
  (1 << CKind.Struct) |
  (1 << CKind.Union) |
  (1 << CKind.Enum) |
  (1 << CKind.Enum64) |
  (1 << CKind.Fwd) |
  (1 << CKind.Typedef) |
  (1 << CKind.TypeTag);

/** Names of the padding types of {@link CWriter.padding}, widest first. */
const PAD_NAMES = ['long', 'int', 'short', 'char'];

const NOT_WRITTEN = 0;
const WRITING = 1;
const WRITTEN = 2;

/** Opcodes of {@link CWriter.define}'s task stack. */
const DEFINE = 0;
const AFTER_TYPEDEF = 1;
const AFTER_COMPOSITE = 2;
/**
 * How deeply declarations may nest inside one another (anonymous structs and unions written
 * inline, function pointers among parameters): the text is written recursively. Chains of
 * pointers, qualifiers, arrays and typedefs do not count; they are walked iteratively.
 */
const MAX_C_NESTING = 500;

/** The per-dump state: what is written, which names are taken. */
class CWriter {
  private readonly t: CTypeTable;
  private readonly w: ByteWriter;
  /**
   * The table's arrays, read here rather than through its accessors: `btf` commands run with
   * V8's inlining off (src/cli/main.ts), so each accessor call in the hot paths stays a call.
   */
  private readonly words: Uint32Array;
  private readonly starts: Uint32Array;
  private readonly kinds: Uint8Array;
  private readonly state: Uint8Array;
  /** A forward declaration (or, for a typedef, the definition) was written ahead of time. */
  private readonly declared: Uint8Array;
  /**
   * Which occurrence of its name each type is written as, once assigned (0: not yet): the N-th
   * type of a name is written `name___N` from N = 2 on.
   */
  private readonly occurrences: Int32Array;
  /** How many struct/union/enum tags of each name were assigned so far. */
  private readonly tagNames: NameCounter;
  /** How many typedef names and enumerators of each name were written so far (one namespace). */
  private readonly identNames: NameCounter;
  /**
   * Pending tasks of {@link define}, three numbers each, `[0, taskTop)`: a plain array used as a
   * stack with its own top (written by index, never shrunk), cheaper than push and pop.
   */
  private readonly tasks: number[] = stack();
  private taskTop = 0;
  /** Tasks {@link define} ran so far, and the most any valid spec of this size needs. */
  private steps = 0;
  private readonly maxSteps: number;
  /** 1 for each INT or FLOAT whose name was found fit to be written. */
  private readonly basicChecked: Uint8Array;
  /** Bit widths of the padding types, widest first: long (the pointer size), int, short, char. */
  private readonly padUnits: readonly number[];
  /** How many {@link declaration}s are being written inside one another. */
  private nesting = 0;
  /**
   * The type chains of the declarations being written, each nested one's on top of its
   * container's (`[0, chainTop)` in use): one array for all, rather than one per declaration.
   */
  private readonly chain: number[] = stack();
  private chainTop = 0;
  /** The pending closers of the declarators being written, likewise stacked. */
  private readonly closers: number[] = stack();
  private closersTop = 0;

  constructor(table: CTypeTable, out: ByteWriter) {
    this.t = table;
    this.w = out;
    this.words = table.words;
    this.starts = table.starts;
    this.kinds = table.kinds;
    this.state = new Uint8Array(table.count);
    this.state[0] = WRITTEN;
    this.declared = new Uint8Array(table.count);
    this.occurrences = new Int32Array(table.count);
    this.tagNames = new NameCounter(table);
    this.identNames = new NameCounter(table);
    this.basicChecked = new Uint8Array(table.count);
    this.padUnits = [table.ptrSize * 8, 32, 16, 8];
    this.maxSteps = 16 * table.words.length + 1_000_000;
  }

  /** Writes the definitions of `ids` (in {@link definitionOrder}), each with what it needs that is not written yet. */
  writeAll(ids: Uint32Array): void {
    for (let i = 0; i < ids.length; i++) this.define(ids[i]!, 0);
  }

  // ---- names ----------------------------------------------------------------------------

  /**
   * Which occurrence of its name `id` is written as (0 if it has no name), counted in `names`
   * when first asked: the N-th type of a name is written `name___N` from N = 2 on.
   */
  private occurrence(id: number, names: NameCounter): number {
    const done = this.occurrences[id]!;
    if (done !== 0) return done;
    const t = this.t;
    const off = this.words[this.starts[id]!]!;
    if (off === 0) return 0;
    const kind = this.kinds[id]!;
    if (kind === CKind.Int || kind === CKind.Float) this.checkBasicName(id);
    else this.checkName(off, id);
    // A forward declaration, or an enum without values, names a type defined elsewhere.
    const n = kind !== CKind.Fwd && !(kind === CKind.Enum && t.vlen(id) === 0) ? names.next(off) : 1;
    this.occurrences[id] = n;
    return n;
  }

  /** Writes the tag (struct, union, enum) name `id` is written under. */
  private putTagName(id: number): void {
    let n = this.occurrences[id]!;
    if (n === 0) n = this.occurrence(id, this.tagNames);
    if (n !== 0) this.putNameOf(id, n);
  }

  /** Writes the typedef name `id` is written under. */
  private putIdentName(id: number): void {
    let n = this.occurrences[id]!;
    if (n === 0) n = this.occurrence(id, this.identNames);
    if (n !== 0) this.putNameOf(id, n);
  }

  /** Writes the name of `id` (already checked) as its `n`-th occurrence: `name` or `name___N`. */
  private putNameOf(id: number, n: number): void {
    const off = this.words[this.starts[id]!]!;
    const w = this.w;
    if (off < this.t.stringEnd) w.cString(this.t.strings, off);
    if (n > 1) {
      w.ascii('___');
      w.uint(n);
    }
  }

  /**
   * Refuses a name that would not stay a name in C: it must be an identifier (dots allowed, as
   * the kernel allows them; INT and FLOAT names: {@link checkBasicName}). Validation refuses such
   * names, but a spec opened as kernel-verified skips it, and the kernel checks no INT names: a
   * name must never turn into C text of its own (a line break and an `#include`, say).
   * @throws {BtfError} naming the type (0 for a member or parameter name).
   */
  private checkName(off: number, id: number): void {
    if (off !== 0 && off < this.t.stringEnd && identifierFault(this.t.strings, off) !== undefined) this.nameError(off, id);
  }

  /** {@link checkName} for the name of an INT or FLOAT: C words separated by spaces. */
  private checkBasicName(id: number): void {
    if (this.basicChecked[id] === 1) return;
    const off = this.t.nameOff(id);
    if (off !== 0 && off < this.t.stringEnd && !isBasicTypeName(this.t.strings, off)) this.nameError(off, id);
    this.basicChecked[id] = 1;
  }

  /**
   * @throws {BtfError} always: the name at `off` cannot be written in C.
   */
  private nameError(off: number, id: number): never {
    throw new BtfError(`name ${quoteName(this.t.strings, off)} cannot be written in C`, id === 0 ? {} : { typeId: id });
  }

  private isBuiltin(id: number): boolean {
    return this.t.nameOff(id) !== 0 && this.t.typeName(id) === BUILTIN_VA_LIST;
  }

  // ---- top-level definitions ---------------------------------------------------------------

  /**
   * Makes `id` usable at this point: defines it (at top level, `container` 0) or, inside the
   * definition of `container`, writes the definitions and forward declarations its inline text
   * will need. Runs on an explicit stack of (opcode, type ID, container) tasks, so chains and
   * nesting of any depth are fine; children are pushed last first so they run in order, and
   * only if not written yet (most are), as defining a written type does nothing.
   */
  private define(root: number, rootContainer: number): void {
    const tasks = this.tasks;
    const base = this.taskTop;
    this.push(DEFINE, root, rootContainer);
    while (this.taskTop > base) {
      if (++this.steps > this.maxSteps) {
        throw new BtfError('the walk over types does not end: a reference loop (bytes changed after loading?)', {
          typeId: root,
        });
      }
      const at = this.taskTop - 3;
      this.taskTop = at;
      const op = tasks[at]!;
      const id = tasks[at + 1]!;
      const container = tasks[at + 2]!;
      if (op === DEFINE) this.defineStep(id, container);
      else if (op === AFTER_TYPEDEF) {
        if (!this.declared[id] && !this.isBuiltin(id)) {
          this.typedefDef(id, 0);
          this.w.ascii(';\n\n');
        }
        this.state[id] = WRITTEN;
      } else {
        // AFTER_COMPOSITE
        if (container === 0) {
          this.structDef(id, 0);
          this.w.ascii(';\n\n');
          this.state[id] = WRITTEN;
        } else {
          this.state[id] = NOT_WRITTEN;
        }
      }
    }
  }

  /** Schedules a task of {@link define}. */
  private push(op: number, id: number, container: number): void {
    const tasks = this.tasks;
    const at = this.taskTop;
    tasks[at] = op;
    tasks[at + 1] = id;
    tasks[at + 2] = container;
    this.taskTop = at + 3;
  }

  /**
   * Schedules the definition of `id` inside `container`, unless `id` is written already.
   * Pointers, qualifiers, type tags and arrays define nothing of their own, only what they refer
   * to (and they are never marked written): the type at the end of such a chain is scheduled
   * directly, which spares a task per link, and none at all when that type is written already.
   * @throws {BtfError} on a chain longer than there are types (bytes changed after validation).
   */
  private pushDefine(id: number, container: number): void {
    const kinds = this.kinds;
    const words = this.words;
    const starts = this.starts;
    let cur = id;
    for (let hops = 0; ; hops++) {
      const k = kinds[cur];
      if (k === CKind.Array) cur = words[starts[cur]! + 3]!;
      else if (k === CKind.Ptr || k === CKind.Const || k === CKind.Volatile || k === CKind.Restrict || k === CKind.TypeTag) {
        cur = words[starts[cur]! + 2]!;
      } else break;
      if (hops > this.t.count) throw new BtfError('reference loop', { typeId: id });
    }
    if (this.state[cur] !== WRITTEN) this.push(DEFINE, cur, container);
  }

  /** One step of {@link define}: writes what `id` needs now and schedules the rest. */
  private defineStep(id: number, container: number): void {
    const st = this.state[id]!;
    if (st === WRITTEN) return;
    const t = this.t;
    const kind = this.kinds[id]!;
    const words = this.words;
    const head = this.starts[id]!;
    const w = this.w;
    if (st === WRITING) {
      // Reached again while being written: only a forward declaration can help now.
      if (this.declared[id]) return;
      if (kind === CKind.Struct || kind === CKind.Union) {
        if (id === container || words[head] === 0) return;
        this.structHead(id);
        w.ascii(';\n\n');
        this.declared[id] = 1;
      } else if (kind === CKind.Typedef) {
        if (!this.isBuiltin(id)) {
          this.typedefDef(id, 0);
          w.ascii(';\n\n');
        }
        this.declared[id] = 1;
      }
      return;
    }
    switch (kind) {
      case CKind.Int: {
        // Counted among the tags, as libbpf does; only a first occurrence has the alias's name.
        const alias = this.occurrence(id, this.tagNames) === 1 ? SIMD_ALIASES.get(t.typeName(id)) : undefined;
        if (alias !== undefined) w.ascii(`typedef ${alias} ${t.typeName(id)};\n\n`);
        this.state[id] = WRITTEN;
        break;
      }
      case CKind.Enum:
      case CKind.Enum64:
        if (container === 0) {
          this.enumDef(id, 0);
          w.ascii(';\n\n');
        }
        this.state[id] = WRITTEN;
        break;
      // Pointers, qualifiers, type tags and arrays never get here: pushDefine looks through them.
      case CKind.Fwd:
        this.fwdDecl(id);
        w.ascii(';\n\n');
        this.state[id] = WRITTEN;
        break;
      case CKind.Typedef:
        this.state[id] = WRITING;
        this.push(AFTER_TYPEDEF, id, 0);
        this.pushDefine(words[head + 2]!, id);
        break;
      case CKind.Struct:
      case CKind.Union: {
        const state = this.state;
        state[id] = WRITING;
        const named = words[head] !== 0;
        this.push(AFTER_COMPOSITE, id, container);
        if (container === 0 || !named) {
          // Its members' text is about to be written: make their types usable. Most members'
          // types are written already, which needs no call to see (pointers and the like are
          // never marked written: pushDefine looks through them).
          const inner = named ? id : container;
          const body = head + 3;
          for (let j = (words[head + 1]! & 0xffffff) - 1; j >= 0; j--) {
            const type = words[body + j * 3 + 1]!;
            if (state[type] !== WRITTEN) this.pushDefine(type, inner);
          }
        } else if (!this.declared[id] && id !== container) {
          this.structHead(id);
          w.ascii(';\n\n');
          this.declared[id] = 1;
        }
        break;
      }
      case CKind.FuncProto: {
        const body = head + 3;
        for (let j = (words[head + 1]! & 0xffffff) - 1; j >= 0; j--) this.pushDefine(words[body + j * 2 + 1]!, container);
        this.pushDefine(words[head + 2]!, container);
        break;
      }
      default:
        break;
    }
  }

  /** `struct name` / `union name` (just the keyword for an anonymous one). */
  private structHead(id: number): void {
    this.w.ascii(this.kinds[id] === CKind.Struct ? 'struct' : 'union');
    if (this.words[this.starts[id]!] !== 0) {
      this.w.byte(32);
      this.putTagName(id);
    }
  }

  private fwdDecl(id: number): void {
    this.w.ascii(this.t.kflag(id) ? 'union ' : 'struct ');
    this.putTagName(id);
  }

  private typedefDef(id: number, level: number): void {
    const target = this.words[this.starts[id]! + 2]!;
    // Old GCCs describe __gnuc_va_list as a typedef of void.
    if (target === 0 && this.t.typeName(id) === '__gnuc_va_list' && this.occurrence(id, this.identNames) === 1) {
      this.w.ascii('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.w.ascii('typedef ');
    this.declaration(target, ~id, level);
  }

  /** A struct's layout cannot come from natural alignment alone. */
  private isPacked(id: number): boolean {
    const t = this.t;
    const words = this.words;
    const head = this.starts[id]!;
    const info = words[head + 1]!;
    const n = info & 0xffffff;
    const kflag = info >>> 31 === 1;
    let max = 1;
    const aligns = t.aligns;
    for (let j = 0, m = head + 3; j < n; j++, m += 3) {
      const type = words[m + 1]!;
      let a = aligns[type]!;
      if (a < 0) a = t.alignOf(type);
      const off = words[m + 2]!;
      // Not a bitfield (memberBitfieldSize is 0), yet not where its alignment puts it.
      if (a !== 0 && (!kflag || off >>> 24 === 0) && off % (8 * a) !== 0) return true;
      if (a > max) max = a;
    }
    return words[head + 2]! % max !== 0;
  }

  /** The full `struct name { ... }` text, without the `;`. */
  private structDef(id: number, level: number): void {
    const t = this.t;
    const w = this.w;
    const words = this.words;
    const head = this.starts[id]!;
    const info = words[head + 1]!;
    const isStruct = this.kinds[id] === CKind.Struct;
    const packed = isStruct && this.isPacked(id);
    const size = words[head + 2]!;
    const n = info & 0xffffff;
    const kflag = info >>> 31 === 1;
    const body = head + 3;
    const line = newLine(level + 1);
    const sizes = t.sizes;
    this.structHead(id);
    w.ascii(' {');
    let end = 0;
    let afterBitfield = false;
    for (let j = 0; j < n; j++) {
      const m = body + j * 3;
      const type = words[m + 1]!;
      const raw = words[m + 2]!;
      // The member's bitfield size and bit offset (memberBitfieldSize, memberBitOffset).
      let bits = kflag ? raw >>> 24 : 0;
      const off = (kflag ? raw & 0xffffff : raw) | 0;
      // Most members follow the previous one directly: no padding, and no alignment to look up.
      if (end < off) this.padding(end, off, packed ? 1 : t.alignOf(type), afterBitfield && bits !== 0, level + 1);
      w.ascii(line);
      this.declaration(type, words[m]!, level + 1);
      if (bits !== 0) {
        w.ascii(': ');
        w.uint(bits);
        end = off + bits;
        afterBitfield = true;
      } else {
        bits = sizes[type]!;
        if (bits < 0) bits = Math.max(0, t.resolveSize(type)) | 0;
        end = (off + Math.imul(bits, 8)) | 0;
        afterBitfield = false;
      }
      w.byte(59);
    }
    if (isStruct) this.padding(end, Math.imul(size, 8) | 0, t.alignOf(id), false, level + 1);
    if (n !== 0 || size !== 0) w.ascii(newLine(level));
    w.byte(125);
    if (packed) w.ascii(' __attribute__((packed))');
  }

  /**
   * Writes anonymous bit-field members that move from bit `from` to bit `to`, where the next
   * member (of alignment `nextAlign` bytes) starts. It first reaches the boundary of the widest
   * of long, int, short and char that fits, writing a `type: 0;` marker when the compiler would
   * not align there by itself, then fills whole units of that type, and ends with the smallest
   * type that covers what is left.
   */
  private padding(from: number, to: number, nextAlign: number, inBitfield: boolean, level: number): void {
    if (from >= to) return;
    const units = this.padUnits;
    const names = PAD_NAMES;
    let cur = from;
    let unit = 8;
    let unitName = 'char';
    let aligned = 0;
    for (let i = 0; i < 4; i++) {
      unit = units[i]!;
      unitName = names[i]!;
      aligned = roundUp(cur, unit);
      if (aligned <= to) break;
    }
    const w = this.w;
    const pfx = indent(level);
    if (aligned > cur && aligned <= to) {
      const naturally = aligned === to && roundUp(cur, nextAlign * 8) !== aligned;
      const swallowed = aligned !== to && to - aligned <= aligned - cur;
      if (inBitfield || naturally || swallowed) {
        w.ascii(`\n${pfx}${unitName}: ${inBitfield ? aligned - cur : 0};`);
      }
      cur = aligned;
    }
    while (cur !== to) {
      const gap = Math.min(to - cur, unit);
      if (gap === unit) {
        w.ascii(`\n${pfx}${unitName}: ${unit};`);
        cur += gap;
        continue;
      }
      for (let i = 3; i >= 0; i--) {
        if (units[i]! < gap) continue;
        unit = units[i]!;
        unitName = names[i]!;
        w.ascii(`\n${pfx}${unitName}: ${gap};`);
        cur += gap;
        break;
      }
    }
  }

  /** `enum name { A = 1, ... }` with its size attributes, without the `;`. */
  private enumDef(id: number, level: number): void {
    const t = this.t;
    const w = this.w;
    const words = this.words;
    const head = this.starts[id]!;
    const info = words[head + 1]!;
    const n = info & 0xffffff;
    const named = words[head] !== 0;
    w.ascii(named ? 'enum ' : 'enum');
    if (named) this.putTagName(id);
    if (n === 0) return;
    w.ascii(' {');
    const signed = info >>> 31 === 1;
    const is64 = this.kinds[id] === CKind.Enum64;
    const body = head + 3;
    const line = newLine(level + 1);
    const strings = t.strings;
    const stringEnd = t.stringEnd;
    for (let j = 0; j < n; j++) {
      const at = body + j * (is64 ? 3 : 2);
      const off = words[at]!;
      const dup = this.identNames.next(off);
      w.ascii(line);
      // The name is checked (as checkName does) while it is copied.
      if (off !== 0 && off < stringEnd) {
        const length = w.cStringOf(strings, off, IDENT, 2);
        if (length < 0 || length > MAX_NAME_LENGTH || (IDENT[strings[off]!]! & 1) === 0) this.nameError(off, id);
      }
      if (dup > 1) {
        w.ascii('___');
        w.uint(dup);
      }
      w.ascii(' = ');
      if (is64) {
        const lo = words[at + 1]!;
        const hi = words[at + 2]!;
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        w.ascii(signed ? `${BigInt.asIntN(64, v)}LL,` : `${v}ULL,`);
      } else {
        const v = words[at + 1]!;
        // Values past V8's small integers (0xffffffff, masks) go through a string, so that
        // uint()'s optimized code only ever sees small integers and is not thrown away.
        if (v > 0x3fffffff) w.ascii(String(signed ? v | 0 : v));
        else w.uint(v);
        w.byte(44);
      }
    }
    w.byte(10);
    w.ascii(indent(level));
    w.byte(125);
  }

  // ---- declarators ---------------------------------------------------------------------------

  /**
   * Writes a declaration of `name` with type `id` (a member, a parameter, a typedef): the
   * specifiers, then the declarator with its pointers, qualifiers, arrays and parameter lists.
   */
  private declaration(id: number, name: DeclName, level: number): void {
    const kinds = this.kinds;
    const words = this.words;
    const starts = this.starts;
    // Most declarations name a type as it is (`u32 len`, `struct list_head list`, `int x`):
    // written here, as the declarator would, without building a chain for it.
    const k = kinds[id];
    if (k === CKind.Typedef) {
      this.putIdentName(id);
      this.declName(name, false);
      return;
    }
    if ((k === CKind.Struct || k === CKind.Union) && words[starts[id]!] !== 0) {
      this.structHead(id);
      this.declName(name, false);
      return;
    }
    if (k === CKind.Int) {
      if (this.basicChecked[id] === 0) this.checkBasicName(id);
      this.w.cString(this.t.strings, words[starts[id]!]!);
      this.declName(name, false);
      return;
    }
    if (++this.nesting > MAX_C_NESTING) {
      throw new BtfError(`declarations nest more than ${MAX_C_NESTING} deep (anonymous types or function pointers)`, {
        typeId: id,
      });
    }
    // From the outermost derivation to the type it ends in, on top of the chains of the
    // declarations this one is nested in.
    const count = this.t.count;
    const chain = this.chain;
    const base = this.chainTop;
    let top = base;
    for (let cur = id; ; ) {
      chain[top++] = cur;
      if (cur === 0) break;
      // Longer than there are types: a reference loop (bytes changed after validation).
      if (top - base > count) throw new BtfError('reference loop', { typeId: id });
      const k = kinds[cur];
      if (k === CKind.Array) cur = words[starts[cur]! + 3]!;
      else if (
        k === CKind.Ptr ||
        k === CKind.Const ||
        k === CKind.Volatile ||
        k === CKind.Restrict ||
        k === CKind.FuncProto ||
        k === CKind.TypeTag
      ) {
        cur = words[starts[cur]! + 2]!;
      } else break;
    }
    this.chainTop = top;
    this.declarator(base, top, name, level);
    this.chainTop = base;
    this.nesting--;
  }

  /**
   * Writes the qualifiers directly around the base type as prefixes (`const volatile int`):
   * those at the end of the chain `[base, left)`. Returns the new `left`.
   */
  private leadingQualifiers(base: number, left: number): number {
    const kinds = this.kinds;
    while (left > base) {
      const id = this.chain[left - 1]!;
      const k = kinds[id];
      if (id === 0 || (k !== CKind.Const && k !== CKind.Volatile && k !== CKind.Restrict)) break;
      this.w.ascii(k === CKind.Const ? 'const ' : k === CKind.Volatile ? 'volatile ' : 'restrict ');
      left--;
    }
    return left;
  }

  /** Drops qualifiers of arrays and functions, which C cannot express (GCC emits them). Returns the new `left`. */
  private dropQualifiers(base: number, left: number): number {
    const kinds = this.kinds;
    while (left > base) {
      const id = this.chain[left - 1]!;
      const k = kinds[id];
      if (id === 0 || (k !== CKind.Const && k !== CKind.Volatile && k !== CKind.Restrict)) break;
      left--;
    }
    return left;
  }

  private isEmpty(name: DeclName): boolean {
    return name < 0 ? this.words[this.starts[~name]!] === 0 : name >= this.t.stringEnd || this.t.strings[name] === 0;
  }

  /** Writes `name`, separated by a space unless it follows a `*`. */
  private declName(name: DeclName, afterStar: boolean): void {
    if (this.isEmpty(name)) return;
    const w = this.w;
    if (!afterStar) w.byte(32);
    if (name < 0) this.putIdentName(~name);
    else {
      // A member's or parameter's name: checked (as checkName does) while it is copied, as
      // vmlinux has about a million of them.
      const strings = this.t.strings;
      const length = w.cStringOf(strings, name, IDENT, 2);
      if (length < 0 || length > MAX_NAME_LENGTH || (IDENT[strings[name]!]! & 1) === 0) this.nameError(name, 0);
    }
  }

  /**
   * Writes the declarator for the chain `this.chain[base, left)`, innermost type first: each step wraps what
   * was written so far. An array or function with derivations left outside it binds tighter than
   * they do: it opens a parenthesised group for the outer part (a new level, where a `*` is again
   * the first thing written) and leaves its `)`, `[n]` or parameter list on `closers`, written
   * once the name is.
   */
  private declarator(base: number, left: number, name: DeclName, level: number): void {
    const t = this.t;
    const w = this.w;
    const kinds = this.kinds;
    const words = this.words;
    const starts = this.starts;
    const chain = this.chain;
    // Pairs of (array or func_proto ID, 1 if a `)` precedes its suffix), innermost first, on top
    // of those of the declarators this one is nested in.
    const closers = this.closers;
    const closersBase = this.closersTop;
    let afterStar = true;
    let named = false;
    while (!named) {
      if (left === base) {
        this.declName(name, afterStar);
        break;
      }
      const id = chain[--left]!;
      const kind = id === 0 ? 0 : kinds[id]!;
      // The base type (and a type tag) takes the qualifiers around it as prefixes.
      if (left > base && ((PREFIXED_KINDS >>> kind) & 1) !== 0) {
        const q = kinds[chain[left - 1]!];
        if (q === CKind.Const || q === CKind.Volatile || q === CKind.Restrict) left = this.leadingQualifiers(base, left);
      }
      switch (kind) {
        case 0:
          w.ascii('void');
          break;
        case CKind.Int:
        case CKind.Float:
          if (this.basicChecked[id] === 0) this.checkBasicName(id);
          w.cString(t.strings, words[starts[id]!]!);
          break;
        case CKind.Struct:
        case CKind.Union:
          if (words[starts[id]!] === 0) this.structDef(id, level);
          else this.structHead(id);
          break;
        case CKind.Enum:
        case CKind.Enum64:
          if (words[starts[id]!] === 0) this.enumDef(id, level);
          else {
            w.ascii('enum ');
            this.putTagName(id);
          }
          break;
        case CKind.Fwd:
          this.fwdDecl(id);
          break;
        case CKind.Typedef:
          this.putIdentName(id);
          break;
        case CKind.Ptr:
          w.ascii(afterStar ? '*' : ' *');
          break;
        case CKind.Volatile:
          w.ascii(' volatile');
          break;
        case CKind.Const:
          w.ascii(' const');
          break;
        case CKind.Restrict:
          w.ascii(' restrict');
          break;
        case CKind.TypeTag:
          w.ascii(` __attribute__((btf_type_tag("${cStringLiteral(t.typeName(id))}")))`);
          break;
        case CKind.Array: {
          left = this.dropQualifiers(base, left);
          if (left === base) {
            this.declName(name, afterStar);
            closers[this.closersTop++] = id;
            closers[this.closersTop++] = 0;
            named = true;
            break;
          }
          const outer = chain[left - 1]!;
          const multiDim = outer !== 0 && kinds[outer] === CKind.Array;
          if (!afterStar && !this.isEmpty(name)) w.byte(32);
          if (!multiDim) w.byte(40);
          closers[this.closersTop++] = id;
          closers[this.closersTop++] = multiDim ? 0 : 1;
          afterStar = true;
          continue;
        }
        case CKind.FuncProto: {
          left = this.dropQualifiers(base, left);
          if (left > base) {
            w.ascii(' (');
            closers[this.closersTop++] = id;
            closers[this.closersTop++] = 1;
            afterStar = true;
            continue;
          }
          this.declName(name, afterStar);
          closers[this.closersTop++] = id;
          closers[this.closersTop++] = 0;
          named = true;
          break;
        }
        default:
          named = true;
          break;
      }
      afterStar = kind === CKind.Ptr;
    }
    // Inline structs and parameter lists written meanwhile used the stack above ours and left it.
    for (let i = this.closersTop - 2; i >= closersBase; i -= 2) {
      const id = closers[i]!;
      if (closers[i + 1] === 1) w.byte(41);
      if (kinds[id] === CKind.Array) {
        w.byte(91);
        w.uint(words[starts[id]! + 5]!);
        w.byte(93);
      } else this.params(id, level);
    }
    this.closersTop = closersBase;
  }

  /** `(type a, type b)`, `(void)` for none, `...` for a trailing void parameter. */
  private params(id: number, level: number): void {
    const t = this.t;
    const w = this.w;
    const words = t.words;
    const body = t.body(id);
    const n = t.vlen(id);
    w.byte(40);
    if (n === 0 || (n === 1 && words[body + 1] === 0)) {
      w.ascii('void)');
      return;
    }
    for (let j = 0; j < n; j++) {
      if (j > 0) w.ascii(', ');
      const type = words[body + j * 2 + 1]!;
      if (j === n - 1 && type === 0) {
        w.ascii('...');
        break;
      }
      this.declaration(type, words[body + j * 2]!, level);
    }
    w.byte(41);
  }
}

/**
 * The name a declarator declares: the offset of a name in the string sections (0 or more), or
 * `~id` (below 0) for the typedef name type `id` is written under.
 */
type DeclName = number;

/**
 * `s` (one char per byte) as the inside of a C string literal: quotes, backslashes and bytes
 * outside printable ASCII become octal escapes. Tag values are free text the kernel only requires
 * to be non-empty.
 */
function cStringLiteral(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c ? `\\${c.toString(8).padStart(3, '0')}` : s[i];
  }
  return out;
}

/**
 * An array of small integers used as a stack with its own top, made with room for most dumps:
 * an array written past its end grows, and optimized code that first meets that deoptimizes.
 */
function stack(): number[] {
  return new Array<number>(1024).fill(0);
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * Writes the C header of `spec`: every type from the root base through `spec` (a split spec
 * includes its base's types, as bpftool prints them with `-B`). Validates the spec first.
 * @throws {BtfError} if the spec is invalid, or its types contain each other by value.
 */
export function writeC(spec: Spec, sink: ChunkSink): void {
  spec.validate();
  // Also checks that no record overruns the next (bytes changed after validation).
  const table = new CTypeTable(spec);
  // Placed before anything is written: types that contain each other by value leave no output.
  const order = definitionOrder(table);
  const w = new ByteWriter(sink);
  w.ascii(C_HEADER_PROLOGUE);
  new CWriter(table, w).writeAll(order);
  w.ascii(C_HEADER_EPILOGUE);
  w.flush();
}

/** The whole C header as a string (for tests and small specs). */
export function formatC(spec: Spec): string {
  return toText((sink) => writeC(spec, sink));
}
