/* SCCP party address (ITU-T Q.713 3.4), in decoded form.
 * Shared by the SCCP codec, GT translation, TCAP (which answers to the address it
 * was called from) and every SCCP user. Plain value type: copy it freely. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Q.713 allows more in theory; no numbering plan we route needs more than 32
 * digits, and anything longer is treated as malformed and dropped. */
#define SCCP_GT_DIGITS_MAX 32

enum sccp_routing_ind {
	SCCP_RI_GT     = 0,	/* route on Global Title */
	SCCP_RI_SSN_PC = 1,	/* route on DPC + SSN */
};

enum sccp_gti {
	SCCP_GTI_NONE     = 0,
	SCCP_GTI_NAI      = 1,	/* nature of address only */
	SCCP_GTI_TT       = 2,	/* translation type only */
	SCCP_GTI_TT_NP_ES = 3,	/* TT, numbering plan, encoding scheme */
	SCCP_GTI_TT_NP_ES_NAI = 4, /* TT, NP, ES, nature of address */
};

/* Numbering plan values (Q.713 3.4.2.3.3) */
enum sccp_np {
	SCCP_NP_UNKNOWN = 0,
	SCCP_NP_E164    = 1,	/* ISDN/telephony */
	SCCP_NP_E212    = 6,	/* land mobile (IMSI) */
	SCCP_NP_E214    = 7,	/* ISDN/mobile */
};

/* Nature of address indicator values (Q.713 3.4.2.3.1) */
enum sccp_nai {
	SCCP_NAI_UNKNOWN       = 0,
	SCCP_NAI_SUBSCRIBER    = 1,
	SCCP_NAI_NATIONAL      = 3,
	SCCP_NAI_INTERNATIONAL = 4,
};

/* Well-known subsystem numbers (3GPP TS 23.003 / Q.713 Annex) */
enum sccp_ssn {
	SCCP_SSN_MGMT = 1,
	SCCP_SSN_HLR  = 6,
	SCCP_SSN_VLR  = 7,
	SCCP_SSN_MSC  = 8,
	SCCP_SSN_GMLC = 145,
	SCCP_SSN_GSMSCF = 147,
	SCCP_SSN_SGSN = 149,
};

struct sccp_gt {
	uint8_t tt;		/* translation type (GTI 2, 3, 4) */
	uint8_t np;		/* numbering plan (GTI 3, 4) */
	uint8_t nai;		/* nature of address (GTI 1, 4) */
	/* Address digits as ASCII '0'-'9' plus 'a'-'e' for the BCD fillers/codes
	 * 0xA-0xE (hex digits as telephony writes them); NUL-terminated.
	 * The encoding scheme (BCD odd/even) follows from strlen(digits). */
	char digits[SCCP_GT_DIGITS_MAX + 1];
};

struct sccp_addr {
	enum sccp_routing_ind ri;
	enum sccp_gti gti;	/* SCCP_GTI_NONE: no GT present */
	bool pc_present;
	bool ssn_present;
	bool national;		/* bit 8 of the address indicator: national use */
	uint16_t pc;		/* ITU 14-bit signalling point code */
	uint8_t ssn;
	struct sccp_gt gt;
};
