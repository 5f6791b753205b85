/* libFuzzer harness: sigway-decode's transport parsing (Ethernet, Linux
 * cooked v1/v2, raw IP, IPv4, SCTP with M3UA/M2UA/M2PA, TCP with IPA, MTP3)
 * down to the codecs. The first octet picks the link type and the MTP3
 * label format. What it prints must
 * be safe on a terminal: UTF-8, no control character but the newlines, no
 * C1 control, no bidi mark or override, no line separator. */

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "decode.h"

/* The code point of the UTF-8 sequence at p (n bytes left) and its length,
 * or 0 when it is not one */
static size_t utf8_at(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t l = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 :
		   p[0] >= 0xf0 && p[0] < 0xf5 ? 4 : 0;
	if (!l || l > n)
		return 0;
	*cp = l == 1 ? p[0] : p[0] & (0x7f >> l);
	for (size_t i = 1; i < l; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	return l;
}

static void check_terminal_safe(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = utf8_at(p + i, n - i, &cp);
		if (!l || (cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
		    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			__builtin_trap();
		i += l;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first three as the committed corpus was made with */
	static const uint32_t linktypes[] = { 1, 113, 141, 101, 276, 228 };
	static uint8_t out[1 << 20];
	static bool ready;
	if (!ready) {
		/* stdout goes to a scratch file that is read back after each input */
		FILE *f = tmpfile();
		if (!f || dup2(fileno(f), STDOUT_FILENO) < 0)
			abort();
		ready = true;
	}
	if (size < 1)
		return 0;
	decode_ansi = data[0] & 0x80;
	decode_link_frame(linktypes[(data[0] & 0x7f) % 6], data + 1, size - 1);
	fflush(stdout);
	ssize_t n = pread(STDOUT_FILENO, out, sizeof(out), 0);
	if (n > 0 && (size_t)n < sizeof(out))	/* a full buffer may end inside a character */
		check_terminal_safe(out, (size_t)n);
	if (ftruncate(STDOUT_FILENO, 0) < 0 || fseek(stdout, 0, SEEK_SET) < 0)
		abort();
	return 0;
}
