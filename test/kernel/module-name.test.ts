/** One rule for a module's name from a file name, shared by the registry and the CLI. */
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { moduleNameOf } from '../../src/kernel/module-name.js';

test('moduleNameOf strips the directory, a compression suffix, then .ko, .btf or .o', () => {
  const cases: [string, string][] = [
    ['veth', 'veth'],
    ['veth.ko', 'veth'],
    ['/lib/modules/6.12.0/kernel/drivers/net/veth.ko.xz', 'veth'],
    ['nf_conntrack.ko.zst', 'nf_conntrack'],
    ['veth.btf', 'veth'],
    ['veth.btf.br', 'veth'],
    ['prog.o', 'prog'],
    ['.ko', '.ko'],
    ['a.tar', 'a.tar'],
  ];
  for (const [path, name] of cases) assert.equal(moduleNameOf(path), name, path);
});
