/**
 * The published API is documented and shows nothing internal: every symbol the package's
 * entries export (src/index.ts, src/<folder>/index.ts, src/entry/*.ts), and every public
 * member of an exported class, interface or enum, has TSDoc, read through the TypeScript
 * compiler as editors read it. Symbols undocumented before this check was written are listed
 * in test/api-docs-undocumented.txt, which may only shrink: a new undocumented export fails,
 * and so does a listed one that has been documented or removed (delete its line). The built
 * `.d.ts` files carry no `@internal` declaration (tsconfig.json strips them).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './fixtures.js';

const SRC = join(ROOT, 'src');
const BASELINE = join(ROOT, 'test', 'api-docs-undocumented.txt');

/** The package's entry files. */
function entries(): string[] {
  const out = [join(SRC, 'index.ts')];
  for (const d of readdirSync(SRC)) {
    const index = join(SRC, d, 'index.ts');
    if (existsSync(index)) out.push(index);
  }
  const entry = join(SRC, 'entry');
  if (existsSync(entry)) for (const f of readdirSync(entry)) if (f.endsWith('.ts')) out.push(join(entry, f));
  return out;
}

/** `file Name` or `file Name.member` for every public symbol without TSDoc. */
function undocumented(): { missing: Set<string>; total: number } {
  const program = ts.createProgram(entries(), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const tags = (sym: ts.Symbol) => sym.getJsDocTags(checker);
  const isInternal = (sym: ts.Symbol) => tags(sym).some((t) => t.name === 'internal');
  const hasDoc = (sym: ts.Symbol) => sym.getDocumentationComment(checker).length > 0 || tags(sym).length > 0;
  const missing = new Set<string>();
  const seen = new Set<ts.Symbol>();
  let total = 0;
  const visit = (sym: ts.Symbol, name: string): void => {
    const decl = sym.declarations?.[0];
    if (!decl || seen.has(sym) || isInternal(sym)) return;
    const file = decl.getSourceFile().fileName;
    if (!file.startsWith(SRC)) return;
    seen.add(sym);
    total++;
    if (!hasDoc(sym)) missing.add(`${relative(ROOT, file)} ${name}`);
    if (!(sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.Enum))) return;
    for (const member of [...(sym.members?.values() ?? []), ...(sym.exports?.values() ?? [])]) {
      const md = member.declarations?.[0];
      if (!md) continue;
      const flags = ts.getCombinedModifierFlags(md);
      if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Override)) continue;
      const n = member.getName();
      if (n.startsWith('#') || n.startsWith('__') || n === 'prototype') continue;
      if (
        ts.isPropertyDeclaration(md) ||
        ts.isMethodDeclaration(md) ||
        ts.isGetAccessor(md) ||
        ts.isSetAccessor(md) ||
        ts.isPropertySignature(md) ||
        ts.isMethodSignature(md) ||
        ts.isEnumMember(md)
      ) {
        visit(member, `${name}.${n}`);
      }
    }
  };
  for (const file of entries()) {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const sym = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      visit(sym, exported.getName());
    }
  }
  return { missing, total };
}

function dtsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? dtsFiles(p) : p.endsWith('.d.ts') ? [p] : [];
  });
}

describe('the published API', () => {
  test('every exported symbol and public member has TSDoc (the listed exceptions only shrink)', () => {
    const { missing, total } = undocumented();
    assert.ok(total > 1000, `only ${total} public symbols found: is the walk broken?`);
    const baseline = new Set(
      readFileSync(BASELINE, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#')),
    );
    const added = [...missing].filter((m) => !baseline.has(m));
    const stale = [...baseline].filter((m) => !missing.has(m));
    assert.deepEqual(added, [], `exports without TSDoc (document them):\n${added.join('\n')}`);
    assert.deepEqual(
      stale,
      [],
      `documented or removed since listed: delete from ${relative(ROOT, BASELINE)}:\n${stale.join('\n')}`,
    );
  });

  test('no @internal declaration reaches the published .d.ts', {
    skip: existsSync(join(ROOT, 'dist', 'index.d.ts')) ? false : 'dist/ is not built (npm run build)',
  }, () => {
    const files = dtsFiles(join(ROOT, 'dist'));
    assert.ok(files.length > 50);
    for (const f of files) assert.doesNotMatch(readFileSync(f, 'utf8'), /@internal/, relative(ROOT, f));
    const spec = readFileSync(join(ROOT, 'dist', 'btf', 'spec.d.ts'), 'utf8');
    assert.doesNotMatch(spec, /readonly section:|kernelVerified\?:/);
    assert.doesNotMatch(readFileSync(join(ROOT, 'dist', 'btf', 'builder.d.ts'), 'utf8'), /readonly table:/);
    assert.doesNotMatch(
      readFileSync(join(ROOT, 'dist', 'btf', 'index.d.ts'), 'utf8'),
      /export \{[^}]*\b(TypeTable|dedupTable|marshalTable)\b/,
    );
  });
});
