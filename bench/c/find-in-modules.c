/* find-in-modules <dir> <name> [kind]
 *
 * Find a type (a function by default) the way libbpf resolves an attach
 * target that may live in a kernel module: look in vmlinux first; when it is
 * not there, load every module's split BTF (dir laid out like /sys/kernel/btf)
 * and take the first module that has it, by btf__find_by_name_kind (which,
 * as in libbpf, scans the base types too). After the timed part every module
 * is searched so that the number of matches is reported too.
 *
 * kind is a BTF kind name: func (default), struct, union, enum, typedef, var...
 */
#include "common.h"

static const char *const kind_names[] = {
	[BTF_KIND_INT] = "int",		[BTF_KIND_PTR] = "ptr",
	[BTF_KIND_ARRAY] = "array",	[BTF_KIND_STRUCT] = "struct",
	[BTF_KIND_UNION] = "union",	[BTF_KIND_ENUM] = "enum",
	[BTF_KIND_FWD] = "fwd",		[BTF_KIND_TYPEDEF] = "typedef",
	[BTF_KIND_VOLATILE] = "volatile", [BTF_KIND_CONST] = "const",
	[BTF_KIND_RESTRICT] = "restrict", [BTF_KIND_FUNC] = "func",
	[BTF_KIND_FUNC_PROTO] = "func_proto", [BTF_KIND_VAR] = "var",
	[BTF_KIND_DATASEC] = "datasec",	[BTF_KIND_FLOAT] = "float",
	[BTF_KIND_DECL_TAG] = "decl_tag", [BTF_KIND_TYPE_TAG] = "type_tag",
	[BTF_KIND_ENUM64] = "enum64",
};

static __u32 parse_kind(const char *s)
{
	for (__u32 k = 1; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (kind_names[k] && strcasecmp(s, kind_names[k]) == 0)
			return k;
	die("kind: %s: not a BTF kind name", s);
}

int main(int argc, char **argv)
{
	const char *name, *found_in = NULL;
	struct btf_dir d;
	struct btf *base, **mods;
	__u32 kind = BTF_KIND_FUNC;
	int id, found_id = 0, matches = 0, parsed = 0;
	double t0, t_base, t1;

	if (argc < 3 || argc > 4)
		die("usage: %s <dir> <name> [kind]", argv[0]);
	name = argv[2];
	if (argc == 4)
		kind = parse_kind(argv[3]);
	btf_dir_open(&d, argv[1]);
	mods = calloc(d.count ? d.count : 1, sizeof(*mods));
	if (!mods)
		die("calloc: out of memory");

	t0 = now_ms();
	base = check_btf(btf__parse(d.base_path, NULL), "btf__parse", d.base_path);
	id = btf__find_by_name_kind(base, name, kind);
	if (id != -ENOENT)
		check_int(id, "btf__find_by_name_kind", name);
	t_base = now_ms();
	if (id > 0) {
		found_in = "vmlinux";
		found_id = id;
		matches = 1;
	} else {
		for (int i = 0; i < d.count; i++) {
			const char *path = btf_dir_path(&d, i);

			mods[i] = check_btf(btf__parse_split(path, base), "btf__parse_split", path);
			parsed++;
		}
		for (int i = 0; i < d.count && !found_in; i++) {
			id = btf__find_by_name_kind(mods[i], name, kind);
			if (id == -ENOENT)
				continue;
			check_int(id, "btf__find_by_name_kind", d.names[i]);
			found_in = d.names[i];
			found_id = id;
		}
	}
	t1 = now_ms();

	/* Untimed: count every module that has the name, to show ambiguity. */
	if (found_in && parsed > 0) {
		for (int i = 0; i < parsed; i++)
			if (btf__find_by_name_kind(mods[i], name, kind) > 0)
				matches++;
	}

	printf("{\"bench\":\"find-in-modules\",\"dir\":");
	json_str(d.dir);
	printf(",\"name\":");
	json_str(name);
	printf(",\"kind\":\"%s\",\"found_in\":", kind_names[kind]);
	if (found_in)
		json_str(found_in);
	else
		printf("null");
	printf(",\"type_id\":%d,\"matches\":%d,\"modules\":%d,\"modules_parsed\":%d,"
	       "\"vmlinux_ms\":%.3f,\"ms\":%.3f,\"peak_rss_kb\":%ld}\n",
	       found_id, matches, d.count, parsed, t_base - t0, t1 - t0, peak_rss_kb());

	for (int i = 0; i < parsed; i++)
		btf__free(mods[i]);
	btf__free(base);
	btf_dir_close(&d);
	free(mods);
	return 0;
}
