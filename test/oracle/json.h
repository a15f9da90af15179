/* JSON string output shared by the libbpf oracles. */
#ifndef ORACLE_JSON_H
#define ORACLE_JSON_H

#include <stdio.h>

/* Writes s to stdout as a JSON string (quotes, backslashes and control bytes escaped). */
static inline void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

#endif
