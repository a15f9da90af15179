/*
 * Dumper for scripts/btf-selftests.sh: included at the end of the generated file that holds the
 * kernel's `struct btf_raw_test raw_tests[]`, it prints the cases as JSON, one object per case,
 * with every NAME_TBD / NAME_NTH(n) in the type words replaced by the string offset it stands for.
 */
#include <stdio.h>
#include <string.h>

static void json_bytes(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_str(const char *s)
{
	if (!s)
		fputs("null", stdout);
	else
		json_bytes(s, strlen(s));
}

/* Offset of the n-th (1-based) string after the empty one at offset 0, or -1. */
static long nth_string(const struct btf_raw_test *t, unsigned n)
{
	const char *s = t->str_sec, *end = s + t->str_sec_size;
	unsigned k = 0;

	if (!s)
		return -1;
	for (const char *p = s + 1; p < end; p += strlen(p) + 1)
		if (++k == n)
			return p - s;
	return -1;
}

int main(void)
{
	unsigned count = sizeof(raw_tests) / sizeof(raw_tests[0]);

	puts("[");
	for (unsigned i = 0; i < count; i++) {
		const struct btf_raw_test *t = &raw_tests[i];
		unsigned n = 0, next = 1, bad = 0;

		while (n < MAX_NR_RAW_U32 && t->raw_types[n] != BTF_END_RAW)
			n++;
		printf("  {\"number\": %u, \"descr\": ", i + 1);
		json_str(t->descr);
		printf(",\n   \"types\": [");
		for (unsigned w = 0; w < n; w++) {
			__u32 v = t->raw_types[w];
			long off = v;

			if (v == NAME_TBD)
				off = nth_string(t, next++);
			else if ((v & 0xffff0000) == 0xfffe0000)
				off = nth_string(t, v & 0xffff);
			if (off < 0) {
				bad = 1;
				off = 0;
			}
			printf("%s%lu", w ? "," : "", (unsigned long)off);
		}
		printf("],\n   \"strings\": ");
		if (t->str_sec)
			json_bytes(t->str_sec, t->str_sec_size);
		else
			fputs("\"\"", stdout);
		printf(",\n   \"hdr_len_delta\": %d, \"type_off_delta\": %d, \"str_off_delta\": %d, \"str_len_delta\": %d,",
		       t->hdr_len_delta, t->type_off_delta, t->str_off_delta, t->str_len_delta);
		printf("\n   \"btf_load_err\": %s, \"err_str\": ", t->btf_load_err ? "true" : "false");
		json_str(t->err_str);
		printf(", \"map_create_err\": %s, \"names_resolved\": %s}%s\n", t->map_create_err ? "true" : "false",
		       bad ? "false" : "true", i + 1 < count ? "," : "");
	}
	puts("]");
	return 0;
}
