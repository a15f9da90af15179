/**
 * TypeScript skeletons of BPF objects (`tsbpf gen skeleton`, after libbpf's `bpftool gen
 * skeleton` and cilium/ebpf's bpf2go): one module with the object embedded, a type for each map's
 * key and value and each global-data section's variables, read from the object's BTF as
 * `src/load`'s value codec decodes them (structs and unions as objects, arrays as arrays, `char`
 * arrays as strings, enums by name, integers of 8 bytes or more and pointers as `bigint`,
 * bitfields by width), typed map and program handles over a `Collection`, and `open()`/`load()`.
 * @module
 */
import { resolveType } from '../btf/layout.js';
import type { Type } from '../btf/types.js';
import { GenError } from '../errors.js';
import { loadObject } from '../obj/load-object.js';
import type { MapSpec, ObjectSpec } from '../obj/object-spec.js';

/** Options of {@link generateSkeleton}. */
export interface SkeletonOptions {
  /** The skeleton's name: a C identifier (default: the object's file name up to the first dot). */
  name?: string;
  /** The object's file name, for the header comment and the default name. */
  file?: string;
  /** Module the generated code imports tsbpf's loader from (default `'tsbpf/load'`). */
  importFrom?: string;
}

const MAP_PERCPU = new Set([5, 6, 10, 21]); // percpu hash, percpu array, lru percpu hash, percpu cgroup storage

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

function base64(bytes: Uint8Array): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += abc[n >> 18]! + abc[(n >> 12) & 63]! + abc[(n >> 6) & 63]! + abc[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    const third = i + 1 < bytes.length ? abc[(n >> 6) & 63]! : '=';
    out += `${abc[n >> 18]!}${abc[(n >> 12) & 63]!}${third}=`;
  }
  return out;
}

/** An object type of `fields` (`name: type`), on one line as the formatter writes short ones. */
function objectType(fields: readonly string[]): string {
  return fields.length === 0 ? 'Record<string, never>' : `{ ${fields.join('; ')} }`;
}

const LINE_WIDTH = 130;

/**
 * `export type name = body;` as the project's formatter lays it out: on one line when it fits,
 * else an object type's fields one per line.
 */
function declaration(doc: string, name: string, body: string): string {
  const line = `export type ${name} = ${body};`;
  if (line.length <= LINE_WIDTH || !body.startsWith('{ ')) return `${doc}\n${line}\n`;
  const fields = splitTopLevel(body.slice(2, -2));
  return `${doc}\nexport type ${name} = {\n${fields.map((f) => `  ${f};`).join('\n')}\n};\n`;
}

/** `a: X; b: { c: Y; d: Z }` → its top-level fields. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '(' || c === '<') depth++;
    else if (c === '}' || c === ')' || c === '>') depth--;
    else if (c === ';' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((f) => f !== '');
}

/** TypeScript type expressions for BTF types, with named aggregates and enums declared once. */
class TypeNamer {
  /** Declarations, in the order first needed. */
  readonly decls: string[] = [];
  private readonly named = new Map<Type, string>();
  private readonly used = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const r of reserved) this.used.add(r);
  }

  private fresh(base: string): string {
    let name = base === '' ? 'Anon' : base;
    if (!/^[A-Za-z_]/.test(name)) name = `T${name}`;
    let candidate = name;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${name}${n}`;
    this.used.add(candidate);
    return candidate;
  }

  /** The TS type of a value of BTF type `type`, as the loader decodes it. */
  typeOf(type: Type, depth = 0): string {
    if (depth > 64) throw new GenError(`type [${type.id}]: nested too deeply for a skeleton`);
    const t = resolveType(type);
    switch (t.kind) {
      case 'int':
        if (t.bool && t.size === 1) return 'boolean';
        if (t.bits !== t.size * 8 || t.bitOffset !== 0) return t.bits > 32 ? 'bigint' : 'number';
        return t.size >= 8 ? 'bigint' : 'number';
      case 'enum':
      case 'enum64':
        return this.declare(t, () => {
          const names = t.values.map((v) => `'${v.name}'`);
          const raw = t.size >= 8 ? 'bigint' : 'number';
          return `${[...names, raw].join(' | ')}`;
        });
      case 'float':
        return t.size === 4 || t.size === 8 ? 'number' : 'Uint8Array';
      case 'ptr':
        return 'bigint';
      case 'array': {
        const elem = resolveType(t.type);
        if (elem.kind === 'int' && elem.size === 1 && (elem.char || /^(signed |unsigned )?char$/.test(elem.name)))
          return 'string';
        const inner = this.typeOf(t.type, depth + 1);
        return /^[A-Za-z0-9_]+$/.test(inner) ? `${inner}[]` : `(${inner})[]`;
      }
      case 'struct':
      case 'union': {
        const body = () => this.members(t, depth);
        return t.name === '' ? body() : this.declare(t, body);
      }
      default:
        return 'Uint8Array';
    }
  }

  /** The object type of a struct or union's members (anonymous aggregates flattened, as decoded). */
  private members(t: Extract<Type, { kind: 'struct' | 'union' }>, depth: number): string {
    const fields: string[] = [];
    const collect = (s: Extract<Type, { kind: 'struct' | 'union' }>): void => {
      for (const m of s.members) {
        const r = resolveType(m.type);
        const bits = s.kindFlag ? m.bitfieldSize : 0;
        if (m.name === '' && bits === 0 && (r.kind === 'struct' || r.kind === 'union')) {
          collect(r);
          continue;
        }
        let ts: string;
        if (bits > 0) {
          if (r.kind === 'enum' || r.kind === 'enum64') ts = `${this.typeOf(r, depth + 1)} | ${bits > 32 ? 'bigint' : 'number'}`;
          else if (r.kind === 'int' && r.bool) ts = 'boolean';
          else ts = bits > 32 ? 'bigint' : 'number';
        } else {
          ts = this.typeOf(m.type, depth + 1);
        }
        fields.push(`${/^[A-Za-z_$][\w$]*$/.test(m.name) ? m.name : `'${m.name}'`}: ${ts}`);
      }
    };
    collect(t);
    return objectType(fields);
  }

  private declare(t: Type, body: () => string): string {
    const known = this.named.get(t);
    if (known) return known;
    const name = this.fresh(pascal(t.name));
    this.named.set(t, name);
    const what = `${t.kind} ${t.name}`;
    this.decls.push(declaration(`/** BTF ${what}. */`, name, body()));
    return name;
  }

  /** Declares an object type under `name` (global data sections). */
  declareObject(name: string, doc: string, fields: [string, string][]): string {
    const n = this.fresh(name);
    this.decls.push(declaration(`/** ${doc} */`, n, objectType(fields.map(([k, v]) => `${k}: ${v}`))));
    return n;
  }
}

/** An interface, or an empty object type (the linter refuses empty interfaces). */
function interfaceOf(doc: string, name: string, members: readonly string[]): string {
  if (members.length === 0) return `${doc}\nexport type ${name} = Record<string, never>;\n`;
  return `${doc}\nexport interface ${name} {\n${members.join('\n')}\n}\n`;
}

/** The line that makes a global-data section's object. */
function globalDataInit(s: GlobalSection, indent: string): string {
  return `${indent}${s.property}: globalVariables<${s.typeName}>(c, '${s.map.name}'),`;
}

/** What a skeleton imports from the loader: the names its code uses, in the formatter's order. */
function imports(
  mapOf: boolean,
  mapInput: boolean,
  programs: boolean,
  sections: boolean,
  writable: boolean,
  typedMaps: boolean,
): string[] {
  const names: [string, boolean][] = [
    ['assignVariables', writable],
    ['attachPrograms', true],
    ['type BpfMap', mapOf],
    ['Collection', true],
    ['type CollectionOptions', true],
    ['globalVariables', sections],
    ['type Link', true],
    ['type MapInput', mapInput],
    ['type Program', programs],
    ['TypedMap', typedMaps],
  ];
  return names.filter(([, used]) => used).map(([n]) => n);
}

/** Lines of generated code, each ending in a newline; nothing for none (no blank line). */
function block(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** The options of load(): the Collection's, and the initial values of each section's variables. */
function openOptions(prefix: string, sections: readonly GlobalSection[]): string {
  const doc = "/** Options of load(): the Collection's, with the initial values of global variables by section. */";
  if (sections.length === 0) return `${doc}\nexport type ${prefix}OpenOptions = Omit<CollectionOptions, 'constants'>;\n`;
  const members = sections.map((s) => `  /** ${s.map.name} */\n  ${s.property}?: Partial<${s.typeName}>;`);
  return `${doc}\nexport interface ${prefix}OpenOptions extends Omit<CollectionOptions, 'constants'> {\n${members.join('\n')}\n}\n`;
}

/** The property a global-data section is reached by: `.bss` → `bss`, `.rodata.cfg` → `rodata_cfg`. */
function sectionProperty(section: string): string {
  return section.replace(/^\./, '').replace(/[^A-Za-z0-9_]/g, '_');
}

interface GlobalSection {
  map: MapSpec;
  property: string;
  typeName: string;
}

function globals(spec: ObjectSpec, namer: TypeNamer, prefix: string): GlobalSection[] {
  const out: GlobalSection[] = [];
  for (const m of spec.maps) {
    if (m.origin !== 'data' && m.origin !== 'rodata' && m.origin !== 'bss') continue;
    const value = m.value;
    if (value?.kind !== 'datasec' || spec.btf === undefined) continue;
    const fields: [string, string][] = [];
    for (const v of value.vars) {
      const vt = spec.btf.typeById(v.typeId);
      if (vt?.kind !== 'var' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(vt.name)) continue;
      fields.push([vt.name, namer.typeOf(vt.type)]);
    }
    if (fields.length === 0) continue;
    const property = sectionProperty(m.name);
    const typeName = namer.declareObject(`${prefix}${pascal(property)}`, `The variables of ${m.name}.`, fields);
    out.push({ map: m, property, typeName });
  }
  return out;
}

/**
 * The TypeScript module of a skeleton for the BPF object `bytes` (see the module comment).
 * @throws {ObjectError} when the object cannot be read. @throws {GenError} when the name is not
 * an identifier, or a map or program name cannot be a property.
 */
export function generateSkeleton(bytes: Uint8Array, options: SkeletonOptions = {}): string {
  const file = options.file ?? 'object.bpf.o';
  const name =
    options.name ??
    file
      .replace(/^.*\//, '')
      .replace(/\..*$/, '')
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^(?=[0-9])/, '_');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new GenError(`skeleton name '${name}' is not an identifier (give --name)`);
  const spec = loadObject(bytes, file.replace(/^.*\//, ''));
  const prefix = pascal(name);
  const namer = new TypeNamer([
    'BpfMap',
    'Collection',
    'CollectionOptions',
    'MapInput',
    'Program',
    'TypedMap',
    'Link',
    `${prefix}Skeleton`,
    `${prefix}Maps`,
    `${prefix}Programs`,
    `${prefix}OpenOptions`,
    `${prefix}Opened`,
  ]);
  const sections = globals(spec, namer, prefix);
  const userMaps = spec.maps.filter((m) => m.origin === 'btf' || m.origin === 'legacy');
  const mapLines: string[] = [];
  const mapInits: string[] = [];
  for (const m of userMaps) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m.name)) throw new GenError(`map '${m.name}' cannot be a property of the skeleton`);
    if (m.key === undefined && m.value === undefined) {
      mapLines.push(
        `  /** ${m.name}: no BTF key or value (a ring buffer, perf event array...). */\n  readonly ${m.name}: BpfMap;`,
      );
      mapInits.push(`      ${m.name}: mapOf(c, '${m.name}'),`);
      continue;
    }
    const key = m.key ? namer.typeOf(m.key) : 'MapInput';
    let value = m.value ? namer.typeOf(m.value) : 'MapInput';
    if (MAP_PERCPU.has(m.type)) value = /^[A-Za-z0-9_]+$/.test(value) ? `${value}[]` : `(${value})[]`;
    mapLines.push(`  readonly ${m.name}: TypedMap<${key}, ${value}>;`);
    mapInits.push(`      ${m.name}: new TypedMap(mapOf(c, '${m.name}')),`);
  }
  const progs = spec.programs.filter((p) => !p.subprogram);
  for (const p of progs) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name)) throw new GenError(`program '${p.name}' cannot be a property of the skeleton`);
  }
  const rodatas = sections.filter((s) => s.map.origin === 'rodata');
  const writables = sections.filter((s) => s.map.origin !== 'rodata');
  const importFrom = options.importFrom ?? 'tsbpf/load';
  // Built apart from the template so that no line of this file reads as an import of its own.
  const names = imports(
    mapInits.length > 0,
    mapLines.some((l) => l.includes('MapInput')),
    progs.length > 0,
    sections.length > 0,
    writables.length > 0,
    mapLines.some((l) => l.includes('TypedMap<')),
  );
  const oneLine = `import { ${names.join(', ')} } from '${importFrom}';`;
  const importLine =
    oneLine.length <= LINE_WIDTH ? oneLine : `import {\n${names.map((n) => `  ${n},\n`).join('')}} from '${importFrom}';`;
  const lines: string[] = [];
  lines.push(`/**
 * Skeleton of ${file.replace(/^.*\//, '')}, generated by \`tsbpf gen skeleton\`: do not edit.
 * @module
 */
${importLine}

/** The object, as compiled. */
const OBJECT =
  '${base64(bytes)}';

/** The object's bytes. */
export function objectBytes(): Uint8Array {
  return Uint8Array.from(atob(OBJECT), (c) => c.charCodeAt(0));
}
`);
  lines.push(...namer.decls);
  lines.push(`${
    mapInits.length === 0
      ? ''
      : `function mapOf(c: Collection, name: string): BpfMap {
  const m = c.maps.get(name);
  if (m === undefined) throw new Error(\`${name}: no map \${name} was loaded\`);
  return m;
}

`
  }${
    progs.length === 0
      ? ''
      : `function programOf(c: Collection, name: string): Program {
  const p = c.programs.get(name);
  if (p === undefined) throw new Error(\`${name}: program \${name} was not loaded\`);
  return p;
}

`
  }${interfaceOf(`/** The maps of ${name}, typed. */`, `${prefix}Maps`, mapLines)}
${interfaceOf(
  `/** The programs of ${name}. */`,
  `${prefix}Programs`,
  progs.map((p) => `  /** ${p.section} */\n  readonly ${p.name}: Program;`),
)}
/** ${name}, loaded. */
export interface ${prefix}Skeleton extends Disposable {
  readonly collection: Collection;
  readonly maps: ${prefix}Maps;
  readonly progs: ${prefix}Programs;
  /** The links {@link ${prefix}Skeleton.attach} made, by program name. */
  readonly links: Partial<Record<keyof ${prefix}Programs, Link>>;
  /**
   * Attaches every loaded program whose section names a target (fentry/, kprobe/, tp/...;
   * libbpf's skeleton attach); the links close with the skeleton. Nothing stays attached when one fails.
   */
  attach(): void;
${sections.map((s) => `  /** ${s.map.name}${s.map.readOnly ? ' (read-only once loaded)' : ''} */\n  readonly ${s.property}: ${s.map.readOnly ? `Readonly<${s.typeName}>` : s.typeName};`).join('\n')}
  close(): void;
}

${openOptions(prefix, sections)}
/**
 * Loads ${name} into the kernel (maps, programs, CO-RE against the running kernel), with the
 * global variables given: .rodata's are written before the programs are verified (the verifier
 * sees them as constants); .data's and .bss's are written through their maps once loaded, before
 * any program is attached.
 */
export function load(options: ${prefix}OpenOptions = {}): ${prefix}Skeleton {
  const { ${[...sections.map((s) => s.property), '...rest'].join(', ')} } = options;
  ${
    rodatas.length === 0
      ? ''
      : `const constants = { ${rodatas.map((s) => `...${s.property}`).join(', ')} };
  `
  }const c = Collection.load(objectBytes(), {
    name: '${file.replace(/^.*\//, '')}',
    ...rest,${rodatas.length === 0 ? '' : "\n    ...(Object.keys(constants).length > 0 ? { constants: constants as CollectionOptions['constants'] } : {}),"}
  });
  try {
    const progs = ${progs.length === 0 ? '{}' : `{\n${progs.map((p) => `      get ${p.name}(): Program {\n        return programOf(c, '${p.name}');\n      },`).join('\n')}\n    }`};
    const links: Partial<Record<keyof ${prefix}Programs, Link>> = {};
    const skeleton: ${prefix}Skeleton = {
      collection: c,
      maps: ${mapInits.length === 0 ? '{}' : `{\n${mapInits.map((l) => `  ${l}`).join('\n')}\n      }`},
      progs,
      links,
      attach: () => {
        for (const [name, link] of attachPrograms(c)) links[name as keyof ${prefix}Programs] = link;
      },
${block(sections.map((s) => globalDataInit(s, '      ')))}      close: () => c.close(),
      [Symbol.dispose]: () => c.close(),
    };
${block(writables.map((s) => `    assignVariables(skeleton.${s.property}, ${s.property});`))}    return skeleton;
  } catch (err) {
    c.close();
    throw err;
  }
}

/** ${name}, opened: its global variables, every section's, to set before it is loaded. */
export interface ${prefix}Opened {
${block(sections.map((s) => `  ${s.property}: Partial<${s.typeName}>;`))}  load(options?: ${prefix}OpenOptions): ${prefix}Skeleton;
}

/** libbpf's open step: set global variables (skel.bss.x = ..., skel.rodata.y = ...), then load. */
export function open(): ${prefix}Opened {
  const opened: ${prefix}Opened = {
${block(sections.map((s) => `    ${s.property}: {},`))}    load: (options: ${prefix}OpenOptions = {}) =>
      load({
        ...options,
${block(sections.map((s) => `        ${s.property}: { ...opened.${s.property}, ...options.${s.property} },`))}      }),
  };
  return opened;
}
`);
  return lines.join('\n');
}
