/* SCCP connectionless message codec (ITU-T Q.713): UDT, XUDT, UDTS, XUDTS.
 * No allocation: a decoded message points into the buffer it came from. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sigway/sccp/sccp_addr.h>

enum sccp_msg_type {
	SCCP_MSGT_UDT   = 0x09,
	SCCP_MSGT_UDTS  = 0x0a,
	SCCP_MSGT_XUDT  = 0x11,
	SCCP_MSGT_XUDTS = 0x12,
};

/* Optional parameter names (Q.713 3.1) we understand */
enum sccp_opt_param {
	SCCP_OPT_END          = 0x00,
	SCCP_OPT_SEGMENTATION = 0x10,
	SCCP_OPT_IMPORTANCE   = 0x12,
};

/* Decoder errors: each names what was wrong, so drops can be counted by cause */
enum sccp_codec_err {
	SCCP_ERR_TRUNCATED = 1,		/* shorter than its fixed part or a length says */
	SCCP_ERR_BAD_POINTER,		/* pointer zero, into the fixed part or past the end */
	SCCP_ERR_OVERLAP,		/* two variable parameters share octets */
	SCCP_ERR_UNKNOWN_TYPE,		/* not UDT/XUDT/UDTS/XUDTS */
	SCCP_ERR_BAD_CLASS,		/* protocol class other than 0 or 1 */
	SCCP_ERR_BAD_ADDR,		/* address shorter than its indicator says */
	SCCP_ERR_GT_TOO_LONG,		/* more than SCCP_GT_DIGITS_MAX digits */
	SCCP_ERR_BAD_GT,		/* GTI or encoding scheme we cannot read */
	SCCP_ERR_EMPTY_DATA,		/* user data of length zero */
	SCCP_ERR_BAD_OPTIONAL,		/* optional part runs past the end / bad length */
	SCCP_ERR_NO_SPACE,		/* encoder: output buffer or pointer range too small */
	SCCP_ERR_BAD_VALUE,		/* encoder: a field out of range */
	_SCCP_ERR_COUNT
};

struct sccp_segmentation {
	bool first;		/* F bit: first segment */
	bool class1;		/* C bit: in-sequence delivery asked for */
	uint8_t remaining;	/* segments still to come, 0..15 */
	uint32_t local_ref;	/* 24 bits */
};

struct sccp_msg {
	enum sccp_msg_type type;
	uint8_t protocol_class;		/* UDT/XUDT: 0 or 1 */
	bool return_on_error;		/* UDT/XUDT: message handling bit */
	uint8_t return_cause;		/* UDTS/XUDTS */
	uint8_t hop_counter;		/* XUDT/XUDTS */
	struct sccp_addr called;
	struct sccp_addr calling;
	const uint8_t *data;
	size_t len;
	bool seg_present;		/* XUDT/XUDTS only */
	struct sccp_segmentation seg;
	bool importance_present;	/* XUDT/XUDTS only */
	uint8_t importance;
};

/* Decode one SCCP message. Returns 0 or -enum sccp_codec_err. */
int sccp_msg_decode(struct sccp_msg *msg, const uint8_t *buf, size_t len);

/* Encode into buf; returns the number of octets written or -enum sccp_codec_err. */
int sccp_msg_encode(uint8_t *buf, size_t buflen, const struct sccp_msg *msg);

/* Party address alone (the contents of the variable parameter, without its
 * length octet). Returns octets used / written, or -enum sccp_codec_err. */
int sccp_addr_decode(struct sccp_addr *addr, const uint8_t *buf, size_t len);
int sccp_addr_encode(uint8_t *buf, size_t buflen, const struct sccp_addr *addr);

/* Encoded size of an address (without its length octet), or negative. */
int sccp_addr_encoded_len(const struct sccp_addr *addr);

const char *sccp_codec_strerror(int err);
const char *sccp_msg_type_name(enum sccp_msg_type type);

/* "RI=GT,GTI=4,TT=0,NP=1,NAI=4,GT=4917...,SSN=6,PC=0.0.3" for logs */
const char *sccp_addr_str(const struct sccp_addr *addr, char *buf, size_t buflen);

/* Sets an E.164 international GT address routed on GT (GTI 4, TT 0), the
 * shape nearly all MAP interconnect traffic uses. digits must be <= 32 long. */
int sccp_addr_set_e164(struct sccp_addr *addr, const char *digits, uint8_t ssn);
