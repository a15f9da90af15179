/**
 * Map keys and values between bytes and plain JavaScript values, through their BTF type:
 * structs and unions as objects of their fields, arrays as arrays, `char` arrays as strings,
 * enums by name, integers of 8 bytes or more as `bigint`, smaller ones as `number`, `bool` as
 * boolean, pointers as `bigint`, DATASECs as objects of their variables.
 *
 * @module
 */

import { resolveType, sizeOf } from '../btf/layout.js';
import type { Member, Type, TypeResolver } from '../btf/types.js';
import { TsbpfError } from '../errors.js';

/** A decoded value: what {@link decodeValue} returns and {@link encodeValue} accepts. */
export type Value = number | bigint | boolean | string | Uint8Array | Value[] | { [field: string]: Value };

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

function isCharArrayElement(t: Type): boolean {
  const r = resolveType(t);
  return (
    r.kind === 'int' && r.size === 1 && (r.char || r.name === 'char' || r.name === 'signed char' || r.name === 'unsigned char')
  );
}

function readInt(view: DataView, offset: number, size: number, signed: boolean): number | bigint {
  switch (size) {
    case 1:
      return signed ? view.getInt8(offset) : view.getUint8(offset);
    case 2:
      return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
    case 4:
      return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
    case 8:
      return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
    case 16: {
      const lo = view.getBigUint64(offset, true);
      const hi = view.getBigUint64(offset + 8, true);
      const v = (hi << 64n) | lo;
      return signed ? BigInt.asIntN(128, v) : v;
    }
    default: {
      let v = 0n;
      for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(view.getUint8(offset + i));
      return size >= 8 ? v : Number(v);
    }
  }
}

/** Reads a bitfield of `bits` at bit `bitOffset` from `offset` (little-endian). */
function readBits(view: DataView, offset: number, bitOffset: number, bits: number, signed: boolean): number | bigint {
  const first = offset + Math.floor(bitOffset / 8);
  const shift = bitOffset % 8;
  const bytes = Math.ceil((shift + bits) / 8);
  let v = 0n;
  for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(view.getUint8(first + i));
  v = (v >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
  if (signed) v = BigInt.asIntN(bits, v);
  return bits > 32 ? v : Number(v);
}

function writeBits(view: DataView, offset: number, bitOffset: number, bits: number, value: bigint): void {
  const first = offset + Math.floor(bitOffset / 8);
  const shift = bitOffset % 8;
  const bytes = Math.ceil((shift + bits) / 8);
  let cur = 0n;
  for (let i = bytes - 1; i >= 0; i--) cur = (cur << 8n) | BigInt(view.getUint8(first + i));
  const mask = ((1n << BigInt(bits)) - 1n) << BigInt(shift);
  cur = (cur & ~mask) | ((BigInt.asUintN(bits, value) << BigInt(shift)) & mask);
  for (let i = 0; i < bytes; i++) {
    view.setUint8(first + i, Number(cur & 0xffn));
    cur >>= 8n;
  }
}

/**
 * Decodes the bytes of `type` at `offset` of `bytes`.
 *
 * @throws {@link TsbpfError} when `bytes` is too short for the type.
 */
export function decodeValue(type: Type, bytes: Uint8Array, offset = 0, resolver?: TypeResolver): Value {
  const size = safeSize(type);
  if (size !== undefined && offset + size > bytes.byteLength) {
    throw new TsbpfError(`value of ${describe(type)} needs ${size} bytes at offset ${offset}, have ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeAt(type, view, offset, resolver);
}

function decodeAt(type: Type, view: DataView, offset: number, resolver: TypeResolver | undefined): Value {
  const t = resolveType(type);
  switch (t.kind) {
    case 'int': {
      if (t.bool && t.size === 1) return view.getUint8(offset) !== 0;
      if (t.bits !== t.size * 8 || t.bitOffset !== 0) return readBits(view, offset, t.bitOffset, t.bits, t.signed);
      return readInt(view, offset, t.size, t.signed);
    }
    case 'enum':
    case 'enum64': {
      const raw = readInt(view, offset, t.size, t.signed);
      const hit = t.values.find((v) => BigInt(v.value) === BigInt(raw));
      return hit !== undefined ? hit.name : raw;
    }
    case 'float':
      return t.size === 4
        ? view.getFloat32(offset, true)
        : t.size === 8
          ? view.getFloat64(offset, true)
          : rawBytes(view, offset, t.size);
    case 'ptr':
      return view.getBigUint64(offset, true);
    case 'array': {
      if (isCharArrayElement(t.type)) {
        const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, t.nelems);
        const end = bytes.indexOf(0);
        return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
      }
      const elemSize = sizeOf(t.type);
      const out: Value[] = [];
      for (let i = 0; i < t.nelems; i++) out.push(decodeAt(t.type, view, offset + i * elemSize, resolver));
      return out;
    }
    case 'struct':
    case 'union': {
      const out: { [field: string]: Value } = {};
      for (const m of t.members) decodeMember(m, t.kindFlag, view, offset, out, resolver);
      return out;
    }
    case 'datasec': {
      const out: { [field: string]: Value } = {};
      for (const v of t.vars) {
        const vt = varOf(t, v.typeId, resolver);
        out[vt.name] = decodeAt(vt.type, view, offset + v.offset, resolver);
      }
      return out;
    }
    default: {
      const size = safeSize(t) ?? 0;
      return rawBytes(view, offset, size);
    }
  }
}

/** The VAR a DATASEC entry names (a DATASEC holds IDs only: the spec resolves them). */
function varOf(datasec: Type, id: number, resolver: TypeResolver | undefined): Extract<Type, { kind: 'var' }> {
  if (resolver === undefined) throw new TsbpfError(`${describe(datasec)}: decoding a DATASEC needs its spec`);
  const found = resolver.typeById(id);
  if (found?.kind !== 'var') throw new TsbpfError(`${describe(datasec)}: entry [${id}] is not a VAR`);
  return found;
}

function decodeMember(
  m: Member,
  kindFlag: boolean,
  view: DataView,
  base: number,
  out: { [field: string]: Value },
  resolver: TypeResolver | undefined,
): void {
  const bits = kindFlag ? m.bitfieldSize : 0;
  if (bits > 0) {
    const r = resolveType(m.type);
    const signed = (r.kind === 'int' || r.kind === 'enum' || r.kind === 'enum64') && r.signed;
    const raw = readBits(view, base, m.bitOffset, bits, signed);
    if (r.kind === 'enum' || r.kind === 'enum64') {
      const hit = r.values.find((v) => BigInt(v.value) === BigInt(raw));
      out[m.name] = hit !== undefined ? hit.name : raw;
    } else if (r.kind === 'int' && r.bool) {
      out[m.name] = raw !== 0;
    } else {
      out[m.name] = raw;
    }
    return;
  }
  const value = decodeAt(m.type, view, base + m.bitOffset / 8, resolver);
  if (m.name === '' && typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value)) {
    // An anonymous struct or union: its fields are the parent's, as in C.
    Object.assign(out, value);
  } else {
    out[m.name] = value;
  }
}

function rawBytes(view: DataView, offset: number, size: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + offset, size).slice();
}

function safeSize(t: Type): number | undefined {
  try {
    return sizeOf(t);
  } catch {
    return undefined;
  }
}

function describe(t: Type): string {
  return `${t.kind}${t.name !== '' ? ` ${t.name}` : ''} [${t.id}]`;
}

/**
 * Encodes `value` as `type` into a new buffer of the type's size (fields not given are zero).
 *
 * @throws {@link TsbpfError} naming the field whose value does not fit its type.
 */
export function encodeValue(type: Type, value: Value, resolver?: TypeResolver): Uint8Array {
  const size = sizeOf(type);
  const bytes = new Uint8Array(size);
  encodeAt(type, value, new DataView(bytes.buffer), 0, '', resolver);
  return bytes;
}

/**
 * Encodes `value` as `type` into `bytes` at `offset`.
 *
 * @throws {@link TsbpfError} naming the field whose value does not fit its type.
 */
export function encodeValueInto(type: Type, value: Value, bytes: Uint8Array, offset = 0, resolver?: TypeResolver): void {
  const size = sizeOf(type);
  if (offset + size > bytes.byteLength) throw new TsbpfError(`${describe(type)}: ${size} bytes do not fit at offset ${offset}`);
  encodeAt(type, value, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, '', resolver);
}

function fail(path: string, type: Type, what: string): never {
  throw new TsbpfError(`${path === '' ? 'value' : `field ${path}`}: ${what} for ${describe(type)}`);
}

function toBigInt(value: Value, path: string, type: Type): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return fail(path, type, `expected an integer, got ${typeof value === 'object' ? 'an object' : JSON.stringify(String(value))}`);
}

function enumValue(t: Extract<Type, { kind: 'enum' | 'enum64' }>, value: Value, path: string): bigint {
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    const hit = t.values.find((v) => v.name === value);
    if (hit === undefined) fail(path, t, `no enumerator named '${value}'`);
    return BigInt(hit.value);
  }
  return toBigInt(value, path, t);
}

function writeInt(view: DataView, offset: number, size: number, v: bigint): void {
  let u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) {
    view.setUint8(offset + i, Number(u & 0xffn));
    u >>= 8n;
  }
}

function checkRange(v: bigint, bits: number, signed: boolean, path: string, type: Type): void {
  // Negative values are accepted for unsigned types too (two's complement), as C would store them.
  const min = -(1n << BigInt(bits - 1));
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (v < min || v > max) fail(path, type, `${v} does not fit in ${bits} bits`);
}

function encodeAt(
  type: Type,
  value: Value,
  view: DataView,
  offset: number,
  path: string,
  resolver: TypeResolver | undefined,
): void {
  const t = resolveType(type);
  if (value instanceof Uint8Array) {
    const size = sizeOf(t);
    if (value.byteLength !== size) fail(path, t, `${value.byteLength} raw bytes given, the type has ${size}`);
    new Uint8Array(view.buffer, view.byteOffset + offset, size).set(value);
    return;
  }
  switch (t.kind) {
    case 'int': {
      const v = toBigInt(value, path, t);
      if (t.bits !== t.size * 8 || t.bitOffset !== 0) {
        checkRange(v, t.bits, t.signed, path, t);
        writeBits(view, offset, t.bitOffset, t.bits, v);
      } else {
        checkRange(v, t.size * 8, t.signed, path, t);
        writeInt(view, offset, t.size, v);
      }
      return;
    }
    case 'enum':
    case 'enum64': {
      const v = enumValue(t, value, path);
      checkRange(v, t.size * 8, t.signed, path, t);
      writeInt(view, offset, t.size, v);
      return;
    }
    case 'float':
      if (typeof value !== 'number') fail(path, t, 'expected a number');
      if (t.size === 4) view.setFloat32(offset, value, true);
      else if (t.size === 8) view.setFloat64(offset, value, true);
      else fail(path, t, `float of ${t.size} bytes`);
      return;
    case 'ptr':
      writeInt(view, offset, 8, toBigInt(value, path, t));
      return;
    case 'array': {
      if (typeof value === 'string' && isCharArrayElement(t.type)) {
        const bytes = encoder.encode(value);
        if (bytes.byteLength > t.nelems) fail(path, t, `string of ${bytes.byteLength} bytes is longer than ${t.nelems}`);
        const dst = new Uint8Array(view.buffer, view.byteOffset + offset, t.nelems);
        dst.fill(0);
        dst.set(bytes);
        return;
      }
      if (!Array.isArray(value)) fail(path, t, 'expected an array');
      if (value.length > t.nelems) fail(path, t, `${value.length} elements given, the array has ${t.nelems}`);
      const elemSize = sizeOf(t.type);
      value.forEach((v, i) => {
        encodeAt(t.type, v, view, offset + i * elemSize, `${path}[${i}]`, resolver);
      });
      return;
    }
    case 'struct':
    case 'union': {
      if (typeof value !== 'object' || Array.isArray(value)) fail(path, t, 'expected an object of fields');
      const given = new Set(Object.keys(value));
      encodeMembers(t, value, view, offset, path, given, resolver);
      if (given.size > 0) fail(path, t, `no field named '${[...given][0]}'`);
      return;
    }
    case 'datasec': {
      if (typeof value !== 'object' || Array.isArray(value)) fail(path, t, 'expected an object of variables');
      for (const v of t.vars) {
        const vt = varOf(t, v.typeId, resolver);
        if (!(vt.name in value)) continue;
        encodeAt(vt.type, value[vt.name] as Value, view, offset + v.offset, vt.name, resolver);
      }
      return;
    }
    default:
      fail(path, t, `cannot encode a ${typeof value}`);
  }
}

function encodeMembers(
  t: Extract<Type, { kind: 'struct' | 'union' }>,
  value: { [field: string]: Value },
  view: DataView,
  offset: number,
  path: string,
  given: Set<string>,
  resolver: TypeResolver | undefined,
): void {
  for (const m of t.members) {
    const inner = resolveType(m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union')) {
      encodeMembers(inner, value, view, offset + m.bitOffset / 8, path, given, resolver);
      continue;
    }
    if (!(m.name in value)) continue;
    given.delete(m.name);
    const v = value[m.name] as Value;
    const fieldPath = path === '' ? m.name : `${path}.${m.name}`;
    const bits = t.kindFlag ? m.bitfieldSize : 0;
    if (bits > 0) {
      const n = inner.kind === 'enum' || inner.kind === 'enum64' ? enumValue(inner, v, fieldPath) : toBigInt(v, fieldPath, inner);
      writeBits(view, offset, m.bitOffset, bits, n);
    } else {
      encodeAt(m.type, v, view, offset + m.bitOffset / 8, fieldPath, resolver);
    }
  }
}
