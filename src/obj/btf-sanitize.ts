/**
 * The object's BTF rewritten for a kernel that lacks some BTF kinds, as libbpf does before
 * BPF_BTF_LOAD: the probed features arrive as data, and every rewrite keeps type IDs (so the
 * IDs in func_info, line_info and map definitions stay valid) and string offsets:
 * - no DATASEC/VAR: a VAR becomes a 1-byte INT, a DATASEC a STRUCT of its variables (its name's
 *   `.` and `?` turned into `_`);
 * - no `?`-named DATASEC: the `?` becomes `_`;
 * - no FUNC: a FUNC_PROTO becomes an ENUM of its parameters, a FUNC a TYPEDEF;
 * - no global FUNC linkage: FUNCs become static;
 * - no FLOAT: an anonymous empty STRUCT of the same size;
 * - no DECL_TAG: a 1-byte INT; no TYPE_TAG: an anonymous CONST;
 * - no ENUM64: ENUMs lose their kind flag (signedness), an ENUM64 becomes a UNION whose members
 *   all have an appended 1-byte `enum64_placeholder` INT as type.
 * Before any of that, hidden global subprograms (`__hidden`) get static FUNC linkage, which
 * libbpf does on every kernel.
 *
 * @module
 */

import { Kind } from '../btf/kinds.js';
import { BtfEditor } from './btf-edit.js';
import type { ObjectSpec } from './object-spec.js';

/** BTF kinds and flags the kernel accepts, as probed (libbpf's `FEAT_BTF_*`). */
export interface BtfFeatures {
  /** FUNC and FUNC_PROTO (Linux 5.0). */
  func: boolean;
  /** FUNC with global linkage (5.6). */
  funcGlobal: boolean;
  /** DATASEC and VAR (5.2). */
  datasec: boolean;
  /** DATASEC names starting with `?` (6.4). */
  qmarkDatasec: boolean;
  /** FLOAT (5.13). */
  float: boolean;
  /** DECL_TAG (5.16). */
  declTag: boolean;
  /** TYPE_TAG (5.17). */
  typeTag: boolean;
  /** ENUM64 and signed ENUMs (6.0). */
  enum64: boolean;
}

/** Every feature present: what recent kernels accept (nothing is rewritten). */
export const ALL_BTF_FEATURES: Readonly<BtfFeatures> = Object.freeze({
  func: true,
  funcGlobal: true,
  datasec: true,
  qmarkDatasec: true,
  float: true,
  declTag: true,
  typeTag: true,
  enum64: true,
});

const INT_8BITS = 8; // BTF_INT_ENC(0, 0, 8)

/**
 * Rewrites a copy of `btf` (an object's fixed-up BTF, {@link ObjectSpec.btfBytes}) for a kernel
 * with `features`.
 *
 * @param staticFuncs - names of hidden global subprograms whose FUNC becomes static
 * @throws {@link BtfError} if the blob is malformed.
 */
export function sanitizeBtf(btf: Uint8Array, features: BtfFeatures, staticFuncs: readonly string[] = []): Uint8Array {
  const ed = new BtfEditor(btf);
  const spec = ed.spec;
  const sec = spec.section;
  const n = spec.nextId;
  const strings = spec.header.strOff;
  const info = (kind: number, vlen: number, kflag = false) => ((kind << 24) | (kflag ? 1 << 31 : 0) | (vlen & 0xffff)) >>> 0;

  if (staticFuncs.length > 0) {
    const wanted = new Set(staticFuncs);
    for (let id = 1; id < n; id++) {
      const at = ed.recordOffset(id);
      if (sec.kind(id - 1) !== Kind.Func || (ed.u32(at + 4) & 0xffff) !== 1) continue;
      const name = spec.strings.lookup(ed.u32(at)) ?? '';
      if (!wanted.has(name)) continue;
      ed.setU32(at + 4, info(Kind.Func, 0));
      wanted.delete(name);
    }
  }

  /** Replaces `.` (and `?`) in a name, in place in the copy's string section. */
  const rename = (nameOff: number, dots: boolean) => {
    for (let p = strings + nameOff; p < ed.bytes.length && ed.bytes[p] !== 0; p++) {
      const c = ed.bytes[p];
      if (c === 0x3f || (dots && c === 0x2e)) ed.bytes[p] = 0x5f;
    }
  };

  let placeholder = 0;
  for (let id = 1; id < n; id++) {
    const at = ed.recordOffset(id);
    const word = ed.u32(at + 4);
    const kind = sec.kind(id - 1);
    const vlen = word & 0xffff;
    if ((!features.datasec && kind === Kind.Var) || (!features.declTag && kind === Kind.DeclTag)) {
      ed.setU32(at + 4, info(Kind.Int, 0));
      ed.setU32(at + 8, 1);
      ed.setU32(at + 12, INT_8BITS);
    } else if (!features.datasec && kind === Kind.Datasec) {
      rename(ed.u32(at), true);
      ed.setU32(at + 4, info(Kind.Struct, vlen));
      for (let j = 0; j < vlen; j++) {
        const p = at + 12 + j * 12;
        const type = ed.u32(p);
        const offset = ed.u32(p + 4);
        const varName = type > 0 && type < n ? ed.u32(ed.recordOffset(type)) : 0;
        ed.setU32(p, varName);
        ed.setU32(p + 4, type);
        ed.setU32(p + 8, offset * 8);
      }
    } else if (!features.qmarkDatasec && kind === Kind.Datasec) {
      if (ed.bytes[strings + ed.u32(at)] === 0x3f) rename(ed.u32(at), false);
    } else if (!features.func && kind === Kind.FuncProto) {
      ed.setU32(at + 4, info(Kind.Enum, vlen));
      ed.setU32(at + 8, 4);
    } else if (!features.func && kind === Kind.Func) {
      ed.setU32(at + 4, info(Kind.Typedef, 0));
    } else if (!features.funcGlobal && kind === Kind.Func) {
      ed.setU32(at + 4, info(Kind.Func, 0));
    } else if (!features.float && kind === Kind.Float) {
      ed.setU32(at, 0);
      ed.setU32(at + 4, info(Kind.Struct, 0));
    } else if (!features.typeTag && kind === Kind.TypeTag) {
      ed.setU32(at, 0);
      ed.setU32(at + 4, info(Kind.Const, 0));
    } else if (!features.enum64 && kind === Kind.Enum) {
      ed.setU32(at + 4, info(Kind.Enum, vlen));
    } else if (!features.enum64 && kind === Kind.Enum64) {
      if (placeholder === 0) {
        placeholder = ed.appendType([ed.appendString('enum64_placeholder'), info(Kind.Int, 0), 1, INT_8BITS]);
      }
      ed.setU32(at + 4, info(Kind.Union, vlen));
      for (let j = 0; j < vlen; j++) {
        const p = at + 12 + j * 12;
        ed.setU32(p + 4, placeholder);
        ed.setU32(p + 8, 0);
      }
    }
  }
  return ed.finish();
}

/** Whether anything must be rewritten for `features` (libbpf's `btf_needs_sanitization`). */
export function needsSanitizing(features: BtfFeatures): boolean {
  return Object.values(features).some((v) => !v);
}

/**
 * The BTF to give BPF_BTF_LOAD for `object` on a kernel with `features`: its fixed-up BTF with
 * hidden subprograms made static and unsupported kinds rewritten. `undefined` without BTF.
 * When there is nothing to rewrite (the usual case on a recent kernel), it is the object's
 * fixed-up BTF itself, not a copy: a load reads it and nothing writes to it.
 *
 * @throws {@link BtfError} if the blob is malformed.
 */
export function kernelBtf(object: Pick<ObjectSpec, 'btfBytes' | 'subprograms'>, features: BtfFeatures): Uint8Array | undefined {
  if (object.btfBytes === undefined) return undefined;
  const hidden = object.subprograms.filter((p) => p.hidden && p.global).map((p) => p.name);
  if (hidden.length === 0 && !needsSanitizing(features)) return object.btfBytes;
  return sanitizeBtf(object.btfBytes, features, hidden);
}
