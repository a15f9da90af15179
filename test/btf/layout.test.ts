import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { alignOf, findMember, loadSpec, sizeOf } from '../../src/btf/index.js';
import { have, kernelFixtures, tempFile } from '../fixtures.js';

/** Member lines of `pahole -C`: `type name[...]:bits;  /* offset[: bit] size *\/`. */
const MEMBER = /\s(\w+)(?:\[\d+\])*(?::\d+)?;\s*\/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*\//;

interface PaholeMember {
  name: string;
  offset: number;
  bit: number | undefined;
  size: number;
}

function paholeMembers(file: string, struct: string): PaholeMember[] {
  const text = execFileSync('pahole', ['-F', 'btf', '-C', struct, file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const out: PaholeMember[] = [];
  for (const line of text.split('\n')) {
    const m = MEMBER.exec(line);
    if (m)
      out.push({ name: m[1]!, offset: Number(m[2]), bit: m[3] === undefined ? undefined : Number(m[3]), size: Number(m[4]) });
  }
  return out;
}

const STRUCTS = ['sk_buff', 'task_struct', 'net_device', 'sock', 'file', 'inode', 'page'];

describe('member offsets and sizes agree with pahole', {
  skip: have('pahole') ? false : 'pahole is not installed (apt-get install dwarves)',
}, () => {
  for (const k of kernelFixtures()) {
    test(`${k.release}: ${STRUCTS.join(', ')}, through anonymous unions and bitfields`, () => {
      const file = tempFile(`${k.release}-vmlinux`, k.vmlinux);
      const spec = loadSpec(k.vmlinux);
      let checked = 0;
      for (const name of STRUCTS) {
        const struct = spec.typeByName(name, 'struct');
        assert.ok(struct?.kind === 'struct', `${name} exists`);
        assert.equal(sizeOf(struct), struct.size);
        assert.equal(struct.size % alignOf(struct), 0, `${name}: size is a multiple of its alignment`);
        const members = paholeMembers(file, name);
        const counts = new Map<string, number>();
        for (const m of members) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
        for (const m of members) {
          if (counts.get(m.name) !== 1) continue; // pahole flattens nested structs: only unique names are unambiguous
          const found = findMember(struct, m.name);
          if (!found) continue; // a member of a named nested struct, which findMember does not enter
          if (m.bit !== undefined) {
            assert.equal(found.bitOffset, m.offset * 8 + m.bit, `${name}.${m.name} bit offset`);
          } else {
            assert.equal(found.bitOffset, m.offset * 8, `${name}.${m.name} offset`);
            if (found.bitfieldSize === 0) assert.equal(sizeOf(found.member.type), m.size, `${name}.${m.name} size`);
          }
          checked++;
        }
      }
      assert.ok(checked > 300, `checked ${checked} members`);
    });
  }
});
