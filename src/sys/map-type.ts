/**
 * `enum bpf_map_type`: map types, with the kernel release that added each.
 *
 * @module
 */

/** Map type numbers (`BPF_MAP_TYPE_*` without the prefix). */
export const MapType = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
} as const;

/** A map type number. */
export type MapType = (typeof MapType)[keyof typeof MapType];

/** The Linux release that added each map type. */
export const mapTypeSince: Readonly<Record<number, string>> = {
  1: '3.19',
  2: '3.19',
  3: '4.2',
  4: '4.3',
  5: '4.6',
  6: '4.6',
  7: '4.6',
  8: '4.8',
  9: '4.10',
  10: '4.10',
  11: '4.11',
  12: '4.12',
  13: '4.12',
  14: '4.14',
  15: '4.14',
  16: '4.15',
  17: '4.18',
  18: '4.18',
  19: '4.19',
  20: '4.19',
  21: '4.20',
  22: '4.20',
  23: '4.20',
  24: '5.2',
  25: '5.4',
  26: '5.6',
  27: '5.8',
  28: '5.10',
  29: '5.11',
  30: '5.16',
  31: '6.1',
  32: '6.2',
  33: '6.9',
};

const mapTypeNames = new Map<number, string>(Object.entries(MapType).map(([k, v]) => [v, k.toLowerCase()]));

/** The lower-case name of a map type (`hash`, `ringbuf`), as bpftool prints it; `type N` if unknown. */
export function mapTypeName(type: number): string {
  return mapTypeNames.get(type) ?? `type ${type}`;
}

/** Whether a map of this type holds one value per possible CPU. */
export function isPerCpuMapType(type: number): boolean {
  return (
    type === MapType.PERCPU_HASH ||
    type === MapType.PERCPU_ARRAY ||
    type === MapType.LRU_PERCPU_HASH ||
    type === MapType.PERCPU_CGROUP_STORAGE
  );
}
