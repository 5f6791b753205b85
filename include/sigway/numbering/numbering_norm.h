/* The number normaliser: what people type ("+49 (0)170 123-4567", "0049...",
 * "0170 1234567" with a default country) and SMPP addresses (TON/NPI + digits)
 * to international digits (E.164, without '+'). Rules in doc/numbering.md. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct numbering;

#define NUMBERING_NORM_INPUT_MAX	64	/* characters of an input */
#define NUMBERING_NORM_PREFIXES_MAX	4	/* international prefixes */

struct numbering_norm_cfg {
	const char *country_code;	/* for national numbers, "49"; NULL or "": none (they are refused) */
	const char *trunk_prefix;	/* national trunk prefix; NULL: "0"; "": no national format */
	const char *intl_prefixes;	/* international prefixes, comma-separated; NULL: "00" */
	const struct numbering *nb;	/* calling codes known; NULL: any code not starting with 0 */
	unsigned min_nsn;		/* digits after the calling code at least; 0: 4 */
};

enum numbering_norm_result {
	NUMBERING_NORM_OK = 0,
	NUMBERING_NORM_EMPTY = -1,		/* nothing, or no digit */
	NUMBERING_NORM_LETTER = -2,		/* letters (vanity numbers are not converted) */
	NUMBERING_NORM_BAD_CHAR = -3,		/* a character that has no place in a number */
	NUMBERING_NORM_BAD_PLUS = -4,		/* '+' not at the start */
	NUMBERING_NORM_BAD_PARENS = -5,		/* unbalanced or nested parentheses */
	NUMBERING_NORM_TOO_SHORT = -6,
	NUMBERING_NORM_TOO_LONG = -7,		/* more than 15 digits, or a too long input */
	NUMBERING_NORM_LEADING_ZERO = -8,	/* an international number starting with 0 */
	NUMBERING_NORM_UNKNOWN_CC = -9,		/* no such country calling code */
	NUMBERING_NORM_NO_COUNTRY = -10,	/* national number and no default country code */
	NUMBERING_NORM_BAD_TON = -11,		/* SMPP: a TON that is not a phone number */
	NUMBERING_NORM_BAD_NPI = -12,		/* SMPP: an NPI other than unknown / E.164 */
	NUMBERING_NORM_NO_SPACE = -13,		/* out is too small */
	NUMBERING_NORM_BAD_CFG = -14,		/* the configuration is not valid */
};

/* Normalise what a person typed. Writes the international digits to out
 * (at least NUMBERING_E164_MAX + 1 bytes are always enough) and returns
 * NUMBERING_NORM_OK, or a negative numbering_norm_result with *why (if why is
 * not NULL) set to a sentence saying what is wrong. */
int numbering_normalise(const char *input, const struct numbering_norm_cfg *cfg, char *out_e164, size_t outlen,
			const char **why);

/* The same for an SMPP address: TON 1 (international), 2 (national) and 0
 * (unknown: as typed by a person); NPI 0 (unknown) or 1 (E.164). */
int numbering_normalise_smpp(uint8_t ton, uint8_t npi, const char *addr, const struct numbering_norm_cfg *cfg,
			     char *out_e164, size_t outlen, const char **why);

/* the sentence of a result code */
const char *numbering_norm_strerror(int result);

/* whether a configuration is usable: 0, or NUMBERING_NORM_BAD_CFG with why */
int numbering_norm_cfg_check(const struct numbering_norm_cfg *cfg, const char **why);
