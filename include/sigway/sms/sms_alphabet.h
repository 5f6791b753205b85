/* SMS/USSD alphabets (3GPP TS 23.038): GSM 7-bit default alphabet with its
 * extension table, UCS2 (UTF-16BE), Latin-1, all converted to/from UTF-8.
 * None of these functions allocate; every output buffer is caller-owned. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum sms_alphabet {
	SMS_ALPHABET_GSM7 = 0,
	SMS_ALPHABET_8BIT = 1,
	SMS_ALPHABET_UCS2 = 2,
	SMS_ALPHABET_RESERVED = 3,
};

#define SMS_GSM7_ESC 0x1b

/* Septets needed for one Unicode code point in GSM 7-bit: 1 (default table),
 * 2 (escape + extension table) or 0 if it cannot be represented. */
unsigned sms_gsm7_septets_of(uint32_t cp);

/* UTF-8 -> unpacked GSM 7-bit septets (one per byte, extension characters as
 * 0x1B + code). Returns the number of septets, -EILSEQ on invalid UTF-8,
 * -EINVAL if a character is not in the GSM 7-bit alphabet, -ENOSPC if more
 * than max septets would be needed. septets may be NULL to only count. */
int sms_gsm7_from_utf8(uint8_t *septets, size_t max, const char *utf8, size_t len);

/* Unpacked septets -> UTF-8 (NUL-terminated). Unknown extension codes decode
 * to the default-table character, as 23.038 6.2.1.1 asks; a trailing lone
 * escape decodes to a space. Returns bytes written (without NUL) or -ENOSPC. */
int sms_gsm7_to_utf8(char *out, size_t outlen, const uint8_t *septets, size_t n);

/* Pack n septets into octets, starting after fill_bits (0..6) zero bits, as
 * needed after a UDH. Returns octets written, or -ENOSPC. */
int sms_septets_pack(uint8_t *out, size_t outlen, const uint8_t *septets, size_t n,
		     unsigned fill_bits);

/* Unpack n septets from packed octets, skipping fill_bits (0..6) first.
 * Returns n, or -EMSGSIZE if in is too short for n septets, -ENOSPC if max < n. */
int sms_septets_unpack(uint8_t *septets, size_t max, const uint8_t *in, size_t inlen,
		       size_t n, unsigned fill_bits);

/* UTF-8 -> UCS2 big-endian (characters beyond the BMP as surrogate pairs).
 * Returns octets written, -EILSEQ on invalid UTF-8, -ENOSPC. out may be NULL
 * to only count. */
int sms_ucs2_from_utf8(uint8_t *out, size_t outlen, const char *utf8, size_t len);

/* UCS2/UTF-16BE -> UTF-8 (NUL-terminated). Unpaired surrogates and an odd
 * trailing octet decode to U+FFFD. Returns bytes written or -ENOSPC. */
int sms_ucs2_to_utf8(char *out, size_t outlen, const uint8_t *in, size_t len);

/* ISO 8859-1 (SMPP data_coding 3) -> UTF-8. Returns bytes written or -ENOSPC. */
int sms_latin1_to_utf8(char *out, size_t outlen, const uint8_t *in, size_t len);

/* The alphabet to send a UTF-8 text in: GSM7 if every character is in the
 * default alphabet or its extension table, else UCS2. -EILSEQ on bad UTF-8. */
int sms_choose_alphabet(const char *utf8, size_t len);

/* Decode one UTF-8 sequence at s (len bytes left) into *cp; returns its length
 * or -EILSEQ (overlong, surrogate, > U+10FFFF, truncated). */
int sms_utf8_next(const char *s, size_t len, uint32_t *cp);
