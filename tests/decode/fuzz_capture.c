/* libFuzzer harness: sigway-decode's capture file reader (classic pcap and
 * pcapng framing, src/decode/capture.c). Each input is read twice, from
 * memory and through a FILE; the two must give the same frames and end the
 * same way (the same error text). Every frame read from memory must lie
 * inside the input (ASan checks the octets are there, this that they are
 * the input's), and an error must stay an error. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include "capture.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture *m = capture_open_mem(NULL, data, size);
	/* fmemopen() of 0 octets is refused by older C libraries: an empty FILE then */
	FILE *f = size ? fmemopen((void *)data, size, "rb") : tmpfile();
	struct capture *c = f ? capture_open_file(NULL, f) : NULL;
	if (!m || !c)
		abort();
	struct capture_frame a, b;
	int ra, rb;
	unsigned long n = 0;
	do {
		ra = capture_next(m, &a);
		rb = capture_next(c, &b);
		check(ra == rb);
		if (ra <= 0)
			break;
		n++;
		check(a.number == n && b.number == n);
		uintptr_t at = (uintptr_t)a.data, start = (uintptr_t)data;
		check(at >= start && at - start <= size && a.len <= size - (at - start) && a.len <= CAPTURE_BLOCK_MAX);
		check(a.len == b.len && a.linktype == b.linktype && a.section == b.section &&
		      a.interface == b.interface && a.orig_len == b.orig_len);
		check(!a.len || !memcmp(a.data, b.data, a.len));
	} while (1);
	if (ra < 0) {
		check(!strcmp(capture_error(m), capture_error(c)));
		check(capture_next(m, &a) == -1 && capture_next(c, &b) == -1);
	}
	check(!strcmp(capture_format(m) ? capture_format(m) : "", capture_format(c) ? capture_format(c) : ""));
	talloc_free(m);
	talloc_free(c);
	fclose(f);
	return 0;
}
