/* dedup <btf-file> [-n iters] [-o out]
 *
 * btf__parse the file, then btf__dedup it. Only btf__dedup is timed; each of
 * the iters runs (default 3) works on a freshly parsed copy. Reports type
 * counts before and after, the median milliseconds, and the raw size of the
 * result (btf__raw_data); -o writes that raw BTF to out.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *path = NULL, *out = NULL;
	unsigned int before = 0, after = 0;
	__u32 size = 0;
	double *runs;
	int iters = 3, opt;

	while ((opt = getopt(argc, argv, "n:o:")) != -1) {
		if (opt == 'n' && (iters = atoi(optarg)) >= 1)
			continue;
		if (opt == 'o') {
			out = optarg;
			continue;
		}
		die("usage: %s <btf-file> [-n iters] [-o out]", argv[0]);
	}
	if (optind != argc - 1)
		die("usage: %s <btf-file> [-n iters] [-o out]", argv[0]);
	path = argv[optind];

	runs = calloc(iters, sizeof(*runs));
	if (!runs)
		die("calloc: out of memory");

	for (int i = 0; i < iters; i++) {
		struct btf *btf = check_btf(btf__parse(path, NULL), "btf__parse", path);
		const void *raw;
		double t0;

		before = own_types(btf);
		t0 = now_ms();
		check_int(btf__dedup(btf, NULL), "btf__dedup", path);
		runs[i] = now_ms() - t0;
		after = own_types(btf);

		raw = btf__raw_data(btf, &size);
		if (!raw)
			die("btf__raw_data(%s): error %d: %s", path, -errno, strerror(errno));
		if (out && i == iters - 1)
			write_file(out, raw, size);
		btf__free(btf);
	}

	double first = runs[0];
	double med = median(runs, iters);

	printf("{\"bench\":\"dedup\",\"file\":");
	json_str(path);
	printf(",\"iters\":%d,\"types_before\":%u,\"types_after\":%u,\"ms\":%.3f,\"min_ms\":%.3f,"
	       "\"first_ms\":%.3f,\"bytes\":%u,\"peak_rss_kb\":%ld}\n",
	       iters, before, after, med, runs[0], first, size, peak_rss_kb());
	free(runs);
	return 0;
}
