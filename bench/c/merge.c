/* merge <dir> [-o out]
 *
 * Merge every module's split BTF of a /sys/kernel/btf-like dir into one new
 * split BTF on dir/vmlinux, then btf__dedup it.
 *
 * libbpf 1.1's btf__add_btf refuses split sources (-ENOTSUP), and
 * btf__add_type copies a type and re-homes its strings but leaves its type
 * IDs as they were. So each module type is copied into a local buffer, the
 * IDs in it that point into the module (>= the base's type count) are moved
 * to where that module's types land in the merged BTF, IDs into the base are
 * kept, and the copy is appended with btf__add_type(merged, module, copy).
 *
 * Reports type counts before and after dedup, parse/add/dedup milliseconds,
 * the raw size of the result and peak RSS. -o writes the result as raw BTF
 * and checks that it parses back as split BTF on the base (untimed).
 */
#include "common.h"

/* Size in bytes of a type record and the data that follows it, or -1. */
static long type_size(const struct btf_type *t)
{
	long n = sizeof(*t), vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return n + sizeof(__u32);
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
		return n;
	case BTF_KIND_ARRAY:
		return n + sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return n + vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return n + vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return n + vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return n + vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return n + sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return n + vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return n + sizeof(struct btf_decl_tag);
	default:
		return -1;
	}
}

struct id_map {
	__u32 src_start; /* first type ID of the source module */
	__u32 dst_start; /* where that ID lands in the merged BTF */
};

static void remap(__u32 *id, const struct id_map *m)
{
	if (*id >= m->src_start)
		*id = *id - m->src_start + m->dst_start;
}

/* Rewrite every type ID that t (a private copy) refers to. */
static void remap_type(struct btf_type *t, const struct id_map *m)
{
	int vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC:
	case BTF_KIND_VAR: case BTF_KIND_DECL_TAG: case BTF_KIND_TYPE_TAG:
		remap(&t->type, m);
		break;
	case BTF_KIND_ARRAY: {
		struct btf_array *a = (struct btf_array *)(t + 1);

		remap(&a->type, m);
		remap(&a->index_type, m);
		break;
	}
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
		struct btf_member *mem = (struct btf_member *)(t + 1);

		for (int i = 0; i < vlen; i++)
			remap(&mem[i].type, m);
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		struct btf_param *p = (struct btf_param *)(t + 1);

		remap(&t->type, m);
		for (int i = 0; i < vlen; i++)
			remap(&p[i].type, m);
		break;
	}
	case BTF_KIND_DATASEC: {
		struct btf_var_secinfo *v = (struct btf_var_secinfo *)(t + 1);

		for (int i = 0; i < vlen; i++)
			remap(&v[i].type, m);
		break;
	}
	default: /* INT, FWD, ENUM, ENUM64, FLOAT refer to no type */
		break;
	}
}

/* Append every type of split BTF mod (on the same base as dst) to dst. */
static void add_module(struct btf *dst, const struct btf *mod, const char *name)
{
	static void *buf;
	static long buf_cap;
	__u32 start = btf__type_cnt(btf__base_btf(mod)), end = btf__type_cnt(mod);
	struct id_map m = { .src_start = start, .dst_start = btf__type_cnt(dst) };

	for (__u32 id = start; id < end; id++) {
		const struct btf_type *t = btf__type_by_id(mod, id);
		long sz = type_size(t);

		if (sz < 0)
			die("%s: type [%u]: unknown kind %u", name, id, btf_kind(t));
		if (sz > buf_cap) {
			buf_cap = sz * 2;
			buf = realloc(buf, buf_cap);
			if (!buf)
				die("realloc: out of memory");
		}
		memcpy(buf, t, sz);
		remap_type(buf, &m);
		check_int(btf__add_type(dst, mod, buf), "btf__add_type", name);
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	struct btf_dir d;
	struct btf *base, *merged;
	unsigned int before, after;
	double t0, parse_ms = 0, add_ms = 0, dedup_ms;
	const void *raw;
	__u32 size;
	int opt;

	while ((opt = getopt(argc, argv, "o:")) != -1) {
		if (opt != 'o')
			die("usage: %s <dir> [-o out]", argv[0]);
		out = optarg;
	}
	if (optind != argc - 1)
		die("usage: %s <dir> [-o out]", argv[0]);
	btf_dir_open(&d, argv[optind]);

	t0 = now_ms();
	base = check_btf(btf__parse(d.base_path, NULL), "btf__parse", d.base_path);
	merged = check_btf(btf__new_empty_split(base), "btf__new_empty_split", d.base_path);
	parse_ms += now_ms() - t0;

	for (int i = 0; i < d.count; i++) {
		const char *path = btf_dir_path(&d, i);
		struct btf *mod;
		double t1 = now_ms(), t2;

		mod = check_btf(btf__parse_split(path, base), "btf__parse_split", path);
		t2 = now_ms();
		add_module(merged, mod, d.names[i]);
		btf__free(mod);
		parse_ms += t2 - t1;
		add_ms += now_ms() - t2;
	}
	before = own_types(merged);

	t0 = now_ms();
	check_int(btf__dedup(merged, NULL), "btf__dedup", "merged");
	dedup_ms = now_ms() - t0;
	after = own_types(merged);

	raw = btf__raw_data(merged, &size);
	if (!raw)
		die("btf__raw_data(merged): error %d: %s", -errno, strerror(errno));

	long rss = peak_rss_kb();
	long reparsed = -1;

	if (out) {
		struct btf *back;

		write_file(out, raw, size);
		back = check_btf(btf__parse_split(out, base), "btf__parse_split", out);
		reparsed = own_types(back);
		if (reparsed != after)
			die("%s: parsed back %ld types, wrote %u", out, reparsed, after);
		btf__free(back);
	}

	printf("{\"bench\":\"merge\",\"dir\":");
	json_str(d.dir);
	printf(",\"modules\":%d,\"types_before\":%u,\"types_after\":%u,\"parse_ms\":%.3f,"
	       "\"add_ms\":%.3f,\"dedup_ms\":%.3f,\"ms\":%.3f,\"bytes\":%u,\"peak_rss_kb\":%ld",
	       d.count, before, after, parse_ms, add_ms, dedup_ms, parse_ms + add_ms + dedup_ms,
	       size, rss);
	if (out) {
		printf(",\"out\":");
		json_str(out);
	}
	printf("}\n");

	btf__free(merged);
	btf__free(base);
	btf_dir_close(&d);
	return 0;
}
