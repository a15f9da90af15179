import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadSpec, loadSpecFromBytes, loadSplitSpec, type Spec, type Type } from '../../src/btf/index.js';
import {
  forEachRef,
  forEachStr,
  infoKflag,
  infoKind,
  infoVlen,
  intBitOffset,
  intBits,
  intEncoding,
  makeInfo,
  makeIntData,
  makeMemberOffset,
  memberBitfieldSize,
  memberBitOffset,
  recordWordsAt,
} from '../../src/btf/wire.js';
import { KINDS_OBJECT, kernelFixtures } from '../fixtures.js';

/** The type IDs a decoded type references, in wire order, from the model (decode.ts's reading). */
function modelRefs(t: Type): number[] {
  switch (t.kind) {
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
    case 'func':
    case 'var':
    case 'decl_tag':
      return [t.typeId];
    case 'array':
      return [t.typeId, t.indexTypeId];
    case 'struct':
    case 'union':
      return t.members.map((m) => m.typeId);
    case 'func_proto':
      return [t.returnTypeId, ...t.rawParams.map((p) => p.typeId)];
    case 'datasec':
      return t.vars.map((v) => v.typeId);
    default:
      return [];
  }
}

/** The names a decoded type carries, in wire order. */
function modelNames(t: Type): string[] {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return [t.name, ...t.members.map((m) => m.name)];
    case 'enum':
    case 'enum64':
      return [t.name, ...t.values.map((v) => v.name)];
    case 'func_proto':
      return [t.name, ...t.rawParams.map((p) => p.name)];
    default:
      return [t.name];
  }
}

function checkSpec(spec: Spec, label: string): void {
  const { words, starts } = spec.section;
  let end = 0;
  for (let i = 0; i < spec.count; i++) {
    const o = starts[i]!;
    const t = spec.mustTypeById(spec.firstId + i);
    const refs: number[] = [];
    forEachRef(words, o, (pos) => refs.push(words[pos]!));
    const names: string[] = [];
    forEachStr(words, o, (pos) => names.push(spec.strings.lookup(words[pos]!)!));
    if (refs.join() !== modelRefs(t).join()) assert.deepEqual(refs, modelRefs(t), `${label} [${t.id}] ${t.kind} references`);
    if (names.join('\0') !== modelNames(t).join('\0'))
      assert.deepEqual(names, modelNames(t), `${label} [${t.id}] ${t.kind} names`);
    // Records lie back to back: each one's size in words leads to the next.
    if (i > 0) assert.equal(o, end, `${label} [${t.id}] starts where the record before ends`);
    end = o + recordWordsAt(words, o);
  }
  assert.equal(end, words.length, `${label}: the last record ends the section`);
}

describe('the wire layout', () => {
  test('says where every kind keeps its references and names, as the decoder reads them', () => {
    checkSpec(loadSpecFromBytes(new Uint8Array(readFileSync(KINDS_OBJECT))), 'kinds.bpf.o');
    // One kernel's vmlinux and modules hold every kind but ENUM64 and DECL_TAG's components;
    // the newest fixture has them all.
    const k = kernelFixtures().at(-1);
    if (k) {
      const vmlinux = loadSpec(k.vmlinux);
      checkSpec(vmlinux, `${k.release} vmlinux`);
      for (const [name, bytes] of k.modules) checkSpec(loadSplitSpec(bytes, vmlinux), `${k.release} ${name}`);
    }
  });

  test('packs and unpacks info words, INT data and member offsets', () => {
    for (const [kind, vlen, kflag] of [
      [1, 0, false],
      [4, 0xffffff, true],
      [19, 3, true],
      [0x7f, 1, false],
    ] as const) {
      const info = makeInfo(kind, vlen, kflag);
      assert.deepEqual([infoKind(info), infoVlen(info), infoKflag(info)], [kind, vlen, kflag]);
    }
    // The kernel's BTF_INT_ENC(encoding, offset, bits): unsigned char of 8 bits is 0x02000008.
    assert.equal(makeIntData(2, 0, 8), 0x02000008);
    const data = makeIntData(1, 3, 5);
    assert.deepEqual([intEncoding(data), intBitOffset(data), intBits(data)], [1, 3, 5]);
    // BTF_MEMBER_OFFSET(bitfield_size, bit_offset) with the kind flag; the plain offset without.
    const off = makeMemberOffset(0x123456, 7, true);
    assert.equal(off, 0x07123456);
    assert.deepEqual([memberBitOffset(off, true), memberBitfieldSize(off, true)], [0x123456, 7]);
    assert.deepEqual([memberBitOffset(off, false), memberBitfieldSize(off, false)], [0x07123456, 0]);
  });
});
