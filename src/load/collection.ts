/**
 * A BPF object loaded into the kernel: its BTF, maps (global data with `.rodata` rewriting,
 * replacements, pins), programs (CO-RE relocated, linked with their subprograms, references to
 * maps, global data, kfuncs and ksyms resolved) and, on request, links.
 *
 * @module
 */

import type { Instruction } from '../asm/instruction.js';
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from '../asm/opcodes.js';
import { encodeFuncInfo, encodeLineInfo, type KernelFuncInfo, type KernelLineInfo } from '../btf/ext/encode.js';
import type { CandidateSource } from '../core/candidates.js';
import { coreObjectOf, relocateObject } from '../core/object-relocations.js';
import { CoreRelocator } from '../core/relocator.js';
import { KernelError, NotFoundError, ObjectError } from '../errors.js';
import { kernelBtfFeatures } from '../kernel/features.js';
import type { KernelRegistry, RegistryView } from '../kernel/registry.js';
import { ALL_BTF_FEATURES, type BtfFeatures, kernelBtf, needsSanitizing } from '../obj/btf-sanitize.js';
import { linkProgram } from '../obj/link.js';
import { loadObject } from '../obj/load-object.js';
import type { ExternSpec, MapSpec, ObjectSpec, ProgramSpec } from '../obj/object-spec.js';
import { btfLoad } from '../sys/btf.js';
import { Errno } from '../sys/errno.js';
import type { FD } from '../sys/fd.js';
import { MapType } from '../sys/map-type.js';
import { ProgType } from '../sys/prog-type.js';
import type { Value } from './btf-value.js';
import { encodeValueInto } from './btf-value.js';
import { sharedKernelBtf } from './kernel-btf.js';
import { kallsymsAddress, kernelKconfigData, linuxKernelVersion } from './kernel-config.js';
import { KfuncTable } from './kfunc-table.js';
import { BpfMap } from './map.js';
import { possibleCpus } from './possible-cpus.js';
import { Program } from './program.js';

/** Changes to a program before it is loaded (libbpf's `set_type`, `set_attach_target`, `set_autoload`). */
export interface ProgramOverride {
  /** Load it (default: the program's own {@link ProgramSpec.autoload}, false only for a `?name` section). */
  autoload?: boolean;
  /** `BPF_PROG_TYPE_*` to load it as, instead of the one its section implies. */
  type?: number;
  /** `BPF_*` attach type to load it with, instead of the one its section implies. */
  expectedAttachType?: number;
  /** The attach target (`function`, `module:function`), replacing the section's. */
  attachTo?: string;
}

/** Options of {@link Collection.load}. */
export interface CollectionOptions {
  /** Object name for map names and messages (default: the spec's). */
  name?: string;
  /** Registry for attach targets, kfuncs, ksyms and CO-RE (default: the process-wide one). */
  registry?: KernelRegistry;
  /** Where CO-RE finds target types (default: the registry: vmlinux, then modules). */
  candidates?: CandidateSource;
  /** Maps to use instead of creating the object's map of that name (the caller keeps ownership). */
  mapReplacements?: Record<string, BpfMap>;
  /** bpffs directory for maps declared `LIBBPF_PIN_BY_NAME`: reused when compatible, else created and pinned. */
  pinPath?: string;
  /** New values of `const volatile` globals in `.rodata*`, by variable name, written before load. */
  constants?: Record<string, Value>;
  /** Per-program changes before load. */
  programs?: Record<string, ProgramOverride>;
  /** Load every program even if some fail: failures are in {@link Collection.errors}. */
  keepGoing?: boolean;
  /** Verifier log level for every program (0: only on failure). */
  logLevel?: number;
  /**
   * BTF kinds the kernel accepts, which the object's BTF is rewritten for before BPF_BTF_LOAD.
   * Default: none rewritten at first, then, if the kernel refuses the BTF, the kinds probed from
   * the running kernel (once per process).
   */
  btfFeatures?: BtfFeatures;
}

/**
 * Whether a load with `options` loads program `p`: its override's `autoload` if given, else its
 * own (false for a `?name` section).
 */
export function autoloads(p: ProgramSpec, options: Pick<CollectionOptions, 'programs'>): boolean {
  return options.programs?.[p.name]?.autoload ?? p.autoload;
}

interface Loaded {
  spec: ObjectSpec;
  btfFd: FD | undefined;
}

/** A loaded object: maps and programs by name, links made by {@link Collection.attach}. */
export class Collection implements Disposable {
  /** The object it was loaded from. */
  readonly spec: ObjectSpec;
  /** Maps by name (created, reused from a pin, or the caller's replacements), global data sections included. */
  readonly maps = new Map<string, BpfMap>();
  /** Loaded programs by name (those not autoloaded, or that failed with `keepGoing`, are absent). */
  readonly programs = new Map<string, Program>();
  /** Programs that failed to load (with {@link CollectionOptions.keepGoing}). */
  readonly errors = new Map<string, Error>();
  /** Maps given by the caller: not closed with the collection. */
  readonly #borrowed = new Set<string>();
  #btfFd: FD | undefined;
  readonly #links: { close(): void }[] = [];

  private constructor(loaded: Loaded) {
    this.spec = loaded.spec;
    this.#btfFd = loaded.btfFd;
  }

  /**
   * Loads an object (ELF bytes, or a spec read with `loadObject`).
   * Nothing is left open when it fails.
   *
   * @throws {@link ObjectError} for an object that cannot be read or linked;
   *   {@link VerifierError}/{@link KernelError} for a program or map the kernel refuses;
   *   {@link NotFoundError} for an extern, kfunc or attach target in no BTF object;
   *   {@link CoreError} for a CO-RE relocation that cannot be resolved.
   */
  static load(object: Uint8Array | { spec: ObjectSpec }, options: CollectionOptions = {}): Collection {
    // loadObject reads a Node Buffer as it reads a plain Uint8Array, and never writes into it.
    const spec = object instanceof Uint8Array ? loadObject(object, options.name) : object.spec;
    // One look at the kernel's BTF objects for the whole load, not one per lookup.
    const registry = (options.registry ?? sharedKernelBtf()).snapshot();
    const btfFd = loadObjectBtf(spec, options.btfFeatures);
    const c = new Collection({ spec, btfFd });
    try {
      c.#createMaps(options);
      c.#loadPrograms(registry, options);
      c.#fillSlots();
      return c;
    } catch (err) {
      c.close();
      throw err;
    }
  }

  #createMaps(options: CollectionOptions): void {
    const spec = this.spec;
    const kconfig = spec.externs.filter((e) => e.kind === 'kconfig');
    for (const m of spec.maps) {
      const replacement = options.mapReplacements?.[m.name];
      if (replacement !== undefined) {
        this.maps.set(m.name, replacement);
        this.#borrowed.add(m.name);
        continue;
      }
      const mapOptions = this.#mapOptions(m);
      let inner: BpfMap | undefined;
      if (m.inner !== undefined) inner = BpfMap.create(this.#mapOptions(m.inner));
      let map: BpfMap;
      try {
        const withInner = inner !== undefined ? { ...mapOptions, innerMap: inner } : mapOptions;
        const create = (o: typeof withInner) =>
          m.pinning === 1 && options.pinPath !== undefined
            ? BpfMap.createPinned(o, `${options.pinPath}/${m.name}`)
            : BpfMap.create(o);
        try {
          map = create(withInner);
        } catch (err) {
          // As libbpf: a kernel that refuses the map's BTF gets the map without it.
          if (!(err instanceof KernelError) || withInner.btf?.fd === undefined) throw err;
          map = create({ ...withInner, btf: { spec: withInner.btf.spec, key: withInner.btf.key, value: withInner.btf.value } });
        }
      } catch (err) {
        throw new ObjectError(`cannot create: ${(err as Error).message}`, { map: m.name }, { cause: err });
      } finally {
        inner?.close();
      }
      this.maps.set(m.name, map);
      if (m.data !== undefined || m.origin === 'kconfig') {
        const data = m.data !== undefined ? m.data.slice() : new Uint8Array(m.valueSize);
        if (m.origin === 'rodata' && options.constants !== undefined) this.#rewriteConstants(m, data, options.constants);
        if (m.origin === 'kconfig') data.set(kernelKconfigData(kconfig, spec.littleEndian).subarray(0, data.length));
        map.update(0, data);
        if (m.readOnly) map.freeze();
      }
    }
    if (options.constants !== undefined) {
      const known = new Set<string>();
      for (const m of spec.maps)
        if (m.origin === 'rodata' && m.value?.kind === 'datasec')
          for (const v of m.value.vars) known.add(spec.btf?.typeById(v.typeId)?.name ?? '');
      for (const name of Object.keys(options.constants)) {
        if (!known.has(name)) throw new ObjectError(`no const volatile variable '${name}' in .rodata`, { section: '.rodata' });
      }
    }
  }

  #mapOptions(m: MapSpec) {
    const btf = this.spec.btf;
    // As libbpf: maps whose values are fds (or that have no values) get no key/value BTF.
    const noBtf: number[] = [
      MapType.RINGBUF,
      MapType.PERF_EVENT_ARRAY,
      MapType.ARRAY_OF_MAPS,
      MapType.HASH_OF_MAPS,
      MapType.PROG_ARRAY,
      MapType.CGROUP_ARRAY,
    ];
    const withBtf = btf !== undefined && this.#btfFd !== undefined && !noBtf.includes(m.type);
    const isData = m.origin === 'data' || m.origin === 'rodata' || m.origin === 'bss' || m.origin === 'kconfig';
    return {
      name: m.kernelName,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      // As libbpf: a perf event array sized 0 gets one slot per possible CPU.
      maxEntries: m.type === MapType.PERF_EVENT_ARRAY && m.maxEntries === 0 ? possibleCpus() : m.maxEntries,
      flags: m.flags,
      numaNode: m.numaNode,
      mapExtra: m.mapExtra,
      ...(btf !== undefined
        ? {
            btf: {
              spec: btf,
              key: m.key,
              value: m.value,
              ...(withBtf && (m.key !== undefined || m.value !== undefined)
                ? { fd: this.#btfFd, keyTypeId: isData ? 0 : (m.key?.id ?? 0), valueTypeId: m.value?.id ?? 0 }
                : {}),
            },
          }
        : {}),
    };
  }

  #rewriteConstants(m: MapSpec, data: Uint8Array, constants: Record<string, Value>): void {
    const btf = this.spec.btf;
    if (btf === undefined || m.value?.kind !== 'datasec')
      throw new ObjectError('.rodata without BTF: constants cannot be named', { map: m.name });
    for (const v of m.value.vars) {
      const variable = btf.typeById(v.typeId);
      if (variable?.kind !== 'var' || !(variable.name in constants)) continue;
      try {
        encodeValueInto(variable.type, constants[variable.name] as Value, data, v.offset, btf);
      } catch (err) {
        throw new ObjectError(`constant ${variable.name}: ${(err as Error).message}`, { map: m.name }, { cause: err });
      }
    }
  }

  #loadPrograms(registry: RegistryView, options: CollectionOptions): void {
    const spec = this.spec;
    const functions = this.#relocated(registry, options);
    const kernelVersion = spec.kernelVersion !== 0 ? spec.kernelVersion : linuxKernelVersion();
    for (const p of spec.programs) {
      const o = options.programs?.[p.name] ?? {};
      if (!autoloads(p, options)) continue;
      const kfuncs = new KfuncTable(registry);
      // Module BTF objects named by typed ksyms: the instruction carries their fd, open until the load.
      const ksymObjects: { close(): void }[] = [];
      try {
        const linked = linkProgram(spec, p, functions);
        const insns = linked.instructions;
        for (const r of linked.references) this.#resolve(p, insns, r, kfuncs, registry, ksymObjects);
        const type = o.type ?? p.type;
        const expectedAttachType = o.expectedAttachType ?? p.expectedAttachType;
        const attachTo = o.attachTo ?? p.attachTo;
        const btfTarget = p.sectionKind?.attachBtf === true || o.attachTo !== undefined;
        const fdArray = kfuncs.fdArray();
        const prog = Program.load({
          name: p.name,
          type,
          expectedAttachType,
          instructions: insns,
          license: spec.license === '' ? 'GPL' : spec.license,
          kernelVersion,
          flags: p.flags,
          ...(btfTarget && attachTo !== '' && needsTarget(type) ? { attachTo } : {}),
          ...(this.#btfFd !== undefined && spec.btf !== undefined
            ? { btf: { fd: this.#btfFd, funcInfo: funcInfoBytes(linked.funcInfo), lineInfo: lineInfoBytes(linked.lineInfo) } }
            : {}),
          ...(fdArray !== undefined ? { fdArray } : {}),
          registry,
          ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
        });
        this.programs.set(p.name, prog);
      } catch (err) {
        if (!options.keepGoing) throw err;
        this.errors.set(p.name, err as Error);
      } finally {
        kfuncs.close();
        for (const o of ksymObjects) o.close();
      }
    }
  }

  /**
   * Every function's instructions after CO-RE, or undefined when the object has none to do. As
   * libbpf does, the records of programs that are not loaded (autoload off) are skipped: they
   * cost candidate searches, and since a relocation narrows the candidates later ones of the
   * same local type see, relocating them could change the loaded programs' decisions.
   */
  #relocated(registry: RegistryView, options: CollectionOptions): Map<string, ProgramSpec> | undefined {
    const spec = this.spec;
    const off = new Set(spec.programs.filter((p) => !autoloads(p, options)).map((p) => p.name));
    const all = [...spec.programs, ...spec.subprograms];
    if (!all.some((p) => p.coreRelos.length > 0 && !off.has(p.name))) return undefined;
    // The spec's own reading of the object: instructions copied, its BTF and CO-RE records as read.
    const read = coreObjectOf(spec);
    const core = off.size === 0 ? read : { ...read, relocations: read.relocations.filter((r) => !off.has(r.program)) };
    const relocator = new CoreRelocator(core.btf, options.candidates ?? registry);
    relocateObject(core, relocator);
    const out = new Map<string, ProgramSpec>();
    for (const p of all) {
      const fn = core.functions.get(p.name);
      if (fn !== undefined) out.set(p.name, { ...p, instructions: fn.instructions });
    }
    return out;
  }

  #resolve(
    p: ProgramSpec,
    insns: Instruction[],
    r: ProgramSpec['references'][number],
    kfuncs: KfuncTable,
    registry: RegistryView,
    ksymObjects: { close(): void }[],
  ): void {
    const at = insns[r.insn];
    const where = { program: p.name, insn: r.insn };
    if (at === undefined) throw new ObjectError('reference past the end of the program', where);
    switch (r.kind) {
      case 'map':
      case 'map-value': {
        const map = this.maps.get(r.map);
        if (map === undefined) throw new ObjectError(`references map ${r.map}, which was not created`, where);
        at.src = r.kind === 'map' ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
        at.imm = map.fd.raw;
        const next = insns[r.insn + 1];
        if (next !== undefined) next.imm = r.kind === 'map-value' ? r.offset : 0;
        return;
      }
      case 'kfunc': {
        const e = this.#extern(r.extern, where);
        try {
          const ref = kfuncs.resolve(e.essentialName);
          // clang marks a call of an extern function as a subprogram call (src 1).
          at.src = BPF_PSEUDO_KFUNC_CALL;
          at.imm = ref.btfId;
          at.off = ref.slot;
        } catch (err) {
          if (!(e.weak && err instanceof NotFoundError)) throw err;
          // An absent weak kfunc: a call the verifier rejects only if it is reachable.
          at.src = 0;
          at.imm = 2002000000;
          at.off = 0;
        }
        return;
      }
      case 'ksym': {
        const e = this.#extern(r.extern, where);
        const next = insns[r.insn + 1];
        if (next === undefined) throw new ObjectError('ksym load without its second slot', where);
        try {
          if (e.typed && !e.func) {
            // A variable in a module's BTF: the second slot holds that BTF object's fd (as libbpf
            // does), which stays open until the program is loaded.
            const t = registry.findAttachTarget(e.essentialName, 'var');
            ksymObjects.push(t);
            if (!t.inVmlinux && t.fd === undefined)
              throw new NotFoundError(`ksym ${e.name}: module ${t.object}'s BTF object is not open`);
            at.src = BPF_PSEUDO_BTF_ID;
            at.imm = t.typeId;
            next.imm = t.inVmlinux ? 0 : t.fd!;
          } else {
            const addr = kallsymsAddress(e.essentialName);
            at.src = 0;
            at.imm = Number(BigInt.asIntN(32, addr & 0xffff_ffffn));
            next.imm = Number(BigInt.asIntN(32, addr >> 32n));
          }
        } catch (err) {
          if (!(e.weak && err instanceof NotFoundError)) throw err;
          at.src = 0;
          at.imm = 0;
          next.imm = 0;
        }
        return;
      }
      default:
        throw new ObjectError(`unresolved ${r.kind} reference after linking`, where);
    }
  }

  #extern(name: string, where: { program: string; insn: number }): ExternSpec {
    const e = this.spec.externs.find((x) => x.name === name);
    if (e === undefined) throw new ObjectError(`references extern ${name}, which the object does not declare`, where);
    return e;
  }

  #fillSlots(): void {
    for (const m of this.spec.maps) {
      if (m.slots.length === 0 || this.#borrowed.has(m.name)) continue;
      const map = this.maps.get(m.name)!;
      for (const s of m.slots) {
        const target = m.type === MapType.PROG_ARRAY ? this.programs.get(s.value)?.fd : this.maps.get(s.value)?.fd;
        if (target === undefined) continue; // a program not loaded (autoload off)
        map.update(s.key, target.raw);
      }
    }
  }

  /** Keeps `link` and closes it with the collection. */
  adopt<T extends { close(): void }>(link: T): T {
    this.#links.push(link);
    return link;
  }

  /** Closes links, programs, the maps it created, and the object's BTF. Calling it again does nothing. */
  close(): void {
    for (const l of this.#links.splice(0)) l.close();
    for (const p of this.programs.values()) p.close();
    for (const [name, m] of this.maps) if (!this.#borrowed.has(name)) m.close();
    this.programs.clear();
    this.maps.clear();
    this.#btfFd?.close();
    this.#btfFd = undefined;
  }

  /** Same as {@link Collection.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * The object's BTF loaded into the kernel: fixed up, hidden subprograms made static and the
 * kinds the kernel lacks rewritten (as libbpf's sanitizing), or `undefined` when the object has
 * none or the kernel refuses it even so: as libbpf, maps and programs then load without it.
 * Without `features` given, the kernel is first offered the BTF with no kind rewritten: a kernel
 * that has every kind the object uses takes it, and the BTF features are probed (once per
 * process) only after a refusal, to load the rewritten BTF instead.
 */
function loadObjectBtf(spec: ObjectSpec, features: BtfFeatures | undefined): FD | undefined {
  if (spec.btfBytes === undefined) return undefined;
  try {
    if (features === undefined) {
      const asIs = kernelBtf(spec, ALL_BTF_FEATURES);
      if (asIs === undefined) return undefined;
      try {
        return btfLoad(asIs);
      } catch (err) {
        if (!(err instanceof KernelError) || err.errno === Errno.EPERM) return undefined;
      }
      features = kernelBtfFeatures();
      if (!needsSanitizing(features)) return undefined; // refused as it is, and nothing to rewrite
    }
    const bytes = kernelBtf(spec, features);
    return bytes === undefined ? undefined : btfLoad(bytes);
  } catch {
    return undefined;
  }
}

/** Program types whose load names a BTF attach target (tracing and lsm by name; ext its program). */
function needsTarget(type: number): boolean {
  return type === ProgType.TRACING || type === ProgType.LSM || type === ProgType.EXT;
}

/** The running machine's byte order: what the kernel reads func_info and line_info in. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function funcInfoBytes(records: readonly KernelFuncInfo[]): Uint8Array | undefined {
  return records.length === 0 ? undefined : encodeFuncInfo(records, HOST_LITTLE_ENDIAN);
}

function lineInfoBytes(records: readonly KernelLineInfo[]): Uint8Array | undefined {
  return records.length === 0 ? undefined : encodeLineInfo(records, HOST_LITTLE_ENDIAN);
}
