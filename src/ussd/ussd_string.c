/* USSD-String coding (23.038). Built on the SMS alphabet helpers, which do
 * the UTF-8 and packing work without allocating. */
#include <errno.h>
#include <string.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/ussd/ussd_string.h>

#define CR 0x0d

/* 23.038 5: the languages of the coding groups 0000 and 0010 */
static const char *const lang_group0[15] = { "de", "en", "it", "fr", "es", "nl", "sv", "da", "pt",
					     "fi", "no", "el", "tr", "hu", "pl" };
static const char *const lang_group2[5] = { "cs", "he", "ar", "ru", "is" };

void ussd_dcs_parse(struct ussd_dcs *d, uint8_t dcs)
{
	memset(d, 0, sizeof(*d));
	d->charset = USSD_CHARSET_GSM7;
	switch (dcs >> 4) {
	case 0x0:
		if (dcs != USSD_DCS_GSM7_UNSPEC)
			d->language = lang_group0[dcs & 0x0f];
		break;
	case 0x1:
		if (dcs == USSD_DCS_GSM7_LANG || dcs == USSD_DCS_UCS2_LANG)
			d->lang_prefix = true;
		else
			d->reserved = true;
		if (dcs == USSD_DCS_UCS2_LANG)
			d->charset = USSD_CHARSET_UCS2;
		break;
	case 0x2:
		if ((dcs & 0x0f) < 5)
			d->language = lang_group2[dcs & 0x0f];
		else
			d->reserved = true;	/* for languages still to be named */
		break;
	case 0x4: case 0x5: case 0x6: case 0x7:	/* general data coding */
	case 0x9:				/* message with UDH: same layout */
		d->compressed = (dcs & 0x20) && (dcs >> 4) != 0x9;
		d->has_class = dcs & 0x10 || (dcs >> 4) == 0x9;
		d->msg_class = dcs & 0x03;
		if (((dcs >> 2) & 3) == 1)
			d->charset = USSD_CHARSET_8BIT;
		else if (((dcs >> 2) & 3) == 2)
			d->charset = USSD_CHARSET_UCS2;
		else if (((dcs >> 2) & 3) == 3)
			d->reserved = true;
		break;
	case 0xf:
		d->has_class = true;
		d->msg_class = dcs & 0x03;
		d->reserved = dcs & 0x08;
		if (dcs & 0x04)
			d->charset = USSD_CHARSET_8BIT;
		break;
	default:	/* 0011 (languages still to be named), 1000, 1010-1110 */
		d->reserved = true;
		break;
	}
}

const char *ussd_charset_name(enum ussd_charset c)
{
	switch (c) {
	case USSD_CHARSET_GSM7: return "GSM 7-bit";
	case USSD_CHARSET_8BIT: return "8-bit";
	case USSD_CHARSET_UCS2: return "UCS2";
	}
	return "?";
}

/* 23.038 6.1.2.3.1: 7 spare bits at the end would read as '@', so pad with
 * <CR>; a wanted final <CR> on an octet boundary gets a second one. */
static size_t cr_pad(uint8_t *sep, size_t n)
{
	if (n % 8 == 7 || (n && n % 8 == 0 && sep[n - 1] == CR))
		sep[n++] = CR;
	return n;
}

static int encode_gsm7(uint8_t *out, size_t outlen, const char *lang, bool lang_prefix,
		       const char *utf8, size_t len)
{
	uint8_t sep[USSD_MAX_SEPTETS + 1];
	size_t n = 0;
	int rc;

	if (lang_prefix) {
		if (!lang || strlen(lang) != 2)
			return -EINVAL;
		rc = sms_gsm7_from_utf8(sep, 2, lang, 2);
		if (rc != 2)
			return -EINVAL;
		sep[2] = CR;
		n = 3;
	}
	rc = sms_gsm7_from_utf8(sep + n, USSD_MAX_SEPTETS - n, utf8, len);
	if (rc < 0)
		return rc == -ENOSPC ? -E2BIG : rc;
	n = cr_pad(sep, n + rc);
	if (n > USSD_MAX_SEPTETS)
		return -E2BIG;
	return sms_septets_pack(out, outlen, sep, n, 0);
}

static int encode_ucs2(uint8_t *out, size_t outlen, const char *lang, bool lang_prefix,
		       const char *utf8, size_t len)
{
	uint8_t buf[USSD_MAX_OCTETS];
	size_t n = 0;
	int rc;

	if (lang_prefix) {
		uint8_t sep[2];

		if (!lang || strlen(lang) != 2 || sms_gsm7_from_utf8(sep, 2, lang, 2) != 2)
			return -EINVAL;
		n = sms_septets_pack(buf, sizeof(buf), sep, 2, 0);
	}
	rc = sms_ucs2_from_utf8(buf + n, sizeof(buf) - n, utf8, len);
	if (rc < 0)
		return rc == -ENOSPC ? -E2BIG : rc;
	n += rc;
	if (n > outlen)
		return -ENOSPC;
	memcpy(out, buf, n);
	return n;
}

int ussd_string_encode(uint8_t *out, size_t outlen, uint8_t dcs, const char *lang,
		       const char *utf8, size_t len)
{
	struct ussd_dcs d;
	size_t i;

	ussd_dcs_parse(&d, dcs);
	if (d.compressed)
		return -ENOTSUP;
	switch (d.charset) {
	case USSD_CHARSET_GSM7:
		return encode_gsm7(out, outlen, lang, d.lang_prefix, utf8, len);
	case USSD_CHARSET_UCS2:
		return encode_ucs2(out, outlen, lang, d.lang_prefix, utf8, len);
	default:
		/* 8-bit data is passed through as is */
		if (len > USSD_MAX_OCTETS)
			return -E2BIG;
		if (len > outlen)
			return -ENOSPC;
		for (i = 0; i < len; i++)
			out[i] = utf8[i];
		return len;
	}
}

static int decode_gsm7(char *out, size_t outlen, bool lang_prefix, const uint8_t *in,
		       size_t len, char *lang)
{
	uint8_t sep[USSD_MAX_SEPTETS + 1];
	size_t n = len * 8 / 7, skip = 0;

	sms_septets_unpack(sep, sizeof(sep), in, len, n, 0);
	/* a <CR> that ends exactly on the last octet is padding */
	if (n && (len * 8) % 7 == 0 && sep[n - 1] == CR)
		n--;
	if (lang_prefix && n >= 3 && sep[2] == CR) {
		if (lang && sms_gsm7_to_utf8(lang, 3, sep, 2) < 0)
			lang[0] = '\0';
		skip = 3;
	}
	return sms_gsm7_to_utf8(out, outlen, sep + skip, n - skip);
}

static int decode_ucs2(char *out, size_t outlen, bool lang_prefix, const uint8_t *in,
		       size_t len, char *lang)
{
	if (lang_prefix && len >= 2) {
		uint8_t sep[2];

		sms_septets_unpack(sep, 2, in, 2, 2, 0);
		if (lang && sms_gsm7_to_utf8(lang, 3, sep, 2) < 0)
			lang[0] = '\0';
		in += 2;
		len -= 2;
	}
	return sms_ucs2_to_utf8(out, outlen, in, len);
}

int ussd_string_decode(char *out, size_t outlen, uint8_t dcs, const uint8_t *in, size_t len,
		       char *lang)
{
	struct ussd_dcs d;

	if (lang)
		lang[0] = '\0';
	if (len > USSD_MAX_OCTETS)
		return -E2BIG;
	ussd_dcs_parse(&d, dcs);
	if (d.compressed)
		return -ENOTSUP;
	switch (d.charset) {
	case USSD_CHARSET_GSM7:
		return decode_gsm7(out, outlen, d.lang_prefix, in, len, lang);
	case USSD_CHARSET_UCS2:
		return decode_ucs2(out, outlen, d.lang_prefix, in, len, lang);
	default:
		return sms_latin1_to_utf8(out, outlen, in, len);
	}
}

static const char *gsm7_problem(bool lang_prefix, const uint8_t *in, size_t len)
{
	uint8_t sep[USSD_MAX_SEPTETS + 1];
	size_t n = len * 8 / 7;

	sms_septets_unpack(sep, sizeof(sep), in, len, n, 0);
	if (n && (len * 8) % 7 == 0 && sep[n - 1] == CR)
		n--;
	if (lang_prefix && (n < 3 || sep[2] != CR))
		return "the DCS announces a language prefix \"ll<CR>\" that is not there: shown as text";
	for (size_t i = 0; i < n; i++) {
		if (sep[i] != SMS_GSM7_ESC)
			continue;
		if (i + 1 == n)
			return "ends in a lone escape (0x1b): shown as a space";
		if (sep[i + 1] == SMS_GSM7_ESC)
			return "escape escape (a further extension table, not defined): shown as a space";
		i++;
	}
	return NULL;
}

static const char *ucs2_problem(bool lang_prefix, const uint8_t *in, size_t len)
{
	if (lang_prefix) {
		if (len < 2)
			return "the DCS announces a 2-octet language prefix that is not there";
		in += 2;
		len -= 2;
	}
	if (len % 2)
		return "odd number of UCS2 octets: the last one shown as U+FFFD";
	for (size_t i = 0; i + 1 < len; i += 2) {
		unsigned u = (unsigned)in[i] << 8 | in[i + 1];
		if (u >= 0xdc00 && u <= 0xdfff)
			return "unpaired UTF-16 surrogate: shown as U+FFFD";
		if (u >= 0xd800 && u <= 0xdbff) {
			unsigned lo = i + 3 < len ? (unsigned)in[i + 2] << 8 | in[i + 3] : 0;
			if ((lo & 0xfc00) != 0xdc00)
				return "unpaired UTF-16 surrogate: shown as U+FFFD";
			i += 2;
		}
	}
	return NULL;
}

const char *ussd_string_problem(uint8_t dcs, const uint8_t *in, size_t len)
{
	struct ussd_dcs d;

	if (len == 0)
		return "empty (USSD-String is 1..160 octets)";
	if (len > USSD_MAX_OCTETS)
		return "longer than 160 octets: not decoded";
	ussd_dcs_parse(&d, dcs);
	if (d.compressed)
		return "compressed (23.042), which is not decoded here";
	switch (d.charset) {
	case USSD_CHARSET_GSM7:
		return gsm7_problem(d.lang_prefix, in, len);
	case USSD_CHARSET_UCS2:
		return ucs2_problem(d.lang_prefix, in, len);
	default:
		return NULL;
	}
}
