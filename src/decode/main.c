/* sigway-decode: command line (see decode.c for what it prints). */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include "capture.h"
#include "decode.h"

/* Prints every frame of the capture at path; a file that cannot be read to
 * its end (truncated, corrupt) gives the frames before the fault, then the
 * fault on stderr and 1 */
static int read_capture(void *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "sigway-decode: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct capture *c = capture_open_file(ctx, f);
	struct capture_frame fr;
	int rc = c ? 0 : -1;
	while (c && (rc = capture_next(c, &fr)) > 0) {
		decode_frame_no = fr.number;
		decode_link_frame(fr.linktype, fr.data, fr.len);
	}
	if (rc < 0) {
		fflush(stdout);	/* the frames before the fault come first */
		fprintf(stderr, "sigway-decode: %s: %s\n", path, c ? capture_error(c) : "out of memory");
	}
	talloc_free(c);
	fclose(f);
	return rc < 0 ? 1 : 0;
}

static int from_hex(const char *hex, const char *layer)
{
	static uint8_t buf[8192];
	size_t n = 0;
	for (const char *p = hex; p[0] && p[1] && n < sizeof(buf); p += 2) {
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return 2;
		char b[3] = { p[0], p[1], 0 };
		buf[n++] = (uint8_t)strtoul(b, NULL, 16);
	}
	decode_frame_no = 1;
	if (!strcmp(layer, "sccp")) {
		decode_sccp(buf, n, -1, -1);
	} else if (!strcmp(layer, "tcap")) {
		printf("{\"frame\":1");
		decode_tcap(buf, n);
		printf("}\n");
	} else {
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	if (i < argc && !strcmp(argv[i], "--ansi")) {
		decode_ansi = true;
		i++;
	}
	if (i + 2 < argc + 0 && !strcmp(argv[i], "--hex"))
		return from_hex(argv[i + 1], argv[i + 2]);
	if (i + 1 == argc && strcmp(argv[i], "--hex"))
		return read_capture(NULL, argv[i]);
	fprintf(stderr, "usage: sigway-decode [--ansi] FILE (pcap or pcapng) | sigway-decode --hex HEX (sccp|tcap)\n");
	return 2;
}
