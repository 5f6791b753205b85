/* The parts of the application API both flavours share: text rules, exit
 * codes, error sentences, and the output buffer the writers use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/ussd/ussd_string.h>
#include <sigway/ussdgw/ussd_app.h>

#include "ussd_app_int.h"

/* ---- errors ---------------------------------------------------------------- */

static const char *const err_names[] = {
	[USSD_APP_ERR_EMPTY] = "empty",
	[USSD_APP_ERR_TOO_BIG] = "too_big",
	[USSD_APP_ERR_SYNTAX] = "syntax",
	[USSD_APP_ERR_FORBIDDEN] = "forbidden",
	[USSD_APP_ERR_DEPTH] = "depth",
	[USSD_APP_ERR_TYPE] = "type",
	[USSD_APP_ERR_MISSING] = "missing",
	[USSD_APP_ERR_VALUE] = "value",
	[USSD_APP_ERR_TEXT_TOO_LONG] = "text_too_long",
	[USSD_APP_ERR_CHARSET] = "charset",
	[USSD_APP_ERR_UTF8] = "utf8",
};

const char *ussd_app_err_name(int err)
{
	if (err < 0)
		err = -err;
	if (err <= 0 || err >= (int)(sizeof(err_names) / sizeof(err_names[0])) || !err_names[err])
		return "unknown";
	return err_names[err];
}

/* Error sentences quote the application's input (and libxml2's and
 * jansson's messages do): keep them valid UTF-8 without control characters,
 * as they go into logs and back to the application in JSON or XML. */
static void sanitize(char *s)
{
	size_t pos = 0, len = strlen(s);
	uint32_t cp;
	int l;

	while (pos < len) {
		l = sms_utf8_next(s + pos, len - pos, &cp);
		if (l < 0 || cp < 0x20 || cp == 0x7f) {
			s[pos++] = '?';
			continue;
		}
		pos += l;
	}
}

int ussd_app_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		sanitize(err);
	}
	return -code;
}

/* ---- exit codes ------------------------------------------------------------ */

static const struct {
	const char *name, *text;
} exits[_USSD_APP_EXIT_COUNT] = {
	[USSD_APP_EXIT_SUCCESS] = { "success", "session completed" },
	[USSD_APP_EXIT_USER_ABORT] = { "user_abort", "the subscriber ended the session" },
	[USSD_APP_EXIT_USER_TIMEOUT] = { "user_timeout", "the subscriber did not answer in time" },
	[USSD_APP_EXIT_APP_TIMEOUT] = { "app_timeout", "the application did not answer in time" },
	[USSD_APP_EXIT_APP_ERROR] = { "app_error", "the application's answer could not be used" },
	[USSD_APP_EXIT_PROVIDER_ABORT] = { "provider_abort", "the network aborted the session" },
	[USSD_APP_EXIT_SESSION_TIMEOUT] = { "session_timeout", "the session lasted too long" },
	[USSD_APP_EXIT_REFUSED] = { "refused", "the network refused the session" },
	[USSD_APP_EXIT_ABSENT_SUBSCRIBER] = { "absent_subscriber", "the subscriber is not reachable" },
	[USSD_APP_EXIT_UNKNOWN_SUBSCRIBER] = { "unknown_subscriber", "no such subscriber" },
	[USSD_APP_EXIT_ILLEGAL_SUBSCRIBER] = { "illegal_subscriber", "the subscriber is barred" },
	[USSD_APP_EXIT_USSD_BUSY] = { "busy", "the subscriber is in another USSD session" },
	[USSD_APP_EXIT_MAP_ERROR] = { "map_error", "the network answered with an error" },
	[USSD_APP_EXIT_SYSTEM_FAILURE] = { "system_failure", "the gateway could not serve the session" },
};

const char *ussd_app_exit_name(enum ussd_app_exit e)
{
	return (unsigned)e < _USSD_APP_EXIT_COUNT ? exits[e].name : "unknown";
}

const char *ussd_app_exit_text(enum ussd_app_exit e)
{
	return (unsigned)e < _USSD_APP_EXIT_COUNT ? exits[e].text : "unknown";
}

/* ---- small field checks ---------------------------------------------------- */

bool ussd_app_session_id_valid(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > USSD_APP_SESSION_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		      || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int ussd_app_copy(char *dst, size_t max, const char *src, size_t len, const char *field,
		  char *err, size_t errlen)
{
	if (len > max)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "%s is %zu bytes long, at most %zu are allowed", field, len, max);
	if (memchr(src, '\0', len))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE, "%s contains a NUL character", field);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int ussd_app_msisdn(char *dst, const char *src, size_t len, const char *field,
		    char *err, size_t errlen)
{
	size_t i;

	if (len && src[0] == '+') {
		src++;
		len--;
	}
	if (len == 0 || len > USSD_APP_DIGITS_MAX)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "%s must have 1 to %d digits (international format, e.g. 41791234567)",
				     field, USSD_APP_DIGITS_MAX);
	for (i = 0; i < len; i++) {
		if (src[i] < '0' || src[i] > '9')
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "%s must have digits only (international format, e.g. 41791234567)",
					     field);
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

unsigned ussd_app_max_gsm7(const struct ussd_app_limits *lim)
{
	return lim && lim->max_gsm7 && lim->max_gsm7 < USSD_APP_GSM7_MAX ? lim->max_gsm7
									   : USSD_APP_GSM7_MAX;
}

unsigned ussd_app_max_ucs2(const struct ussd_app_limits *lim)
{
	return lim && lim->max_ucs2 && lim->max_ucs2 < USSD_APP_UCS2_MAX ? lim->max_ucs2
									   : USSD_APP_UCS2_MAX;
}

/* ---- text ------------------------------------------------------------------ */

/* 23.038 5: languages with a DCS of their own in groups 0000 and 0010 (GSM
 * 7-bit default alphabet, nothing in front of the text) */
static const struct {
	char lang[3];
	uint8_t dcs;
} lang_dcs[] = {
	{ "de", 0x00 }, { "en", 0x01 }, { "it", 0x02 }, { "fr", 0x03 }, { "es", 0x04 },
	{ "nl", 0x05 }, { "sv", 0x06 }, { "da", 0x07 }, { "pt", 0x08 }, { "fi", 0x09 },
	{ "no", 0x0a }, { "el", 0x0b }, { "tr", 0x0c }, { "hu", 0x0d }, { "pl", 0x0e },
	{ "cs", 0x20 }, { "he", 0x21 }, { "ar", 0x22 }, { "ru", 0x23 }, { "is", 0x24 },
};

/* "en", "EN", "en-GB", "pt_BR" -> "en"; false if it is not a language */
static bool lang_code(char out[3], const char *lang)
{
	size_t n = strlen(lang);
	int i;

	if (n != 2 && !(n > 3 && n <= USSD_APP_LANG_MAX && (lang[2] == '-' || lang[2] == '_')))
		return false;
	for (i = 0; i < 2; i++) {
		char c = lang[i] | 0x20;

		if (c < 'a' || c > 'z')
			return false;
		out[i] = c;
	}
	out[2] = '\0';
	return true;
}

/* What a text is made of: characters, UTF-8 validity, the first character
 * outside the GSM 7-bit alphabet */
struct text_scan {
	size_t chars;
	bool non_gsm7;
	uint32_t first_cp;	/* the first character GSM 7-bit cannot carry */
	size_t first_pos;	/* its position, from 1 */
	char first_utf8[5];
};

static int scan_text(struct text_scan *s, const char *utf8, size_t len, const char *field,
		     char *err, size_t errlen)
{
	size_t pos = 0;
	uint32_t cp;
	int l;

	memset(s, 0, sizeof(*s));
	while (pos < len) {
		l = sms_utf8_next(utf8 + pos, len - pos, &cp);
		if (l < 0)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_UTF8,
					     "%s is not valid UTF-8 (byte %zu)", field, pos + 1);
		if (cp == 0)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "%s contains a NUL character", field);
		s->chars++;
		if (!s->non_gsm7 && sms_gsm7_septets_of(cp) == 0) {
			s->non_gsm7 = true;
			s->first_cp = cp;
			s->first_pos = s->chars;
			memcpy(s->first_utf8, utf8 + pos, l);
			s->first_utf8[l] = '\0';
		}
		pos += l;
	}
	return 0;
}

/* The DCS of an automatic choice */
static int auto_dcs(struct ussd_app_text *t, bool ucs2, const char *lang)
{
	size_t i;

	if (!lang)
		return ucs2 ? USSD_DCS_UCS2 : USSD_DCS_GSM7_UNSPEC;
	if (ucs2) {
		memcpy(t->lang, lang, 3);
		return USSD_DCS_UCS2_LANG;
	}
	for (i = 0; i < sizeof(lang_dcs) / sizeof(lang_dcs[0]); i++) {
		if (!strcmp(lang_dcs[i].lang, lang))
			return lang_dcs[i].dcs;
	}
	memcpy(t->lang, lang, 3);
	return USSD_DCS_GSM7_LANG;
}

static int too_long(const struct ussd_app_text *t, const struct text_scan *s, unsigned n,
		    unsigned max, const char *field, char *err, size_t errlen)
{
	if (t->ucs2)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TEXT_TOO_LONG,
				     "%s is too long: %u characters in UCS2, at most %u fit%s%s%s", field,
				     n, max, s->non_gsm7 ? " (UCS2 because of '" : "",
				     s->non_gsm7 ? s->first_utf8 : "", s->non_gsm7 ? "')" : "");
	if (n != s->chars)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TEXT_TOO_LONG,
				     "%s is too long: %u GSM 7-bit characters (%u extension characters "
				     "such as '\xe2\x82\xac' count twice), at most %u fit",
				     field, n, n - (unsigned)s->chars, max);
	return ussd_app_fail(err, errlen, USSD_APP_ERR_TEXT_TOO_LONG,
			     "%s is too long: %u GSM 7-bit characters, at most %u fit", field, n, max);
}

int ussd_app_text_set(struct ussd_app_text *t, const char *utf8, size_t len, int dcs,
		      const char *lang, const struct ussd_app_limits *lim,
		      const char *field, char *err, size_t errlen)
{
	struct text_scan s;
	struct ussd_dcs d;
	char lc[3];
	unsigned n, max, prefix = 0;
	uint8_t tmp[USSD_MAX_OCTETS];
	int rc;

	memset(t, 0, sizeof(*t));
	if (!field)
		field = "text";
	if (!utf8 || len == 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING, "%s is empty", field);
	rc = scan_text(&s, utf8, len, field, err, errlen);
	if (rc < 0)
		return rc;
	if (lang && *lang && !lang_code(lc, lang))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "language must be an ISO 639-1 code such as \"en\"");
	if (dcs < 0) {
		t->ucs2 = s.non_gsm7;
		t->dcs = auto_dcs(t, t->ucs2, lang && *lang ? lc : NULL);
	} else {
		if (dcs > 0xff)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "dataCodingScheme %d is not a DCS (0..255)", dcs);
		ussd_dcs_parse(&d, dcs);
		if (d.compressed || d.charset == USSD_CHARSET_8BIT)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
					     "dataCodingScheme %d is not a text coding; use 15 (GSM 7-bit) "
					     "or 72 (UCS2)", dcs);
		t->ucs2 = d.charset == USSD_CHARSET_UCS2;
		t->dcs = dcs;
		if (d.lang_prefix) {
			if (!lang || !*lang)
				return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
						     "dataCodingScheme %d needs a language", dcs);
			memcpy(t->lang, lc, 3);
		}
		if (!t->ucs2 && s.non_gsm7)
			return ussd_app_fail(err, errlen, USSD_APP_ERR_CHARSET,
					     "%s: '%s' (U+%04X, character %zu) is not in the GSM 7-bit "
					     "alphabet of dataCodingScheme %d; use 72 (UCS2)",
					     field, s.first_utf8, (unsigned)s.first_cp, s.first_pos, dcs);
	}
	if (t->lang[0])
		prefix = t->ucs2 ? 1 : 3;	/* 2 packed septets / "ll<CR>" */
	if (t->ucs2) {
		n = sms_ucs2_from_utf8(NULL, 0, utf8, len) / 2;
		max = ussd_app_max_ucs2(lim);
		if (max > USSD_APP_UCS2_MAX - prefix)
			max = USSD_APP_UCS2_MAX - prefix;
	} else {
		n = sms_gsm7_from_utf8(NULL, SIZE_MAX, utf8, len);
		max = ussd_app_max_gsm7(lim);
		if (max > USSD_APP_GSM7_MAX - prefix)
			max = USSD_APP_GSM7_MAX - prefix;
	}
	t->chars = n;
	t->limit = max;
	if (n > max || len > USSD_APP_TEXT_MAX)
		return too_long(t, &s, n, max, field, err, errlen);
	memcpy(t->utf8, utf8, len);
	t->utf8[len] = '\0';
	t->len = len;
	/* the USSD string it becomes has the last word on what fits */
	rc = ussd_app_text_encode(tmp, sizeof(tmp), t);
	if (rc <= 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TEXT_TOO_LONG,
				     "%s does not fit in one USSD string (%d)", field, rc);
	return 0;
}

int ussd_app_text_encode(uint8_t *out, size_t outlen, const struct ussd_app_text *t)
{
	return ussd_string_encode(out, outlen, t->dcs, t->lang[0] ? t->lang : NULL, t->utf8, t->len);
}

/* ---- push ------------------------------------------------------------------ */

int ussd_app_answer_to_push(struct ussd_app_push *p, const struct ussd_app_answer *a,
			    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (a->session_id[0])
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "the dialog continues session %s; a push opens a new one", a->session_id);
	if (a->type != USSD_APP_ANS_MENU && a->type != USSD_APP_ANS_NOTIFY)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "a push opens with unstructuredSSRequest_Request or "
				     "unstructuredSSNotify_Request");
	if (!a->msisdn[0])
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "a push needs <msisdn number=\"...\"/> in its operation");
	p->type = a->type == USSD_APP_ANS_MENU ? USSD_APP_PUSH_USSR : USSD_APP_PUSH_USSN;
	memcpy(p->msisdn, a->msisdn, sizeof(p->msisdn));
	p->text = a->text;
	p->has_network_id = a->has_network_id;
	p->network_id = a->network_id;
	p->has_app_ref = a->has_app_ref;
	memcpy(p->app_ref, a->app_ref, sizeof(p->app_ref));
	p->invoke_timeout_ms = a->invoke_timeout_ms;
	p->has_alerting_pattern = a->has_alerting_pattern;
	p->alerting_pattern = a->alerting_pattern;
	return 0;
}

/* ---- output buffer --------------------------------------------------------- */

void ubuf_init(struct ubuf *b, char *out, size_t outlen)
{
	b->p = out;
	b->cap = outlen;
	b->len = 0;
	b->full = outlen == 0;
	b->bad = false;
	if (outlen)
		out[0] = '\0';
}

void ubuf_putn(struct ubuf *b, const char *s, size_t n)
{
	if (b->full || b->len + n + 1 > b->cap) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void ubuf_put(struct ubuf *b, const char *s)
{
	ubuf_putn(b, s, strlen(s));
}

void ubuf_printf(struct ubuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = true;
		b->p[b->len] = '\0';
		return;
	}
	b->len += n;
}

void ubuf_json_str(struct ubuf *b, const char *s, bool null_if_empty)
{
	size_t pos = 0, len;
	uint32_t cp;
	int l;

	if (!s || (null_if_empty && !*s)) {
		ubuf_put(b, "null");
		return;
	}
	len = strlen(s);
	ubuf_put(b, "\"");
	while (pos < len) {
		/* printable ASCII that needs no escape goes in one piece */
		size_t run = 0;
		while (pos + run < len && (unsigned char)s[pos + run] >= 0x20 && (unsigned char)s[pos + run] < 0x80
		       && s[pos + run] != '"' && s[pos + run] != '\\')
			run++;
		if (run) {
			ubuf_putn(b, s + pos, run);
			pos += run;
			continue;
		}
		l = sms_utf8_next(s + pos, len - pos, &cp);
		if (l < 0) {
			b->bad = true;
			return;
		}
		if (cp == '"')
			ubuf_put(b, "\\\"");
		else if (cp == '\\')
			ubuf_put(b, "\\\\");
		else if (cp == '\n')
			ubuf_put(b, "\\n");
		else if (cp == '\r')
			ubuf_put(b, "\\r");
		else if (cp == '\t')
			ubuf_put(b, "\\t");
		else if (cp < 0x20)
			ubuf_printf(b, "\\u%04x", (unsigned)cp);
		else
			ubuf_putn(b, s + pos, l);
		pos += l;
	}
	ubuf_put(b, "\"");
}

/* XML 1.0 2.2 Char */
static bool xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff)
	       || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

void ubuf_xml_attr(struct ubuf *b, const char *s)
{
	size_t pos = 0, len = s ? strlen(s) : 0;
	uint32_t cp;
	int l;

	while (pos < len) {
		l = sms_utf8_next(s + pos, len - pos, &cp);
		if (l < 0) {
			b->bad = true;
			return;
		}
		switch (cp) {
		case '&': ubuf_put(b, "&amp;"); break;
		case '<': ubuf_put(b, "&lt;"); break;
		case '>': ubuf_put(b, "&gt;"); break;
		case '"': ubuf_put(b, "&quot;"); break;
		case '\n': ubuf_put(b, "&#10;"); break;
		case '\r': ubuf_put(b, "&#13;"); break;
		case '\t': ubuf_put(b, "&#9;"); break;
		default:
			if (xml_char(cp))
				ubuf_putn(b, s + pos, l);
			else
				ubuf_put(b, "\xef\xbf\xbd");
		}
		pos += l;
	}
}

int ubuf_finish(struct ubuf *b)
{
	if (b->bad)
		return -EINVAL;
	if (b->full)
		return -ENOSPC;
	return b->len;
}
