/* Splitting a message into concatenated SMS parts (3GPP TS 23.040 9.2.3.24.1).
 * Parts are caller-owned structs; nothing is allocated. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/sms/sms_tpdu.h>

/* One part: UDH information elements (without UDHL) and the payload, in
 * septets (GSM7, unpacked, one per byte) or octets. Plug into a TPDU with
 * sms_part_to_ud(). */
struct sms_part {
	uint8_t udh[140];
	uint8_t udh_len;
	uint8_t data[160];
	uint16_t data_len;
};

struct sms_split_req {
	enum sms_alphabet alphabet;	/* how payload is coded */
	const uint8_t *payload;		/* GSM7: unpacked septets; else octets */
	size_t len;			/* in septets / octets */
	const uint8_t *user_udh;	/* IEs the client sent (SMPP UDHI), or NULL */
	uint8_t user_udh_len;
	uint16_t ref;			/* concatenation reference */
	bool ref16;			/* IEI 8 (16-bit reference) instead of IEI 0 */
};

/* Payload units one part can carry with udh_len octets of IEs (0 = no UDH):
 * 160/153 septets, 140/134 octets, 70/67 UCS2 characters x2 octets. */
unsigned sms_part_capacity(enum sms_alphabet alphabet, unsigned udh_len);

/* Split: a single part (no concatenation IE) when it fits, else parts each
 * with a concatenation IE first, then the user's IEs. Never splits a GSM7
 * escape sequence or a UTF-16 surrogate pair. Returns the number of parts,
 * -E2BIG if more than max_parts (or 255) would be needed, -EMSGSIZE if it
 * does not fit one part but the user's UDH already holds a concatenation IE,
 * -EINVAL. */
int sms_split(struct sms_part *parts, unsigned max_parts, const struct sms_split_req *req);

/* Choose the alphabet for UTF-8 text (GSM7 else UCS2), code it into scratch
 * and split it. *alphabet gets the choice (TP-DCS 0x00 or 0x08). */
int sms_split_text(struct sms_part *parts, unsigned max_parts, const char *utf8, size_t len,
		   uint16_t ref, bool ref16, enum sms_alphabet *alphabet,
		   uint8_t *scratch, size_t scratch_len);

/* Point ud at a part's UDH and payload. */
void sms_part_to_ud(struct sms_ud *ud, const struct sms_part *p);

/* SMPP data_coding values the gateway accepts in submit_sm */
#define SMS_SMPP_DC_DEFAULT	0x00	/* SMSC default alphabet: GSM 7-bit, one septet per octet */
#define SMS_SMPP_DC_IA5		0x01	/* IA5 / ASCII */
#define SMS_SMPP_DC_BINARY2	0x02	/* 8-bit binary */
#define SMS_SMPP_DC_LATIN1	0x03
#define SMS_SMPP_DC_BINARY	0x04
#define SMS_SMPP_DC_UCS2	0x08

/* Prepare a split request from an SMPP short_message / message_payload.
 * With udhi (esm_class UDHI) the message starts with UDHL + IEs, which become
 * req->user_udh (validated). dc0 is what data_coding 0 means for the ESME
 * (its "SMSC default alphabet"): SMS_SMPP_DC_DEFAULT (GSM 03.38, one septet
 * per octet), SMS_SMPP_DC_IA5 or SMS_SMPP_DC_LATIN1; it also applies to the
 * 7-bit codings with a message class (0x10-0x13, 0xF0-0xF3). IA5 and Latin-1
 * text is converted and sent in GSM7 when every character fits, else UCS2.
 * The codings with a message class (0x10-0x1B, 0xF0-0xF7: flash SMS is class
 * 0, SIM data download class 2) keep their class in the TP-DCS. req->payload
 * may point into sm or into scratch (sized >= 4 * len). *tp_dcs gets the
 * TP-DCS to use. Returns 0, -EINVAL (bad UDH, bad septet, odd UCS2),
 * -ENOTSUP (data_coding), -ENOSPC. The caller sets req->ref / ref16. */
int sms_split_req_from_smpp(struct sms_split_req *req, uint8_t *tp_dcs, uint8_t data_coding, uint8_t dc0,
			    bool udhi, const uint8_t *sm, size_t len,
			    uint8_t *scratch, size_t scratch_len);

/* an alphanumeric TP-OA: 11 septets at most (23.040 9.1.2.5) */
#define SMS_ALNUM_SEPTETS_MAX	11

/* An SMPP source_addr of TON 5 (alphanumeric) as the UTF-8 text of TP-OA:
 * its octets are UTF-8 when they are well-formed UTF-8 beyond ASCII, else
 * Latin-1. Returns the septets it takes in GSM 7-bit (an extension
 * character counts two), or -EINVAL when it cannot be coded (a character
 * outside GSM 03.38, more than 11 septets, empty). */
int sms_smpp_alnum_addr(const char *addr, char *utf8, size_t utf8_len);

/* The text of an SMPP message (after its UDH with udhi) as UTF-8, read the
 * way sms_split_req_from_smpp() reads it (dc0 likewise). Returns the bytes
 * written, -EINVAL, -ENOTSUP (binary or unknown codings), -ENOSPC. */
int sms_smpp_to_utf8(char *out, size_t outlen, uint8_t data_coding, uint8_t dc0, bool udhi,
		     const uint8_t *sm, size_t len);

/* At most max_chars characters of UTF-8 text as the octets of SMPP
 * data_coding 0 for an ESME whose default alphabet is dc0 (GSM 03.38 with
 * extension characters as escape + code, IA5 or Latin-1); a character the
 * alphabet lacks becomes '?'. Returns the octets written, -EILSEQ, -ENOSPC. */
int sms_smpp_from_utf8(uint8_t *out, size_t outlen, uint8_t dc0, const char *utf8, size_t len,
		       unsigned int max_chars);

/* The other way (MO SMS-SUBMIT / SMS-DELIVER -> deliver_sm): user data of a
 * decoded TPDU as an SMPP short_message. With a UDH, UDHL + IEs come first
 * (the caller sets esm_class UDHI when t->ud.udh is not NULL). GSM7 goes out as data_coding
 * 0 with one septet per octet, UCS2 as 8, 8-bit and compressed data as 4.
 * Returns the length, -ENOSPC. */
int sms_tpdu_to_smpp(const struct sms_tpdu *t, uint8_t *data_coding, uint8_t *out, size_t outlen);
