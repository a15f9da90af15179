// Oracle for the object reader: opens a BPF object with libbpf and writes the object's BTF as
// libbpf fixed it up at open time (DATASEC sizes, VAR offsets, .kconfig and .ksyms layout) to
// stdout, then one line per map on stderr (name, type, key size, value size, max entries, flags) and one
// per program (`prog`, name, section, type, expected attach type, flags, instruction count).
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdio.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) { return 0; }

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open failed\n");
		return 1;
	}
	struct btf *btf = bpf_object__btf(obj);
	__u32 size = 0;
	const void *raw = btf__raw_data(btf, &size);
	fwrite(raw, 1, size, stdout);
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		fprintf(stderr, "map %s %u %u %u %u %u\n", bpf_map__name(map), bpf_map__type(map), bpf_map__key_size(map),
			bpf_map__value_size(map), bpf_map__max_entries(map), bpf_map__map_flags(map));
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		fprintf(stderr, "prog %s %s %u %u %u %zu %d\n", bpf_program__name(prog), bpf_program__section_name(prog),
			bpf_program__type(prog), bpf_program__expected_attach_type(prog), bpf_program__flags(prog),
			bpf_program__insn_cnt(prog), bpf_program__autoload(prog));
	}
	bpf_object__close(obj);
	return 0;
}
