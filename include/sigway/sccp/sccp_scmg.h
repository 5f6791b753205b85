/* SCCP management messages (ITU-T Q.713 section 5): the user data of a UDT
 * between the management subsystems (SSN 1) of two nodes. ITU format only
 * (14-bit point codes). No allocation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SCMG format identifiers (Q.713 5.1.1) */
enum sccp_scmg_type {
	SCCP_SCMG_SSA = 0x01,	/* subsystem allowed */
	SCCP_SCMG_SSP = 0x02,	/* subsystem prohibited */
	SCCP_SCMG_SST = 0x03,	/* subsystem status test */
	SCCP_SCMG_SOR = 0x04,	/* subsystem out-of-service request */
	SCCP_SCMG_SOG = 0x05,	/* subsystem out-of-service grant */
	SCCP_SCMG_SSC = 0x06,	/* SCCP/subsystem congested */
};

/* SSA, SSP, SST, SOR, SOG are 5 octets; SSC adds the congestion level */
#define SCCP_SCMG_LEN		5
#define SCCP_SCMG_SSC_LEN	6

struct sccp_scmg_msg {
	enum sccp_scmg_type type;
	uint8_t affected_ssn;	/* 1 = the SCCP itself */
	uint16_t affected_pc;	/* 14 bits */
	uint8_t smi;		/* subsystem multiplicity indicator, 0..3 */
	uint8_t congestion_level; /* SSC only, 1..8 */
};

/* Returns the octets written, or -enum sccp_codec_err (NO_SPACE, BAD_VALUE) */
int sccp_scmg_encode(uint8_t *buf, size_t buflen, const struct sccp_scmg_msg *m);
/* Returns 0, or -enum sccp_codec_err: UNKNOWN_TYPE for a format identifier
 * that is not one of the six, TRUNCATED when the length is not exactly the
 * message's (an ANSI message, with its 3-octet point code, is refused rather
 * than misread). */
int sccp_scmg_decode(struct sccp_scmg_msg *m, const uint8_t *buf, size_t len);
const char *sccp_scmg_type_name(enum sccp_scmg_type type);
