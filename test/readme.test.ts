/**
 * The README's examples work as written: every ```ts block is compiled with tsc --strict
 * against the package as users import it (`tsbpf`, `tsbpf/btf`, ... resolved through
 * package.json's exports to the built dist/), and the blocks marked ```ts run are run with
 * Node, with `/sys/kernel/btf/vmlinux` and `/sys/kernel/btf/veth` pointed at a committed
 * kernel's BTF (the host has no modules). Their output is checked for what the comments
 * promise. The error table lists every error class the package exports.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as errors from '../src/errors.js';
import { kernelFixtures, ROOT, tempFile } from './fixtures.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/^```ts( run)?\n([\s\S]*?)^```$/gm)].map((m, i) => ({
  name: `example-${i}`,
  run: m[1] !== undefined,
  code: m[2]!,
}));

describe('README examples', { skip: existsSync(join(ROOT, 'dist', 'index.d.ts')) ? false : 'dist/ is not built' }, () => {
  const dir = join(ROOT, 'build', 'readme');
  const k = kernelFixtures().find((f) => f.release === 'bookworm');

  test('every ts block compiles under --strict; the runnable ones run on real BTF', () => {
    assert.ok(blocks.length >= 4 && blocks.filter((b) => b.run).length >= 2, `${blocks.length} blocks`);
    assert.ok(k, 'no bookworm fixture');
    const vmlinux = tempFile('readme-vmlinux', k.vmlinux);
    const veth = tempFile('readme-veth', k.modules.get('veth')!);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const b of blocks) {
      const code = b.run
        ? b.code
            .replaceAll("'/sys/kernel/btf/vmlinux'", JSON.stringify(vmlinux))
            .replaceAll("'/sys/kernel/btf/veth'", JSON.stringify(veth))
        : b.code;
      // Each example is a module of its own (top-level await, no clash of names between blocks).
      writeFileSync(join(dir, `${b.name}.ts`), `${code}\nexport {};\n`);
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2022', 'ESNext.Disposable'],
          types: ['node'],
          skipLibCheck: false,
          noUnusedLocals: false,
        },
        include: ['*.ts'],
      }),
    );
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc --strict on the README's examples:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    const outputs = blocks
      .filter((b) => b.run)
      .map((b) => execFileSync(process.execPath, [join(dir, `${b.name}.js`)], { encoding: 'utf8' }));
    const [open, errs] = outputs as [string, string];
    assert.match(open, /^skb sk_buff \*$/m);
    assert.match(open, /^dev net_device \*$/m);
    assert.match(open, /Struct \[\d+\] sk_buff \{/);
    assert.match(open, /"kind":"func","id":\d+,"name":"veth_xmit"/);
    assert.match(open, /^true$/m);
    assert.match(errs, /'struct \[\d+\]', 'var \[\d+\]'/);
    assert.match(errs, /^missing: \/no\/such\/file/m);
    assert.match(errs, /^not BTF: 0 /m);
  });

  test('the error table lists every error class', () => {
    const classes = Object.entries(errors)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error && v !== errors.TsbpfError)
      .map(([n]) => n);
    for (const name of [...classes, 'BtfRelocationError']) assert.match(README, new RegExp(`^\\| \`${name}\``, 'm'), name);
  });
});
