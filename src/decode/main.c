/* sigway-decode: command line (see decode.c for what it prints). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static int read_pcap(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t gh[24], rh[16];
	if (!f || fread(gh, 1, 24, f) != 24) {
		fprintf(stderr, "sigway-decode: cannot read %s\n", path);
		return 1;
	}
	uint32_t magic = gh[0] | gh[1] << 8 | gh[2] << 16 | (uint32_t)gh[3] << 24;
	bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "sigway-decode: %s is not a pcap file\n", path);
		fclose(f);
		return 1;
	}
#define U32(b) (swap ? be32(b) : (uint32_t)((b)[0] | (b)[1] << 8 | (b)[2] << 16 | (uint32_t)(b)[3] << 24))
	uint32_t linktype = U32(gh + 20);
	static uint8_t pkt[262144];
	while (fread(rh, 1, 16, f) == 16) {
		uint32_t incl = U32(rh + 8);
		if (incl > sizeof(pkt) || fread(pkt, 1, incl, f) != incl)
			break;
		decode_frame_no++;
		decode_link_frame(linktype, pkt, incl);
	}
#undef U32
	fclose(f);
	return 0;
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
		return read_pcap(argv[i]);
	fprintf(stderr, "usage: sigway-decode [--ansi] FILE.pcap | sigway-decode --hex HEX (sccp|tcap)\n");
	return 2;
}
