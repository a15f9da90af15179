import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { btfSectionOf, loadSpec } from '../../src/btf/index.js';
import { Spec } from '../../src/btf/spec.js';
import type { TypeKind } from '../../src/btf/types.js';
import { typesNamed } from '../../src/obj/types-named.js';
import { objBytes, objFixtures } from './support.js';

describe('obj: typesNamed', () => {
  for (const f of objFixtures()) {
    for (const eb of [false, true]) {
      test(`${f.name}${eb ? ' (big-endian)' : ''}: finds what the name index finds, for every name and kind`, () => {
        const spec = loadSpec(btfSectionOf(objBytes(f.name, eb)));
        const names = new Set<string>();
        for (const t of spec.types()) if (t.name !== '') names.add(t.name);
        for (const name of names) {
          const all = spec.typesByName(name);
          for (const kind of new Set(all.map((t) => t.kind))) {
            assert.deepEqual(typesNamed(spec, kind, name), spec.typesByName(name, kind), `${kind} ${name}`);
          }
          const kinds: TypeKind[] = ['var', 'func'];
          assert.deepEqual(
            typesNamed(spec, kinds, name),
            all.filter((t) => kinds.includes(t.kind)),
            `var/func ${name}`,
          );
        }
        assert.deepEqual(typesNamed(spec, 'datasec', 'no such section'), []);
      });
    }
  }

  test('reads an unvalidated spec without validating it, and finds nothing under a name offset past the strings', () => {
    const bytes = btfSectionOf(objBytes('externs')).slice();
    const spec = new Spec(bytes, undefined);
    const ksyms = typesNamed(spec, 'datasec', '.ksyms');
    assert.equal(ksyms.length, 1);
    assert.equal(spec.validationRuns, 0);
    // Point the datasec's name past the string section: no name matches it any more.
    const words = spec.section.words;
    words[spec.section.starts[ksyms[0]!.id - spec.firstId]!] = spec.header.strLen + 100;
    assert.deepEqual(typesNamed(new Spec(bytes, undefined), 'datasec', '.ksyms'), []);
  });
});
