/**
 * A Collection loads the object's BTF rewritten for what the kernel accepts: the BTF object the
 * kernel holds for a map or a program (read back through its ID) has none of the kinds the
 * kernel lacks, rather than the loader dropping BTF altogether. On any kernel with features
 * forced off (kinds.bpf.o: ENUM64, FLOAT, DECL_TAG, TYPE_TAG), and on the running kernel with
 * an object whose `?`-named DATASEC Linux refuses before 6.4 (the bookworm VM's 6.1).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSpec, type Spec } from '../../src/btf/index.js';
import { KernelError } from '../../src/errors.js';
import { kernelBtfFeatures } from '../../src/kernel/features.js';
import { Collection } from '../../src/load/collection.js';
import { ALL_BTF_FEATURES, loadObject } from '../../src/obj/index.js';
import { btfGetFdById, btfInfo, btfLoad } from '../../src/sys/btf.js';
import { mapInfo } from '../../src/sys/info.js';
import { KINDS_OBJECT, ROOT } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const QMARK = join(ROOT, 'test/fixtures/bpf/sanitize/qmark-datasec.bpf.o');

/** The BTF the kernel holds under `id`, decoded. */
function kernelBtfById(id: number): Spec {
  assert.ok(id > 0, 'loaded with BTF');
  const fd = btfGetFdById(id);
  try {
    return loadSpec(btfInfo(fd, { withData: true }).data!);
  } finally {
    fd.close();
  }
}

function kinds(spec: Spec): Set<string> {
  return new Set([...spec.types()].map((t) => t.kind));
}

test('kinds.bpf.o: the kernel gets BTF without the kinds it is said to lack, type IDs kept', { skip: canBpf() }, () => {
  const bytes = readFileSync(KINDS_OBJECT);
  const original = loadSpec(loadObject(new Uint8Array(bytes)).btfBytes!);
  assert.ok(
    ['enum64', 'float', 'decl_tag', 'type_tag'].every((k) => kinds(original).has(k)),
    'the object has them',
  );
  const before = openFds();
  const options = { programs: { entry: { autoload: false } } };
  {
    using c = Collection.load(bytes, { ...options, btfFeatures: ALL_BTF_FEATURES });
    const held = kernelBtfById(mapInfo(c.maps.get('sample_map')!.fd).btfId);
    assert.ok(kinds(held).has('enum64'), 'nothing rewritten for a kernel that has every kind');
    assert.equal(held.nextId, original.nextId);
  }
  {
    const old = { ...ALL_BTF_FEATURES, enum64: false, float: false, declTag: false, typeTag: false };
    using c = Collection.load(bytes, { ...options, btfFeatures: old });
    const info = mapInfo(c.maps.get('sample_map')!.fd);
    const held = kernelBtfById(info.btfId);
    for (const k of ['enum64', 'float', 'decl_tag', 'type_tag']) assert.ok(!kinds(held).has(k), `no ${k} left`);
    assert.equal(held.nextId, original.nextId + 1, "IDs kept; one INT appended for ENUM64's members");
    assert.equal(
      held.typeById(info.btfValueTypeId)?.name,
      original.typeById(info.btfValueTypeId)?.name,
      'the value type ID still names it',
    );
  }
  assert.equal(openFds(), before);
});

test('qmark-datasec.bpf.o: a ?-named DATASEC is renamed where the kernel refuses it, and BTF stays', { skip: canBpf() }, () => {
  const bytes = readFileSync(QMARK);
  const raw = loadObject(new Uint8Array(bytes)).btfBytes!;
  const accepts = kernelBtfFeatures().qmarkDatasec;
  let refused = false;
  try {
    btfLoad(raw).close();
  } catch (err) {
    assert.ok(err instanceof KernelError, String(err));
    refused = true;
  }
  assert.equal(refused, !accepts, `the probe (qmarkDatasec ${accepts}) says what BPF_BTF_LOAD of the raw BTF does`);
  for (const features of [undefined, { ...ALL_BTF_FEATURES, qmarkDatasec: false }]) {
    using c = Collection.load(bytes, features === undefined ? {} : { btfFeatures: features });
    const prog = c.programs.get('count_hits')!;
    const held = kernelBtfById(prog.info().btfId);
    assert.equal(mapInfo(c.maps.get('hits')!.fd).btfId, prog.info().btfId, 'the map has the same BTF');
    const names = [...held.types()].filter((t) => t.kind === 'datasec').map((t) => t.name);
    const renamed = features !== undefined || !accepts;
    assert.ok(names.includes(renamed ? '_.optional' : '?.optional'), names.join(' '));
    assert.equal(prog.testRun({ data: new Uint8Array(64) }).retval, 2);
    assert.equal(c.maps.get('hits')!.lookup(0), 1n);
  }
});
