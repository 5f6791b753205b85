/* smpp34_check: SMPP PDUs as hex lines on stdin (the traffic of a test run,
 * cut from the capture), each decoded by libsmpp34 and by our codec. One
 * line out per PDU: "<hex command_id> <sequence> libsmpp34=<ok|error text>
 * ours=<0|-status>". The integration tests judge the lines. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sigway/smpp/smpp_pdu.h>
#include "smpp34_util.h"

static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && s[0] != '\n' && n < cap) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return (int)n;
}

int main(void)
{
	static char line[2 * SMPP_PDU_MAX + 4];
	static uint8_t buf[SMPP_PDU_MAX];
	static struct smpp_multi_storage ms;
	static union smpp34_any lib;
	while (fgets(line, sizeof(line), stdin)) {
		int len = unhex(line, buf, sizeof(buf));
		if (len < 16)
			continue;
		struct smpp_pdu ours;
		int rc_ours = smpp_decode(&ours, buf, (size_t)len, &ms);
		memset(&lib, 0, sizeof(lib));
		int rc_lib = smpp34_unpack2(&lib, buf, len);
		printf("0x%08x %u libsmpp34=%s ours=%d\n", ours.command_id, ours.sequence_number,
		       rc_lib == 0 ? "ok" : smpp34_strerror, rc_ours);
		if (rc_lib == 0)
			smpp34_release(&lib);
	}
	return 0;
}
