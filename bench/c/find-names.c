/* find-names <btf-file> <names-file>
 *
 * btf__parse the file, then btf__find_by_name for every name in names-file
 * (one per line; make one with list-names). Reports parse, lookup and total
 * milliseconds and how many names were found.
 */
#include "common.h"

/* Read the lines of path into a NULL-terminated array of strings. */
static char **read_lines(const char *path, int *count)
{
	FILE *f = fopen(path, "r");
	char **lines = NULL, *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0, size = 0;

	if (!f)
		die("fopen(%s): %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n + 1 >= size) {
			size = size ? size * 2 : 1024;
			lines = realloc(lines, size * sizeof(*lines));
			if (!lines)
				die("realloc: out of memory");
		}
		lines[n++] = strdup(line);
	}
	if (ferror(f))
		die("read(%s): %s", path, strerror(errno));
	free(line);
	fclose(f);
	*count = n;
	return lines;
}

int main(int argc, char **argv)
{
	const char *path, *names_path;
	char **names;
	int count, found = 0;
	struct btf *btf;
	double t0, t1, t2;

	if (argc != 3)
		die("usage: %s <btf-file> <names-file>", argv[0]);
	path = argv[1];
	names_path = argv[2];
	names = read_lines(names_path, &count);
	if (count == 0)
		die("%s: no names", names_path);

	t0 = now_ms();
	btf = check_btf(btf__parse(path, NULL), "btf__parse", path);
	t1 = now_ms();
	for (int i = 0; i < count; i++) {
		int id = btf__find_by_name(btf, names[i]);

		if (id > 0)
			found++;
		else if (id != -ENOENT)
			check_int(id, "btf__find_by_name", names[i]);
	}
	t2 = now_ms();

	printf("{\"bench\":\"find-names\",\"file\":");
	json_str(path);
	printf(",\"names\":%d,\"found\":%d,\"parse_ms\":%.3f,\"lookup_ms\":%.3f,\"ms\":%.3f,"
	       "\"types\":%u,\"peak_rss_kb\":%ld}\n",
	       count, found, t1 - t0, t2 - t1, t2 - t0, own_types(btf), peak_rss_kb());

	btf__free(btf);
	for (int i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return 0;
}
