/* list-names <btf-file> [count]
 *
 * Print count (default 1000) distinct type names of a BTF file, one per line,
 * picked at even strides across the type table so that lookups of them
 * exercise the whole table. Used to make the names file for find-names, so
 * that tsbpf and libbpf look up the same names.
 */
#include "common.h"

static const struct btf *sort_btf;

static const char *type_name(unsigned int id)
{
	const char *name = btf__name_by_offset(sort_btf, btf__type_by_id(sort_btf, id)->name_off);

	return name ? name : "";
}

static int cmp_name_id(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;
	int c = strcmp(type_name(x), type_name(y));

	return c ? c : (x > y) - (x < y);
}

static int cmp_id(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *path;
	unsigned int n, named = 0, printed = 0;
	unsigned int *ids;
	int count = 1000;
	struct btf *btf;

	if (argc < 2 || argc > 3)
		die("usage: %s <btf-file> [count]", argv[0]);
	path = argv[1];
	if (argc == 3 && (count = atoi(argv[2])) < 1)
		die("count: %s: must be a positive integer", argv[2]);

	btf = check_btf(btf__parse(path, NULL), "btf__parse", path);
	n = btf__type_cnt(btf);

	/* Keep the first ID of each name (sort named IDs by name then ID, keep
	 * the head of each run, and put them back in ID order), so the printed
	 * names are distinct and each is found at the ID it was picked at.
	 */
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		die("calloc: out of memory");
	sort_btf = btf;
	for (unsigned int id = 1; id < n; id++)
		if (type_name(id)[0])
			ids[named++] = id;
	qsort(ids, named, sizeof(*ids), cmp_name_id);
	unsigned int kept = 0;
	for (unsigned int i = 0; i < named; i++)
		if (i == 0 || strcmp(type_name(ids[i]), type_name(ids[kept - 1])) != 0)
			ids[kept++] = ids[i];
	named = kept;
	qsort(ids, named, sizeof(*ids), cmp_id);
	if ((unsigned int)count > named)
		die("%s: only %u distinct names, %d asked", path, named, count);

	for (int i = 0; i < count; i++) {
		unsigned int id = ids[(unsigned long)i * named / count];

		puts(type_name(id));
		printed++;
	}
	fprintf(stderr, "%s: %u names of %u distinct\n", path, printed, named);
	free(ids);
	btf__free(btf);
	return 0;
}
