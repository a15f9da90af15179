import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ObjectError } from '../../src/errors.js';
import { kconfigData, kernelVersionCode, loadObject, parseKconfig } from '../../src/obj/index.js';
import { objBytes } from './support.js';

describe('obj: the .kconfig map filled from a kernel configuration', () => {
  const o = loadObject(objBytes('externs'));
  const e = (n: string) => o.externs.find((x) => x.name === n)!;
  const virtuals = { LINUX_KERNEL_VERSION: kernelVersionCode(6, 1, 300) };

  test('bools, integers, strings and the kernel version land at their offsets', () => {
    const config = parseKconfig(
      '# comment\nCONFIG_BPF_SYSCALL=y\nCONFIG_HZ=0x3e8\n# CONFIG_FOO is not set\nCONFIG_DEFAULT_HOSTNAME="a-rather-long-hostname"\n',
    );
    const data = kconfigData(o.externs, true, config, virtuals);
    const v = new DataView(data.buffer);
    assert.equal(data.length, o.maps.find((m) => m.name === '.kconfig')!.valueSize);
    assert.equal(data[e('CONFIG_BPF_SYSCALL').offset], 1);
    assert.equal(v.getInt32(e('CONFIG_HZ').offset, true), 1000);
    assert.equal(v.getUint32(e('LINUX_KERNEL_VERSION').offset, true), (6 << 16) | (1 << 8) | 255);
    const host = data.subarray(e('CONFIG_DEFAULT_HOSTNAME').offset, e('CONFIG_DEFAULT_HOSTNAME').offset + 16);
    assert.equal(new TextDecoder().decode(host), 'a-rather-long-h\0');
    // Big-endian objects get big-endian values.
    const be = kconfigData(o.externs, false, config, virtuals);
    assert.equal(new DataView(be.buffer).getInt32(e('CONFIG_HZ').offset, false), 1000);
  });

  test('weak externs without a value read 0; others are errors naming the extern', () => {
    const data = kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=n\n'), virtuals);
    assert.equal(new DataView(data.buffer).getInt32(e('CONFIG_HZ').offset, true), 0);
    assert.throws(
      () => kconfigData(o.externs, true, new Map(), virtuals),
      (x: unknown) => x instanceof ObjectError && x.symbol === 'CONFIG_BPF_SYSCALL',
    );
    assert.throws(() => kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=m'), virtuals), /'m' for a bool/);
    assert.throws(
      () => kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=99999999999'), virtuals),
      /does not fit/,
    );
    assert.throws(
      () => kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=ten'), virtuals),
      /not a number/,
    );
    assert.throws(
      () => kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=y'), {}),
      (x: unknown) => x instanceof ObjectError && x.symbol === 'LINUX_KERNEL_VERSION',
    );
  });

  const proc = '/proc/config.gz';
  test("the running kernel's configuration fills it", { skip: existsSync(proc) ? false : `no ${proc}` }, () => {
    const config = parseKconfig(gunzipSync(readFileSync(proc)).toString('utf8'));
    assert.equal(config.get('CONFIG_BPF_SYSCALL'), 'y');
    const data = kconfigData(o.externs, true, config, virtuals);
    assert.equal(data[e('CONFIG_BPF_SYSCALL').offset], 1);
    assert.equal(new DataView(data.buffer).getInt32(e('CONFIG_HZ').offset, true), Number(config.get('CONFIG_HZ') ?? 0));
  });

  test("a configuration libbpf refuses is refused: a CONFIG_ line without '=' or without a value", () => {
    assert.throws(
      () => parseKconfig('CONFIG_A=y\nCONFIG_B\n', '/boot/config-x'),
      (x: unknown) => x instanceof ObjectError && /\/boot\/config-x line 2: 'CONFIG_B' has no '='/.test(x.message),
    );
    assert.throws(() => parseKconfig('CONFIG_A=\n'), /line 1: 'CONFIG_A=' has no value/);
    // Other lines are not values, whatever they hold; the first line of a name wins, as in libbpf.
    const c = parseKconfig('# CONFIG_A is not set\n  CONFIG_B\nCONFIG_A=y\nCONFIG_A=n\n');
    assert.deepEqual([...c], [['CONFIG_A', 'y']]);
  });

  test('virtual externs take numbers and booleans; unknown names are errors unless weak', () => {
    const data = kconfigData(o.externs, true, parseKconfig('CONFIG_BPF_SYSCALL=yes'), { LINUX_KERNEL_VERSION: true });
    assert.equal(new DataView(data.buffer).getUint32(e('LINUX_KERNEL_VERSION').offset, true), 1, 'a boolean as 1');
    assert.equal(data[e('CONFIG_BPF_SYSCALL').offset], 1, "libbpf reads the first character: 'yes' is y");
    const named = (name: string, weak: boolean) => o.externs.map((x) => (x.name === 'CONFIG_HZ' ? { ...x, name, weak } : x));
    const config = parseKconfig('CONFIG_BPF_SYSCALL=y');
    assert.throws(
      () => kconfigData(named('HZ', true), true, config, virtuals),
      (x: unknown) => x instanceof ObjectError && x.symbol === 'HZ' && /CONFIG_\* or LINUX_\*/.test(x.message),
    );
    assert.throws(
      () => kconfigData(named('LINUX_HZ', false), true, config, virtuals),
      (x: unknown) => x instanceof ObjectError && x.symbol === 'LINUX_HZ',
    );
    const weak = kconfigData(named('LINUX_HZ', true), true, config, virtuals);
    assert.equal(new DataView(weak.buffer).getInt32(e('CONFIG_HZ').offset, true), 0);
    assert.throws(() => kconfigData(o.externs, true, config, { LINUX_KERNEL_VERSION: 1n << 32n }), /does not fit 4 bytes/);
  });
});
