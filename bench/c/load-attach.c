/* load-attach: open + load + attach of one BPF object with libbpf, then detach and close, timed.
 *
 * Usage: load-attach OBJ [-n iters] [--disable PROG]... [--max-entries MAP=N]... [--value-size MAP=N]...
 *
 * Each iteration is bpf_object__open_file, the tool's settings (autoload off for --disable
 * programs, map sizes), bpf_object__load (CO-RE relocation against the running kernel's BTF,
 * maps, programs through the verifier), bpf_program__attach of every loaded program, then
 * bpf_link__destroy and bpf_object__close (not timed). Prints one JSON line: "first_ms" (the
 * first iteration, cold for this process), "ms" (median of the others, or the first when -n 1),
 * "open_ms", "load_ms", "attach_ms" (medians of their parts), "programs" (loaded), "attached",
 * "maps", peak RSS. libbpf parses the kernel's vmlinux BTF anew in every bpf_object__load.
 */
#include "common.h"

#define MAX_ARGS 64

struct pair {
	const char *name;
	unsigned long value;
};

static const char *disabled[MAX_ARGS];
static struct pair max_entries[MAX_ARGS], value_sizes[MAX_ARGS];
static int ndisabled, nmax_entries, nvalue_sizes;

static int parse_pair(const char *arg, struct pair *out)
{
	const char *eq = strchr(arg, '=');

	if (!eq)
		return -1;
	out->name = strndup(arg, (size_t)(eq - arg));
	out->value = strtoul(eq + 1, NULL, 0);
	return 0;
}

struct run {
	double open_ms, load_ms, attach_ms, total_ms, cpu_ms;
	int programs, attached, maps;
};

static struct run once(const char *path)
{
	struct bpf_link *links[1024];
	struct bpf_program *prog;
	struct bpf_map *map;
	struct bpf_object *obj;
	struct run r = { 0 };
	int nlinks = 0, i;
	double t0, t1, t2, t3, c0;

	c0 = cpu_ms();
	t0 = now_ms();
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die("bpf_object__open_file(%s): %s", path, strerror(errno));
	bpf_object__for_each_program(prog, obj) {
		for (i = 0; i < ndisabled; i++)
			if (strcmp(bpf_program__name(prog), disabled[i]) == 0)
				bpf_program__set_autoload(prog, false);
	}
	bpf_object__for_each_map(map, obj) {
		for (i = 0; i < nmax_entries; i++)
			if (strcmp(bpf_map__name(map), max_entries[i].name) == 0)
				bpf_map__set_max_entries(map, (__u32)max_entries[i].value);
		for (i = 0; i < nvalue_sizes; i++)
			if (strcmp(bpf_map__name(map), value_sizes[i].name) == 0)
				bpf_map__set_value_size(map, (__u32)value_sizes[i].value);
		r.maps++;
	}
	t1 = now_ms();
	check_int(bpf_object__load(obj), "bpf_object__load", path);
	t2 = now_ms();
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		r.programs++;
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks])
			die("bpf_program__attach(%s): %s", bpf_program__name(prog), strerror(errno));
		nlinks++;
		r.attached++;
	}
	t3 = now_ms();
	r.cpu_ms = cpu_ms() - c0;
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	r.open_ms = t1 - t0;
	r.load_ms = t2 - t1;
	r.attach_ms = t3 - t2;
	r.total_ms = t3 - t0;
	return r;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int iters = 10, i;
	struct run first, r = { 0 };
	double *total, *open, *load, *attach, *cpu;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			iters = atoi(argv[++i]);
		else if (strcmp(argv[i], "--disable") == 0 && i + 1 < argc && ndisabled < MAX_ARGS)
			disabled[ndisabled++] = argv[++i];
		else if (strcmp(argv[i], "--max-entries") == 0 && i + 1 < argc && nmax_entries < MAX_ARGS &&
			 parse_pair(argv[i + 1], &max_entries[nmax_entries]) == 0)
			nmax_entries++, i++;
		else if (strcmp(argv[i], "--value-size") == 0 && i + 1 < argc && nvalue_sizes < MAX_ARGS &&
			 parse_pair(argv[i + 1], &value_sizes[nvalue_sizes]) == 0)
			nvalue_sizes++, i++;
		else if (!path)
			path = argv[i];
		else
			die("usage: load-attach OBJ [-n iters] [--disable PROG]... [--max-entries MAP=N]... "
			    "[--value-size MAP=N]...");
	}
	if (!path || iters < 1)
		die("usage: load-attach OBJ [-n iters] [--disable PROG]... [--max-entries MAP=N]... [--value-size MAP=N]...");

	total = calloc((size_t)iters, sizeof(double));
	open = calloc((size_t)iters, sizeof(double));
	load = calloc((size_t)iters, sizeof(double));
	attach = calloc((size_t)iters, sizeof(double));
	cpu = calloc((size_t)iters, sizeof(double));
	first = once(path);
	for (i = 1; i < iters; i++) {
		r = once(path);
		total[i - 1] = r.total_ms;
		open[i - 1] = r.open_ms;
		load[i - 1] = r.load_ms;
		attach[i - 1] = r.attach_ms;
		cpu[i - 1] = r.cpu_ms;
	}
	if (iters == 1) {
		r = first;
		total[0] = r.total_ms;
		open[0] = r.open_ms;
		load[0] = r.load_ms;
		attach[0] = r.attach_ms;
		cpu[0] = r.cpu_ms;
	}
	{
		int n = iters > 1 ? iters - 1 : 1;

		printf("{\"object\":");
		json_str(path);
		printf(",\"iters\":%d,\"first_ms\":%.3f,\"ms\":%.3f,\"open_ms\":%.3f,\"load_ms\":%.3f,\"attach_ms\":%.3f,"
		       "\"first_cpu_ms\":%.3f,\"cpu_ms\":%.3f,\"programs\":%d,\"attached\":%d,\"maps\":%d,\"peak_rss_kb\":%ld}\n",
		       iters, first.total_ms, median(total, n), median(open, n), median(load, n), median(attach, n),
		       first.cpu_ms, median(cpu, n), first.programs, first.attached, first.maps, peak_rss_kb());
	}
	return 0;
}
