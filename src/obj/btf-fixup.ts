/**
 * The object's BTF made loadable, as libbpf does it when it opens an object (before any
 * kernel feature is considered):
 * - DATASECs of ELF sections get the section's size, and each non-static VAR the offset of its
 *   ELF symbol; a VAR whose symbol is hidden becomes static; variables are sorted by offset;
 * - `.kconfig` gets the externs' layout (see {@link collectExterns}), its VARs allocated;
 * - `.ksyms` lists every extern as a 4-byte slot: VARs become allocated `int`s, kfunc FUNCs are
 *   replaced by a `dummy_ksym` VAR (appended) and made global, their unnamed parameters named;
 * String offsets are unchanged (only appended to), so `.BTF.ext` stays valid.
 *
 * @module
 */

import { Kind } from '../btf/kinds.js';
import { STB_GLOBAL, STB_WEAK, STT_OBJECT, STV_HIDDEN, STV_INTERNAL } from '../elf/index.js';
import { ObjectError } from '../errors.js';
import { encodeUtf8 } from '../internal/utf8.js';
import { BtfEditor } from './btf-edit.js';
import type { ElfObject } from './elf-object.js';
import { KCONFIG_SECTION, KSYMS_SECTION, kconfigSize } from './externs.js';
import type { ExternSpec } from './object-spec.js';

const VAR_STATIC = 0;
const VAR_GLOBAL_ALLOCATED = 1;
const FUNC_GLOBAL = 1;

/**
 * Applies libbpf's open-time BTF fixups to a copy of `raw` (the object's `.BTF`).
 *
 * @throws {@link ObjectError} naming the section or variable when a DATASEC has no ELF section
 *   or a variable no symbol.
 * @throws {@link BtfError} if the blob is malformed.
 */
export function fixupBtf(obj: ElfObject, raw: Uint8Array, externs: readonly ExternSpec[]): Uint8Array {
  const ed = new BtfEditor(raw);
  const spec = ed.spec;
  const sec = spec.section;
  const name = (id: number) => spec.strings.lookup(sec.nameOff(id - 1)) ?? '';
  const kindOf = (id: number) => sec.kind(id - 1);

  const byName = new Map(externs.map((e) => [e.name, e]));
  for (let id = 1; id < spec.nextId; id++) {
    if (kindOf(id) !== Kind.Datasec) continue;
    const secName = name(id);
    const at = ed.recordOffset(id);
    const vlen = ed.u32(at + 4) & 0xffff;
    const vsi = (i: number) => at + 12 + i * 12;

    if (secName === KCONFIG_SECTION) {
      ed.setU32(at + 8, kconfigSize(externs));
      for (let i = 0; i < vlen; i++) {
        const varId = ed.u32(vsi(i));
        const ext = byName.get(name(varId));
        if (ext === undefined) throw new ObjectError('no extern for this BTF VAR', { section: secName, symbol: name(varId) });
        ed.setU32(ed.recordOffset(varId) + 12, VAR_GLOBAL_ALLOCATED);
        ed.setU32(vsi(i) + 4, ext.offset);
      }
      sortSecinfos(ed, at, vlen);
      continue;
    }

    if (secName === KSYMS_SECTION) {
      fixupKsyms(ed, id, vlen, byName, name, kindOf);
      sortSecinfos(ed, at, vlen);
      continue;
    }

    if (ed.u32(at + 8) === 0) {
      const elfSec = obj.elf.section(secName);
      if (elfSec === undefined || elfSec.size === 0) {
        throw new ObjectError('no ELF section (or an empty one) for this DATASEC', { section: secName });
      }
      ed.setU32(at + 8, elfSec.size);
      for (let i = 0; i < vlen; i++) {
        const varId = ed.u32(vsi(i));
        if (varId < 1 || varId >= spec.nextId || kindOf(varId) !== Kind.Var) {
          throw new ObjectError(`DATASEC entry ${i} is type [${varId}], not a VAR`, { section: secName });
        }
        const varAt = ed.recordOffset(varId);
        const linkage = ed.u32(varAt + 12);
        if (linkage === VAR_STATIC || linkage === 2 /* extern */) continue;
        const varName = name(varId);
        const sym = obj.symbols.find(
          (s) => s.name === varName && s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK),
        );
        if (sym === undefined) throw new ObjectError('no ELF symbol for this variable', { section: secName, symbol: varName });
        ed.setU32(vsi(i) + 4, Number(sym.value));
        if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) ed.setU32(varAt + 12, VAR_STATIC);
      }
    }
    sortSecinfos(ed, at, vlen);
  }
  return ed.finish();
}

/** Sorts a DATASEC's var_secinfos by offset (stable), as the kernel requires them ordered. */
function sortSecinfos(ed: BtfEditor, at: number, vlen: number): void {
  const rows: [number, number, number][] = [];
  for (let i = 0; i < vlen; i++) {
    const p = at + 12 + i * 12;
    rows.push([ed.u32(p), ed.u32(p + 4), ed.u32(p + 8)]);
  }
  rows.sort((a, b) => a[1] - b[1]);
  rows.forEach(([t, o, s], i) => {
    const p = at + 12 + i * 12;
    ed.setU32(p, t);
    ed.setU32(p + 4, o);
    ed.setU32(p + 8, s);
  });
}

function fixupKsyms(
  ed: BtfEditor,
  id: number,
  vlen: number,
  byName: ReadonlyMap<string, ExternSpec>,
  name: (id: number) => string,
  kindOf: (id: number) => number,
): void {
  const spec = ed.spec;
  const at = ed.recordOffset(id);
  const vsi = (i: number) => at + 12 + i * 12;
  let intId = 0;
  for (let t = 1; t < spec.nextId; t++) {
    if (kindOf(t) === Kind.Int && (ed.u32(ed.recordOffset(t) + 12) & 0xff) === 32) {
      intId = t;
      break;
    }
  }
  let dummy: { id: number; nameOff: number } | undefined;
  for (let i = 0; i < vlen; i++) {
    if (kindOf(ed.u32(vsi(i))) === Kind.Func) {
      const nameOff = existingString(ed, 'dummy_ksym') ?? ed.appendString('dummy_ksym');
      dummy = { nameOff, id: ed.appendType([nameOff, Kind.Var << 24, intId, VAR_GLOBAL_ALLOCATED]) };
      break;
    }
  }
  for (let i = 0, off = 0; i < vlen; i++, off += 4) {
    const t = ed.u32(vsi(i));
    const extName = name(t);
    if (!byName.has(extName)) throw new ObjectError('no extern for this BTF type', { section: KSYMS_SECTION, symbol: extName });
    const tAt = ed.recordOffset(t);
    if (kindOf(t) === Kind.Func && dummy !== undefined) {
      const proto = ed.u32(tAt + 8);
      if (proto > 0 && proto < spec.nextId && kindOf(proto) === Kind.FuncProto) {
        const pAt = ed.recordOffset(proto);
        const n = ed.u32(pAt + 4) & 0xffff;
        for (let j = 0; j < n; j++) {
          const param = pAt + 12 + j * 8;
          if (ed.u32(param + 4) !== 0 && ed.u32(param) === 0) ed.setU32(param, dummy.nameOff);
        }
      }
      ed.setU32(vsi(i), dummy.id);
      ed.setU32(tAt + 4, (ed.u32(tAt + 4) & ~0xffff) | FUNC_GLOBAL);
    } else {
      ed.setU32(tAt + 12, VAR_GLOBAL_ALLOCATED);
      ed.setU32(tAt + 8, intId);
    }
    ed.setU32(vsi(i) + 4, off);
    ed.setU32(vsi(i) + 8, 4);
  }
  ed.setU32(at + 8, vlen * 4);
}

/** Offset of `s` in the blob's string section if it is there already (libbpf reuses it). */
function existingString(ed: BtfEditor, s: string): number | undefined {
  const h = ed.spec.header;
  const strs = ed.bytes.subarray(h.strOff, h.strOff + h.strLen);
  const want = encodeUtf8(s);
  outer: for (let i = 0; i + want.length < strs.length; i++) {
    if (i > 0 && strs[i - 1] !== 0) continue;
    for (let j = 0; j < want.length; j++) if (strs[i + j] !== want[j]) continue outer;
    if (strs[i + want.length] === 0) return i;
  }
  return undefined;
}
