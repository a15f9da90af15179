/* object-info: what libbpf makes of a BPF object when it opens it (no kernel involved), as JSON.
 *
 * Usage: object-info OBJ
 *
 * Output (one JSON document on stdout):
 *   {"object":S,"name":S,"kernelVersion":N,
 *    "programs":[{"name","section","type":N,"expectedAttachType":N,"autoload":BOOL,"insns":N}],
 *    "maps":[{"name","type":N,"keySize","valueSize","maxEntries","flags":N,"numaNode":N,
 *             "internal":BOOL,"initialValueSize":N|null}]}
 * "kernelVersion" is the object's version section, or (libbpf 1.1) the running kernel's version
 * when the object has none. Programs are libbpf's entry-point programs (sub-programs in .text are not listed), "insns"
 * their instruction count as compiled (8-byte slots). Types are the kernel's enum values. Maps
 * include the internal global-data maps libbpf creates (.data, .bss, .rodata, .kconfig...), with
 * libbpf's names for them. Exit status 1 when libbpf cannot open the object.
 * Built by `make -C test/oracle` against libbpf-dev (libbpf 1.1 on Debian 12).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "json.h"

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int first;

	if (argc != 2) {
		fprintf(stderr, "usage: object-info OBJ\n");
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "object-info: %s: open failed: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("{\"object\":");
	json_str(argv[1]);
	printf(",\"name\":");
	json_str(bpf_object__name(obj));
	printf(",\"kernelVersion\":%u,\"programs\":[", bpf_object__kversion(obj));
	first = 1;
	bpf_object__for_each_program(prog, obj) {
		printf("%s{\"name\":", first ? "" : ",");
		json_str(bpf_program__name(prog));
		printf(",\"section\":");
		json_str(bpf_program__section_name(prog));
		printf(",\"type\":%d,\"expectedAttachType\":%d,\"autoload\":%s,\"insns\":%zu}", bpf_program__type(prog),
		       bpf_program__expected_attach_type(prog), bpf_program__autoload(prog) ? "true" : "false",
		       bpf_program__insn_cnt(prog));
		first = 0;
	}
	printf("],\"maps\":[");
	first = 1;
	bpf_object__for_each_map(map, obj) {
		size_t size = 0;
		const void *init = bpf_map__initial_value(map, &size);

		printf("%s{\"name\":", first ? "" : ",");
		json_str(bpf_map__name(map));
		printf(",\"type\":%d,\"keySize\":%u,\"valueSize\":%u,\"maxEntries\":%u,\"flags\":%u,\"numaNode\":%u,"
		       "\"internal\":%s,\"initialValueSize\":",
		       bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map), bpf_map__max_entries(map),
		       bpf_map__map_flags(map), bpf_map__numa_node(map), bpf_map__is_internal(map) ? "true" : "false");
		if (init)
			printf("%zu}", size);
		else
			printf("null}");
		first = 0;
	}
	printf("]}\n");
	bpf_object__close(obj);
	return 0;
}
