/**
 * Map definitions: BTF-defined maps in `.maps` (libbpf's `__uint`, `__type`, `__array` members),
 * legacy `struct bpf_map_def` in `maps`, and global-data sections as single-entry arrays.
 *
 * @module
 */

import { resolveType, sizeOf } from '../btf/layout.js';
import type { Spec } from '../btf/spec.js';
import type { Member, Struct, Type } from '../btf/types.js';
import { R_BPF_64_ABS64, readRelocations, SHT_REL, SHT_RELA } from '../elf/index.js';
import { ObjectError, TsbpfError } from '../errors.js';
import type { DataKind, ElfObject } from './elf-object.js';
import { KCONFIG_SECTION, kconfigSize } from './externs.js';
import type { ExternSpec, MapSlot, MapSpec } from './object-spec.js';
import { MapType } from './types.js';
import { typesNamed } from './types-named.js';

/** `BPF_F_RDONLY_PROG`: programs may only read the map. */
export const BPF_F_RDONLY_PROG = 1 << 7;
/** `BPF_F_MMAPABLE`: the map (an array) can be mmap()ed. */
export const BPF_F_MMAPABLE = 1 << 10;
/** Largest global-data section accepted (the kernel caps array values far below this). */
export const MAX_DATA_SIZE = 1 << 28;
/** Longest map name the kernel keeps (`BPF_OBJ_NAME_LEN` - 1). */
export const MAP_NAME_MAX = 15;

/** A map whose fields are being filled in. */
function blank(name: string, section: string, origin: MapSpec['origin']): MapSpec {
  return {
    name,
    kernelName: name.slice(0, MAP_NAME_MAX),
    origin,
    section,
    type: MapType.UNSPEC,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    numaNode: 0,
    pinning: 0,
    mapExtra: 0n,
    key: undefined,
    value: undefined,
    inner: undefined,
    slots: [],
    data: undefined,
    readOnly: false,
  };
}

/** Where a BTF-defined map's definition lies in `.maps`, for its slots' relocations. */
export interface BtfMapPlace {
  map: MapSpec;
  offset: number;
  size: number;
  /** Byte offset of the `values` array within the definition, if it has one. */
  valuesAt: number | undefined;
}

/**
 * The maps of the `.maps` section, read through its DATASEC.
 *
 * @throws {@link ObjectError} naming the map for a definition libbpf rejects: not a struct, an
 *   unknown field, a field of the wrong shape, key or value sizes that disagree with their types.
 */
export function readBtfMaps(obj: ElfObject, btf: Spec | undefined): BtfMapPlace[] {
  const section = obj.btfMaps;
  if (section === undefined) return [];
  if (btf === undefined)
    throw new ObjectError('BTF-defined maps need BTF, and the object has no .BTF section', { section: '.maps' });
  const datasec = typesNamed(btf, 'datasec', '.maps')[0];
  if (datasec === undefined) throw new ObjectError('no DATASEC in BTF for the section', { section: '.maps' });
  const places: BtfMapPlace[] = [];
  for (const vsi of datasec.vars) {
    const v = btf.typeById(vsi.typeId);
    if (v === undefined || v.kind !== 'var')
      throw new ObjectError(`DATASEC entry is type [${vsi.typeId}], not a VAR`, { section: '.maps' });
    const map = blank(v.name, '.maps', 'btf');
    const def = wrap(map.name, () => resolveType(v.type));
    if (def.kind !== 'struct')
      throw new ObjectError(`definition is a ${def.kind}, not a struct`, { section: '.maps', map: map.name });
    const valuesAt = parseDefinition(map, def, btf, false);
    places.push({ map, offset: vsi.offset, size: vsi.size, valuesAt });
  }
  return places;
}

function wrap<T>(map: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ObjectError || !(err instanceof TsbpfError)) throw err;
    throw new ObjectError('definition cannot be read from BTF', { section: '.maps', map }, { cause: err });
  }
}

/** `__uint(name, n)` is `int (*name)[n]`: n is the array's length. */
function uintField(map: string, m: Member): number {
  const ptr = wrap(map, () => resolveType(m.type));
  if (ptr.kind !== 'ptr')
    throw new ObjectError(`field '${m.name}' is a ${ptr.kind}, want a pointer to an array (__uint)`, { section: '.maps', map });
  const arr = wrap(map, () => resolveType(ptr.type));
  if (arr.kind !== 'array')
    throw new ObjectError(`field '${m.name}' points to a ${arr.kind}, want an array (__uint)`, { section: '.maps', map });
  return arr.nelems;
}

/** `__type(name, T)` is `typeof(T) *name`: the pointee. */
function typeField(map: string, m: Member): Type {
  const ptr = wrap(map, () => resolveType(m.type));
  if (ptr.kind !== 'ptr')
    throw new ObjectError(`field '${m.name}' is a ${ptr.kind}, want a pointer (__type)`, { section: '.maps', map });
  return wrap(map, () => ptr.type);
}

/** Fills `map` from its definition; returns the byte offset of `values`, if present. */
function parseDefinition(map: MapSpec, def: Struct, btf: Spec, inner: boolean): number | undefined {
  const name = map.name;
  const where = { section: '.maps', map: name };
  let keySize: number | undefined;
  let valueSize: number | undefined;
  let valuesAt: number | undefined;
  for (const m of def.members) {
    switch (m.name) {
      case 'type':
        map.type = uintField(name, m);
        break;
      case 'max_entries':
        map.maxEntries = uintField(name, m);
        break;
      case 'map_flags':
        map.flags = uintField(name, m);
        break;
      case 'numa_node':
        map.numaNode = uintField(name, m);
        break;
      case 'map_extra':
        map.mapExtra = BigInt(uintField(name, m));
        break;
      case 'key_size':
        keySize = uintField(name, m);
        break;
      case 'value_size':
        valueSize = uintField(name, m);
        break;
      case 'pinning': {
        if (inner) throw new ObjectError('an inner map definition cannot be pinned', where);
        map.pinning = uintField(name, m);
        if (map.pinning > 1) throw new ObjectError(`unknown pinning ${map.pinning}`, where);
        break;
      }
      case 'key':
        map.key = typeField(name, m);
        break;
      case 'value':
        map.value = typeField(name, m);
        break;
      case 'values': {
        if (inner) throw new ObjectError('an inner map definition cannot have values', where);
        const arr = wrap(name, () => resolveType(m.type));
        if (arr.kind !== 'array') throw new ObjectError(`field 'values' is a ${arr.kind}, want an array (__array)`, where);
        const ptr = wrap(name, () => resolveType(arr.type));
        if (ptr.kind !== 'ptr') throw new ObjectError(`field 'values' holds ${ptr.kind}, want pointers`, where);
        const target = wrap(name, () => resolveType(ptr.type));
        valuesAt = m.bitOffset / 8;
        if (target.kind === 'struct') {
          const innerMap = blank(`${name}.inner`, '.maps', 'btf');
          parseDefinition(innerMap, target, btf, true);
          map.inner = innerMap;
        } else if (target.kind !== 'func_proto') {
          throw new ObjectError(`field 'values' points to ${target.kind}, want a map definition or a program`, where);
        }
        break;
      }
      default:
        throw new ObjectError(`unknown field '${m.name}'`, where);
    }
  }
  if (map.key !== undefined) {
    const size = wrap(name, () => sizeOf(map.key as Type));
    if (keySize !== undefined && keySize !== size)
      throw new ObjectError(`key_size ${keySize} disagrees with the key type's size ${size}`, where);
    keySize = size;
  }
  if (map.value !== undefined) {
    const size = wrap(name, () => sizeOf(map.value as Type));
    if (valueSize !== undefined && valueSize !== size) {
      throw new ObjectError(`value_size ${valueSize} disagrees with the value type's size ${size}`, where);
    }
    valueSize = size;
  }
  if (map.type === MapType.ARRAY_OF_MAPS || map.type === MapType.HASH_OF_MAPS) {
    if (map.inner === undefined)
      throw new ObjectError('a map-in-map needs an inner map definition (__array(values, ...))', where);
    if (valueSize !== undefined && valueSize !== 4)
      throw new ObjectError(`a map-in-map's value_size must be 4, not ${valueSize}`, where);
    valueSize = 4;
  } else if (map.inner !== undefined) {
    throw new ObjectError('only map-in-map types have inner map definitions', where);
  }
  if (map.type === MapType.PROG_ARRAY && valuesAt !== undefined) valueSize ??= 4;
  map.keySize = keySize ?? 0;
  map.valueSize = valueSize ?? 0;
  return valuesAt;
}

/**
 * Initial slots of map-in-maps and prog arrays: the `.rel.maps` relocations that point into a
 * definition's `values` array.
 *
 * @throws {@link ObjectError} for a relocation outside `values`, unaligned, or naming no map or function.
 */
export function readMapSlots(obj: ElfObject, places: readonly BtfMapPlace[]): void {
  const section = obj.btfMaps;
  if (section === undefined) return;
  const rel = obj.elf.sections.find((s) => (s.type === SHT_REL || s.type === SHT_RELA) && s.info === section.index);
  if (rel === undefined) return;
  for (const r of readRelocations(obj.elf, rel)) {
    const at = Number(r.offset);
    const place = places.find((p) => at >= p.offset && at < p.offset + p.size);
    const sym = obj.symbols[r.symbol];
    if (sym === undefined)
      throw new ObjectError(`relocation at ${at} names symbol ${r.symbol}, which does not exist`, { section: '.maps' });
    if (r.type !== R_BPF_64_ABS64) continue;
    if (place === undefined || place.valuesAt === undefined || at < place.offset + place.valuesAt) {
      throw new ObjectError(`relocation at ${at} against '${sym.name}' is not inside a map's values`, {
        section: '.maps',
        map: place?.map.name,
      });
    }
    const rel8 = at - place.offset - place.valuesAt;
    if (rel8 % 8 !== 0)
      throw new ObjectError(`relocation at ${at} is not 8-byte aligned in values`, { section: '.maps', map: place.map.name });
    if (sym.name === '')
      throw new ObjectError(`relocation at ${at} names an unnamed symbol`, { section: '.maps', map: place.map.name });
    place.map.slots.push({ key: rel8 / 8, value: sym.name } satisfies MapSlot);
  }
  for (const p of places) p.map.slots.sort((a, b) => a.key - b.key);
}

/** Size of the legacy `struct bpf_map_def` fields read (type, key_size, value_size, max_entries, map_flags). */
const LEGACY_DEF_SIZE = 20;

/**
 * The maps of the legacy `maps` section: one `struct bpf_map_def` per symbol, all of the same
 * size (section size / symbol count). Bytes past the known fields must be zero.
 *
 * @throws {@link ObjectError} naming the map for a definition too short or with unknown non-zero fields.
 */
export function readLegacyMaps(obj: ElfObject): { map: MapSpec; offset: number }[] {
  const section = obj.legacyMaps;
  if (section === undefined) return [];
  const syms = obj.symbols.filter((s) => s.shndx === section.index && s.name !== '' && s.type !== 3 /* STT_SECTION */);
  if (syms.length === 0) return [];
  const data = obj.elf.sectionData(section);
  const defSize = Math.floor(data.length / syms.length);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = obj.elf.littleEndian;
  return syms.map((sym) => {
    const where = { section: 'maps', map: sym.name };
    const off = Number(sym.value);
    if (defSize < LEGACY_DEF_SIZE - 4 || off + defSize > data.length || off % 4 !== 0) {
      throw new ObjectError(`definition of ${defSize} bytes at ${off} does not fit the section (${data.length} bytes)`, where);
    }
    const map = blank(sym.name, 'maps', 'legacy');
    map.type = view.getUint32(off, le);
    map.keySize = view.getUint32(off + 4, le);
    map.valueSize = view.getUint32(off + 8, le);
    map.maxEntries = view.getUint32(off + 12, le);
    if (defSize >= LEGACY_DEF_SIZE) map.flags = view.getUint32(off + 16, le);
    for (let i = LEGACY_DEF_SIZE; i < defSize; i++) {
      if (data[off + i] !== 0) throw new ObjectError(`definition has unknown non-zero byte at ${i}`, where);
    }
    return { map, offset: off };
  });
}

/**
 * Global-data maps: one single-entry array per `.data*`, `.rodata*` and `.bss*` section, its
 * value the section's bytes, and a `.kconfig` map when there are Kconfig externs. Named as
 * libbpf names them for the kernel: the object name's start and the section's suffix
 * (`globals.bss`), or the section name alone for custom sections (`.data.custom`).
 */
export function globalDataMaps(
  obj: ElfObject,
  btf: Spec | undefined,
  objectName: string,
  externs: readonly ExternSpec[],
): MapSpec[] {
  const maps: MapSpec[] = [];
  for (const [index, kind] of obj.data) {
    const section = obj.elf.sections[index]!;
    if (section.size > MAX_DATA_SIZE) {
      throw new ObjectError(`global data of ${section.size} bytes is more than a map value can hold (${MAX_DATA_SIZE})`, {
        section: section.name,
      });
    }
    const map = blank(section.name, section.name, kind);
    map.kernelName = internalMapName(objectName, section.name);
    map.type = MapType.ARRAY;
    map.keySize = 4;
    map.valueSize = section.size;
    map.maxEntries = 1;
    map.readOnly = kind === 'rodata';
    const datasec = btf === undefined ? undefined : typesNamed(btf, 'datasec', section.name)[0];
    map.value = datasec;
    map.flags = (kind === 'rodata' ? BPF_F_RDONLY_PROG : 0) | (mmapable(datasec) ? BPF_F_MMAPABLE : 0);
    map.data = kind === 'bss' ? new Uint8Array(section.size) : new Uint8Array(obj.elf.sectionData(section));
    maps.push(map);
  }
  const size = kconfigSize(externs);
  if (externs.some((e) => e.kind === 'kconfig')) {
    const map = blank(KCONFIG_SECTION, KCONFIG_SECTION, 'kconfig');
    map.kernelName = internalMapName(objectName, KCONFIG_SECTION);
    map.type = MapType.ARRAY;
    map.keySize = 4;
    map.valueSize = size;
    map.maxEntries = 1;
    map.readOnly = true;
    map.flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE;
    map.value = btf === undefined ? undefined : typesNamed(btf, 'datasec', KCONFIG_SECTION)[0];
    map.data = new Uint8Array(size);
    maps.push(map);
  }
  return maps;
}

/** libbpf makes global data mmapable when any of its variables is global (not static). */
function mmapable(datasec: Type | undefined): boolean {
  if (datasec === undefined || datasec.kind !== 'datasec') return false;
  return datasec.vars.some((v) => {
    const t = datasec.spec.typeById(v.typeId);
    return t?.kind === 'var' && t.linkage !== 'static' && t.linkage !== 0;
  });
}

/**
 * The kernel name libbpf 1.1 gives a global-data map (at most 15 characters, `[A-Za-z0-9_.]`):
 * the object name's first characters and the section name, the section counted as at least 7
 * characters long (`my_objec.bss`, `my_objec.rodata`, `my_obje.kconfig`); custom sections
 * (`.data.custom`) are named alone.
 */
export function internalMapName(objectName: string, section: string): string {
  const custom = section.indexOf('.', 1) !== -1;
  const prefix = custom ? '' : objectName.slice(0, Math.max(0, MAP_NAME_MAX - Math.max(7, section.length)));
  return `${prefix}${section}`.slice(0, MAP_NAME_MAX).replace(/[^A-Za-z0-9_.]/g, '_');
}

/** The global-data kind of a map, if it is one. */
export function dataKindOfMap(map: MapSpec): DataKind | undefined {
  return map.origin === 'data' || map.origin === 'rodata' || map.origin === 'bss' ? map.origin : undefined;
}
