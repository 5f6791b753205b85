/* 3GPP TS 23.038 alphabets <-> UTF-8. Own code rather than libosmocore's
 * gsm_7bit_* because those work on 8-bit chars (no UTF-8, no euro sign), and
 * gsm_septet_pack() allocates and cannot bound its output (doc/sms-ussd-coding.md). */
#include <errno.h>
#include <string.h>

#include <sigway/sms/sms_alphabet.h>

/* 23.038 6.2.1: default alphabet, code -> Unicode. 0x1B (escape) maps to
 * NBSP as the spec suggests for a receiver that does not know extensions. */
static const uint16_t gsm7_default[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x00a0, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* 23.038 6.2.1.1: the extension table (after 0x1B). */
struct gsm7_ext { uint8_t code; uint16_t cp; };
static const struct gsm7_ext gsm7_ext_table[] = {
	{ 0x0a, 0x000c }, { 0x14, 0x005e }, { 0x28, 0x007b }, { 0x29, 0x007d },
	{ 0x2f, 0x005c }, { 0x3c, 0x005b }, { 0x3d, 0x007e }, { 0x3e, 0x005d },
	{ 0x40, 0x007c }, { 0x65, 0x20ac },
};

#define N_EXT (sizeof(gsm7_ext_table) / sizeof(gsm7_ext_table[0]))

int sms_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const uint8_t *u = (const uint8_t *)s;
	unsigned n, i;
	uint32_t c, min;

	if (len == 0)
		return -EILSEQ;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) { n = 2; c = u[0] & 0x1f; min = 0x80; }
	else if ((u[0] & 0xf0) == 0xe0) { n = 3; c = u[0] & 0x0f; min = 0x800; }
	else if ((u[0] & 0xf8) == 0xf0) { n = 4; c = u[0] & 0x07; min = 0x10000; }
	else
		return -EILSEQ;
	if (len < n)
		return -EILSEQ;
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (u[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -EILSEQ;
	*cp = c;
	return n;
}

/* Write one code point as UTF-8; returns its length or -ENOSPC (leaves room
 * for the terminating NUL). */
static int utf8_put(char *out, size_t outlen, size_t pos, uint32_t cp)
{
	uint8_t b[4];
	int n;

	if (cp < 0x80) { b[0] = cp; n = 1; }
	else if (cp < 0x800) { b[0] = 0xc0 | (cp >> 6); b[1] = 0x80 | (cp & 0x3f); n = 2; }
	else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12); b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f); n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18); b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f); b[3] = 0x80 | (cp & 0x3f); n = 4;
	}
	if (pos + n + 1 > outlen)
		return -ENOSPC;
	memcpy(out + pos, b, n);
	return n;
}

/* Default-table code of cp, or -1. */
static int gsm7_default_code(uint32_t cp)
{
	unsigned i;

	/* fast path: ASCII letters and digits sit at their own code */
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
		return cp;
	for (i = 0; i < 128; i++) {
		if (gsm7_default[i] == cp && i != SMS_GSM7_ESC)
			return i;
	}
	return -1;
}

static int gsm7_ext_code(uint32_t cp)
{
	unsigned i;

	for (i = 0; i < N_EXT; i++) {
		if (gsm7_ext_table[i].cp == cp)
			return gsm7_ext_table[i].code;
	}
	return -1;
}

unsigned sms_gsm7_septets_of(uint32_t cp)
{
	if (gsm7_default_code(cp) >= 0)
		return 1;
	if (gsm7_ext_code(cp) >= 0)
		return 2;
	return 0;
}

int sms_gsm7_from_utf8(uint8_t *septets, size_t max, const char *utf8, size_t len)
{
	size_t pos = 0, n = 0;
	uint32_t cp;
	int l, code;

	while (pos < len) {
		l = sms_utf8_next(utf8 + pos, len - pos, &cp);
		if (l < 0)
			return l;
		pos += l;
		code = gsm7_default_code(cp);
		if (code >= 0) {
			if (n + 1 > max)
				return -ENOSPC;
			if (septets)
				septets[n] = code;
			n++;
			continue;
		}
		code = gsm7_ext_code(cp);
		if (code < 0)
			return -EINVAL;
		if (n + 2 > max)
			return -ENOSPC;
		if (septets) {
			septets[n] = SMS_GSM7_ESC;
			septets[n + 1] = code;
		}
		n += 2;
	}
	return n;
}

static uint32_t gsm7_ext_to_cp(uint8_t code)
{
	unsigned i;

	for (i = 0; i < N_EXT; i++) {
		if (gsm7_ext_table[i].code == code)
			return gsm7_ext_table[i].cp;
	}
	/* unknown extension: show the default-table character (23.038 6.2.1.1) */
	return gsm7_default[code & 0x7f];
}

int sms_gsm7_to_utf8(char *out, size_t outlen, const uint8_t *septets, size_t n)
{
	size_t i, pos = 0;
	uint32_t cp;
	int l;

	if (outlen == 0)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		uint8_t c = septets[i] & 0x7f;

		if (c == SMS_GSM7_ESC) {
			/* a lone trailing escape, or escape-escape (reserved for a
			 * further extension table): display a space */
			if (i + 1 >= n || (septets[i + 1] & 0x7f) == SMS_GSM7_ESC) {
				cp = ' ';
				i += (i + 1 < n);
			} else {
				cp = gsm7_ext_to_cp(septets[++i] & 0x7f);
			}
		} else {
			cp = gsm7_default[c];
		}
		l = utf8_put(out, outlen, pos, cp);
		if (l < 0)
			return l;
		pos += l;
	}
	out[pos] = '\0';
	return pos;
}

int sms_septets_pack(uint8_t *out, size_t outlen, const uint8_t *septets, size_t n,
		     unsigned fill_bits)
{
	size_t bits = fill_bits + 7 * n;
	size_t octets = (bits + 7) / 8;
	size_t i, bit;

	if (fill_bits > 6)
		return -EINVAL;
	if (octets > outlen)
		return -ENOSPC;
	memset(out, 0, octets);
	for (i = 0; i < n; i++) {
		uint16_t v;

		bit = fill_bits + 7 * i;
		v = (uint16_t)(septets[i] & 0x7f) << (bit % 8);
		out[bit / 8] |= v & 0xff;
		if ((v >> 8) && bit / 8 + 1 < octets)
			out[bit / 8 + 1] |= v >> 8;
	}
	return octets;
}

int sms_septets_unpack(uint8_t *septets, size_t max, const uint8_t *in, size_t inlen,
		       size_t n, unsigned fill_bits)
{
	size_t i, bit;

	if (fill_bits > 6)
		return -EINVAL;
	if (n > max)
		return -ENOSPC;
	if ((fill_bits + 7 * n + 7) / 8 > inlen)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		uint16_t v;

		bit = fill_bits + 7 * i;
		v = in[bit / 8];
		/* the septet spills into the next octet only if it starts above bit 1 */
		if (bit % 8 > 1)
			v |= (uint16_t)in[bit / 8 + 1] << 8;
		septets[i] = (v >> (bit % 8)) & 0x7f;
	}
	return n;
}

int sms_ucs2_from_utf8(uint8_t *out, size_t outlen, const char *utf8, size_t len)
{
	size_t pos = 0, o = 0;
	uint32_t cp;
	int l;

	while (pos < len) {
		l = sms_utf8_next(utf8 + pos, len - pos, &cp);
		if (l < 0)
			return l;
		pos += l;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);

			if (o + 4 > outlen && out)
				return -ENOSPC;
			if (out) {
				out[o] = hi >> 8; out[o + 1] = hi & 0xff;
				out[o + 2] = lo >> 8; out[o + 3] = lo & 0xff;
			}
			o += 4;
		} else {
			if (o + 2 > outlen && out)
				return -ENOSPC;
			if (out) {
				out[o] = cp >> 8;
				out[o + 1] = cp & 0xff;
			}
			o += 2;
		}
	}
	return o;
}

int sms_ucs2_to_utf8(char *out, size_t outlen, const uint8_t *in, size_t len)
{
	size_t i = 0, pos = 0;
	uint32_t cp;
	int l;

	if (outlen == 0)
		return -ENOSPC;
	while (i < len) {
		if (i + 2 > len) {
			cp = 0xfffd;	/* odd trailing octet */
			i++;
		} else {
			cp = (in[i] << 8) | in[i + 1];
			i += 2;
			if (cp >= 0xd800 && cp <= 0xdbff && i + 2 <= len &&
			    ((in[i] << 8 | in[i + 1]) & 0xfc00) == 0xdc00) {
				uint32_t lo = (in[i] << 8) | in[i + 1];

				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;	/* unpaired surrogate */
			}
		}
		l = utf8_put(out, outlen, pos, cp);
		if (l < 0)
			return l;
		pos += l;
	}
	out[pos] = '\0';
	return pos;
}

int sms_latin1_to_utf8(char *out, size_t outlen, const uint8_t *in, size_t len)
{
	size_t i, pos = 0;
	int l;

	if (outlen == 0)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		l = utf8_put(out, outlen, pos, in[i]);
		if (l < 0)
			return l;
		pos += l;
	}
	out[pos] = '\0';
	return pos;
}

int sms_choose_alphabet(const char *utf8, size_t len)
{
	int rc = sms_gsm7_from_utf8(NULL, SIZE_MAX, utf8, len);

	if (rc == -EINVAL)
		return SMS_ALPHABET_UCS2;
	if (rc < 0)
		return rc;
	return SMS_ALPHABET_GSM7;
}
