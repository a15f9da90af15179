/* Shared helpers for the libbpf peer benchmarks: timing, peak RSS, error
 * reporting, JSON output and listing a BTF directory laid out like
 * /sys/kernel/btf (a "vmlinux" base plus one split file per module).
 *
 * Every harness prints exactly one JSON object on one line to stdout; all
 * diagnostics go to stderr, and any failure exits with status 1.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Milliseconds on the monotonic clock. */
static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process (every thread), in milliseconds. */
static inline double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Peak resident set size of this process so far, in KiB. */
static inline long peak_rss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

/* Print "<what>: <message>" to stderr and exit with status 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Check a pointer returned by a libbpf constructor; on failure report the
 * libbpf error (a negative errno) with the call and its subject, then exit.
 */
static inline struct btf *check_btf(struct btf *btf, const char *call, const char *subject)
{
	long err = libbpf_get_error(btf);

	if (err) {
		char msg[128];

		libbpf_strerror((int)err, msg, sizeof(msg));
		die("%s(%s): error %ld: %s", call, subject, err, msg);
	}
	return btf;
}

/* Check an int result of a libbpf call (negative errno on failure). */
static inline int check_int(int ret, const char *call, const char *subject)
{
	if (ret < 0) {
		char msg[128];

		libbpf_strerror(ret, msg, sizeof(msg));
		die("%s(%s): error %d: %s", call, subject, ret, msg);
	}
	return ret;
}

/* Number of types a BTF object defines itself (not counting its base or void). */
static inline unsigned int own_types(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);
	unsigned int first = base ? btf__type_cnt(base) : 1;

	return btf__type_cnt(btf) - first;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of n samples; sorts them in place. */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Print s as a JSON string literal. */
static inline void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A BTF directory: the path of its base and the sorted names of every other
 * regular file in it (the split objects).
 */
struct btf_dir {
	char base_path[4096];
	char **names;
	int count;
	const char *dir;
};

static int select_module(const struct dirent *e)
{
	return e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux") != 0;
}

static inline void btf_dir_open(struct btf_dir *d, const char *dir)
{
	struct dirent **list;
	struct stat st;
	char path[4096];
	int n, i;

	d->dir = dir;
	snprintf(d->base_path, sizeof(d->base_path), "%s/vmlinux", dir);
	if (stat(d->base_path, &st) != 0)
		die("%s: %s", d->base_path, strerror(errno));

	n = scandir(dir, &list, select_module, alphasort);
	if (n < 0)
		die("scandir(%s): %s", dir, strerror(errno));

	d->names = calloc(n ? n : 1, sizeof(*d->names));
	if (!d->names)
		die("calloc: out of memory");
	d->count = 0;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			d->names[d->count++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

/* Full path of module i of a BTF directory (static buffer). */
static inline const char *btf_dir_path(const struct btf_dir *d, int i)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", d->dir, d->names[i]);
	return path;
}

static inline void btf_dir_close(struct btf_dir *d)
{
	for (int i = 0; i < d->count; i++)
		free(d->names[i]);
	free(d->names);
}

/* Write len bytes to path, or exit with the error. */
static inline void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die("fopen(%s): %s", path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("write(%s): %s", path, strerror(errno));
}

#endif /* BENCH_COMMON_H */
