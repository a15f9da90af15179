/**
 * Filling the `.kconfig` map: Kconfig externs (`extern int CONFIG_HZ __kconfig;`) get their
 * values from the kernel's configuration text (`/proc/config.gz`, `/boot/config-*`), and the
 * virtual ones (`LINUX_KERNEL_VERSION`, `LINUX_HAS_*`) from the caller, with libbpf's rules:
 * `y`/`n`/`m` for bools, tristates and chars, quoted strings for char arrays, numbers (decimal,
 * hex, octal) for integers that must fit; a missing value is an error unless the extern is weak,
 * which then reads 0.
 *
 * @module
 */

import { resolveType } from '../btf/layout.js';
import type { Type } from '../btf/types.js';
import { ObjectError } from '../errors.js';
import { encodeUtf8 } from '../internal/utf8.js';
import type { ExternSpec } from './object-spec.js';

/**
 * `CONFIG_*` options of a kernel configuration text, read as libbpf reads them: a line that
 * starts with `CONFIG_` is `CONFIG_X=value` with a value, or the whole text is refused; other
 * lines (comments, `# CONFIG_X is not set`, blank ones) are skipped. Values are kept as written
 * (only the line break is removed), and the first line of a name wins.
 *
 * @param source - what the text is (a file name), for errors
 * @throws {@link ObjectError} naming the line for a `CONFIG_` line without `=` or without a value.
 */
export function parseKconfig(text: string, source = 'kernel configuration'): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (!line.startsWith('CONFIG_')) continue;
    const eq = line.indexOf('=');
    if (eq < 0 || eq === line.length - 1) {
      throw new ObjectError(`${source} line ${n + 1}: '${line}' has ${eq < 0 ? "no '='" : 'no value'}`, { section: '.kconfig' });
    }
    const name = line.slice(0, eq);
    if (!out.has(name)) out.set(name, line.slice(eq + 1));
  }
  return out;
}

/** `KERNEL_VERSION(a, b, c)` as `LINUX_KERNEL_VERSION` holds it (the patch level capped at 255). */
export function kernelVersionCode(major: number, minor: number, patch: number): number {
  return ((major << 16) + (minor << 8) + Math.min(patch, 255)) >>> 0;
}

/**
 * The `.kconfig` map's value for `externs`, by libbpf's rules: a `CONFIG_*` extern takes its
 * value from `config`, a `LINUX_*` one from `virtuals` (a number, or a boolean as 1 or 0, for an
 * integer, char or bool extern); an extern left without a value reads 0 if it is `__weak` and is
 * an error otherwise; an extern named neither way is an error.
 *
 * @param config - `CONFIG_*` values ({@link parseKconfig})
 * @param virtuals - values of the `LINUX_*` externs (`LINUX_KERNEL_VERSION`, `LINUX_HAS_BPF_COOKIE`...)
 * @throws {@link ObjectError} naming the extern for a value that is missing (and the extern not
 *   weak), of the wrong form for its type, or too large for it; for an extern named neither
 *   `CONFIG_*` nor `LINUX_*`.
 */
export function kconfigData(
  externs: readonly ExternSpec[],
  littleEndian: boolean,
  config: ReadonlyMap<string, string>,
  virtuals: Readonly<Record<string, number | bigint | boolean>> = {},
): Uint8Array {
  const kcfg = externs.filter((e) => e.kind === 'kconfig');
  const size = kcfg.reduce((n, e) => Math.max(n, e.offset + e.size), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (const ext of kcfg) {
    const where = { section: '.kconfig', symbol: ext.name };
    const type = ext.type === undefined ? undefined : resolveType(ext.type);
    if (type === undefined) throw new ObjectError('Kconfig extern without a type', where);
    if (ext.name.startsWith('LINUX_')) {
      const v = virtuals[ext.name];
      if (v === undefined) {
        if (ext.weak) continue;
        throw new ObjectError('no such virtual Kconfig extern (and it is not __weak)', where);
      }
      putNumber(view, ext, type, typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v), littleEndian, where);
      continue;
    }
    if (!ext.name.startsWith('CONFIG_')) throw new ObjectError('a Kconfig extern is named CONFIG_* or LINUX_*', where);
    const value = config.get(ext.name);
    if (value === undefined) {
      if (ext.weak) continue;
      throw new ObjectError('no value for this Kconfig extern, and it is not __weak', where);
    }
    put(view, out, ext, type, value, littleEndian, where);
  }
  return out;
}

/** A virtual extern's number into an integer, char or bool extern (libbpf's `set_kcfg_value_num`). */
function putNumber(
  view: DataView,
  ext: ExternSpec,
  type: Type,
  n: bigint,
  le: boolean,
  where: { section: string; symbol: string },
): void {
  if (type.kind !== 'int') throw new ObjectError(`a ${type.kind} cannot hold the number ${n}`, where);
  if (type.bool && n > 1n) throw new ObjectError(`value ${n} for a bool`, where);
  checkFits(ext, type.signed, n, where);
  writeInt(view, ext.offset, ext.size, n, le);
}

function checkFits(ext: ExternSpec, signed: boolean, n: bigint, where: { section: string; symbol: string }): void {
  if (ext.size !== 1 && ext.size !== 2 && ext.size !== 4 && ext.size !== 8) {
    throw new ObjectError(`an integer of ${ext.size} bytes cannot be filled`, where);
  }
  const bits = BigInt(ext.size * 8);
  // As libbpf (strtoull, then a range check): 8 bytes hold any value of 64 bits, a negative one
  // as its two's complement.
  const fits =
    ext.size === 8
      ? n >= -(1n << 63n) && n < 1n << 64n
      : signed
        ? n >= -(1n << (bits - 1n)) && n < 1n << (bits - 1n)
        : n >= 0n && n < 1n << bits;
  if (!fits) throw new ObjectError(`value ${n} does not fit ${ext.size} bytes`, where);
}

function put(
  view: DataView,
  out: Uint8Array,
  ext: ExternSpec,
  type: Type,
  value: string,
  le: boolean,
  where: { section: string; symbol: string },
): void {
  const at = ext.offset;
  // libbpf reads the first character: y, n or m is a tristate, `"` a string, anything else a number.
  const first = value[0];
  const tri = first === 'y' || first === 'n' || first === 'm' ? first : undefined;
  if (type.kind === 'enum' && type.name === 'libbpf_tristate') {
    if (tri === undefined) throw new ObjectError(`value '${value}' is not y, n or m`, where);
    writeInt(view, at, ext.size, BigInt(tri === 'y' ? 1 : tri === 'm' ? 2 : 0), le);
    return;
  }
  if (type.kind === 'int' && type.bool) {
    if (tri === 'm') throw new ObjectError("value 'm' for a bool", where);
    if (tri === undefined) throw new ObjectError(`value '${value}' is not y or n`, where);
    out[at] = tri === 'y' ? 1 : 0;
    return;
  }
  if (type.kind === 'int' && type.size === 1 && type.char && tri !== undefined) {
    out[at] = tri.charCodeAt(0);
    return;
  }
  if (type.kind === 'array') {
    if (!value.startsWith('"') || !value.endsWith('"') || value.length < 2) {
      throw new ObjectError(`value '${value}' is not a quoted string`, where);
    }
    const bytes = encodeUtf8(value.slice(1, -1));
    const n = Math.min(bytes.length, ext.size - 1);
    out.set(bytes.subarray(0, n), at);
    return;
  }
  if (type.kind === 'int' || type.kind === 'enum') {
    let n: bigint;
    try {
      n = parseNumber(value);
    } catch {
      throw new ObjectError(`value '${value}' is not a number`, where);
    }
    const signed = type.kind === 'int' ? type.signed : type.signed === true;
    checkFits(ext, signed, n, where);
    writeInt(view, at, ext.size, n, le);
    return;
  }
  throw new ObjectError(`Kconfig extern of type ${type.kind} cannot hold '${value}'`, where);
}

/** strtoull with base 0: `0x` hex, leading `0` octal, else decimal; an optional sign. */
function parseNumber(s: string): bigint {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) throw new Error('not a number');
  const body = m[2]!;
  const v =
    body.length > 1 && body[0] === '0' && body[1] !== 'x' && body[1] !== 'X' ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  return m[1] === '-' ? -v : v;
}

function writeInt(view: DataView, at: number, size: number, v: bigint, le: boolean): void {
  const u = BigInt.asUintN(size * 8, v);
  if (size === 1) view.setUint8(at, Number(u));
  else if (size === 2) view.setUint16(at, Number(u), le);
  else if (size === 4) view.setUint32(at, Number(u), le);
  else view.setBigUint64(at, u, le);
}
