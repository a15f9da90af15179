// libbpf's sizes and alignments of every type of a BTF file: one line per type ID,
// "<id> <btf__resolve_size> <btf__align_of>", after a first line "ptr_sz <btf__pointer_size>".
// Usage: type-layout <btf file> [base btf file]
#include <errno.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s <btf> [base]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(NULL);
	struct btf *base = NULL, *btf;
	if (argc > 2) {
		base = btf__parse(argv[2], NULL);
		if (!base) {
			fprintf(stderr, "%s: %d\n", argv[2], -errno);
			return 1;
		}
		btf = btf__parse_split(argv[1], base);
	} else {
		btf = btf__parse(argv[1], NULL);
	}
	if (!btf) {
		fprintf(stderr, "%s: %d\n", argv[1], -errno);
		return 1;
	}
	__u32 n = btf__type_cnt(btf);
	// Sizes first: btf__align_of may set the pointer size as a side effect; resolve_size too.
	printf("ptr_sz %zu\n", btf__pointer_size(btf));
	for (__u32 id = 0; id < n; id++) {
		__s64 size = btf__resolve_size(btf, id);
		int align = btf__align_of(btf, id);
		printf("%u %lld %d\n", id, (long long)(size < 0 ? -1 : size), align < 0 ? 0 : align);
	}
	btf__free(btf);
	btf__free(base);
	return 0;
}
