/**
 * The package as users get it: `npm pack` of the built tree, installed into a scratch project
 * (offline: the tarball itself, and koffi and @types/node from this repository's node_modules),
 * then every subpath in package.json's `exports` imported from TypeScript compiled with
 * `--strict` and run under Node. Needs `dist/` (built by `npm test` before the tests run).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as errors from '../src/errors.js';
import { ROOT } from './fixtures.js';

interface PackageJson {
  name: string;
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
/** `./btf` → `tsbpf/btf`; `.` → `tsbpf`. Everything but `./package.json`. */
const subpaths = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json')
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));

/** The error classes of src/errors.ts by name, and those defined beside their parsers. */
const errorClasses = [
  ...Object.entries(errors)
    .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error)
    .map(([k]) => k),
  'BtfRelocationError',
].sort();

describe('package.json exports', () => {
  test('every subpath is a folder index (dist/<folder>/index.js built from src/<folder>/index.ts)', () => {
    for (const [key, target] of Object.entries(pkg.exports)) {
      if (key === './package.json') continue;
      const folder = key === '.' ? '' : `${key.slice(2)}/`;
      if (typeof target === 'string') {
        assert.equal(target, `./dist/${folder}index.js`, `exports[${key}]`);
      } else {
        // A pure folder whose Node face adds file functions: src/entry/<folder>.ts under the
        // `node` condition, the folder's own index everywhere else.
        assert.deepEqual(
          target,
          { node: `./dist/entry/${key.slice(2)}.js`, default: `./dist/${folder}index.js` },
          `exports[${key}]`,
        );
        assert.ok(existsSync(join(ROOT, 'src', 'entry', `${key.slice(2)}.ts`)), `src/entry/${key.slice(2)}.ts for ${key}`);
      }
      assert.ok(existsSync(join(ROOT, 'src', folder, 'index.ts')), `src/${folder}index.ts for ${key}`);
    }
    assert.equal(`./${pkg.main}`, pkg.exports['.']);
    // The two faces of tsbpf/btf differ only by what needs Node.
    const pure = readFileSync(join(ROOT, 'src', 'btf', 'index.ts'), 'utf8');
    assert.doesNotMatch(pure, /openSpecFile/);
    assert.equal(pkg.types, pkg.main.replace(/\.js$/, '.d.ts'));
  });

  test('the error classes of src/errors.ts include the documented ones', () => {
    for (const name of ['TsbpfError', 'BtfError', 'ElfError', 'KernelError', 'NotFoundError', 'AmbiguousError']) {
      assert.ok(errorClasses.includes(name), name);
    }
    for (const name of ['NotSupportedError', 'UsageError']) assert.ok(errorClasses.includes(name), name);
  });
});

describe('installed from the packed tarball', {
  skip: existsSync(join(ROOT, 'dist', 'index.js')) ? false : 'dist/ is not built (npm run build)',
}, () => {
  let dir = '';
  let project = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-pack-'));
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [packed] = JSON.parse(out) as { filename: string }[];
    assert.ok(packed, 'npm pack reported no tarball');
    project = join(dir, 'project');
    mkdirSync(project);
    // Dependencies come from this repository's node_modules: the install needs no network.
    const local = (name: string) => `file:${realpathSync(join(ROOT, 'node_modules', name))}`;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'scratch',
        private: true,
        type: 'module',
        dependencies: { [pkg.name]: `file:${join(dir, packed.filename)}`, koffi: local('koffi') },
        devDependencies: { '@types/node': local('@types/node') },
      }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every subpath imports under tsc --strict and runs', () => {
    const imports = subpaths.map((s, i) => `import * as m${i} from '${s}';`);
    const lines = [
      ...imports,
      // Catching by class, with the fields typed.
      `import { ${errorClasses.join(', ')} } from '${pkg.name}';`,
      `const classes = { ${errorClasses.join(', ')} };`,
      'function describe(err: unknown): string {',
      '  if (err instanceof KernelError) return [err.command, err.code, err.log ?? ""].join(" ");',
      '  if (err instanceof TsbpfError) return err.message;',
      '  return String(err);',
      '}',
      `const modules: Record<string, object> = { ${subpaths.map((s, i) => `'${s}': m${i}`).join(', ')} };`,
      'const out = {',
      '  exports: Object.fromEntries(Object.entries(modules).map(([k, m]) => [k, Object.keys(m).sort()])),',
      '  errors: Object.fromEntries(Object.entries(classes).map(([k, C]) => [k, C === TsbpfError || C.prototype instanceof TsbpfError])),',
      '  describe: describe(new NotFoundError("gone")),',
      '};',
      'console.log(JSON.stringify(out));',
    ];
    writeFileSync(join(project, 'check.ts'), `${lines.join('\n')}\n`);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          outDir: 'out',
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['check.ts'],
      }),
    );
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: project, encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`tsc --strict on the installed package:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    const result = JSON.parse(execFileSync(process.execPath, ['out/check.js'], { cwd: project, encoding: 'utf8' })) as {
      exports: Record<string, string[]>;
      errors: Record<string, boolean>;
      describe: string;
    };
    for (const s of subpaths) assert.ok((result.exports[s] ?? []).length > 0, `${s} exports nothing`);
    // Under Node, tsbpf/btf is the pure core plus the path opener.
    assert.ok(result.exports[`${pkg.name}/btf`]?.includes('openSpecFile'), 'tsbpf/btf lacks openSpecFile under Node');
    assert.ok(result.exports[`${pkg.name}/btf`]?.includes('openSpec'), 'tsbpf/btf lacks openSpec');
    for (const name of errorClasses) {
      assert.ok(result.exports[pkg.name]?.includes(name), `${name} is not exported from '${pkg.name}'`);
      assert.equal(result.errors[name], true, `${name} extends TsbpfError`);
    }
    assert.equal(result.describe, 'gone');
  });

  test("every source map names sources the package ships, so a stack trace or debugger reaches tsbpf's TypeScript", () => {
    const installed = join(project, 'node_modules', pkg.name);
    const maps = (readdirSync(join(installed, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.js.map'));
    assert.ok(maps.length > 100, `${maps.length} source maps`);
    const missing: string[] = [];
    for (const m of maps) {
      const file = join(installed, 'dist', m);
      const { sources } = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] };
      for (const s of sources) {
        const source = join(dirname(file), s);
        if (!existsSync(source)) missing.push(`${relative(installed, file)} -> ${relative(installed, source)}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
