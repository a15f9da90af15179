/**
 * What the running kernel supports, probed once per process into plain data: BTF kinds (by
 * loading tiny BTF blobs), program, map, attach and link types (from the kernel's own BTF enums,
 * or by trying when it has none), and `bpf_attr` fields (`fd_array`, `log_true_size`...). Pure
 * code (the object's BTF sanitizer, CO-RE) takes the {@link KernelFeatures} object as data.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { Builder } from '../btf/builder.js';
import { loadSpec, type Spec } from '../btf/spec.js';
import type { Type } from '../btf/types.js';
import { KernelError, NotSupportedError } from '../errors.js';
import type { BtfFeatures } from '../obj/btf-sanitize.js';
import { btfLoad } from '../sys/btf.js';
import { linkTypeSince } from '../sys/link-type.js';
import { mapCreate } from '../sys/map.js';
import { MapType, mapTypeSince } from '../sys/map-type.js';
import { progLoad } from '../sys/prog.js';
import { ProgType, progTypeSince } from '../sys/prog-type.js';

/** What the running kernel supports, as plain data. */
export interface KernelFeatures {
  /** `uname -r`. */
  release: string;
  /** Whether `/sys/kernel/btf/vmlinux` was there to read the kernel's enums from. */
  vmlinuxBtf: boolean;
  btf: BtfFeatures;
  /** Program types by lower-case name (`kprobe`, `tracing`...): whether the kernel knows them. */
  progTypes: Readonly<Record<string, boolean>>;
  /** Map types by lower-case name (`ringbuf`...). */
  mapTypes: Readonly<Record<string, boolean>>;
  /** Attach types by lower-case name without `BPF_` (`trace_kprobe_multi`, `tcx_ingress`...). */
  attachTypes: Readonly<Record<string, boolean>>;
  /** Link types by lower-case name (`perf_event`, `kprobe_multi`...). */
  linkTypes: Readonly<Record<string, boolean>>;
  /** `bpf_attr` fields: `fd_array` (module kfuncs, 5.14), `log_true_size` (6.4), ... */
  attrFields: Readonly<Record<string, boolean>>;
}

/** Linux release that added each BTF feature. */
export const btfFeatureSince: Readonly<Record<keyof BtfFeatures, string>> = {
  func: '5.0',
  funcGlobal: '5.6',
  datasec: '5.2',
  qmarkDatasec: '6.4',
  float: '5.13',
  declTag: '5.16',
  typeTag: '5.17',
  enum64: '6.0',
};

/** Linux release that added each `bpf_attr` field tsbpf asks about. */
export const attrFieldSince: Readonly<Record<string, string>> = {
  fd_array: '5.14',
  log_true_size: '6.4',
  attach_btf_obj_fd: '5.11',
  core_relos: '5.17',
};

function tryLoad(build: (b: Builder) => void): boolean {
  const b = new Builder();
  build(b);
  try {
    btfLoad(b.marshal(), { logSize: 4096 }).close();
    return true;
  } catch (err) {
    if (err instanceof KernelError && (err.errno === 1 || err.errno === 13)) throw err; // not permitted: probing is pointless
    return false;
  }
}

/**
 * Probes which BTF kinds the kernel accepts, one tiny `BPF_BTF_LOAD` each.
 *
 * @throws {@link KernelError} when BTF cannot be loaded at all for lack of privilege.
 */
export function probeBtfFeatures(): BtfFeatures {
  return {
    func: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      b.addFunc('f', b.addFuncProto(int, [{ name: 'a', typeId: int }]), 'static');
    }),
    funcGlobal: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      b.addFunc('f', b.addFuncProto(int, [{ name: 'a', typeId: int }]), 'global');
    }),
    datasec: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      const v = b.addVar('x', int, 'global');
      b.addDatasec('.data', 4, [{ typeId: v, offset: 0, size: 4 }]);
    }),
    qmarkDatasec: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      const v = b.addVar('x', int, 'global');
      b.addDatasec('?.data', 4, [{ typeId: v, offset: 0, size: 4 }]);
    }),
    float: tryLoad((b) => {
      b.addFloat('float', 4);
    }),
    declTag: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      const s = b.addStruct('s', 4, [{ name: 'a', typeId: int, bitOffset: 0 }]);
      b.addDeclTag('tag', s, -1);
    }),
    typeTag: tryLoad((b) => {
      const int = b.addInt('int', 4, 1);
      b.addPtr(b.addTypeTag('tag', int));
    }),
    enum64: tryLoad((b) => {
      b.addEnum64('e', 8, [{ name: 'A', value: 1n << 40n }]);
    }),
  };
}

function enumNames(spec: Spec, name: string, prefix: string): Record<string, boolean> | undefined {
  const e = spec.anyTypeByName(name, 'enum');
  if (e === undefined) return undefined;
  const out: Record<string, boolean> = {};
  for (const v of e.values) {
    if (v.name.startsWith(prefix) && !v.name.startsWith('__MAX')) out[v.name.slice(prefix.length).toLowerCase()] = true;
  }
  return out;
}

/** Every member name reachable in `union bpf_attr` (through its anonymous structs). */
function attrMembers(spec: Spec): Set<string> {
  const out = new Set<string>();
  const walk = (t: Type, depth: number) => {
    if (depth > 4 || (t.kind !== 'struct' && t.kind !== 'union')) return;
    for (const m of t.members) {
      if (m.name !== '') out.add(m.name);
      walk(m.type, depth + 1);
    }
  };
  const u = spec.anyTypeByName('bpf_attr', 'union');
  if (u !== undefined) walk(u, 0);
  return out;
}

function probeByLoading(): { progTypes: Record<string, boolean>; mapTypes: Record<string, boolean> } {
  const progTypes: Record<string, boolean> = {};
  const exit = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  for (const [name, n] of Object.entries(namesOf('prog'))) {
    try {
      progLoad({ type: n, instructions: exit, license: 'GPL', logSize: 4096 }).fd.close();
      progTypes[name] = true;
    } catch (err) {
      // A known type that refuses this trivial program (needs an attach target...) still exists.
      progTypes[name] = err instanceof KernelError && err.log !== undefined && err.log.length > 0;
    }
  }
  const mapTypes: Record<string, boolean> = {};
  for (const [name, n] of Object.entries(namesOf('map'))) {
    try {
      mapCreate({ type: n, keySize: 4, valueSize: 8, maxEntries: 4096 }).close();
      mapTypes[name] = true;
    } catch (err) {
      mapTypes[name] = err instanceof KernelError && err.errno !== 22;
    }
  }
  return { progTypes, mapTypes };
}

function namesOf(which: 'prog' | 'map'): Record<string, number> {
  const table: Record<string, number> = which === 'prog' ? ProgType : MapType;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(table)) if (v !== 0) out[k.toLowerCase()] = v;
  return out;
}

let cached: KernelFeatures | undefined;
let cachedBtf: BtfFeatures | undefined;

/**
 * The BTF kinds the running kernel accepts, probed once per process (what the loader sanitizes
 * an object's BTF for), without the rest of {@link kernelFeatures}.
 *
 * @throws {@link KernelError} when the process may not load BTF at all.
 */
export function kernelBtfFeatures(): BtfFeatures {
  cachedBtf ??= cached?.btf ?? probeBtfFeatures();
  return cachedBtf;
}

/**
 * Probes the running kernel once (later calls return the same object).
 *
 * @throws {@link KernelError} when the process may not use bpf() at all.
 */
export function kernelFeatures(): KernelFeatures {
  if (cached !== undefined) return cached;
  let release = '';
  try {
    release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // Not Linux, or /proc not mounted: the release stays unknown.
  }
  let vmlinux: Spec | undefined;
  try {
    vmlinux = loadSpec(readFileSync('/sys/kernel/btf/vmlinux'));
  } catch {
    vmlinux = undefined;
  }
  const btf = kernelBtfFeatures();
  let progTypes = vmlinux && enumNames(vmlinux, 'bpf_prog_type', 'BPF_PROG_TYPE_');
  let mapTypes = vmlinux && enumNames(vmlinux, 'bpf_map_type', 'BPF_MAP_TYPE_');
  if (progTypes === undefined || mapTypes === undefined) {
    const probed = probeByLoading();
    progTypes = probed.progTypes;
    mapTypes = probed.mapTypes;
  }
  const attrs = vmlinux !== undefined ? attrMembers(vmlinux) : new Set<string>();
  cached = {
    release,
    vmlinuxBtf: vmlinux !== undefined,
    btf,
    progTypes,
    mapTypes,
    attachTypes: (vmlinux && enumNames(vmlinux, 'bpf_attach_type', 'BPF_')) ?? {},
    linkTypes: (vmlinux && enumNames(vmlinux, 'bpf_link_type', 'BPF_LINK_TYPE_')) ?? {},
    attrFields: Object.fromEntries(Object.keys(attrFieldSince).map((f) => [f, attrs.has(f)])),
  };
  return cached;
}

type Feature =
  | { kind: 'prog'; type: number }
  | { kind: 'map'; type: number }
  | { kind: 'link'; type: number }
  | { kind: 'btf'; name: keyof BtfFeatures }
  | { kind: 'attr'; name: string };

/**
 * Checks that the kernel described by `features` has `feature`.
 *
 * @throws {@link NotSupportedError} naming the feature and the Linux release that added it.
 */
export function requireFeature(features: KernelFeatures, feature: Feature, what = ''): void {
  const prefix = what === '' ? '' : `${what}: `;
  const on = features.release !== '' ? ` (this kernel: ${features.release})` : '';
  switch (feature.kind) {
    case 'prog':
    case 'map':
    case 'link': {
      const table = feature.kind === 'prog' ? ProgType : feature.kind === 'map' ? MapType : undefined;
      const since = feature.kind === 'prog' ? progTypeSince : feature.kind === 'map' ? mapTypeSince : linkTypeSince;
      const have = feature.kind === 'prog' ? features.progTypes : feature.kind === 'map' ? features.mapTypes : features.linkTypes;
      const name =
        table !== undefined
          ? Object.entries(table)
              .find(([, v]) => v === feature.type)?.[0]
              ?.toLowerCase()
          : undefined;
      const key = name ?? Object.keys(have).find((k) => k === String(feature.type));
      if (key !== undefined && have[key] === true) return;
      if (feature.kind === 'link' && Object.keys(have).length === 0) return; // unknown: let the kernel say
      throw new NotSupportedError(
        `${prefix}${feature.kind} type ${name ?? feature.type} is not supported${on}`,
        since[feature.type],
      );
    }
    case 'btf':
      if (features.btf[feature.name]) return;
      throw new NotSupportedError(`${prefix}BTF ${feature.name} is not supported${on}`, btfFeatureSince[feature.name]);
    case 'attr':
      if (features.attrFields[feature.name] === true || !features.vmlinuxBtf) return;
      throw new NotSupportedError(`${prefix}bpf_attr field ${feature.name} is not supported${on}`, attrFieldSince[feature.name]);
  }
}
