/* REST/JSON flavour of the application API: the request bodies of
 * {base}/session/{id}/start|response|end, the application's answers, and the
 * gateway's push resource. Bodies are written by hand into the caller's
 * buffer (no allocation); answers are parsed with jansson, strictly: every
 * field's type is checked, unknown fields are ignored. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <sigway/ussdgw/ussd_app.h>

#include "ussd_app_int.h"

/* ---- requests ---------------------------------------------------------------- */

int ussd_app_json_path(char *out, size_t outlen, const struct ussd_app_event *ev,
		       const char **method)
{
	const char *what, *m = "POST";
	int n;

	switch (ev->type) {
	case USSD_APP_EV_START:
		what = "start";
		break;
	case USSD_APP_EV_RESPONSE:
		what = "response";
		break;
	case USSD_APP_EV_END:
		what = "end";
		m = "PUT";
		break;
	default:
		return -EINVAL;
	}
	if (!ussd_app_session_id_valid(ev->session_id))
		return -EINVAL;
	n = snprintf(out, outlen, "/session/%s/%s", ev->session_id, what);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	if (method)
		*method = m;
	return n;
}

int ussd_app_json_write_event(char *out, size_t outlen, const struct ussd_app_event *ev)
{
	struct ubuf b;

	if (ev->type != USSD_APP_EV_START && ev->type != USSD_APP_EV_RESPONSE
	    && ev->type != USSD_APP_EV_END)
		return -EINVAL;	/* a confirmed notification is not told in this flavour */
	if (!ussd_app_session_id_valid(ev->session_id))
		return -EINVAL;
	if (ev->type == USSD_APP_EV_END && (unsigned)ev->exit >= _USSD_APP_EXIT_COUNT)
		return -EINVAL;
	ubuf_init(&b, out, outlen);
	ubuf_put(&b, "{\"sessionId\":");
	ubuf_json_str(&b, ev->session_id, false);
	ubuf_put(&b, ",\"msisdn\":");
	ubuf_json_str(&b, ev->msisdn, true);
	if (ev->imsi[0]) {
		ubuf_put(&b, ",\"imsi\":");
		ubuf_json_str(&b, ev->imsi, false);
	}
	if (ev->type != USSD_APP_EV_END) {
		ubuf_put(&b, ",\"text\":");
		ubuf_json_str(&b, ev->text, false);
	}
	ubuf_put(&b, ",\"shortCode\":");
	ubuf_json_str(&b, ev->service_code, true);
	ubuf_put(&b, ",\"language\":");
	ubuf_json_str(&b, ev->language, true);
	ubuf_put(&b, ",\"optional\":");
	ubuf_json_str(&b, ev->params, true);
	ubuf_put(&b, ",\"ussdGwId\":");
	ubuf_json_str(&b, ev->gw_id, true);
	if (ev->type == USSD_APP_EV_END) {
		ubuf_printf(&b, ",\"exitCode\":%d,\"reason\":", (int)ev->exit);
		ubuf_json_str(&b, ev->reason[0] ? ev->reason : ussd_app_exit_text(ev->exit), false);
	}
	ubuf_put(&b, "}");
	return ubuf_finish(&b);
}

/* ---- reading fields ------------------------------------------------------------ */

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int load_object(json_t **root, const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;

	*root = NULL;
	if (!body || len == 0)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_EMPTY,
				     "empty body: a JSON object is expected");
	if (len > USSD_APP_MAX_BODY)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TOO_BIG,
				     "body of %zu bytes, at most %d are accepted", len, USSD_APP_MAX_BODY);
	/* some frameworks put a byte order mark in front of UTF-8 */
	if (len >= 3 && !memcmp(body, "\xef\xbb\xbf", 3)) {
		body += 3;
		len -= 3;
	}
	*root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!*root)
		return ussd_app_fail(err, errlen, json_error_code(&je) == json_error_invalid_utf8
				     ? USSD_APP_ERR_UTF8 : USSD_APP_ERR_SYNTAX,
				     "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(*root)) {
		int rc = ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE,
				       "a JSON object is expected, not %s", type_name(*root));
		json_decref(*root);
		*root = NULL;
		return rc;
	}
	return 0;
}

/* A string member: NULL when absent or null and not required */
static int get_str(json_t *o, const char *key, bool required, const char **s, size_t *len,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*s = NULL;
	*len = 0;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		return ussd_app_fail(err, errlen, v ? USSD_APP_ERR_TYPE : USSD_APP_ERR_MISSING,
				     "\"%s\" (a string) is %s", key, v ? "null" : "missing");
	}
	if (!json_is_string(v))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE, "\"%s\" must be a string, not %s",
				     key, type_name(v));
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* An integer member in min..max; *present false when absent and optional */
static int get_int(json_t *o, const char *key, bool required, long long min, long long max,
		   long long *out, bool *present, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*present = false;
	if (!v || (!required && json_is_null(v))) {
		if (!required)
			return 0;
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING, "\"%s\" (a number) is missing", key);
	}
	if (!json_is_integer(v))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE, "\"%s\" must be an integer, not %s",
				     key, type_name(v));
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE, "\"%s\" is %lld, it must be %lld..%lld",
				     key, *out, min, max);
	*present = true;
	return 0;
}

static int get_bool(json_t *o, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return ussd_app_fail(err, errlen, USSD_APP_ERR_MISSING,
				     "\"%s\" (true or false) is missing", key);
	if (!json_is_boolean(v))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE,
				     "\"%s\" must be true or false, not %s", key, type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* thirdPartyId: a string, or a number written as one; echoed as is */
static int get_ref(json_t *o, bool *has, char *ref, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "thirdPartyId");

	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		snprintf(ref, USSD_APP_REF_MAX + 1, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*has = true;
		return 0;
	}
	if (!json_is_string(v))
		return ussd_app_fail(err, errlen, USSD_APP_ERR_TYPE,
				     "\"thirdPartyId\" must be a string, not %s", type_name(v));
	*has = true;
	return ussd_app_copy(ref, USSD_APP_REF_MAX, json_string_value(v), json_string_length(v),
			     "\"thirdPartyId\"", err, errlen);
}

/* A log text: cut to the buffer, on a character boundary */
static void copy_message(char *dst, const char *src, size_t len)
{
	if (len > USSD_APP_MESSAGE_MAX) {
		len = USSD_APP_MESSAGE_MAX;
		while (len && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- the application's answers ------------------------------------------------- */

static int parse_answer(struct ussd_app_answer *a, json_t *root, enum ussd_app_json_req req,
			const struct ussd_app_limits *lim, char *err, size_t errlen)
{
	long long code;
	bool present, close = false;
	const char *s;
	size_t len;
	int rc;

	rc = get_int(root, "responseExitCode", true, 0, 999, &code, &present, err, errlen);
	if (rc < 0)
		return rc;
	a->exit_code = code;
	rc = get_str(root, "responseMessage", false, &s, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (s)
		copy_message(a->message, s, len);
	rc = get_ref(root, &a->has_app_ref, a->app_ref, err, errlen);
	if (rc < 0)
		return rc;
	if (code != 200) {
		/* the application refuses the request: the gateway ends the session */
		a->type = USSD_APP_ANS_ERROR;
		a->close = true;
		return 0;
	}
	if (req == USSD_APP_JSON_END) {
		a->type = USSD_APP_ANS_ACK;
		return 0;
	}
	rc = get_str(root, "ussdMenu", true, &s, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = get_bool(root, "shouldClose", &close, err, errlen);
	if (rc < 0)
		return rc;
	rc = ussd_app_text_set(&a->text, s, len, -1, NULL, lim, "ussdMenu", err, errlen);
	if (rc < 0)
		return rc;
	a->type = close ? USSD_APP_ANS_FINAL : USSD_APP_ANS_MENU;
	a->close = close;
	return 0;
}

int ussd_app_json_parse_answer(struct ussd_app_answer *a, const char *body, size_t len,
			       enum ussd_app_json_req req, const struct ussd_app_limits *lim,
			       char *err, size_t errlen)
{
	json_t *root;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = load_object(&root, body, len, err, errlen);
	if (rc < 0)
		return rc;
	rc = parse_answer(a, root, req, lim, err, errlen);
	json_decref(root);
	return rc;
}

/* ---- the push resource ---------------------------------------------------------- */

static int parse_push(struct ussd_app_push *p, json_t *root, const struct ussd_app_limits *lim,
		      char *err, size_t errlen)
{
	const char *s, *text, *lang = NULL;
	size_t len, text_len;
	char lbuf[USSD_APP_LANG_MAX + 1];
	long long v;
	bool present;
	int dcs = -1, rc;

	rc = get_str(root, "msisdn", true, &s, &len, err, errlen);
	if (rc < 0)
		return rc;
	rc = ussd_app_msisdn(p->msisdn, s, len, "\"msisdn\"", err, errlen);
	if (rc < 0)
		return rc;
	rc = get_str(root, "type", true, &s, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (len == 4 && !strncasecmp(s, "ussr", 4))
		p->type = USSD_APP_PUSH_USSR;
	else if (len == 4 && !strncasecmp(s, "ussn", 4))
		p->type = USSD_APP_PUSH_USSN;
	else
		return ussd_app_fail(err, errlen, USSD_APP_ERR_VALUE,
				     "\"type\" must be \"ussr\" (a menu the subscriber answers) or "
				     "\"ussn\" (a notification)");
	rc = get_int(root, "dataCodingScheme", false, 0, 255, &v, &present, err, errlen);
	if (rc < 0)
		return rc;
	if (present)
		dcs = v;
	rc = get_str(root, "language", false, &s, &len, err, errlen);
	if (rc < 0)
		return rc;
	if (s) {
		rc = ussd_app_copy(lbuf, USSD_APP_LANG_MAX, s, len, "\"language\"", err, errlen);
		if (rc < 0)
			return rc;
		lang = lbuf;
	}
	rc = get_int(root, "networkId", false, 0, 65535, &v, &p->has_network_id, err, errlen);
	if (rc < 0)
		return rc;
	p->network_id = v;
	rc = get_ref(root, &p->has_app_ref, p->app_ref, err, errlen);
	if (rc < 0)
		return rc;
	rc = get_str(root, "text", true, &text, &text_len, err, errlen);
	if (rc < 0)
		return rc;
	return ussd_app_text_set(&p->text, text, text_len, dcs, lang, lim, "\"text\"", err, errlen);
}

int ussd_app_json_parse_push(struct ussd_app_push *p, const char *body, size_t len,
			     const struct ussd_app_limits *lim, char *err, size_t errlen)
{
	json_t *root;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = load_object(&root, body, len, err, errlen);
	if (rc < 0)
		return rc;
	rc = parse_push(p, root, lim, err, errlen);
	json_decref(root);
	return rc;
}

int ussd_app_json_write_push_answer(char *out, size_t outlen, const char *session_id)
{
	struct ubuf b;

	if (!ussd_app_session_id_valid(session_id))
		return -EINVAL;
	ubuf_init(&b, out, outlen);
	ubuf_put(&b, "{\"sessionId\":");
	ubuf_json_str(&b, session_id, false);
	ubuf_put(&b, ",\"responseExitCode\":200,\"responseMessage\":\"\"}");
	return ubuf_finish(&b);
}

int ussd_app_json_write_error(char *out, size_t outlen, int code, const char *message)
{
	struct ubuf b;

	ubuf_init(&b, out, outlen);
	ubuf_printf(&b, "{\"responseExitCode\":%d,\"responseMessage\":", code);
	ubuf_json_str(&b, message ? message : "", false);
	ubuf_put(&b, "}");
	return ubuf_finish(&b);
}
