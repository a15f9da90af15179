/** attachPrograms: every loaded program attached by its section, or none when one fails. */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NotFoundError } from '../../src/errors.js';
import { attachPrograms } from '../../src/load/attach-programs.js';
import { Collection } from '../../src/load/collection.js';
import { loadObject } from '../../src/obj/load-object.js';
import { FIXTURES } from '../fixtures.js';
import { canBpf, openFds } from './support.js';

const OPENSNOOP = join(FIXTURES, 'bpf', 'libbpf-tools', 'opensnoop.bpf.o');

test('attachPrograms attaches each tracepoint of opensnoop, and the links close with the collection', { skip: canBpf() }, () => {
  const before = openFds();
  const c = Collection.load(new Uint8Array(readFileSync(OPENSNOOP)), { name: 'opensnoop.bpf.o' });
  try {
    const links = attachPrograms(c);
    assert.deepEqual([...links.keys()], [...c.programs.keys()]);
    assert.ok(links.size >= 4, `${links.size} links`);
    assert.ok([...links.values()].every((l) => l.description.includes('syscalls/sys_')));
  } finally {
    c.close();
  }
  assert.equal(openFds(), before, 'links, programs and maps closed');
});

test('attachPrograms leaves nothing attached when a later program fails', { skip: canBpf() }, () => {
  const spec = loadObject(new Uint8Array(readFileSync(OPENSNOOP)), 'opensnoop.bpf.o');
  const last = spec.programs.at(-1)!;
  const broken = {
    ...spec,
    programs: spec.programs.map((p) => (p === last ? { ...p, attachTo: 'syscalls/sys_exit_no_such_call' } : p)),
  };
  const c = Collection.load({ spec: broken });
  try {
    const loaded = openFds();
    assert.throws(
      () => attachPrograms(c),
      (e: unknown) => e instanceof NotFoundError && /^tracepoint syscalls\/sys_exit_no_such_call: not found/.test(e.message),
    );
    assert.equal(openFds(), loaded, 'the links made before the failure are closed');
  } finally {
    c.close();
  }
});
