/* GSM 04.80 / 3GPP TS 24.080 supplementary-service DTAP messages carrying
 * USSD operations: Register, Facility, Release Complete with one component
 * (Invoke / ReturnResult / ReturnError / Reject). No allocation: decoded
 * strings are copied into the struct, other parameters point into the input. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <sigway/ussd/ussd_string.h>

#define USSD_PDISC_SS		0x0b

enum ussd_msg_type {
	USSD_MSG_RELEASE_COMPLETE	= 0x2a,
	USSD_MSG_FACILITY		= 0x3a,
	USSD_MSG_REGISTER		= 0x3b,
};

enum ussd_comp_type {
	USSD_COMP_INVOKE	= 0xa1,
	USSD_COMP_RETURN_RESULT	= 0xa2,
	USSD_COMP_RETURN_ERROR	= 0xa3,
	USSD_COMP_REJECT	= 0xa4,
};

/* operation codes (24.080 4.5) */
#define USSD_OP_PROCESS_USS_REQ	59
#define USSD_OP_USS_REQ		60
#define USSD_OP_USS_NOTIFY	61

enum ussd_err {
	USSD_ERR_SHORT = 1,	/* message ends before a mandatory part */
	USSD_ERR_PDISC,		/* not protocol discriminator 0x0B */
	USSD_ERR_MSG_TYPE,	/* unknown message type */
	USSD_ERR_IE,		/* an IE length runs past the message */
	USSD_ERR_BER,		/* malformed BER in the facility */
	USSD_ERR_COMP,		/* unknown component type or missing field */
	USSD_ERR_STRING,	/* USSD-String too long / DCS missing */
};

const char *ussd_err_str(int err);

struct ussd_component {
	enum ussd_comp_type type;
	bool has_invoke_id;	/* a Reject may carry NULL instead */
	uint8_t invoke_id;
	bool has_linked_id;
	uint8_t linked_id;
	bool has_opcode;	/* Invoke; ReturnResult with a result */
	uint8_t opcode;
	/* USSD-Arg / USSD-Res */
	bool has_ussd;
	uint8_t dcs;
	uint8_t string[USSD_MAX_OCTETS];
	uint8_t string_len;
	bool has_alerting_pattern;
	uint8_t alerting_pattern;
	/* other operations' argument, ReturnError parameter: raw BER */
	const uint8_t *param;
	uint16_t param_len;
	uint8_t error_code;		/* ReturnError (local value) */
	uint8_t problem_tag;		/* Reject: 0x80 general .. 0x83 returnError */
	uint8_t problem_code;
};

struct ussd_dtap {
	enum ussd_msg_type msg_type;
	bool ti_flag;		/* 1: sent by the side that did not allocate the TI */
	uint8_t ti;		/* 0..6 */
	bool has_facility;	/* mandatory in Register / Facility */
	struct ussd_component comp;
	bool has_cause;		/* Release Complete */
	uint8_t cause[30];
	uint8_t cause_len;
	bool has_ss_version;	/* Register */
	uint8_t ss_version;
};

/* Encode m (04.08 framing, TI and PD 0x0B in octet 1). Returns the length,
 * -ENOSPC, -EINVAL for values that cannot be coded. */
int ussd_dtap_encode(uint8_t *out, size_t outlen, const struct ussd_dtap *m);

/* Decode; returns 0 or -USSD_ERR_*. */
int ussd_dtap_decode(struct ussd_dtap *m, const uint8_t *buf, size_t len);

/* The component alone (a Facility IE's contents). */
int ussd_component_encode(uint8_t *out, size_t outlen, const struct ussd_component *c);
int ussd_component_decode(struct ussd_component *c, const uint8_t *buf, size_t len);

/* Fill c as an Invoke/ReturnResult with a USSD text in dcs; returns 0 or the
 * ussd_string_encode() error. */
int ussd_component_set_text(struct ussd_component *c, uint8_t dcs, const char *utf8);
