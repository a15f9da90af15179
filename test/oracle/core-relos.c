/* core-relos: libbpf's CO-RE relocation decisions for one BPF object, as JSON.
 *
 * Usage: core-relos OBJ [--btf TARGET] [--verbose]
 *
 * Opens OBJ with libbpf (btf_custom_path = TARGET when given: raw BTF or an ELF file with .BTF;
 * without it libbpf uses the running kernel's vmlinux and, when vmlinux has no candidate, its
 * modules), sets libbpf's print callback at debug level, turns off the creation of every map and
 * calls bpf_object__load(). libbpf relocates every program before it loads any, so the decisions
 * are complete even when the programs then fail to load (a foreign target kernel, an attach
 * target the host lacks, a map that was not created): "loaded" is reported but means little.
 *
 * The debug lines "prog 'P': relo #N: ..." are parsed into one JSON document on stdout:
 *
 *   {"object":OBJ,"target":TARGET|null,"loaded":BOOL,"error":STR?,
 *    "relocations":[{"section":S,"program":P,"relo":N,"insn":I|null,"kind":K,
 *       "local":{"id":N,"kind":BTFKIND,"name":S,"spec":S},"access":"0:1"|null,
 *       "candidates":[{"object":S,"id":N,"matching":BOOL,"spec":S}],
 *       "target":{"object":S,"id":N,"kind":BTFKIND,"name":S,"spec":S}|null,
 *       "patches":[{"insn":I,"field":"imm"|"off"|"mem_sz"|"imm64","old":V,"new":V}],
 *       "old":V|null,"new":V|null,"poison":BOOL,"failed":STR?}]}
 *
 * "object" is the BTF object libbpf names for a candidate ("vmlinux", a module's name, or the
 * --btf file's base name as libbpf prints it); "relo" is libbpf's index of the record within its ELF section's .BTF.ext CO-RE records,
 * "insn" the instruction index within the program's function as compiled (libbpf's own
 * numbering), "target" the first matching candidate (the one whose result libbpf keeps), "old"
 * and "new" those of the first patch other than mem_sz (64-bit values as decimal strings), "kind"
 * libbpf's short name (byte_off, byte_sz, field_exists, signed, lshift_u64, rshift_u64,
 * local_type_id, target_type_id, type_exists, type_matches, type_size, enumval_exists,
 * enumval_value). With --verbose every libbpf line is also copied to stderr.
 *
 * Exit status: 0 when the document was printed (whatever the load did), 1 on a usage or open
 * error. Built by `make -C test/oracle` against libbpf-dev (libbpf 1.1 on Debian 12).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "json.h"

#define MAX_CANDS 64
#define MAX_PATCHES 4

struct spec {
	bool set;
	char kind[32];   /* libbpf relocation kind, without the angle brackets */
	unsigned id;
	char btf_kind[16];
	char name[256];
	char access[256];
	char text[1024]; /* the whole spec as libbpf formats it */
};

struct patch {
	unsigned insn;
	char field[16];
	char old[32], new[32];
};

struct relo {
	char section[256];
	char program[256];
	int idx;
	struct spec local;
	struct spec cands[MAX_CANDS];
	bool matching[MAX_CANDS];
	int ncands;
	int target; /* index into cands of the first matching one, -1 for none */
	struct patch patches[MAX_PATCHES];
	int npatches;
	bool poison;
	long poison_insn;
	char failed[512];
};

/* "CO-RE relocating [L] ...: found target candidate [T] ... in [OBJ]": which BTF object each
 * candidate of a local type comes from (libbpf prints it once, when it first looks the type up). */
struct cand_origin {
	unsigned local_id, target_id;
	char object[64];
};

static struct cand_origin *origins;
static int norigins, caporigins;

static void add_origin(unsigned local_id, unsigned target_id, const char *object)
{
	if (norigins == caporigins) {
		caporigins = caporigins ? caporigins * 2 : 256;
		origins = realloc(origins, sizeof(*origins) * caporigins);
		if (!origins) {
			perror("realloc");
			exit(1);
		}
	}
	origins[norigins].local_id = local_id;
	origins[norigins].target_id = target_id;
	snprintf(origins[norigins].object, sizeof(origins[norigins].object), "%s", object);
	norigins++;
}

static const char *origin_of(unsigned local_id, unsigned target_id)
{
	for (int i = 0; i < norigins; i++)
		if (origins[i].local_id == local_id && origins[i].target_id == target_id)
			return origins[i].object;
	return NULL;
}

static struct relo *relos;
static int nrelos, caprelos;
static char cur_section[256];
static bool verbose;

/* The record of relocation idx of prog: a new one when create (libbpf's first line of each CO-RE
 * relocation is its local spec), else the last one if it matches (other "relo #N" lines, such as
 * the map relocations libbpf logs later in the same words, are not CO-RE decisions). */
static struct relo *relo_for(const char *prog, int idx, bool create)
{
	struct relo *r;

	if (!create) {
		if (nrelos == 0)
			return NULL;
		r = &relos[nrelos - 1];
		return r->idx == idx && strcmp(r->program, prog) == 0 ? r : NULL;
	}
	if (nrelos == caprelos) {
		caprelos = caprelos ? caprelos * 2 : 256;
		relos = realloc(relos, sizeof(*relos) * caprelos);
		if (!relos) {
			perror("realloc");
			exit(1);
		}
	}
	r = &relos[nrelos++];
	memset(r, 0, sizeof(*r));
	snprintf(r->section, sizeof(r->section), "%s", cur_section);
	snprintf(r->program, sizeof(r->program), "%s", prog);
	r->idx = idx;
	r->target = -1;
	r->poison_insn = -1;
	return r;
}

/* Parses a spec as bpf_core_format_spec() writes it:
 * "<kind> [id] btfkind name[.field...] (0:1:2 @ offset N[.B])" or "... name::ENUMVAL = V". */
static bool parse_spec(const char *s, struct spec *out)
{
	const char *p, *q;
	size_t n;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", s);
	if (*s != '<' || !(p = strchr(s, '>')))
		return false;
	n = (size_t)(p - s - 1);
	if (n >= sizeof(out->kind))
		return false;
	memcpy(out->kind, s + 1, n);
	if (sscanf(p + 1, " [%u] %15s", &out->id, out->btf_kind) != 2)
		return false;
	p = strchr(p, ']') + 2;
	p += strlen(out->btf_kind);
	while (*p == ' ')
		p++;
	q = p;
	while (*q && *q != '.' && *q != '[' && *q != ' ' && !(q[0] == ':' && q[1] == ':'))
		q++;
	n = (size_t)(q - p);
	if (n >= sizeof(out->name))
		n = sizeof(out->name) - 1;
	memcpy(out->name, p, n);
	if ((p = strstr(q, " (")) && (q = strstr(p, " @"))) {
		n = (size_t)(q - p - 2);
		if (n < sizeof(out->access))
			memcpy(out->access, p + 2, n);
	}
	out->set = true;
	return true;
}

static void on_relo_line(const char *prog, int idx, const char *rest)
{
	struct relo *r = relo_for(prog, idx, rest[0] == '<');
	struct patch *pt;
	unsigned insn, cand;
	char kind[16], field[16], old[32], new[32];

	if (!r)
		return;
	if (strncmp(rest, "matching candidate #", 20) == 0 ||
	    strncmp(rest, "non-matching candidate #", 24) == 0) {
		bool matching = rest[0] == 'm';
		const char *p = strchr(rest, '#');

		if (sscanf(p, "#%u", &cand) != 1 || r->ncands >= MAX_CANDS)
			return;
		p = strchr(p, ' ');
		if (!p)
			return;
		parse_spec(p + 1, &r->cands[r->ncands]);
		r->matching[r->ncands] = matching;
		if (matching && r->target < 0)
			r->target = r->ncands;
		r->ncands++;
	} else if (sscanf(rest, "patched insn #%u (%15[^)]) %7s %31s -> %31s", &insn, kind, field, old, new) == 5) {
		/* "(ALU) imm", "(LDX/ST/STX) off", "(LDX/ST/STX) mem_sz", "(LDIMM64) imm64" */
		if (r->npatches >= MAX_PATCHES)
			return;
		pt = &r->patches[r->npatches++];
		pt->insn = insn;
		snprintf(pt->field, sizeof(pt->field), "%s", field);
		snprintf(pt->old, sizeof(pt->old), "%s", old);
		snprintf(pt->new, sizeof(pt->new), "%s", new);
	} else if (sscanf(rest, "substituting insn #%u w/ invalid insn", &insn) == 1) {
		r->poison = true;
		r->poison_insn = insn;
	} else if (rest[0] == '<') {
		parse_spec(rest, &r->local);
	} else if (strncmp(rest, "no matching targets found", 25) == 0) {
		/* implied by no matching candidate */
	} else if (strstr(rest, "fail") || strstr(rest, "error") || strstr(rest, "ambiguity") ||
		   strstr(rest, "unexpected") || strstr(rest, "unsupported")) {
		if (!r->failed[0])
			snprintf(r->failed, sizeof(r->failed), "%s", rest);
	}
}

static void on_line(char *line)
{
	char prog[256];
	int idx, off = 0;
	char *p;

	if ((p = strchr(line, '\n')))
		*p = '\0';
	if (strncmp(line, "libbpf: ", 8) == 0)
		line += 8;
	unsigned local_id, target_id;
	char object[64];

	if (sscanf(line, "sec '%255[^']': found %*d CO-RE relocations", cur_section) == 1)
		return;
	if (strncmp(line, "CO-RE relocating [", 18) == 0 && (p = strstr(line, ": found target candidate [")) &&
	    sscanf(line, "CO-RE relocating [%u]", &local_id) == 1 &&
	    sscanf(p, ": found target candidate [%u]", &target_id) == 1 && (p = strrchr(line, '[')) &&
	    sscanf(p, "[%63[^]]]", object) == 1) {
		add_origin(local_id, target_id, object);
		return;
	}
	if (sscanf(line, "prog '%255[^']': relo #%d: %n", prog, &idx, &off) == 2 && off > 0)
		on_relo_line(prog, idx, line + off);
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	static char pending[8192];
	static size_t plen;
	char buf[8192];
	char *start, *nl;
	int n;

	(void)level;
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	if (n < 0)
		return n;
	if (verbose)
		fputs(buf, stderr);
	/* libbpf may print one line in several calls: join them before parsing. */
	start = buf;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		if (plen + strlen(start) < sizeof(pending)) {
			memcpy(pending + plen, start, strlen(start) + 1);
			on_line(pending);
		}
		plen = 0;
		pending[0] = '\0';
		start = nl + 1;
	}
	if (*start && plen + strlen(start) < sizeof(pending)) {
		memcpy(pending + plen, start, strlen(start) + 1);
		plen += strlen(start);
	}
	return n;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A decimal value as a JSON number when it fits a double exactly, else a string. */
static void json_value(const char *v)
{
	if (is_number(v) && strlen(v) <= 15)
		fputs(v, stdout);
	else
		json_str(v);
}

static void print_spec(const struct spec *s, const char *object)
{
	printf("{");
	if (object) {
		printf("\"object\":");
		json_str(object);
		putchar(',');
	}
	printf("\"id\":%u,\"kind\":", s->id);
	json_str(s->btf_kind);
	printf(",\"name\":");
	json_str(s->name);
	printf(",\"spec\":");
	json_str(s->text);
	putchar('}');
}

static void print_relo(const struct relo *r)
{
	const struct patch *main = NULL;
	int i;

	for (i = 0; i < r->npatches; i++) {
		if (strcmp(r->patches[i].field, "mem_sz") != 0) {
			main = &r->patches[i];
			break;
		}
	}
	printf("{\"section\":");
	json_str(r->section);
	printf(",\"program\":");
	json_str(r->program);
	printf(",\"relo\":%d,\"insn\":", r->idx);
	if (main)
		printf("%u", main->insn);
	else if (r->poison_insn >= 0)
		printf("%ld", r->poison_insn);
	else if (r->npatches)
		printf("%u", r->patches[0].insn);
	else
		printf("null");
	printf(",\"kind\":");
	json_str(r->local.kind);
	printf(",\"local\":");
	print_spec(&r->local, NULL);
	printf(",\"access\":");
	if (r->local.access[0])
		json_str(r->local.access);
	else
		printf("null");
	printf(",\"candidates\":[");
	for (i = 0; i < r->ncands; i++) {
		const char *object = origin_of(r->local.id, r->cands[i].id);

		printf("%s{", i ? "," : "");
		if (object) {
			printf("\"object\":");
			json_str(object);
			putchar(',');
		}
		printf("\"id\":%u,\"matching\":%s,\"spec\":", r->cands[i].id, r->matching[i] ? "true" : "false");
		json_str(r->cands[i].text);
		putchar('}');
	}
	printf("],\"target\":");
	if (r->target >= 0)
		print_spec(&r->cands[r->target], origin_of(r->local.id, r->cands[r->target].id));
	else
		printf("null");
	printf(",\"patches\":[");
	for (i = 0; i < r->npatches; i++) {
		printf("%s{\"insn\":%u,\"field\":", i ? "," : "", r->patches[i].insn);
		json_str(r->patches[i].field);
		printf(",\"old\":");
		json_value(r->patches[i].old);
		printf(",\"new\":");
		json_value(r->patches[i].new);
		putchar('}');
	}
	printf("],\"old\":");
	if (main)
		json_value(main->old);
	else
		printf("null");
	printf(",\"new\":");
	if (main)
		json_value(main->new);
	else
		printf("null");
	printf(",\"poison\":%s", r->poison ? "true" : "false");
	if (r->failed[0]) {
		printf(",\"failed\":");
		json_str(r->failed);
	}
	putchar('}');
}

int main(int argc, char **argv)
{
	const char *path = NULL, *target = NULL;
	struct bpf_object *obj;
	struct bpf_map *map;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--btf") == 0 && i + 1 < argc)
			target = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "usage: core-relos OBJ [--btf TARGET] [--verbose]\n");
			return 1;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: core-relos OBJ [--btf TARGET] [--verbose]\n");
		return 1;
	}

	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = target);
	libbpf_set_print(print_fn);
	obj = bpf_object__open_file(path, &opts);
	if (!obj) {
		fprintf(stderr, "core-relos: %s: open failed: %s\n", path, strerror(errno));
		return 1;
	}
	/* Relocation needs no map, and creating them can fail for reasons of no interest here (sizes
	 * a tool sets at run time, map types the kernel lacks): skip them all. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_autocreate(map, false);
	err = bpf_object__load(obj);

	printf("{\"object\":");
	json_str(path);
	printf(",\"target\":");
	if (target)
		json_str(target);
	else
		printf("null");
	printf(",\"loaded\":%s", err ? "false" : "true");
	if (err) {
		printf(",\"error\":");
		json_str(strerror(-err));
	}
	printf(",\"relocations\":[");
	for (i = 0; i < nrelos; i++) {
		if (i)
			putchar(',');
		print_relo(&relos[i]);
	}
	printf("]}\n");
	bpf_object__close(obj);
	free(relos);
	free(origins);
	return 0;
}
