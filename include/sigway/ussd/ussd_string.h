/* USSD-String coding per USSD-DataCodingScheme (3GPP TS 23.038 5, the CBS
 * data coding scheme; 6.1.2.3.1 for the 7-bit CR padding). No allocation. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define USSD_MAX_OCTETS		160	/* USSD-String SIZE (1..160) */
#define USSD_MAX_SEPTETS	182	/* 160 octets of packed 7-bit */

#define USSD_DCS_GSM7_UNSPEC	0x0f	/* GSM 7-bit, language unspecified */
#define USSD_DCS_GSM7_LANG	0x10	/* GSM 7-bit, text starts "ll<CR>" */
#define USSD_DCS_UCS2_LANG	0x11	/* UCS2, starts with 2 packed 7-bit language chars */
#define USSD_DCS_UCS2		0x48	/* general data coding, UCS2 */

enum ussd_charset {
	USSD_CHARSET_GSM7,
	USSD_CHARSET_8BIT,
	USSD_CHARSET_UCS2,
};

struct ussd_dcs {
	enum ussd_charset charset;
	bool lang_prefix;	/* 0x10 / 0x11: text carries an ISO 639 language */
	bool compressed;	/* cannot be decoded here */
	bool has_class;
	uint8_t msg_class;
	const char *language;	/* ISO 639-1 code a language group names (0x00-0x0e,
				 * 0x20-0x24), NULL otherwise */
	bool reserved;		/* a value 23.038 reserves: read as GSM 7-bit */
};

/* Parse a CBS/USSD data coding scheme. Reserved values are GSM 7-bit, as
 * 23.038 5 tells a receiver to assume. */
void ussd_dcs_parse(struct ussd_dcs *d, uint8_t dcs);

/* "GSM 7-bit", "8-bit" or "UCS2" */
const char *ussd_charset_name(enum ussd_charset c);

/* UTF-8 -> USSD-String. For 0x10/0x11, lang (two letters, e.g. "en") is
 * put in front as the DCS asks; otherwise lang is ignored and may be NULL.
 * 7-bit strings get the <CR> padding of 23.038 6.1.2.3.1. Returns octets,
 * -E2BIG beyond 182 septets / 160 octets, -EINVAL if a character cannot be
 * coded in the DCS alphabet, -EILSEQ on invalid UTF-8, -ENOTSUP for
 * compressed DCS, -ENOSPC. */
int ussd_string_encode(uint8_t *out, size_t outlen, uint8_t dcs, const char *lang,
		       const char *utf8, size_t len);

/* USSD-String -> UTF-8 (NUL-terminated). The padding <CR> is removed; for
 * 0x10/0x11 the language goes to lang (3 bytes, may be NULL) and is cut from
 * the text. Returns bytes written, -E2BIG if len > 160, -ENOTSUP for
 * compressed DCS, -ENOSPC. */
int ussd_string_decode(char *out, size_t outlen, uint8_t dcs, const uint8_t *in, size_t len,
		       char *lang);

/* What is wrong with a USSD-String that ussd_string_decode() reads anyway
 * (it is lenient, as a receiver should be), for people reading traffic: NULL
 * when nothing, else a short sentence that says how the text is shown.
 * Covers the length, a compressed DCS, a missing "ll<CR>" language prefix,
 * a lone or double GSM 7-bit escape, an odd UCS2 length and an unpaired
 * UTF-16 surrogate. */
const char *ussd_string_problem(uint8_t dcs, const uint8_t *in, size_t len);
