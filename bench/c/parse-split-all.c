/* parse-split-all <dir> [iters]
 *
 * Treat dir like /sys/kernel/btf: dir/vmlinux is the base, every other
 * regular file is a module's split BTF on it. Each iteration parses the base
 * and then every module with btf__parse_split, keeping them all loaded (as a
 * loader holding every module's BTF does), then frees everything. Reports the
 * median milliseconds, module and type counts, and peak RSS.
 */
#include "common.h"

int main(int argc, char **argv)
{
	struct btf_dir d;
	struct btf **mods;
	unsigned long types = 0, base_types = 0;
	double *runs, base_ms = 0;
	int iters = 1;

	if (argc < 2 || argc > 3)
		die("usage: %s <dir> [iters]", argv[0]);
	if (argc == 3 && (iters = atoi(argv[2])) < 1)
		die("iters: %s: must be a positive integer", argv[2]);

	btf_dir_open(&d, argv[1]);
	mods = calloc(d.count ? d.count : 1, sizeof(*mods));
	runs = calloc(iters, sizeof(*runs));
	if (!mods || !runs)
		die("calloc: out of memory");

	for (int it = 0; it < iters; it++) {
		double t0 = now_ms();
		struct btf *base = check_btf(btf__parse(d.base_path, NULL), "btf__parse", d.base_path);

		base_ms = now_ms() - t0;
		base_types = own_types(base);
		types = 0;
		for (int i = 0; i < d.count; i++) {
			const char *path = btf_dir_path(&d, i);

			mods[i] = check_btf(btf__parse_split(path, base), "btf__parse_split", path);
			types += own_types(mods[i]);
		}
		runs[it] = now_ms() - t0;

		for (int i = 0; i < d.count; i++)
			btf__free(mods[i]);
		btf__free(base);
	}

	double first = runs[0];
	double med = median(runs, iters);

	printf("{\"bench\":\"parse-split-all\",\"dir\":");
	json_str(d.dir);
	printf(",\"iters\":%d,\"modules\":%d,\"base_types\":%lu,\"module_types\":%lu,"
	       "\"ms\":%.3f,\"min_ms\":%.3f,\"first_ms\":%.3f,\"base_ms\":%.3f,\"peak_rss_kb\":%ld}\n",
	       iters, d.count, base_types, types, med, runs[0], first, base_ms, peak_rss_kb());

	btf_dir_close(&d);
	free(mods);
	free(runs);
	return 0;
}
