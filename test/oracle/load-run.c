/* load-run: loads a BPF object with libbpf, attaches its programs, lets them run, and prints every
 * map's contents as JSON: what "fills its maps as under libbpf" is compared with.
 *
 * Usage: load-run OBJ [options] [-- COMMAND ARG...]
 *   --btf FILE            target kernel BTF for CO-RE (btf_custom_path)
 *   --disable PROG        do not load PROG (bpf_program__set_autoload(false)); repeatable
 *   --only PROG           load only the named programs; repeatable
 *   --attach-target P=F   bpf_program__set_attach_target(P, 0, F) (tools choose fentry targets at run time)
 *   --max-entries M=N     bpf_map__set_max_entries(M, N) (tools size some maps at run time)
 *   --value-size M=N      bpf_map__set_value_size(M, N)
 *   --set M=HEX           bytes written at offset 0 of global-data map M's initial value before load
 *                         (M is a map name, or a section such as .bss/.rodata matched as a suffix)
 *   --duration SEC        how long to let the programs run after the trigger (default 0)
 *   -- COMMAND ARG...     run COMMAND (fork + exec, waited for) once everything is attached
 * With no COMMAND the trigger is a handful of system calls from this thread (getpid, an open and
 * close of /dev/null, a 1 µs sleep), which every sys_enter program sees.
 *
 * Output (one JSON document on stdout):
 *   {"object":S,"loaded":BOOL,"error":S?,"programs":[{"name","section","type":N,"autoload":BOOL,
 *     "attached":BOOL,"error":S?}],
 *    "maps":[{"name","type":N,"keySize","valueSize","maxEntries","entries":N|null,
 *     "contents":[{"key":HEX,"value":HEX}]|null,"events":N?,"error":S?}]}
 * Keys and values are raw bytes in hex (per-CPU values: every CPU's slot, each rounded up to 8
 * bytes, as the kernel returns them). Ring buffers, perf event arrays and cgroup arrays have no
 * contents (their values cannot be read back); for the first two the
 * records they delivered while the programs ran are counted in "events". Exit status 0 when the
 * document was printed, 1 on a usage or open error. Diagnostics from libbpf go to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "json.h"

#define MAX_ARGS 64
#define MAX_ENTRIES_DUMPED 100000

struct pair {
	const char *name;
	const char *value;
};

static const char *disabled[MAX_ARGS], *only[MAX_ARGS];
static int ndisabled, nonly;
static struct pair targets[MAX_ARGS], max_entries[MAX_ARGS], value_sizes[MAX_ARGS], sets[MAX_ARGS];
static int ntargets, nmax_entries, nvalue_sizes, nsets;

struct event_counter {
	const struct bpf_map *map;
	long count;
};

static struct event_counter counters[MAX_ARGS];
static int ncounters;

static bool in_list(const char *name, const char **list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool split_pair(char *arg, struct pair *out)
{
	char *eq = strchr(arg, '=');

	if (!eq)
		return false;
	*eq = '\0';
	out->name = arg;
	out->value = eq + 1;
	return true;
}

static bool map_matches(const struct bpf_map *map, const char *want)
{
	const char *name = bpf_map__name(map);
	size_t n = strlen(name), w = strlen(want);

	if (strcmp(name, want) == 0)
		return true;
	return want[0] == '.' && n > w && strcmp(name + n - w, want) == 0;
}

static void put_hex(const unsigned char *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	putchar('"');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int on_ringbuf_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	((struct event_counter *)ctx)->count++;
	return 0;
}

static void on_perf_record(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	(void)data;
	(void)size;
	((struct event_counter *)ctx)->count++;
}

static void trigger(char **command)
{
	pid_t pid;
	int fd, status;

	if (!command || !command[0]) {
		(void)syscall(SYS_getpid);
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
		usleep(1);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* stdout is the JSON document's: the command's output goes nowhere. */
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(command[0], command);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

static bool uses_events(const struct bpf_map *map)
{
	enum bpf_map_type t = bpf_map__type(map);

	return t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

/* Maps whose values user space cannot read back (lookups fail with ENOTSUPP). */
static bool unreadable(const struct bpf_map *map)
{
	return uses_events(map) || bpf_map__type(map) == BPF_MAP_TYPE_CGROUP_ARRAY;
}

static bool per_cpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static void dump_map(const struct bpf_map *map, bool loaded)
{
	enum bpf_map_type type = bpf_map__type(map);
	__u32 key_size = bpf_map__key_size(map), value_size = bpf_map__value_size(map);
	size_t vsz = per_cpu(type) ? (size_t)((value_size + 7) / 8 * 8) * libbpf_num_possible_cpus() : value_size;
	unsigned char *key = NULL, *next = NULL, *value = NULL;
	int fd = bpf_map__fd(map), err = 0, n = 0;
	bool first = true;

	printf("{\"name\":");
	json_str(bpf_map__name(map));
	printf(",\"type\":%d,\"keySize\":%u,\"valueSize\":%u,\"maxEntries\":%u", type, key_size, value_size,
	       bpf_map__max_entries(map));
	for (int i = 0; i < ncounters; i++)
		if (counters[i].map == map)
			printf(",\"events\":%ld", counters[i].count);
	if (!loaded || fd < 0 || unreadable(map) || key_size == 0) {
		printf(",\"entries\":null,\"contents\":null}");
		return;
	}
	key = calloc(1, key_size);
	next = calloc(1, key_size);
	value = calloc(1, vsz ? vsz : 1);
	printf(",\"contents\":[");
	err = bpf_map_get_next_key(fd, NULL, next);
	while (err == 0 && n < MAX_ENTRIES_DUMPED) {
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(fd, key, value) == 0) {
			printf("%s{\"key\":", first ? "" : ",");
			put_hex(key, key_size);
			printf(",\"value\":");
			put_hex(value, vsz);
			putchar('}');
			first = false;
			n++;
		} else if (errno != ENOENT) {
			err = -errno;
			break;
		}
		err = bpf_map_get_next_key(fd, key, next);
	}
	printf("],\"entries\":%d", n);
	if (err && err != -ENOENT && errno != ENOENT) {
		printf(",\"error\":");
		json_str(strerror(errno));
	}
	putchar('}');
	free(key);
	free(next);
	free(value);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *btf = NULL;
	char **command = NULL;
	double duration = 0;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	struct bpf_link **links;
	char **attach_errors;
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pbs[MAX_ARGS];
	int npbs = 0, nprogs = 0, i, err;
	bool first;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (strcmp(a, "--") == 0) {
			command = &argv[i + 1];
			break;
		} else if (strcmp(a, "--btf") == 0 && more) {
			btf = argv[++i];
		} else if (strcmp(a, "--disable") == 0 && more && ndisabled < MAX_ARGS) {
			disabled[ndisabled++] = argv[++i];
		} else if (strcmp(a, "--only") == 0 && more && nonly < MAX_ARGS) {
			only[nonly++] = argv[++i];
		} else if (strcmp(a, "--attach-target") == 0 && more && ntargets < MAX_ARGS &&
			   split_pair(argv[++i], &targets[ntargets])) {
			ntargets++;
		} else if (strcmp(a, "--max-entries") == 0 && more && nmax_entries < MAX_ARGS &&
			   split_pair(argv[++i], &max_entries[nmax_entries])) {
			nmax_entries++;
		} else if (strcmp(a, "--value-size") == 0 && more && nvalue_sizes < MAX_ARGS &&
			   split_pair(argv[++i], &value_sizes[nvalue_sizes])) {
			nvalue_sizes++;
		} else if (strcmp(a, "--set") == 0 && more && nsets < MAX_ARGS && split_pair(argv[++i], &sets[nsets])) {
			nsets++;
		} else if (strcmp(a, "--duration") == 0 && more) {
			duration = atof(argv[++i]);
		} else if (!path && a[0] != '-') {
			path = a;
		} else {
			fprintf(stderr, "load-run: bad argument '%s'\n", a);
			return 1;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: load-run OBJ [--btf F] [--disable P]... [--only P]... [--attach-target P=F]... "
				"[--max-entries M=N]... [--value-size M=N]... [--set M=HEX]... [--duration S] [-- CMD...]\n");
		return 1;
	}

	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf);
	obj = bpf_object__open_file(path, &opts);
	if (!obj) {
		fprintf(stderr, "load-run: %s: open failed: %s\n", path, strerror(errno));
		return 1;
	}

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);

		nprogs++;
		if (in_list(name, disabled, ndisabled) || (nonly && !in_list(name, only, nonly)))
			bpf_program__set_autoload(prog, false);
		for (i = 0; i < ntargets; i++)
			if (strcmp(targets[i].name, name) == 0 &&
			    bpf_program__set_attach_target(prog, 0, targets[i].value))
				fprintf(stderr, "load-run: %s: cannot set attach target %s\n", name, targets[i].value);
	}
	bpf_object__for_each_map(map, obj) {
		for (i = 0; i < nmax_entries; i++)
			if (map_matches(map, max_entries[i].name))
				bpf_map__set_max_entries(map, (__u32)strtoul(max_entries[i].value, NULL, 0));
		for (i = 0; i < nvalue_sizes; i++)
			if (map_matches(map, value_sizes[i].name))
				bpf_map__set_value_size(map, (__u32)strtoul(value_sizes[i].value, NULL, 0));
		for (i = 0; i < nsets; i++) {
			size_t size = 0, len = strlen(sets[i].value) / 2;
			unsigned char *data;

			if (!map_matches(map, sets[i].name))
				continue;
			data = (unsigned char *)bpf_map__initial_value(map, &size);
			if (!data || len > size) {
				fprintf(stderr, "load-run: map %s: cannot set %zu bytes of its initial value\n",
					bpf_map__name(map), len);
				return 1;
			}
			for (size_t j = 0; j < len; j++)
				data[j] = (unsigned char)(hexval(sets[i].value[2 * j]) << 4 | hexval(sets[i].value[2 * j + 1]));
		}
	}

	err = bpf_object__load(obj);

	links = calloc((size_t)nprogs + 1, sizeof(*links));
	attach_errors = calloc((size_t)nprogs + 1, sizeof(*attach_errors));
	if (!err) {
		i = 0;
		bpf_object__for_each_program(prog, obj) {
			if (bpf_program__autoload(prog)) {
				links[i] = bpf_program__attach(prog);
				if (!links[i]) {
					attach_errors[i] = strdup(strerror(errno));
					links[i] = NULL;
				}
			}
			i++;
		}
		bpf_object__for_each_map(map, obj) {
			if (!uses_events(map) || ncounters >= MAX_ARGS || bpf_map__fd(map) < 0)
				continue;
			counters[ncounters].map = map;
			if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) {
				if (!rb)
					rb = ring_buffer__new(bpf_map__fd(map), on_ringbuf_record, &counters[ncounters], NULL);
				else
					ring_buffer__add(rb, bpf_map__fd(map), on_ringbuf_record, &counters[ncounters]);
			} else {
				pbs[npbs] = perf_buffer__new(bpf_map__fd(map), 8, on_perf_record, NULL,
							     &counters[ncounters], NULL);
				if (pbs[npbs])
					npbs++;
			}
			ncounters++;
		}
		trigger(command);
		{
			struct timespec start, now;

			clock_gettime(CLOCK_MONOTONIC, &start);
			do {
				if (rb)
					ring_buffer__poll(rb, 0);
				for (i = 0; i < npbs; i++)
					perf_buffer__poll(pbs[i], 0);
				usleep(10000);
				clock_gettime(CLOCK_MONOTONIC, &now);
			} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
				 duration);
			if (rb)
				ring_buffer__consume(rb);
			for (i = 0; i < npbs; i++)
				perf_buffer__consume(pbs[i]);
		}
		/* Detach before reading the maps, so that they no longer change while printed. */
		for (i = 0; i < nprogs; i++)
			bpf_link__destroy(links[i]);
	}

	printf("{\"object\":");
	json_str(path);
	printf(",\"loaded\":%s", err ? "false" : "true");
	if (err) {
		printf(",\"error\":");
		json_str(strerror(-err));
	}
	printf(",\"programs\":[");
	first = true;
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		printf("%s{\"name\":", first ? "" : ",");
		json_str(bpf_program__name(prog));
		printf(",\"section\":");
		json_str(bpf_program__section_name(prog));
		printf(",\"type\":%d,\"autoload\":%s,\"attached\":%s", bpf_program__type(prog),
		       bpf_program__autoload(prog) ? "true" : "false", !err && links[i] ? "true" : "false");
		if (attach_errors[i]) {
			printf(",\"error\":");
			json_str(attach_errors[i]);
			free(attach_errors[i]);
		}
		putchar('}');
		first = false;
		i++;
	}
	printf("],\"maps\":[");
	first = true;
	bpf_object__for_each_map(map, obj) {
		if (!first)
			putchar(',');
		dump_map(map, !err);
		first = false;
	}
	printf("]}\n");

	ring_buffer__free(rb);
	for (i = 0; i < npbs; i++)
		perf_buffer__free(pbs[i]);
	free(links);
	free(attach_errors);
	bpf_object__close(obj);
	return 0;
}
