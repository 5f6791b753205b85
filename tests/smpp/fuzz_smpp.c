/* libFuzzer harness for the SMPP PDU codec: framing, decoding, and for
 * whatever decodes, encoding it again. What we encode must decode, and
 * encoding that gives the same bytes (the first encode is canonical). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sigway/smpp/smpp_pdu.h>

static struct smpp_multi_storage ms, ms2;
static uint8_t out[SMPP_PDU_MAX + 1024], out2[SMPP_PDU_MAX + 1024];

static void die(const char *what, int rc)
{
	fprintf(stderr, "fuzz_smpp: %s (%d)\n", what, rc);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smpp_pdu p, again;
	int len, n, n2, rc;

	len = smpp_frame_len(data, size);
	if (len <= 0)
		return 0;
	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX)
		die("smpp_frame_len out of range", len);
	if (smpp_decode(&p, data, len, &ms) != 0)
		return 0;

	n = smpp_encode(out, sizeof(out), &p);
	if (n < SMPP_HEADER_LEN)
		die("smpp_encode of a decoded PDU failed", n);
	rc = smpp_decode(&again, out, n, &ms2);
	if (rc != 0)
		die("smpp_decode of our own encoding failed", rc);
	if (again.command_id != p.command_id || again.command_status != p.command_status ||
	    again.sequence_number != p.sequence_number)
		die("header changed on re-encoding", 0);

	n2 = smpp_encode(out2, sizeof(out2), &again);
	if (n2 != n || memcmp(out, out2, n) != 0)
		die("encode(decode(encode(x))) != encode(x)", n2);
	return 0;
}
