/* Helpers shared by the SMS tests: put a TPDU into an RP message (24.011) so
 * that tshark's gsm_a_rp dissector knows the direction and hands the TPDU to
 * gsm_sms, the way a real MS/MSC exchange would. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sigway/sms/sms_tpdu.h>
#include "dissect.h"

static inline size_t rp_wrap(uint8_t *out, const uint8_t *tpdu, size_t len,
			     enum sms_tpdu_type type, bool rp_error)
{
	static const uint8_t sc_addr[] = { 0x03, 0x91, 0x21, 0x43 };	/* SC +1234 */
	size_t n = 0;

	switch (type) {
	case SMS_DELIVER:
	case SMS_STATUS_REPORT:	/* RP-DATA network -> MS: RP-OA = SC, empty RP-DA */
		out[n++] = 0x01;
		out[n++] = 0x01;
		memcpy(out + n, sc_addr, sizeof(sc_addr));
		n += sizeof(sc_addr);
		out[n++] = 0x00;
		break;
	case SMS_SUBMIT:	/* RP-DATA MS -> network: empty RP-OA, RP-DA = SC */
	case SMS_COMMAND:
		out[n++] = 0x00;
		out[n++] = 0x01;
		out[n++] = 0x00;
		memcpy(out + n, sc_addr, sizeof(sc_addr));
		n += sizeof(sc_addr);
		break;
	case SMS_SUBMIT_REPORT:		/* RP-ACK / RP-ERROR network -> MS */
	case SMS_DELIVER_REPORT:	/* RP-ACK / RP-ERROR MS -> network */
		out[n++] = (type == SMS_SUBMIT_REPORT ? 0x03 : 0x02) + (rp_error ? 2 : 0);
		out[n++] = 0x01;
		if (rp_error) {
			out[n++] = 0x01;	/* RP-Cause LV: 111 protocol error */
			out[n++] = 0x6f;
		}
		out[n++] = 0x41;	/* RP-User data IEI */
		break;
	}
	out[n++] = len;
	memcpy(out + n, tpdu, len);
	return n + len;
}

/* Dissect a TPDU (wrapped in RP) with fields; returns dissect's status. */
static inline int sms_dissect(const uint8_t *tpdu, size_t len, enum sms_tpdu_type type,
			      bool rp_error, const char *fields, char *out, size_t outlen)
{
	uint8_t rp[300];
	size_t n = rp_wrap(rp, tpdu, len, type, rp_error);
	char args[1024];

	snprintf(args, sizeof(args), "-o gsm_sms.reassemble:FALSE %s", fields);
	if (getenv("SMS_TEST_VERBOSE")) {	/* to look at a frame with dissect -V */
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%02x", rp[i]);
		fprintf(stderr, "\n");
	}
	return dissect_run(rp, n, "gsm_a_rp", args, out, outlen);
}
