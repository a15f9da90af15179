/**
 * Reading a BPF object (a clang `-target bpf` ELF, either byte order) into an {@link ObjectSpec}.
 *
 * @module
 */

import { type BtfExt, parseBtfExt } from '../btf/ext/parse.js';
import { Spec } from '../btf/spec.js';
import { ObjectError } from '../errors.js';
import { decodeUtf8 } from '../internal/utf8.js';
import { fixupBtf } from './btf-fixup.js';
import { openElfObject } from './elf-object.js';
import { collectExterns } from './externs.js';
import { globalDataMaps, readBtfMaps, readLegacyMaps, readMapSlots } from './maps.js';
import type { MapSpec, ObjectSpec } from './object-spec.js';
import { readPrograms } from './programs.js';

/** Sections libbpf refuses to open: struct_ops maps are not supported here. */
const UNSUPPORTED_SECTIONS = ['.struct_ops', '.struct_ops.link'];

/**
 * Reads a BPF object into programs, maps, externs and its fixed-up BTF.
 *
 * @param bytes - the ELF file
 * @param name - object name (libbpf uses the file name up to its first `.`); `'object'` if absent
 * @throws {@link ObjectError} naming the section, program, map or symbol for anything libbpf
 *   would refuse: not a BPF object, bad relocations, bad map definitions, externs without BTF.
 * @throws {@link ElfError} for a malformed ELF, {@link BtfError} for malformed `.BTF` or `.BTF.ext`.
 */
export function loadObject(bytes: Uint8Array, name = 'object'): ObjectSpec {
  const obj = openElfObject(bytes);
  const objectName = name.split('/').pop()!.split('.')[0] || 'object';
  for (const s of UNSUPPORTED_SECTIONS) {
    if (obj.elf.section(s) !== undefined) throw new ObjectError('struct_ops maps are not supported', { section: s });
  }

  const btfSection = obj.elf.section('.BTF');
  const rawBtf = btfSection === undefined ? undefined : obj.elf.sectionData(btfSection);
  // The BTF is validated once, after the fixups: they read raw records, bounds-checked, and so
  // does collectExterns, which finds the compiler's extern declarations by a walk of the
  // records (see typesNamed) and decodes only those, as decoding checks what it reads.
  const original = rawBtf === undefined ? undefined : new Spec(rawBtf, undefined);
  const externs = collectExterns(obj, original);
  const btfBytes = rawBtf === undefined ? undefined : fixupBtf(obj, rawBtf, externs);
  const btf = btfBytes === undefined ? undefined : new Spec(btfBytes, undefined);
  btf?.validate();
  // Extern types were read from the original spec; point them at the fixed-up one.
  if (btf !== undefined) for (const e of externs) e.type = e.type === undefined ? undefined : btf.typeById(e.type.id);

  let ext: BtfExt | undefined;
  const extSection = obj.elf.section('.BTF.ext');
  if (extSection !== undefined && btf !== undefined) ext = parseBtfExt(obj.elf.sectionData(extSection), btf.strings);

  const btfMaps = readBtfMaps(obj, btf);
  readMapSlots(obj, btfMaps);
  const legacy = readLegacyMaps(obj);
  const data = globalDataMaps(obj, btf, objectName, externs);
  const maps: MapSpec[] = [...btfMaps.map((p) => p.map), ...legacy.map((l) => l.map), ...data];
  const names = new Set<string>();
  for (const m of maps) {
    if (names.has(m.name)) throw new ObjectError('defined twice', { section: m.section, map: m.name });
    names.add(m.name);
  }

  const btfMapsIndex = obj.btfMaps?.index;
  const legacyIndex = obj.legacyMaps?.index;
  const dataBySection = new Map<number, MapSpec>();
  for (const [index] of obj.data) {
    const m = data.find((d) => d.section === obj.elf.sections[index]!.name);
    if (m !== undefined) dataBySection.set(index, m);
  }
  const programs = readPrograms(
    obj,
    ext,
    {
      byPlace: (section, offset) =>
        section === btfMapsIndex
          ? btfMaps.find((p) => p.offset === offset)?.map
          : section === legacyIndex
            ? legacy.find((l) => l.offset === offset)?.map
            : undefined,
      bySection: (section) => dataBySection.get(section),
    },
    externs,
  );

  // Slots name maps and programs: check they exist.
  for (const m of maps) {
    for (const slot of m.slots) {
      const known = m.inner !== undefined ? names.has(slot.value) : programs.some((p) => p.name === slot.value && !p.subprogram);
      if (!known)
        throw new ObjectError(`slot ${slot.key} names '${slot.value}', which is no ${m.inner ? 'map' : 'program'}`, {
          section: '.maps',
          map: m.name,
        });
    }
  }

  return {
    name: objectName,
    programs: programs.filter((p) => !p.subprogram),
    subprograms: programs.filter((p) => p.subprogram),
    maps,
    externs,
    license: readLicense(obj.elf),
    kernelVersion: readVersion(obj.elf),
    btf,
    btfBytes,
    littleEndian: obj.elf.littleEndian,
  };
}

function readLicense(elf: ReturnType<typeof openElfObject>['elf']): string {
  const s = elf.section('license');
  if (s === undefined) return '';
  const data = elf.sectionData(s);
  const end = data.indexOf(0);
  return decodeUtf8(data, 0, end === -1 ? data.length : end);
}

function readVersion(elf: ReturnType<typeof openElfObject>['elf']): number {
  const s = elf.section('version');
  if (s === undefined) return 0;
  const data = elf.sectionData(s);
  if (data.length !== 4) throw new ObjectError(`is ${data.length} bytes, want 4`, { section: 'version' });
  return new DataView(data.buffer, data.byteOffset, 4).getUint32(0, elf.littleEndian);
}
