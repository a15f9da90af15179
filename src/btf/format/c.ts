/**
 * The C header dump, byte for byte as `bpftool btf dump file <f> format c` prints it: the
 * `vmlinux.h` that CO-RE programs include. Every type gets a compilable C definition, in an order
 * where each struct or union follows what it embeds by value (see {@link DefinitionOrder}), with
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
import { Kind } from '../kinds.js';
import { identifierFault, isBasicTypeName, quoteName } from '../name-rules.js';
import { checkRecordExtent } from '../record-bounds.js';
import type { Spec } from '../spec.js';
import { memberBitfieldSize, memberBitOffset } from '../wire.js';
import { ByteWriter, type ChunkSink, toText } from './byte-writer.js';
import { DefinitionOrder } from './c-order.js';
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

/** GCC's internal ARM SIMD scalar types and the standard types they stand for. */
const SIMD_ALIASES = new Map([
  ['__Poly8_t', 'unsigned char'],
  ['__Poly16_t', 'unsigned short'],
  ['__Poly64_t', 'unsigned long long'],
  ['__Poly128_t', 'unsigned __int128'],
]);

/** A compiler built-in that must never be redefined. */
const BUILTIN_VA_LIST = '__builtin_va_list';

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
  private readonly order: DefinitionOrder;
  private readonly state: Uint8Array;
  /** A forward declaration (or, for a typedef, the definition) was written ahead of time. */
  private readonly declared: Uint8Array;
  /** The name each type is written under, once assigned. */
  private readonly assigned: (string | undefined)[];
  /** How many struct/union/enum tags of each name were assigned so far. */
  private readonly tagNames = new Map<string, number>();
  /** How many typedef names and enumerators of each name were written so far (one namespace). */
  private readonly identNames = new Map<string, number>();
  /** Pending tasks of {@link define}, three numbers each. */
  private readonly tasks: number[] = [];
  /** Tasks {@link define} ran so far, and the most any valid spec of this size needs. */
  private steps = 0;
  private readonly maxSteps: number;
  /** Offsets of names found fit to be written. */
  private readonly checkedNames = new Set<number>();
  /** How many {@link declaration}s are being written inside one another. */
  private nesting = 0;

  constructor(table: CTypeTable, out: ByteWriter) {
    this.t = table;
    this.w = out;
    this.order = new DefinitionOrder(table);
    this.state = new Uint8Array(table.count);
    this.state[0] = WRITTEN;
    this.declared = new Uint8Array(table.count);
    this.assigned = new Array(table.count);
    this.maxSteps = 16 * table.words.length + 1_000_000;
  }

  /** Writes the definitions `id` needs, then its own, skipping what earlier calls wrote. */
  writeType(id: number): void {
    for (const d of this.order.definitionsFor(id)) this.define(d, 0);
  }

  // ---- names ----------------------------------------------------------------------------

  /** Next occurrence number of `name` in `names`, counting this one. */
  private static occurrence(names: Map<string, number>, name: string): number {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    return n;
  }

  /** The name `id` is written under: its own, with `___N` appended for the N-th type of that name. */
  private uniqueName(id: number, names: Map<string, number>): string {
    const t = this.t;
    const off = t.nameOff(id);
    if (off === 0) return '';
    const done = this.assigned[id];
    if (done !== undefined) return done;
    const kind0 = t.kind(id);
    this.checkName(off, id, kind0 === Kind.Int || kind0 === Kind.Float);
    const own = t.name(off);
    const kind = t.kind(id);
    let name = own;
    // A forward declaration, or an enum without values, names a type defined elsewhere.
    if (kind !== Kind.Fwd && !(kind === Kind.Enum && t.vlen(id) === 0)) {
      const n = CWriter.occurrence(names, own);
      if (n > 1) name = `${own}___${n}`;
    }
    this.assigned[id] = name;
    return name;
  }
  private tagName(id: number): string {
    return this.uniqueName(id, this.tagNames);
  }
  private identName(id: number): string {
    return this.uniqueName(id, this.identNames);
  }

  /**
   * Refuses a name that would not stay a name in C: an identifier (dots allowed, as the kernel
   * allows them), or for INT and FLOAT words separated by spaces. Validation already refuses such
   * names, but a spec opened as kernel-verified skips it, and the kernel checks no INT names: a
   * name must never turn into C text of its own (a line break and an `#include`, say).
   * @throws {BtfError} naming the type (0 for a member or parameter name).
   */
  private checkName(off: number, id: number, basic: boolean): void {
    if (off === 0 || this.checkedNames.has(off)) return;
    const table = this.t.tableOf(off);
    if (table) {
      const at = off - table.start;
      const ok = basic ? isBasicTypeName(table.bytes, at) : identifierFault(table.bytes, at) === undefined;
      if (!ok) {
        throw new BtfError(`name ${quoteName(table.bytes, at)} cannot be written in C`, id === 0 ? {} : { typeId: id });
      }
    }
    this.checkedNames.add(off);
  }

  private isBuiltin(id: number): boolean {
    return this.t.nameOff(id) !== 0 && this.t.typeName(id) === BUILTIN_VA_LIST;
  }

  // ---- top-level definitions ---------------------------------------------------------------

  /**
   * Makes `id` usable at this point: defines it (at top level, `container` 0) or, inside the
   * definition of `container`, writes the definitions and forward declarations its inline text
   * will need. Runs on an explicit stack of (opcode, type ID, container) tasks, so chains and
   * nesting of any depth are fine; children are pushed last first so they run in order.
   */
  private define(root: number, rootContainer: number): void {
    const tasks = this.tasks;
    const base = tasks.length;
    tasks.push(DEFINE, root, rootContainer);
    while (tasks.length > base) {
      if (++this.steps > this.maxSteps) {
        throw new BtfError('the walk over types does not end: a reference loop (bytes changed after loading?)', {
          typeId: root,
        });
      }
      const container = tasks.pop()!;
      const id = tasks.pop()!;
      const op = tasks.pop()!;
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

  /** One step of {@link define}: writes what `id` needs now and schedules the rest. */
  private defineStep(id: number, container: number): void {
    const st = this.state[id]!;
    if (st === WRITTEN) return;
    const t = this.t;
    const kind = t.kind(id);
    const w = this.w;
    const tasks = this.tasks;
    if (st === WRITING) {
      // Reached again while being written: only a forward declaration can help now.
      if (this.declared[id]) return;
      if (kind === Kind.Struct || kind === Kind.Union) {
        if (id === container || t.nameOff(id) === 0) return;
        this.structHead(id);
        w.ascii(';\n\n');
        this.declared[id] = 1;
      } else if (kind === Kind.Typedef) {
        if (!this.isBuiltin(id)) {
          this.typedefDef(id, 0);
          w.ascii(';\n\n');
        }
        this.declared[id] = 1;
      }
      return;
    }
    switch (kind) {
      case Kind.Int: {
        const alias = SIMD_ALIASES.get(this.tagName(id));
        if (alias !== undefined) w.ascii(`typedef ${alias} ${this.tagName(id)};\n\n`);
        this.state[id] = WRITTEN;
        break;
      }
      case Kind.Enum:
      case Kind.Enum64:
        if (container === 0) {
          this.enumDef(id, 0);
          w.ascii(';\n\n');
        }
        this.state[id] = WRITTEN;
        break;
      case Kind.Ptr:
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.TypeTag:
        tasks.push(DEFINE, t.sizeOrType(id), container);
        break;
      case Kind.Array:
        tasks.push(DEFINE, t.arrayElem(id), container);
        break;
      case Kind.Fwd:
        this.fwdDecl(id);
        w.ascii(';\n\n');
        this.state[id] = WRITTEN;
        break;
      case Kind.Typedef:
        this.state[id] = WRITING;
        tasks.push(AFTER_TYPEDEF, id, 0, DEFINE, t.sizeOrType(id), id);
        break;
      case Kind.Struct:
      case Kind.Union: {
        this.state[id] = WRITING;
        const named = t.nameOff(id) !== 0;
        tasks.push(AFTER_COMPOSITE, id, container);
        if (container === 0 || !named) {
          // Its members' text is about to be written: make their types usable.
          const inner = named ? id : container;
          const body = t.body(id);
          for (let j = t.vlen(id) - 1; j >= 0; j--) tasks.push(DEFINE, t.words[body + j * 3 + 1]!, inner);
        } else if (!this.declared[id] && id !== container) {
          this.structHead(id);
          w.ascii(';\n\n');
          this.declared[id] = 1;
        }
        break;
      }
      case Kind.FuncProto: {
        const body = t.body(id);
        for (let j = t.vlen(id) - 1; j >= 0; j--) tasks.push(DEFINE, t.words[body + j * 2 + 1]!, container);
        tasks.push(DEFINE, t.sizeOrType(id), container);
        break;
      }
      default:
        break;
    }
  }

  /** `struct name` / `union name` (just the keyword for an anonymous one). */
  private structHead(id: number): void {
    const kw = this.t.kind(id) === Kind.Struct ? 'struct' : 'union';
    this.w.ascii(this.t.nameOff(id) !== 0 ? `${kw} ${this.tagName(id)}` : kw);
  }

  private fwdDecl(id: number): void {
    this.w.ascii(this.t.kflag(id) ? 'union ' : 'struct ');
    this.w.ascii(this.tagName(id));
  }

  private typedefDef(id: number, level: number): void {
    const name = this.identName(id);
    const target = this.t.sizeOrType(id);
    // Old GCCs describe __gnuc_va_list as a typedef of void.
    if (target === 0 && name === '__gnuc_va_list') {
      this.w.ascii('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.w.ascii('typedef ');
    this.declaration(target, name, level);
  }

  /** A struct's layout cannot come from natural alignment alone. */
  private isPacked(id: number): boolean {
    const t = this.t;
    const words = t.words;
    const body = t.body(id);
    const n = t.vlen(id);
    const kflag = t.kflag(id);
    let max = 1;
    for (let j = 0; j < n; j++) {
      const m = body + j * 3;
      const a = t.alignOf(words[m + 1]!);
      const off = words[m + 2]!;
      const bits = memberBitfieldSize(off, kflag);
      if (a !== 0 && bits === 0 && off % (8 * a) !== 0) return true;
      if (a > max) max = a;
    }
    return t.sizeOrType(id) % max !== 0;
  }

  /** The full `struct name { ... }` text, without the `;`. */
  private structDef(id: number, level: number): void {
    const t = this.t;
    const w = this.w;
    const words = t.words;
    const isStruct = t.kind(id) === Kind.Struct;
    const align = t.alignOf(id);
    const packed = isStruct && this.isPacked(id);
    const size = t.sizeOrType(id);
    const n = t.vlen(id);
    const kflag = t.kflag(id);
    const body = t.body(id);
    const inner = indent(level + 1);
    this.structHead(id);
    w.ascii(' {');
    let end = 0;
    let afterBitfield = false;
    for (let j = 0; j < n; j++) {
      const m = body + j * 3;
      const type = words[m + 1]!;
      const raw = words[m + 2]!;
      let bits = memberBitfieldSize(raw, kflag);
      const off = memberBitOffset(raw, kflag) | 0;
      this.padding(end, off, packed ? 1 : t.alignOf(type), afterBitfield && bits !== 0, level + 1);
      w.byte(10);
      w.ascii(inner);
      this.declaration(type, words[m]!, level + 1);
      if (bits !== 0) {
        w.ascii(': ');
        w.uint(bits);
        end = off + bits;
        afterBitfield = true;
      } else {
        bits = Math.max(0, t.resolveSize(type)) | 0;
        end = (off + Math.imul(bits, 8)) | 0;
        afterBitfield = false;
      }
      w.byte(59);
    }
    if (isStruct) this.padding(end, Math.imul(size, 8) | 0, align, false, level + 1);
    if (n !== 0 || size !== 0) {
      w.byte(10);
      w.ascii(indent(level));
    }
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
    const units = [this.t.ptrSize * 8, 32, 16, 8];
    const names = ['long', 'int', 'short', 'char'];
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
    const words = t.words;
    const n = t.vlen(id);
    const named = t.nameOff(id) !== 0;
    w.ascii(named ? `enum ${this.tagName(id)}` : 'enum');
    if (n === 0) return;
    w.ascii(' {');
    const signed = t.kflag(id);
    const is64 = t.kind(id) === Kind.Enum64;
    const body = t.body(id);
    const pfx = indent(level + 1);
    for (let j = 0; j < n; j++) {
      const at = body + j * (is64 ? 3 : 2);
      this.checkName(words[at]!, id, false);
      const name = t.name(words[at]!);
      const dup = CWriter.occurrence(this.identNames, name);
      w.byte(10);
      w.ascii(pfx);
      w.ascii(name);
      if (dup > 1) w.ascii(`___${dup}`);
      w.ascii(' = ');
      if (is64) {
        const lo = words[at + 1]!;
        const hi = words[at + 2]!;
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        w.ascii(signed ? `${BigInt.asIntN(64, v)}LL,` : `${v}ULL,`);
      } else {
        const v = words[at + 1]!;
        if (signed) w.int(v | 0);
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
    const t = this.t;
    if (++this.nesting > MAX_C_NESTING) {
      throw new BtfError(`declarations nest more than ${MAX_C_NESTING} deep (anonymous types or function pointers)`, {
        typeId: id,
      });
    }
    const chain: number[] = [];
    // From the outermost derivation to the type it ends in.
    for (let cur = id; ; ) {
      chain.push(cur);
      if (cur === 0) break;
      // Longer than there are types: a reference loop (bytes changed after validation).
      if (chain.length > t.count) throw new BtfError('reference loop', { typeId: id });
      const k = t.kind(cur);
      if (
        k === Kind.Ptr ||
        k === Kind.Volatile ||
        k === Kind.Const ||
        k === Kind.Restrict ||
        k === Kind.FuncProto ||
        k === Kind.TypeTag
      ) {
        cur = t.sizeOrType(cur);
      } else if (k === Kind.Array) {
        cur = t.arrayElem(cur);
      } else break;
    }
    this.declarator({ ids: chain, left: chain.length }, name, level);
    this.nesting--;
  }

  /** Whether `id` is const, volatile or restrict. */
  private isQualifier(id: number): boolean {
    const k = this.t.kind(id);
    return id !== 0 && (k === Kind.Const || k === Kind.Volatile || k === Kind.Restrict);
  }

  /** Writes the qualifiers directly around the base type as prefixes (`const volatile int`). */
  private leadingQualifiers(chain: Chain): void {
    while (chain.left > 0) {
      const id = chain.ids[chain.left - 1]!;
      if (!this.isQualifier(id)) return;
      const k = this.t.kind(id);
      this.w.ascii(k === Kind.Const ? 'const ' : k === Kind.Volatile ? 'volatile ' : 'restrict ');
      chain.left--;
    }
  }

  /** Drops qualifiers of arrays and functions, which C cannot express (GCC emits them). */
  private dropQualifiers(chain: Chain): void {
    while (chain.left > 0 && this.isQualifier(chain.ids[chain.left - 1]!)) chain.left--;
  }

  private isEmpty(name: DeclName): boolean {
    return typeof name === 'string' ? name.length === 0 : this.t.isEmptyName(name);
  }

  /** Writes `name`, separated by a space unless it follows a `*`. */
  private declName(name: DeclName, afterStar: boolean): void {
    const w = this.w;
    if (typeof name === 'string') {
      if (name.length > 0 && !afterStar) w.byte(32);
      w.ascii(name);
      return;
    }
    const table = name === 0 ? undefined : this.t.tableOf(name);
    if (!table || table.bytes[name - table.start] === 0) return;
    if (!afterStar) w.byte(32);
    this.checkName(name, 0, false);
    w.cString(table.bytes, name - table.start);
  }

  /**
   * Writes the declarator for `chain.ids[0, left)`, innermost type first: each step wraps what
   * was written so far. An array or function with derivations left outside it binds tighter than
   * they do: it opens a parenthesised group for the outer part (a new level, where a `*` is again
   * the first thing written) and leaves its `)`, `[n]` or parameter list on `closers`, written
   * once the name is.
   */
  private declarator(chain: Chain, name: DeclName, level: number): void {
    const t = this.t;
    const w = this.w;
    /** Pairs of (array or func_proto ID, 1 if a `)` precedes its suffix), innermost first. */
    const closers: number[] = [];
    let afterStar = true;
    let named = false;
    while (!named) {
      if (chain.left === 0) {
        this.declName(name, afterStar);
        break;
      }
      const id = chain.ids[--chain.left]!;
      if (id === 0) {
        this.leadingQualifiers(chain);
        w.ascii('void');
        afterStar = false;
        continue;
      }
      const kind = t.kind(id);
      switch (kind) {
        case Kind.Int:
        case Kind.Float:
          this.leadingQualifiers(chain);
          this.checkName(t.nameOff(id), id, true);
          w.ascii(t.typeName(id));
          break;
        case Kind.Struct:
        case Kind.Union:
          this.leadingQualifiers(chain);
          if (t.nameOff(id) === 0) this.structDef(id, level);
          else this.structHead(id);
          break;
        case Kind.Enum:
        case Kind.Enum64:
          this.leadingQualifiers(chain);
          if (t.nameOff(id) === 0) this.enumDef(id, level);
          else w.ascii(`enum ${this.tagName(id)}`);
          break;
        case Kind.Fwd:
          this.leadingQualifiers(chain);
          this.fwdDecl(id);
          break;
        case Kind.Typedef:
          this.leadingQualifiers(chain);
          w.ascii(this.identName(id));
          break;
        case Kind.Ptr:
          w.ascii(afterStar ? '*' : ' *');
          break;
        case Kind.Volatile:
          w.ascii(' volatile');
          break;
        case Kind.Const:
          w.ascii(' const');
          break;
        case Kind.Restrict:
          w.ascii(' restrict');
          break;
        case Kind.TypeTag:
          this.leadingQualifiers(chain);
          w.ascii(` __attribute__((btf_type_tag("${cStringLiteral(t.typeName(id))}")))`);
          break;
        case Kind.Array: {
          this.dropQualifiers(chain);
          if (chain.left === 0) {
            this.declName(name, afterStar);
            closers.push(id, 0);
            named = true;
            break;
          }
          const outer = chain.ids[chain.left - 1]!;
          const multiDim = outer !== 0 && t.kind(outer) === Kind.Array;
          if (!afterStar && !this.isEmpty(name)) w.byte(32);
          if (!multiDim) w.byte(40);
          closers.push(id, multiDim ? 0 : 1);
          afterStar = true;
          continue;
        }
        case Kind.FuncProto: {
          this.dropQualifiers(chain);
          if (chain.left > 0) {
            w.ascii(' (');
            closers.push(id, 1);
            afterStar = true;
            continue;
          }
          this.declName(name, afterStar);
          closers.push(id, 0);
          named = true;
          break;
        }
        default:
          named = true;
          break;
      }
      afterStar = kind === Kind.Ptr;
    }
    for (let i = closers.length - 2; i >= 0; i -= 2) {
      const id = closers[i]!;
      if (closers[i + 1] === 1) w.byte(41);
      if (t.kind(id) === Kind.Array) w.ascii(`[${t.arrayLength(id)}]`);
      else this.params(id, level);
    }
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

/** The name a declarator declares: a string, or the offset of a name in the string sections. */
type DeclName = string | number;

/** A declarator chain being consumed from its end (`left` entries remain). */
interface Chain {
  readonly ids: number[];
  left: number;
}

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
  const table = new CTypeTable(spec);
  const { words, starts, count } = table;
  for (let id = 1; id < count; id++) {
    checkRecordExtent(words, starts[id]!, id + 1 < count ? starts[id + 1]! : words.length, id);
  }
  const w = new ByteWriter(sink);
  w.ascii(C_HEADER_PROLOGUE);
  const writer = new CWriter(table, w);
  for (let id = 1; id < table.count; id++) writer.writeType(id);
  w.ascii(C_HEADER_EPILOGUE);
  w.flush();
}

/** The whole C header as a string (for tests and small specs). */
export function formatC(spec: Spec): string {
  return toText((sink) => writeC(spec, sink));
}
