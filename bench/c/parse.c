/* parse <btf-file> [iters]
 *
 * Time btf__parse (raw BTF or an ELF object's .BTF) followed by btf__free,
 * over iters runs (default 20). Prints the median and best run.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *path;
	unsigned int types = 0;
	double *runs;
	int iters = 20;

	if (argc < 2 || argc > 3)
		die("usage: %s <btf-file> [iters]", argv[0]);
	path = argv[1];
	if (argc == 3 && (iters = atoi(argv[2])) < 1)
		die("iters: %s: must be a positive integer", argv[2]);

	runs = calloc(iters, sizeof(*runs));
	if (!runs)
		die("calloc: out of memory");

	for (int i = 0; i < iters; i++) {
		double t0 = now_ms();
		struct btf *btf = btf__parse(path, NULL);

		check_btf(btf, "btf__parse", path);
		types = own_types(btf);
		btf__free(btf);
		runs[i] = now_ms() - t0;
	}

	double first = runs[0];
	double med = median(runs, iters);

	printf("{\"bench\":\"parse\",\"file\":");
	json_str(path);
	printf(",\"iters\":%d,\"ms\":%.3f,\"min_ms\":%.3f,\"first_ms\":%.3f,\"types\":%u,\"peak_rss_kb\":%ld}\n",
	       iters, med, runs[0], first, types, peak_rss_kb());
	free(runs);
	return 0;
}
