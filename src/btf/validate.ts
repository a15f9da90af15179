/**
 * Full validation of a spec's own types, following the kernel's BTF verifier (kernel/bpf/btf.c):
 * per-kind metadata rules, names and referenced IDs in range, and reference loops that no
 * struct, union or pointer-to-aggregate breaks. Runs over wire records, without inflating types.
 * Where the kernel is stricter than what compilers emit before a loader fixes the object up
 * (DATASEC sizes and VAR offsets of an unloaded `.o`), those objects are accepted.
 * @module
 */
import type { BtfRuleError } from '../errors.js';
import { HEADER_SIZE_LAYOUT } from './header.js';
import { Kind, MAX_VLEN } from './kinds.js';
import { checkMemberPlacement } from './member-placement.js';
import { IDENTIFIER_OK, kernelNameFault, kernelNameVerdicts, quoteName, SECTION_OK } from './name-rules.js';
import type { Spec } from './spec.js';
import { longestString } from './string-bounds.js';
import { checkReferences, kindsOf, TypeView } from './validate-references.js';
import { kernelLoopStart } from './validate-resolve.js';
import { type BtfRuleId, ruleError } from './validate-rules.js';
import { infoKflag, infoKind, infoVlen, intBitOffset, intBits, intEncoding, memberBitOffset, TYPE_RECORD_SIZE } from './wire.js';

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
export function validateSpec(spec: Spec, limits: ValidationLimits = {}): void {
  const v = new RecordChecker(spec);
  v.checkRecords();
  checkNames(spec, limits.maxVlen ?? (spec.header.hdrLen >= HEADER_SIZE_LAYOUT ? MAX_VLEN : KERNEL_MAX_VLEN));
  // The loop walks and the reference checks read kinds over and over: one byte each, read once.
  const kinds = kindsOf(spec.section.words, spec.section.starts, spec.section.count);
  checkLoops(spec, kinds);
  const view = new TypeView(spec, kinds);
  // The kinds a FUNC, DATASEC or DECL_TAG refers to are checked with the other references, ID by
  // ID, so the fault named is the one the kernel's resolve pass meets first.
  checkReferences(spec, view, (i) => v.checkReferencedKinds(i));
  checkMemberPlacement(spec, view);
  // Measured now, while the bytes are as checked: name loops stop there if they change later.
  longestString(spec.strings.bytes);
}

/**
 * The most members, enumerators, parameters or section entries of one type that kernels with the
 * 16-bit vlen accept: they refuse an `info` with bits 16-23 set ("Invalid btf_info",
 * `BTF_INFO_MASK` 0x9f00ffff), as Linux 6.1, 6.12 and 6.18 do (6.18 checked with BPF_BTF_LOAD of
 * a 65,536-member struct). vlen was widened to 24 bits ({@link MAX_VLEN}; libbpf f7a6b9eaff3e)
 * without a change of format version, alongside the 32-byte header with a layout section. So the
 * header decides by default: a 24-byte header is held to this limit, a 32-byte one to 24 bits.
 */
export const KERNEL_MAX_VLEN = 0xffff;

/** Limits that depend on the kernel the BTF is meant for. */
export interface ValidationLimits {
  /**
   * The most items (vlen) one type may have. Default: {@link KERNEL_MAX_VLEN} for a blob with
   * the classic 24-byte header, {@link MAX_VLEN} for one with the 32-byte header of the kernels
   * that widened vlen. Pass {@link MAX_VLEN} for classic-header BTF meant for such a kernel.
   */
  maxVlen?: number;
}

/** Kinds whose name must be a C identifier when it is set (the kernel's `btf_name_valid_identifier`). */
const IDENTIFIER_NAMED = new Set<number>([
  Kind.Struct,
  Kind.Union,
  Kind.Enum,
  Kind.Enum64,
  Kind.Fwd,
  Kind.Typedef,
  Kind.Func,
  Kind.Var,
]);

/**
 * Names as the kernel allows them per kind (see name-rules.ts), and the vlen limit. Runs after
 * every record passed {@link RecordChecker.checkRecord}, so name offsets are in range.
 */
function checkNames(spec: Spec, maxVlen: number): void {
  const s = spec.section;
  const strings = spec.strings;
  const own = strings.bytes;
  // The verdict on every offset of the own table, made in one pass (see kernelNameVerdicts).
  // Split BTF names mostly lie in the base's table: those are checked as they come.
  const verdicts = kernelNameVerdicts(own);
  const first = strings.start;
  const words = s.words;
  const starts = s.starts;
  // `what` and `index` name the field ('member name', 2); the label is built only on failure.
  const check = (i: number, off: number, where: number, what: string, index: number, section: boolean): void => {
    if (off === 0) return;
    if (off >= first && ((verdicts[off - first] as number) & (section ? SECTION_OK : IDENTIFIER_OK)) !== 0) return;
    const loc = strings.locate(off)!;
    const fault = kernelNameFault(loc.bytes, loc.start, section);
    if (fault !== undefined) {
      throw ruleError(
        section ? 'name-section' : 'name-identifier',
        `${label(what, index)} ${quoteName(loc.bytes, loc.start)} ${fault}`,
        spec.firstId + i,
        where,
      );
    }
  };
  for (let i = 0; i < s.count; i++) {
    const kind = s.kind(i);
    const at = s.offset(i);
    const vlen = infoVlen(s.info(i));
    if (vlen > maxVlen) {
      throw ruleError('vlen-limit', `vlen ${vlen} is over the limit of ${maxVlen}`, spec.firstId + i, at + 4);
    }
    if (IDENTIFIER_NAMED.has(kind)) check(i, s.nameOff(i), at, 'name', -1, false);
    else if (kind === Kind.DeclTag || kind === Kind.TypeTag) {
      // A tag's value may be anything but empty, and an offset other than 0 can still land on a NUL.
      const loc = strings.locate(s.nameOff(i))!;
      if ((loc.bytes[loc.start] ?? 0) === 0) throw ruleError('name-required', 'tag value is empty', spec.firstId + i, at);
    } else if (kind === Kind.Datasec) check(i, s.nameOff(i), at, 'section name', -1, true);
    // Items' names: the own table's verdict is read in place, the call made only when it fails.
    const stride =
      kind === Kind.Struct || kind === Kind.Union || kind === Kind.Enum64
        ? 3
        : kind === Kind.Enum || kind === Kind.FuncProto
          ? 2
          : 0;
    if (stride === 0) continue;
    const what =
      kind === Kind.FuncProto ? 'param name' : kind === Kind.Enum || kind === Kind.Enum64 ? 'enumerator name' : 'member name';
    const body = (starts[i] as number) + 3;
    for (let j = 0; j < vlen; j++) {
      const off = words[body + j * stride] as number;
      if (off >= first && ((verdicts[off - first] as number) & IDENTIFIER_OK) !== 0) continue;
      check(i, off, at + TYPE_RECORD_SIZE + j * stride * 4, what, j, false);
    }
  }
}

/** 'member name' with index 2 reads 'member 2 name'. */
function label(what: string, index: number): string {
  if (index < 0) return what;
  const space = what.indexOf(' ');
  return space < 0 ? `${what} ${index}` : `${what.slice(0, space)} ${index}${what.slice(space)}`;
}

/** Per-record checks; one instance per validation, so no closures are made per type. */
class RecordChecker {
  readonly s: Spec['section'];
  private readonly first: number;
  readonly limit: number;
  private readonly strings: Spec['strings'];
  private readonly split: boolean;
  /** One past the highest name offset (the strings' end). */
  readonly strEnd: number;
  /** Where the own string table starts, for split BTF; {@link strEnd} for base BTF (no test). */
  readonly strStart: number;
  /** The own string table's bytes. */
  readonly own: Uint8Array;
  private id = 0;
  at = 0;

  constructor(private readonly spec: Spec) {
    this.s = spec.section;
    this.first = spec.firstId;
    this.limit = spec.nextId;
    this.strings = spec.strings;
    this.split = spec.base !== undefined;
    this.strEnd = spec.strings.end;
    this.strStart = this.split ? spec.strings.start : spec.strings.end;
    this.own = spec.strings.bytes;
  }

  fail(rule: BtfRuleId, msg: string, off = this.at, arg?: number): never {
    throw ruleError(rule, msg, this.id, off, arg);
  }

  /** `what` and `index` name the field in messages ('member name', 2); built only on failure. */
  checkName(off: number, where: number, what: string, index = -1): void {
    const strings = this.strings;
    if (off >= strings.end) {
      this.fail('name-offset', `${label(what, index)} offset ${off} is out of range (strings end at ${strings.end})`, where);
    }
    // Offsets into a split spec's own table must start a string: a blob opened on the wrong
    // base shifts them into the middle of strings (or past the end).
    if (this.split && off > strings.start && strings.bytes[off - strings.start - 1] !== 0) {
      this.fail('name-not-string-start', `${label(what, index)} offset ${off} does not start a string (wrong base BTF?)`, where);
    }
  }

  checkRef(ref: number, where: number, what: string, allowVoid: boolean, index = -1): void {
    if (ref >= this.limit)
      this.fail('type-id-range', `${label(what, index)} references type [${ref}], beyond the last ID ${this.limit - 1}`, where);
    if (ref === 0 && !allowVoid) this.fail('void-reference', `${label(what, index)} references void`, where);
  }

  private kindOf(id: number): number {
    if (id === 0) return Kind.Unknown;
    // Own types read in place: every FUNC (some 56,000 in vmlinux) asks its prototype's kind.
    const local = id - this.first;
    if (local >= 0 && local < this.s.count) return this.s.kind(local);
    const owner = this.spec.specOf(id)!;
    return owner.section.kind(id - owner.firstId);
  }

  /**
   * The record being checked, read once by {@link checkRecord} for its kind's check: the word
   * index of its head and of the first word after the 12-byte head, the byte offset after the
   * head, its kind, vlen, kind_flag, size-or-type field and whether it has a name.
   */
  head = 0;
  body = 0;
  extra = 0;
  kind = 0;
  vlen = 0;
  kflag = false;
  st = 0;
  named = false;

  /**
   * Checks every record on its own. A loop of its own: the optimizing compiler enters a long
   * loop mid-run (on-stack replacement), and code after the loop in the same function, not yet
   * run, then has no feedback and throws the optimized code away when reached.
   */
  checkRecords(): void {
    for (let i = 0, n = this.s.count; i < n; i++) this.checkRecord(i);
  }

  /** Checks one record on its own: metadata, names and referenced IDs in range. */
  checkRecord(i: number): void {
    const s = this.s;
    const words = s.words;
    const head = s.starts[i]!;
    this.head = head;
    this.body = head + 3;
    this.id = this.first + i;
    this.at = s.offset(i);
    this.extra = this.at + TYPE_RECORD_SIZE;
    const info = words[head + 1]!;
    this.kind = infoKind(info);
    this.vlen = infoVlen(info);
    this.kflag = infoKflag(info);
    const nameOff = words[head]!;
    this.st = words[head + 2]!;
    this.checkName(nameOff, this.at, 'name');
    this.named = nameOff !== 0;
    // One function per kind, through a table, not one switch: vmlinux's FUNCs start halfway and
    // its DATASEC is last, and a kind first met late deoptimized the whole switch, which the
    // optimizing compiler then rebuilt four times (some 90 ms of CPU in a cold validation).
    (RECORD_CHECKS[this.kind] ?? checkNewKind)(this);
  }

  /**
   * Entries of a sized DATASEC: in order, apart, non-empty, inside the section (the kernel's
   * btf_datasec_check_meta).
   */
  checkSectionLayout(vlen: number, size: number, body: number, extra: number): void {
    const words = this.s.words;
    let end = 0;
    let sum = 0;
    for (let j = 0; j < vlen; j++) {
      const off = words[body + j * 3 + 1]!;
      const len = words[body + j * 3 + 2]!;
      const at = extra + j * 12 + 4;
      if (off < end)
        this.fail(
          'datasec-entry-offset',
          `entry ${j} at ${off} overlaps or precedes the previous entry, which ends at ${end}`,
          at,
        );
      if (off >= size) this.fail('datasec-entry-offset', `entry ${j} at ${off} starts past the ${size}-byte section`, at);
      if (len === 0 || len > size) this.fail('datasec-entry-size', `entry ${j} has size ${len}, not in [1, ${size}]`, at + 4);
      end = off + len;
      if (end > size) this.fail('datasec-entry-end', `entry ${j} [${off}, ${end}) ends past the ${size}-byte section`, at);
      sum += len;
    }
    if (sum > size) this.fail('datasec-entry-end', `entries of ${sum} bytes in all exceed the ${size}-byte section`);
  }

  /** vlen and kind_flag must be clear for kinds that do not use them. */
  plain(vlen: number, kflag: boolean): void {
    if (vlen !== 0) this.fail('vlen-zero', `vlen ${vlen} must be 0`);
    if (kflag) this.fail('kind-flag', 'kind_flag must be 0');
  }

  /** Checks that need the kinds of referenced types (run once all records passed {@link checkRecord}). */
  checkReferencedKinds(i: number): void {
    const s = this.s;
    const kind = s.kind(i);
    this.id = this.first + i;
    this.at = s.offset(i);
    const st = s.sizeOrType(i);
    if (kind === Kind.Func && this.kindOf(st) !== Kind.FuncProto) {
      this.fail('func-proto', `func references type [${st}], which is not a FUNC_PROTO`, this.at + 8);
    }
    if (kind === Kind.Datasec) {
      for (let j = 0; j < infoVlen(s.info(i)); j++) {
        const vt = s.u32(i, j * 12);
        const vk = this.kindOf(vt);
        if (vk !== Kind.Var && vk !== Kind.Func) {
          this.fail(
            'datasec-entry-kind',
            `datasec entry ${j} references type [${vt}], which is not a VAR`,
            this.at + 12 + j * 12,
          );
        }
      }
    }
    if (kind === Kind.DeclTag) {
      const idx = s.i32(i, 0);
      if (idx < 0) return;
      const tk = this.kindOf(st);
      let n = -1;
      const owner = this.spec.specOf(st)!;
      if (tk === Kind.Struct || tk === Kind.Union) n = infoVlen(owner.section.info(st - owner.firstId));
      else if (tk === Kind.Func) {
        const proto = owner.section.sizeOrType(st - owner.firstId);
        const po = this.spec.specOf(proto);
        if (po) n = infoVlen(po.section.info(proto - po.firstId));
      }
      if (idx >= n) this.fail('decl-tag-component', `component_idx ${idx} is out of range for type [${st}]`, this.at + 12);
    }
  }
}

/** One kind's checks of the record {@link RecordChecker.checkRecord} read. */
type RecordCheck = (c: RecordChecker) => void;

function checkInt(c: RecordChecker): void {
  c.plain(c.vlen, c.kflag);
  const v = c.s.words[c.body]!;
  const extra = c.extra;
  // The kernel's BTF_INT_MASK (0x0fffffff) leaves bits 8-15 free: only the top four are refused.
  if (v >>> 28 !== 0) c.fail('int-data', `int data 0x${v.toString(16)} has reserved bits 28-31 set`, extra);
  const enc = intEncoding(v);
  const off = intBitOffset(v);
  const bits = intBits(v);
  // The kernel takes any size and width that hold the bits (an INT of 3 bytes, or of 0 bits):
  // only where a sized type is required does it ask for a regular one (an array element).
  if (off + bits > 128) c.fail('int-too-wide', `int bits_offset ${off} + nr_bits ${bits} exceed 128 bits`, extra);
  if (off + bits > c.st * 8) c.fail('int-bits', `int bits_offset ${off} + nr_bits ${bits} exceed ${c.st * 8} bits`, extra);
  if (enc !== 0 && enc !== 1 && enc !== 2 && enc !== 4) {
    c.fail('int-encoding', `int encoding ${enc} mixes SIGNED, CHAR and BOOL`, extra);
  }
}

/** PTR, VOLATILE, CONST, RESTRICT: no name. */
function checkQualifier(c: RecordChecker): void {
  c.plain(c.vlen, c.kflag);
  if (c.named) c.fail('name-forbidden', 'must not have a name');
  c.checkRef(c.st, c.at + 8, 'type', true);
}

/** TYPEDEF and TYPE_TAG: a name (TYPE_TAG's kind_flag is checked apart, as the kernel does). */
function checkNamedRef(c: RecordChecker): void {
  c.plain(c.vlen, c.kind === Kind.TypeTag ? false : c.kflag);
  if (!c.named) c.fail('name-required', 'must have a name');
  c.checkRef(c.st, c.at + 8, 'type', true);
}

function checkArray(c: RecordChecker): void {
  const words = c.s.words;
  const { body, extra } = c;
  c.plain(c.vlen, c.kflag);
  if (c.named) c.fail('name-forbidden', 'must not have a name');
  if (c.st !== 0) c.fail('array-size-field', `array size field ${c.st} must be 0`);
  c.checkRef(words[body]!, extra, 'element', false);
  // The kernel's btf_array_check_meta refuses a void index as an index, not as a reference.
  if (words[body + 1] === 0) c.fail('array-index', 'index type is void', extra + 4);
  c.checkRef(words[body + 1]!, extra + 4, 'index', false);
}

/** STRUCT and UNION. */
function checkComposite(c: RecordChecker): void {
  const words = c.s.words;
  const { body, extra, kind, vlen, kflag, st } = c;
  let last = 0;
  // Members and parameters (some 150,000 in vmlinux) have their name offset and type tested
  // in place: the checks that word a refusal run only when a test fails, as a call for each
  // was most of this pass before the code warmed up. The tests are checkName's and checkRef's.
  const { strEnd, strStart, own, limit } = c;
  for (let j = 0; j < vlen; j++) {
    const m = extra + j * 12;
    const mName = words[body + j * 3]!;
    const mType = words[body + j * 3 + 1]!;
    if (mName >= strEnd || (mName > strStart && own[mName - strStart - 1] !== 0)) c.checkName(mName, m, 'member name', j);
    if (mType >= limit || mType === 0) c.checkRef(mType, m + 4, 'member', false, j);
    const bitOff = memberBitOffset(words[body + j * 3 + 2]!, kflag);
    if (kind === Kind.Union && bitOff !== 0) c.fail('union-member-offset', `union member ${j} has bit offset ${bitOff}`, m + 8);
    // Equal offsets are allowed: a flexible array (`char a[0]`) shares the next member's.
    if (bitOff < last)
      c.fail('member-offset-order', `member ${j} at bit ${bitOff} comes before the previous member's bit ${last}`, m + 8);
    if (Math.ceil(bitOff / 8) > st)
      c.fail('member-offset-past-end', `member ${j} at bit ${bitOff} starts past the ${st}-byte type`, m + 8);
    last = bitOff;
  }
}

/** ENUM and ENUM64. */
function checkEnum(c: RecordChecker): void {
  const words = c.s.words;
  const { body, extra, vlen } = c;
  const elem = c.kind === Kind.Enum ? 8 : 12;
  if (!ENUM_SIZES.has(c.st)) c.fail('enum-size', `enum size ${c.st} is not 1, 2, 4 or 8`);
  for (let j = 0; j < vlen; j++) {
    const nOff = words[body + j * (elem >>> 2)]!;
    c.checkName(nOff, extra + j * elem, 'enumerator name', j);
    if (nOff === 0) c.fail('enumerator-name', `enumerator ${j} has no name`, extra + j * elem);
  }
}

function checkFwd(c: RecordChecker): void {
  c.plain(c.vlen, false);
  // In the kernel's order (btf_fwd_check_meta): the type field, then the name.
  if (c.st !== 0) c.fail('fwd-type', `fwd type field ${c.st} must be 0`);
  if (!c.named) c.fail('name-required', 'must have a name');
}

function checkFunc(c: RecordChecker): void {
  c.plain(0, c.kflag);
  if (!c.named) c.fail('name-required', 'must have a name');
  if (c.vlen > 2) c.fail('func-linkage', `func linkage ${c.vlen} is unknown`);
  c.checkRef(c.st, c.at + 8, 'prototype', false);
}

function checkFuncProto(c: RecordChecker): void {
  const words = c.s.words;
  const { body, extra, vlen } = c;
  const { strEnd, strStart, own, limit } = c;
  c.plain(0, c.kflag);
  if (c.named) c.fail('name-forbidden', 'must not have a name');
  c.checkRef(c.st, c.at + 8, 'return type', true);
  for (let j = 0; j < vlen; j++) {
    const p = extra + j * 8;
    const pName = words[body + j * 2]!;
    const pt = words[body + j * 2 + 1]!;
    if (pName >= strEnd || (pName > strStart && own[pName - strStart - 1] !== 0)) c.checkName(pName, p, 'param name', j);
    // Only the last parameter may be void: the `...` marker, which has no name.
    const variadic = j === vlen - 1 && pt === 0;
    if (variadic && pName !== 0) c.fail('vararg-name', `variadic marker param ${j} has a name`, p, j + 1);
    if (pt >= limit || pt === 0) c.checkRef(pt, p + 4, 'param', variadic, j);
  }
}

function checkVar(c: RecordChecker): void {
  c.plain(c.vlen, c.kflag);
  if (!c.named) c.fail('name-required', 'must have a name');
  const link = c.s.words[c.body]!;
  if (link > 2) c.fail('var-linkage', `var linkage ${link} is unknown`, c.extra);
  c.checkRef(c.st, c.at + 8, 'type', false);
}

function checkDatasec(c: RecordChecker): void {
  const words = c.s.words;
  const { body, extra, vlen, st } = c;
  c.plain(0, c.kflag);
  if (!c.named) c.fail('name-required', 'must have a name');
  for (let j = 0; j < vlen; j++) c.checkRef(words[body + j * 3]!, extra + j * 12, 'var', false, j);
  // Compilers write sections of size 0 with every offset 0, which loaders fix up: the
  // kernel's placement rules apply to sections that have a size.
  if (st > 0) c.checkSectionLayout(vlen, st, body, extra);
}

function checkFloat(c: RecordChecker): void {
  // The kernel does not look at a FLOAT's name: an anonymous one loads.
  c.plain(c.vlen, c.kflag);
  if (!FLOAT_SIZES.has(c.st)) c.fail('float-size', `float size ${c.st} is not 2, 4, 8, 12 or 16`);
}

function checkDeclTag(c: RecordChecker): void {
  c.plain(c.vlen, false);
  if (!c.named) c.fail('name-required', 'must have a name');
  c.checkRef(c.st, c.at + 8, 'type', false);
  const idx = c.s.words[c.body]! | 0;
  if (idx < -1) c.fail('decl-tag-component', `component_idx ${idx} is below -1`, c.extra);
}

/** A kind newer than this library, sized by the layout section: nothing more to check. */
function checkNewKind(): void {}

/** Each kind number's checks. */
const RECORD_CHECKS: readonly RecordCheck[] = (() => {
  const table: RecordCheck[] = [];
  table[Kind.Int] = checkInt;
  for (const k of [Kind.Ptr, Kind.Volatile, Kind.Const, Kind.Restrict]) table[k] = checkQualifier;
  table[Kind.Typedef] = checkNamedRef;
  table[Kind.TypeTag] = checkNamedRef;
  table[Kind.Array] = checkArray;
  table[Kind.Struct] = checkComposite;
  table[Kind.Union] = checkComposite;
  table[Kind.Enum] = checkEnum;
  table[Kind.Enum64] = checkEnum;
  table[Kind.Fwd] = checkFwd;
  table[Kind.Func] = checkFunc;
  table[Kind.FuncProto] = checkFuncProto;
  table[Kind.Var] = checkVar;
  table[Kind.Datasec] = checkDatasec;
  table[Kind.Float] = checkFloat;
  table[Kind.DeclTag] = checkDeclTag;
  for (let k = 0; k < table.length; k++) table[k] ??= checkNewKind;
  return table;
})();

/**
 * Rejects reference cycles the kernel cannot resolve: a chain of pointers, typedefs and
 * qualifiers that returns to itself, and a struct, union or array that contains itself by value.
 * A pointer to a struct or union ends a chain, which is how linked lists are legal.
 */
function checkLoops(spec: Spec, kinds: Uint8Array): void {
  const s = spec.section;
  const first = spec.firstId;
  const words = s.words;
  const starts = s.starts;
  // Named as the kernel's log names it: the type whose resolution walks into the loop.
  const loop = (detail: string, found: number): BtfRuleError => {
    const id = kernelLoopStart(spec) ?? found;
    return ruleError('loop', detail, id, s.offset(id - first));
  };

  // Each walk is a function of its own: see RecordChecker.checkRecords.
  checkModifierLoops(kinds, words, starts, first, loop);
  checkContainmentLoops(kinds, words, starts, first, loop);
}

type LoopError = (detail: string, found: number) => BtfRuleError;

/** Chains of modifiers (PTR, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG) that return to themselves. */
function checkModifierLoops(kinds: Uint8Array, words: Uint32Array, starts: Uint32Array, first: number, loop: LoopError): void {
  const n = kinds.length;
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0 || LOOP_MODIFIER[kinds[i] as number] === 0) continue;
    let j = i;
    path.length = 0;
    for (;;) {
      if (state[j] === 1) {
        throw loop(`reference loop through types [${path.map((k) => k + first).join(', ')}]`, j + first);
      }
      if (state[j] === 2) break;
      state[j] = 1;
      path.push(j);
      const next = (words[(starts[j] as number) + 2] as number) - first;
      if (next < 0 || next >= n) break;
      // Anything but another modifier ends the chain: a pointer to a struct, union or fwd is how
      // self-referencing data structures stay legal (the kernel treats them as resolve sinks).
      if (LOOP_MODIFIER[kinds[next] as number] === 0) break;
      j = next;
    }
    for (const k of path) state[k] = 2;
  }
}

/**
 * Containment by value: struct/union members and array elements, through typedefs and qualifiers.
 * An iterative DFS whose stack holds (node, next child index) in typed arrays.
 */
function checkContainmentLoops(kinds: Uint8Array, words: Uint32Array, starts: Uint32Array, first: number, loop: LoopError): void {
  const n = kinds.length;
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const nodes = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0 || LOOP_AGGREGATE[kinds[i] as number] === 0) continue;
    let depth = 0;
    nodes[0] = i;
    next[0] = 0;
    state[i] = 1;
    while (depth >= 0) {
      const node = nodes[depth] as number;
      const head = starts[node] as number;
      const array = kinds[node] === Kind.Array;
      const j = next[depth] as number;
      if (j === (array ? 1 : infoVlen(words[head + 1] as number))) {
        state[node] = 2;
        depth--;
        continue;
      }
      next[depth] = j + 1;
      // The j-th by-value child (an array's element, a member's type) with typedefs and
      // qualifiers stripped; only own aggregates matter.
      let c = (words[array ? head + 3 : head + 4 + j * 3] as number) - first;
      for (let guard = 0; c >= 0 && c < n && guard < n && LOOP_STRIPPED[kinds[c] as number] === 1; guard++) {
        c = (words[(starts[c] as number) + 2] as number) - first;
      }
      if (c < 0 || c >= n || LOOP_AGGREGATE[kinds[c] as number] === 0 || state[c] === 2) continue;
      if (state[c] === 1) {
        throw loop(`type [${c + first}] contains itself by value`, node + first);
      }
      state[c] = 1;
      depth++;
      nodes[depth] = c;
      next[depth] = 0;
    }
  }
}

/** By kind number, 1 for the kinds {@link isModifier} names: links of a modifier chain. */
const LOOP_MODIFIER = new Uint8Array(128);
/** By kind number, 1 for what contains its children by value: STRUCT, UNION, ARRAY. */
const LOOP_AGGREGATE = new Uint8Array(128);
/** By kind number, 1 for what a by-value child is looked through: TYPEDEF and the qualifiers. */
const LOOP_STRIPPED = new Uint8Array(128);
for (let k = 0; k < 128; k++) {
  LOOP_MODIFIER[k] = isModifier(k) ? 1 : 0;
  LOOP_AGGREGATE[k] = k === Kind.Struct || k === Kind.Union || k === Kind.Array ? 1 : 0;
  LOOP_STRIPPED[k] =
    k === Kind.Typedef || k === Kind.Const || k === Kind.Volatile || k === Kind.Restrict || k === Kind.TypeTag ? 1 : 0;
}
