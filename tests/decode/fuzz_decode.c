/* libFuzzer harness: sigway-decode's transport parsing (Ethernet, IPv4, SCTP
 * with M3UA/M2UA/M2PA, TCP with IPA, MTP3) down to the codecs. The first
 * octet picks the link type and the MTP3 label format. */

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t linktypes[] = { 1, 113, 141 };
	static bool quiet;
	if (!quiet) {
		quiet = freopen("/dev/null", "w", stdout) != NULL;
	}
	if (size < 1)
		return 0;
	decode_ansi = data[0] & 0x80;
	decode_link_frame(linktypes[(data[0] & 0x7f) % 3], data + 1, size - 1);
	return 0;
}
