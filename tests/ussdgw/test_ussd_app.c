/* The USSD gateway's application API codecs: text rules, REST/JSON and the
 * <dialog> XML dialect, both ways, with sample documents of the kind
 * applications send (including what an application written for the Restcomm
 * gateway sends) and every refusal. What the writers produce is read back
 * with jansson and libxml2 directly, not with our parsers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/ussd/ussd_string.h>
#include <sigway/ussdgw/ussd_app.h>

#define CYR_ZHE	"\xd0\x96"		/* Ж: UCS2 only */
#define CYR_A	"\xd0\xb0"		/* а */
#define EURO	"\xe2\x82\xac"		/* €: GSM 7-bit extension table */
#define GRIN	"\xf0\x9f\x98\x80"	/* outside the BMP: 2 UTF-16 units */
#define DELTA	"\xce\x94"		/* Δ: GSM 7-bit default table */

static char err[USSD_APP_ERR_MAX];
static char out[USSD_APP_DOC_MAX];

/* n times unit, into one of a few static buffers */
static const char *rep(const char *unit, unsigned n)
{
	static char bufs[4][8192];
	static unsigned which;
	char *b = bufs[which++ % 4];
	size_t ul = strlen(unit), i;

	assert_true(ul * n < sizeof(bufs[0]));
	for (i = 0; i < n; i++)
		memcpy(b + i * ul, unit, ul);
	b[n * ul] = '\0';
	return b;
}

static const char *cat(const char *a, const char *b)
{
	static char bufs[4][8192];
	static unsigned which;
	char *o = bufs[which++ % 4];

	snprintf(o, sizeof(bufs[0]), "%s%s", a, b);
	return o;
}

static bool valid_utf8(const char *s)
{
	size_t pos = 0, len = strlen(s);
	uint32_t cp;
	int l;

	while (pos < len) {
		l = sms_utf8_next(s + pos, len - pos, &cp);
		if (l < 0)
			return false;
		pos += l;
	}
	return true;
}

#define assert_err(rc_expr, code) do {					\
		err[0] = '\0';						\
		assert_int_equal((rc_expr), -(code));			\
		assert_true(err[0] != '\0');				\
		assert_true(valid_utf8(err));				\
	} while (0)

#define assert_contains(hay, needle) do {				\
		if (!strstr((hay), (needle)))				\
			fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle)); \
	} while (0)

static int text(struct ussd_app_text *t, const char *s, int dcs, const char *lang,
		const struct ussd_app_limits *lim)
{
	return ussd_app_text_set(t, s, strlen(s), dcs, lang, lim, "ussdMenu", err, sizeof(err));
}

/* ---- text rules ----------------------------------------------------------------- */

static void test_text_gsm7_182(void **state)
{
	struct ussd_app_text t;
	uint8_t us[200];
	char back[800];
	int n;

	assert_int_equal(text(&t, rep("x", 182), -1, NULL, NULL), 0);
	assert_int_equal(t.dcs, 0x0f);
	assert_false(t.ucs2);
	assert_int_equal(t.chars, 182);
	assert_int_equal(t.limit, 182);
	n = ussd_app_text_encode(us, sizeof(us), &t);
	assert_int_equal(n, 160);
	assert_int_equal(ussd_string_decode(back, sizeof(back), t.dcs, us, n, NULL), 182);
	assert_string_equal(back, rep("x", 182));

	assert_err(text(&t, rep("x", 183), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "ussdMenu");
	assert_contains(err, "183 GSM 7-bit characters");
	assert_contains(err, "at most 182");
	/* refused, never cut: nothing is kept */
	assert_int_equal(t.len, 0);
}

static void test_text_extension_counts_two(void **state)
{
	struct ussd_app_text t;
	uint8_t us[200];
	char back[800];
	int n;

	/* 91 euro signs are 182 septets */
	assert_int_equal(text(&t, rep(EURO, 91), -1, NULL, NULL), 0);
	assert_int_equal(t.dcs, 0x0f);
	assert_int_equal(t.chars, 182);
	n = ussd_app_text_encode(us, sizeof(us), &t);
	assert_int_equal(n, 160);
	ussd_string_decode(back, sizeof(back), t.dcs, us, n, NULL);
	assert_string_equal(back, rep(EURO, 91));
	assert_err(text(&t, rep(EURO, 92), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "184 GSM 7-bit characters (92 extension characters");

	/* 182 characters, but one of them is '[': 183 septets */
	assert_err(text(&t, cat(rep("a", 181), "["), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "183 GSM 7-bit characters (1 extension");
	assert_int_equal(text(&t, cat(rep("a", 180), "{"), -1, NULL, NULL), 0);
	assert_int_equal(t.chars, 182);
	/* the default table's Greek capitals are single septets */
	assert_int_equal(text(&t, rep(DELTA, 182), -1, NULL, NULL), 0);
	assert_false(t.ucs2);
}

static void test_text_ucs2_80(void **state)
{
	struct ussd_app_text t;
	uint8_t us[200];
	char back[800];
	int n;

	assert_int_equal(text(&t, rep(CYR_ZHE, 80), -1, NULL, NULL), 0);
	assert_true(t.ucs2);
	assert_int_equal(t.dcs, 0x48);
	assert_int_equal(t.chars, 80);
	n = ussd_app_text_encode(us, sizeof(us), &t);
	assert_int_equal(n, 160);
	ussd_string_decode(back, sizeof(back), t.dcs, us, n, NULL);
	assert_string_equal(back, rep(CYR_ZHE, 80));

	assert_err(text(&t, rep(CYR_ZHE, 81), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "81 characters in UCS2, at most 80");
	/* one non-GSM character makes a long Latin text UCS2, and says why */
	assert_err(text(&t, cat(rep("a", 100), CYR_ZHE), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "101 characters in UCS2");
	assert_contains(err, "UCS2 because of '" CYR_ZHE "'");

	/* outside the BMP: two code units each */
	assert_int_equal(text(&t, rep(GRIN, 40), -1, NULL, NULL), 0);
	assert_int_equal(t.chars, 80);
	assert_err(text(&t, cat(rep(CYR_A, 79), GRIN), -1, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "81 characters in UCS2");
}

static void test_text_operator_limit(void **state)
{
	struct ussd_app_limits lim = { .max_gsm7 = 120, .max_ucs2 = 50 };
	struct ussd_app_limits high = { .max_gsm7 = 500, .max_ucs2 = 500 };
	struct ussd_app_text t;

	assert_int_equal(text(&t, rep("x", 120), -1, NULL, &lim), 0);
	assert_int_equal(t.limit, 120);
	assert_err(text(&t, rep("x", 121), -1, NULL, &lim), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "at most 120");
	assert_int_equal(text(&t, rep(CYR_ZHE, 50), -1, NULL, &lim), 0);
	assert_err(text(&t, rep(CYR_ZHE, 51), -1, NULL, &lim), USSD_APP_ERR_TEXT_TOO_LONG);
	/* a limit above the protocol's is the protocol's */
	assert_err(text(&t, rep("x", 183), -1, NULL, &high), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_err(text(&t, rep(CYR_ZHE, 81), -1, NULL, &high), USSD_APP_ERR_TEXT_TOO_LONG);
}

static void test_text_explicit_dcs(void **state)
{
	struct ussd_app_text t;

	/* UCS2 asked for a Latin text: UCS2 and its limit */
	assert_int_equal(text(&t, "Balance: 10 EUR", 72, NULL, NULL), 0);
	assert_true(t.ucs2);
	assert_int_equal(t.dcs, 72);
	assert_err(text(&t, rep("x", 81), 72, NULL, NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	/* GSM 7-bit asked for Cyrillic: refused, with the character and the fix */
	assert_err(text(&t, "Bal " CYR_ZHE, 15, NULL, NULL), USSD_APP_ERR_CHARSET);
	assert_contains(err, "'" CYR_ZHE "' (U+0416, character 5)");
	assert_contains(err, "use 72");
	/* a language group DCS is GSM 7-bit */
	assert_int_equal(text(&t, "Guten Tag", 0x00, NULL, NULL), 0);
	assert_false(t.ucs2);
	/* 8-bit data and compressed text are not texts */
	assert_err(text(&t, "x", 0x44, NULL, NULL), USSD_APP_ERR_VALUE);
	assert_err(text(&t, "x", 0x60, NULL, NULL), USSD_APP_ERR_VALUE);
	assert_err(text(&t, "x", 256, NULL, NULL), USSD_APP_ERR_VALUE);
	/* a language-prefixed DCS needs the language */
	assert_err(text(&t, "x", 0x10, NULL, NULL), USSD_APP_ERR_MISSING);
	assert_int_equal(text(&t, rep("x", 179), 0x10, "en", NULL), 0);
	assert_err(text(&t, rep("x", 180), 0x10, "en", NULL), USSD_APP_ERR_TEXT_TOO_LONG);
}

static void test_text_language(void **state)
{
	struct ussd_app_text t;
	uint8_t us[200];
	char back[800], lang[3];
	int n;

	/* a language with a 7-bit DCS of its own costs nothing */
	assert_int_equal(text(&t, rep("x", 182), -1, "en", NULL), 0);
	assert_int_equal(t.dcs, 0x01);
	assert_int_equal(text(&t, "Privet", -1, "RU", NULL), 0);
	assert_int_equal(t.dcs, 0x23);
	/* others go in front of the text: 3 septets */
	assert_int_equal(text(&t, rep("x", 179), -1, "sw", NULL), 0);
	assert_int_equal(t.dcs, 0x10);
	assert_string_equal(t.lang, "sw");
	assert_err(text(&t, rep("x", 180), -1, "sw", NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	/* UCS2 with a language: 0x11, one code unit for the language */
	assert_int_equal(text(&t, rep(CYR_ZHE, 79), -1, "ru-RU", NULL), 0);
	assert_int_equal(t.dcs, 0x11);
	n = ussd_app_text_encode(us, sizeof(us), &t);
	assert_int_equal(n, 160);
	ussd_string_decode(back, sizeof(back), t.dcs, us, n, lang);
	assert_string_equal(lang, "ru");
	assert_string_equal(back, rep(CYR_ZHE, 79));
	assert_err(text(&t, rep(CYR_ZHE, 80), -1, "ru", NULL), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_err(text(&t, "x", -1, "e1", NULL), USSD_APP_ERR_VALUE);
	assert_err(text(&t, "x", -1, "english", NULL), USSD_APP_ERR_VALUE);
}

static void test_text_invalid(void **state)
{
	struct ussd_app_text t;

	assert_err(text(&t, "", -1, NULL, NULL), USSD_APP_ERR_MISSING);
	assert_err(text(&t, "ok \xff", -1, NULL, NULL), USSD_APP_ERR_UTF8);
	assert_contains(err, "byte 4");
	assert_err(text(&t, "\xc0\xaf", -1, NULL, NULL), USSD_APP_ERR_UTF8);	/* overlong '/' */
	assert_err(text(&t, "\xed\xa0\x80", -1, NULL, NULL), USSD_APP_ERR_UTF8);	/* a surrogate */
	assert_err(text(&t, "\xe2\x82", -1, NULL, NULL), USSD_APP_ERR_UTF8);	/* cut short */
	assert_err(ussd_app_text_set(&t, "a\0b", 3, -1, NULL, NULL, "x", err, sizeof(err)),
		   USSD_APP_ERR_VALUE);
	/* menus are multi-line */
	assert_int_equal(text(&t, "1. Balance\n2. Top up\r\n3. Exit", -1, NULL, NULL), 0);
	assert_false(t.ucs2);
}

/* ---- events, as the application receives them ----------------------------------- */

static void sample_event(struct ussd_app_event *ev, enum ussd_app_event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	strcpy(ev->session_id, "sgw-0001-7f3a");
	strcpy(ev->msisdn, "41791234567");
	strcpy(ev->text, type == USSD_APP_EV_START ? "*123*4#" : "1");
	ev->dcs = 0x0f;
	strcpy(ev->service_code, "*123#");
	strcpy(ev->params, "4");
	strcpy(ev->gw_id, "sigway-1");
	ev->invoke_id = type == USSD_APP_EV_START ? 0 : 1;
	ev->dialog.has_ids = true;
	ev->dialog.local_id = 6;
	ev->dialog.remote_id = 1;
	ev->dialog.local = (struct ussd_app_sccp_addr){ .present = true, .ai = 0x12, .pc = 0,
		.ssn = 147, .gti = 4, .tt = 0, .np = 1, .es = 2, .nai = 4, .digits = "41790000147" };
	ev->dialog.remote = (struct ussd_app_sccp_addr){ .present = true, .ai = 0x12, .ssn = 6,
		.gti = 4, .np = 1, .es = 1, .nai = 4, .digits = "41790000006" };
	ev->dialog.dest_ref = (struct ussd_app_addr_string){ .present = true, .nai = 1, .npi = 6,
		.digits = "228011234567890" };
	ev->dialog.orig_ref = (struct ussd_app_addr_string){ .present = true, .nai = 1, .npi = 1,
		.digits = "41791234567" };
}

static json_t *load_json(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		fail_msg("not JSON (%s): %s", je.text, s);
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_json_start_request(void **state)
{
	struct ussd_app_event ev;
	const char *method;
	json_t *j;
	int n;

	sample_event(&ev, USSD_APP_EV_START);
	n = ussd_app_json_path(out, sizeof(out), &ev, &method);
	assert_int_equal(n, strlen("/session/sgw-0001-7f3a/start"));
	assert_string_equal(out, "/session/sgw-0001-7f3a/start");
	assert_string_equal(method, "POST");

	n = ussd_app_json_write_event(out, sizeof(out), &ev);
	assert_int_equal(n, strlen(out));
	j = load_json(out);
	assert_string_equal(jstr(j, "sessionId"), "sgw-0001-7f3a");
	assert_string_equal(jstr(j, "msisdn"), "41791234567");
	assert_string_equal(jstr(j, "text"), "*123*4#");
	assert_string_equal(jstr(j, "shortCode"), "*123#");
	assert_string_equal(jstr(j, "optional"), "4");
	assert_string_equal(jstr(j, "ussdGwId"), "sigway-1");
	/* unknown language is null, the IMSI is left out unless the operator allows it */
	assert_true(json_is_null(json_object_get(j, "language")));
	assert_null(json_object_get(j, "imsi"));
	assert_null(json_object_get(j, "exitCode"));
	json_decref(j);

	strcpy(ev.imsi, "228011234567890");
	strcpy(ev.language, "en");
	ev.params[0] = '\0';
	ussd_app_json_write_event(out, sizeof(out), &ev);
	j = load_json(out);
	assert_string_equal(jstr(j, "imsi"), "228011234567890");
	assert_string_equal(jstr(j, "language"), "en");
	assert_true(json_is_null(json_object_get(j, "optional")));
	json_decref(j);
}

static void test_json_response_end_requests(void **state)
{
	struct ussd_app_event ev;
	const char *method;
	json_t *j;

	sample_event(&ev, USSD_APP_EV_RESPONSE);
	/* a subscriber's answer with everything JSON must escape */
	strcpy(ev.text, "say \"hi\" \\ \x01 " CYR_ZHE "\n");
	ussd_app_json_path(out, sizeof(out), &ev, &method);
	assert_string_equal(out, "/session/sgw-0001-7f3a/response");
	assert_string_equal(method, "POST");
	assert_true(ussd_app_json_write_event(out, sizeof(out), &ev) > 0);
	j = load_json(out);
	assert_string_equal(jstr(j, "text"), "say \"hi\" \\ \x01 " CYR_ZHE "\n");
	json_decref(j);

	sample_event(&ev, USSD_APP_EV_END);
	ev.exit = USSD_APP_EXIT_USER_TIMEOUT;
	ussd_app_json_path(out, sizeof(out), &ev, &method);
	assert_string_equal(out, "/session/sgw-0001-7f3a/end");
	assert_string_equal(method, "PUT");
	assert_true(ussd_app_json_write_event(out, sizeof(out), &ev) > 0);
	j = load_json(out);
	assert_int_equal(json_integer_value(json_object_get(j, "exitCode")), 2);
	assert_string_equal(jstr(j, "reason"), "the subscriber did not answer in time");
	assert_null(json_object_get(j, "text"));
	json_decref(j);
	strcpy(ev.reason, "no answer within 60 s");
	ussd_app_json_write_event(out, sizeof(out), &ev);
	j = load_json(out);
	assert_string_equal(jstr(j, "reason"), "no answer within 60 s");
	json_decref(j);

	/* what cannot be written */
	ev.exit = 99;
	assert_int_equal(ussd_app_json_write_event(out, sizeof(out), &ev), -EINVAL);
	ev.exit = USSD_APP_EXIT_SUCCESS;
	assert_int_equal(ussd_app_json_write_event(out, 20, &ev), -ENOSPC);
	ev.type = USSD_APP_EV_NOTIFY_DONE;
	assert_int_equal(ussd_app_json_write_event(out, sizeof(out), &ev), -EINVAL);
	assert_int_equal(ussd_app_json_path(out, sizeof(out), &ev, &method), -EINVAL);
	ev.type = USSD_APP_EV_END;
	strcpy(ev.session_id, "../admin");
	assert_int_equal(ussd_app_json_path(out, sizeof(out), &ev, &method), -EINVAL);
	assert_int_equal(ussd_app_json_write_event(out, sizeof(out), &ev), -EINVAL);
	strcpy(ev.session_id, "ok");
	strcpy(ev.text, "\xff");	/* not written for END */
	strcpy(ev.reason, "bad \xff");
	assert_int_equal(ussd_app_json_write_event(out, sizeof(out), &ev), -EINVAL);
}

/* ---- JSON answers ------------------------------------------------------------------ */

static int janswer(struct ussd_app_answer *a, const char *body, enum ussd_app_json_req req)
{
	return ussd_app_json_parse_answer(a, body, strlen(body), req, NULL, err, sizeof(err));
}

static void test_json_answers(void **state)
{
	struct ussd_app_answer a;

	/* a menu, as a vumi-style application writes it */
	assert_int_equal(janswer(&a, "{\"shouldClose\": false, \"ussdMenu\": \"Welcome\\n1. Balance\\n"
				 "2. Top up\", \"responseExitCode\": 200, \"responseMessage\": \"\"}",
				 USSD_APP_JSON_START), 0);
	assert_int_equal(a.type, USSD_APP_ANS_MENU);
	assert_false(a.close);
	assert_string_equal(a.text.utf8, "Welcome\n1. Balance\n2. Top up");
	assert_int_equal(a.text.dcs, 0x0f);
	assert_int_equal(a.exit_code, 200);
	assert_false(a.has_app_ref);

	/* the final text, with a thirdPartyId and fields we do not know */
	assert_int_equal(janswer(&a, "{\"ussdMenu\":\"Your balance is 12.50 " EURO "\",\"shouldClose\":true,"
				 "\"thirdPartyId\":\"shop-7\",\"responseExitCode\":200,"
				 "\"responseMessage\":\"ok\",\"future\":{\"x\":[1,2]}}",
				 USSD_APP_JSON_RESPONSE), 0);
	assert_int_equal(a.type, USSD_APP_ANS_FINAL);
	assert_true(a.close);
	assert_true(a.has_app_ref);
	assert_string_equal(a.app_ref, "shop-7");
	assert_string_equal(a.message, "ok");
	/* a numeric thirdPartyId is kept as its text */
	assert_int_equal(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":true,\"thirdPartyId\":42,"
				 "\"responseExitCode\":200}", USSD_APP_JSON_RESPONSE), 0);
	assert_string_equal(a.app_ref, "42");

	/* a Russian menu goes out as UCS2 */
	assert_int_equal(janswer(&a, "{\"ussdMenu\":\"" CYR_ZHE CYR_A " 1\",\"shouldClose\":false,"
				 "\"responseExitCode\":200}", USSD_APP_JSON_START), 0);
	assert_true(a.text.ucs2);
	assert_int_equal(a.text.dcs, 0x48);
	/* \u escapes are characters like any other */
	assert_int_equal(janswer(&a, "{\"ussdMenu\":\"\\u0416\\ud83d\\ude00\",\"shouldClose\":false,"
				 "\"responseExitCode\":200}", USSD_APP_JSON_START), 0);
	assert_string_equal(a.text.utf8, CYR_ZHE GRIN);
	assert_int_equal(a.text.chars, 3);

	/* the application refuses: no menu needed */
	assert_int_equal(janswer(&a, "{\"responseExitCode\": 400, \"responseMessage\": "
				 "\"Invalid USSD session '1'\"}", USSD_APP_JSON_RESPONSE), 0);
	assert_int_equal(a.type, USSD_APP_ANS_ERROR);
	assert_true(a.close);
	assert_int_equal(a.exit_code, 400);
	assert_string_equal(a.message, "Invalid USSD session '1'");

	/* a byte order mark in front is tolerated */
	assert_int_equal(janswer(&a, "\xef\xbb\xbf{\"ussdMenu\":\"x\",\"shouldClose\":true,"
				 "\"responseExitCode\":200}", USSD_APP_JSON_RESPONSE), 0);

	/* the answer to /end */
	assert_int_equal(janswer(&a, "{\"responseExitCode\": 200, \"responseMessage\": \"\"}",
				 USSD_APP_JSON_END), 0);
	assert_int_equal(a.type, USSD_APP_ANS_ACK);
	assert_int_equal(janswer(&a, "{\"responseExitCode\": 500, \"responseMessage\": null}",
				 USSD_APP_JSON_END), 0);
	assert_int_equal(a.type, USSD_APP_ANS_ERROR);
}

static void test_json_answer_errors(void **state)
{
	struct ussd_app_answer a;
	char big[USSD_APP_MAX_BODY + 2];

	assert_err(janswer(&a, "", USSD_APP_JSON_START), USSD_APP_ERR_EMPTY);
	assert_err(janswer(&a, "<html>502 Bad Gateway</html>", USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
	assert_contains(err, "invalid JSON at line 1");
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":200",
			   USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
	assert_err(janswer(&a, "{\"responseExitCode\":200} trailing", USSD_APP_JSON_START),
		   USSD_APP_ERR_SYNTAX);
	assert_err(janswer(&a, "[{\"ussdMenu\":\"x\"}]", USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_contains(err, "not an array");
	/* a key twice is ambiguous */
	assert_err(janswer(&a, "{\"ussdMenu\":\"a\",\"ussdMenu\":\"b\",\"shouldClose\":false,"
			   "\"responseExitCode\":200}", USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
	/* wrong types */
	assert_err(janswer(&a, "{\"ussdMenu\":12,\"shouldClose\":false,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_contains(err, "\"ussdMenu\" must be a string, not an integer");
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":\"true\",\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_contains(err, "\"shouldClose\" must be true or false, not a string");
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":1,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":\"200\"}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_contains(err, "\"responseExitCode\" must be an integer, not a string");
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":200.0}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_err(janswer(&a, "{\"ussdMenu\":null,\"shouldClose\":false,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":200,"
			   "\"thirdPartyId\":{}}", USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	assert_err(janswer(&a, "{\"responseExitCode\":400,\"responseMessage\":7}",
			   USSD_APP_JSON_START), USSD_APP_ERR_TYPE);
	/* missing fields */
	assert_err(janswer(&a, "{\"shouldClose\":false,\"responseExitCode\":200}", USSD_APP_JSON_START),
		   USSD_APP_ERR_MISSING);
	assert_contains(err, "\"ussdMenu\" (a string) is missing");
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"responseExitCode\":200}", USSD_APP_JSON_START),
		   USSD_APP_ERR_MISSING);
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false}", USSD_APP_JSON_START),
		   USSD_APP_ERR_MISSING);
	assert_contains(err, "responseExitCode");
	assert_err(janswer(&a, "{}", USSD_APP_JSON_END), USSD_APP_ERR_MISSING);
	/* values */
	assert_err(janswer(&a, "{\"ussdMenu\":\"\",\"shouldClose\":true,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_MISSING);
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":-1}",
			   USSD_APP_JSON_START), USSD_APP_ERR_VALUE);
	assert_err(janswer(&a, "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":"
			   "99999999999999999999}", USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
	/* NUL in a string, invalid UTF-8: jansson refuses; the error stays printable */
	assert_err(janswer(&a, "{\"ussdMenu\":\"a\\u0000b\",\"shouldClose\":false,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
	assert_err(janswer(&a, "{\"ussdMenu\":\"a\xff\xfe\",\"shouldClose\":false,\"responseExitCode\":200}",
			   USSD_APP_JSON_START), USSD_APP_ERR_UTF8);
	assert_contains(err, "unable to decode byte 0xff");
	/* too long: refused, never cut */
	snprintf(big, sizeof(big), "{\"ussdMenu\":\"%s\",\"shouldClose\":false,\"responseExitCode\":200}",
		 rep("x", 183));
	assert_err(janswer(&a, big, USSD_APP_JSON_START), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "ussdMenu is too long: 183 GSM 7-bit characters, at most 182");
	snprintf(big, sizeof(big), "{\"ussdMenu\":\"%s\",\"shouldClose\":false,\"responseExitCode\":200}",
		 rep(CYR_ZHE, 81));
	assert_err(janswer(&a, big, USSD_APP_JSON_START), USSD_APP_ERR_TEXT_TOO_LONG);
	snprintf(big, sizeof(big), "{\"ussdMenu\":\"x\",\"shouldClose\":false,\"responseExitCode\":200,"
		 "\"thirdPartyId\":\"%s\"}", rep("r", USSD_APP_REF_MAX + 1));
	assert_err(janswer(&a, big, USSD_APP_JSON_START), USSD_APP_ERR_VALUE);
	/* oversize body */
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	assert_err(janswer(&a, big, USSD_APP_JSON_START), USSD_APP_ERR_TOO_BIG);
	/* deeply nested: refused by jansson's depth limit, no crash */
	snprintf(big, sizeof(big), "{\"x\":%s%s}", rep("[", 4000), rep("]", 4000));
	assert_err(janswer(&a, big, USSD_APP_JSON_START), USSD_APP_ERR_SYNTAX);
}

static void test_json_message_is_cut_on_characters(void **state)
{
	struct ussd_app_answer a;
	char body[2048];

	/* a log text: cut, but never inside a character */
	snprintf(body, sizeof(body), "{\"responseExitCode\":503,\"responseMessage\":\"%s\"}",
		 rep("\xc3\xa9", 200));
	assert_int_equal(janswer(&a, body, USSD_APP_JSON_START), 0);
	assert_int_equal(strlen(a.message), USSD_APP_MESSAGE_MAX);
	assert_true(valid_utf8(a.message));
	snprintf(body, sizeof(body), "{\"responseExitCode\":503,\"responseMessage\":\"x%s\"}",
		 rep("\xc3\xa9", 200));
	assert_int_equal(janswer(&a, body, USSD_APP_JSON_START), 0);
	assert_int_equal(strlen(a.message), USSD_APP_MESSAGE_MAX - 1);
	assert_true(valid_utf8(a.message));
}

/* ---- the push resource --------------------------------------------------------------- */

static int jpush(struct ussd_app_push *p, const char *body)
{
	return ussd_app_json_parse_push(p, body, strlen(body), NULL, err, sizeof(err));
}

static void test_json_push(void **state)
{
	struct ussd_app_push p;
	json_t *j;

	assert_int_equal(jpush(&p, "{\"msisdn\":\"+41791234567\",\"type\":\"ussr\",\"text\":"
			       "\"Confirm payment of 20 CHF?\\n1. Yes\\n2. No\"}"), 0);
	assert_int_equal(p.type, USSD_APP_PUSH_USSR);
	assert_string_equal(p.msisdn, "41791234567");
	assert_string_equal(p.text.utf8, "Confirm payment of 20 CHF?\n1. Yes\n2. No");
	assert_int_equal(p.text.dcs, 0x0f);
	assert_false(p.has_network_id);

	assert_int_equal(jpush(&p, "{\"msisdn\":\"79161234567\",\"type\":\"USSN\",\"text\":\"" CYR_ZHE
			       "\",\"language\":\"ru\",\"networkId\":2,\"thirdPartyId\":\"camp-9\"}"), 0);
	assert_int_equal(p.type, USSD_APP_PUSH_USSN);
	assert_int_equal(p.text.dcs, 0x11);
	assert_true(p.has_network_id);
	assert_int_equal(p.network_id, 2);
	assert_string_equal(p.app_ref, "camp-9");
	assert_int_equal(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"Hi\","
			       "\"dataCodingScheme\":72}"), 0);
	assert_true(p.text.ucs2);

	assert_err(jpush(&p, "{\"type\":\"ussn\",\"text\":\"Hi\"}"), USSD_APP_ERR_MISSING);
	assert_err(jpush(&p, "{\"msisdn\":41791234567,\"type\":\"ussn\",\"text\":\"Hi\"}"),
		   USSD_APP_ERR_TYPE);
	assert_err(jpush(&p, "{\"msisdn\":\"4179abc\",\"type\":\"ussn\",\"text\":\"Hi\"}"),
		   USSD_APP_ERR_VALUE);
	assert_contains(err, "digits only");
	assert_err(jpush(&p, "{\"msisdn\":\"1234567890123456\",\"type\":\"ussn\",\"text\":\"Hi\"}"),
		   USSD_APP_ERR_VALUE);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"text\":\"Hi\"}"), USSD_APP_ERR_MISSING);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"sms\",\"text\":\"Hi\"}"),
		   USSD_APP_ERR_VALUE);
	assert_contains(err, "\"ussr\"");
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\"}"), USSD_APP_ERR_MISSING);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"" CYR_ZHE "\","
			   "\"dataCodingScheme\":15}"), USSD_APP_ERR_CHARSET);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"x\","
			   "\"dataCodingScheme\":300}"), USSD_APP_ERR_VALUE);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"x\","
			   "\"networkId\":\"0\"}"), USSD_APP_ERR_TYPE);
	assert_err(jpush(&p, "{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"x\","
			   "\"language\":\"klingon\"}"), USSD_APP_ERR_VALUE);
	assert_err(jpush(&p, cat(cat("{\"msisdn\":\"41791234567\",\"type\":\"ussn\",\"text\":\"",
				     rep("y", 183)), "\"}")), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "\"text\" is too long");

	/* the answers of the resource */
	assert_true(ussd_app_json_write_push_answer(out, sizeof(out), "sgw-0002") > 0);
	j = load_json(out);
	assert_string_equal(jstr(j, "sessionId"), "sgw-0002");
	assert_int_equal(json_integer_value(json_object_get(j, "responseExitCode")), 200);
	json_decref(j);
	assert_int_equal(ussd_app_json_write_push_answer(out, sizeof(out), "a b"), -EINVAL);
	assert_true(ussd_app_json_write_error(out, sizeof(out), 400,
					      "\"text\" is too long: 183 GSM 7-bit characters") > 0);
	j = load_json(out);
	assert_int_equal(json_integer_value(json_object_get(j, "responseExitCode")), 400);
	assert_string_equal(jstr(j, "responseMessage"), "\"text\" is too long: 183 GSM 7-bit characters");
	json_decref(j);
}

/* ---- XML: what the gateway sends ------------------------------------------------------ */

static xmlDocPtr load_xml(const char *s)
{
	xmlDocPtr d = xmlReadMemory(s, strlen(s), NULL, NULL, XML_PARSE_NONET);

	if (!d)
		fail_msg("not XML: %s", s);
	return d;
}

static const xmlNode *xchild(const xmlNode *n, const char *name)
{
	for (n = n->children; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name))
			return n;
	}
	fail_msg("no <%s>", name);
	return NULL;
}

/* an attribute's value (into a static buffer), NULL when absent */
static const char *xattr(const xmlNode *n, const char *name)
{
	static char buf[4][1024];
	static unsigned which;
	xmlChar *v = xmlGetProp((xmlNodePtr)n, (const xmlChar *)name);
	char *b;

	if (!v)
		return NULL;
	b = buf[which++ % 4];
	snprintf(b, sizeof(buf[0]), "%s", (const char *)v);
	xmlFree(v);
	return b;
}

/* The exact document of a pull session's Begin: what an application of that
 * dialect parses */
static const char start_doc[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<dialog type=\"Begin\" appCntx=\"networkUnstructuredSsContext_version2\" networkId=\"0\""
	" localId=\"6\" remoteId=\"1\" mapMessagesSize=\"1\" returnMessageOnError=\"false\""
	" sessionId=\"sgw-0001-7f3a\">\n"
	"\t<localAddress pc=\"0\" ssn=\"147\">\n"
	"\t\t<ai value=\"18\"/>\n"
	"\t\t<gt type=\"GlobalTitle0100\" tt=\"0\" es=\"2\" np=\"1\" nai=\"4\" digits=\"41790000147\"/>\n"
	"\t</localAddress>\n"
	"\t<remoteAddress pc=\"0\" ssn=\"6\">\n"
	"\t\t<ai value=\"18\"/>\n"
	"\t\t<gt type=\"GlobalTitle0100\" tt=\"0\" es=\"1\" np=\"1\" nai=\"4\" digits=\"41790000006\"/>\n"
	"\t</remoteAddress>\n"
	"\t<destinationReference number=\"228011234567890\" nai=\"international_number\" npi=\"land_mobile\"/>\n"
	"\t<originationReference number=\"41791234567\" nai=\"international_number\" npi=\"ISDN\"/>\n"
	"\t<processUnstructuredSSRequest_Request invokeId=\"0\" dataCodingScheme=\"15\" string=\"*123*4#\">\n"
	"\t\t<msisdn nai=\"international_number\" npi=\"ISDN\" number=\"41791234567\"/>\n"
	"\t</processUnstructuredSSRequest_Request>\n"
	"</dialog>\n";

static void test_xml_start(void **state)
{
	struct ussd_app_event ev;
	int n;

	sample_event(&ev, USSD_APP_EV_START);
	n = ussd_app_xml_write_event(out, sizeof(out), &ev);
	assert_int_equal(n, strlen(start_doc));
	assert_string_equal(out, start_doc);
	xmlFreeDoc(load_xml(out));
	/* too small a buffer */
	assert_int_equal(ussd_app_xml_write_event(out, 100, &ev), -ENOSPC);
	ev.dialog.map_version = 1;
	ussd_app_xml_write_event(out, sizeof(out), &ev);
	assert_contains(out, "appCntx=\"networkUnstructuredSsContext_version1\"");
}

static void test_xml_response_escaping(void **state)
{
	struct ussd_app_event ev;
	xmlDocPtr d;
	const xmlNode *root, *op;

	sample_event(&ev, USSD_APP_EV_RESPONSE);
	strcpy(ev.text, "a&b <c> \"d\" 'e'\nline2\r\tend " CYR_ZHE " \x01");
	strcpy(ev.app_ref, "obj \"7\" & <x>");
	assert_true(ussd_app_xml_write_event(out, sizeof(out), &ev) > 0);
	d = load_xml(out);
	root = xmlDocGetRootElement(d);
	assert_string_equal(xattr(root, "type"), "Continue");
	assert_string_equal(xattr(root, "userObject"), "obj \"7\" & <x>");
	op = xchild(root, "unstructuredSSRequest_Response");
	assert_string_equal(xattr(op, "invokeId"), "1");
	/* line ends survive attribute normalisation; a character XML cannot
	 * carry becomes U+FFFD */
	assert_string_equal(xattr(op, "string"),
			    "a&b <c> \"d\" 'e'\nline2\r\tend " CYR_ZHE " \xef\xbf\xbd");
	xmlFreeDoc(d);
	/* the msisdn goes only with the Begin */
	assert_null(strstr(out, "<msisdn"));
}

static void test_xml_notify_done(void **state)
{
	struct ussd_app_event ev;
	xmlDocPtr d;
	const xmlNode *op;

	sample_event(&ev, USSD_APP_EV_NOTIFY_DONE);
	ev.dialog.local.present = ev.dialog.remote.present = false;
	assert_true(ussd_app_xml_write_event(out, sizeof(out), &ev) > 0);
	d = load_xml(out);
	op = xchild(xmlDocGetRootElement(d), "unstructuredSSNotify_Response");
	assert_string_equal(xattr(op, "invokeId"), "1");
	assert_null(xattr(op, "string"));
	xmlFreeDoc(d);
	assert_null(strstr(out, "localAddress"));
}

/* One END document: its type, and the attribute the dialect uses for it */
static xmlDocPtr end_doc(enum ussd_app_exit e, void (*tune)(struct ussd_app_event *))
{
	struct ussd_app_event ev;

	sample_event(&ev, USSD_APP_EV_END);
	ev.exit = e;
	if (tune)
		tune(&ev);
	assert_true(ussd_app_xml_write_event(out, sizeof(out), &ev) > 0);
	return load_xml(out);
}

static void tune_uabort(struct ussd_app_event *ev)
{
	ev->u_abort = USSD_APP_UA_PROCEDURE_CANCELLATION;
	ev->u_abort_diag = 3;
}

static void tune_pabort(struct ussd_app_event *ev)
{
	ev->p_abort = USSD_APP_PA_RESOURCE_LIMITATION;
}

static void tune_refuse(struct ussd_app_event *ev)
{
	ev->refuse = USSD_APP_RF_ACN_NOT_SUPPORTED;
}

static void tune_reason(struct ussd_app_event *ev)
{
	strcpy(ev->reason, "application https://app.example/ussd: HTTP 502");
}

static void tune_map_error(struct ussd_app_event *ev)
{
	ev->map_error = 71;	/* unknownAlphabet */
}

static void tune_no_session(struct ussd_app_event *ev)
{
	memset(&ev->dialog, 0, sizeof(ev->dialog));
	ev->session_id[0] = '\0';
	ev->msisdn[0] = '\0';
	strcpy(ev->reason, "\"text\" is too long: 190 GSM 7-bit characters");
}

static void test_xml_end(void **state)
{
	const xmlNode *root, *ec;
	xmlDocPtr d;

	d = end_doc(USSD_APP_EXIT_USER_ABORT, tune_uabort);
	root = xmlDocGetRootElement(d);
	assert_string_equal(xattr(root, "type"), "Abort");
	assert_string_equal(xattr(root, "mapMessagesSize"), "0");
	assert_string_equal(xattr(root, "mapUserAbortChoice"), "isProcedureCancellationReason_callRelease");
	assert_string_equal(xattr(root, "exitCode"), "1");
	assert_string_equal(xattr(root, "reason"), "the subscriber ended the session");
	xmlFreeDoc(d);

	d = end_doc(USSD_APP_EXIT_PROVIDER_ABORT, tune_pabort);
	assert_string_equal(xattr(xmlDocGetRootElement(d), "mapAbortProviderReason"), "ResourceLimitation");
	xmlFreeDoc(d);
	d = end_doc(USSD_APP_EXIT_REFUSED, tune_refuse);
	assert_string_equal(xattr(xmlDocGetRootElement(d), "mapRefuseReason"),
			    "ApplicationContextNotSupported");
	xmlFreeDoc(d);
	d = end_doc(USSD_APP_EXIT_SESSION_TIMEOUT, NULL);
	assert_string_equal(xattr(xmlDocGetRootElement(d), "dialogTimedOut"), "true");
	xmlFreeDoc(d);
	d = end_doc(USSD_APP_EXIT_USER_TIMEOUT, NULL);
	assert_string_equal(xattr(xmlDocGetRootElement(d), "invokeTimedOut"), "1");
	assert_string_equal(xattr(xmlDocGetRootElement(d), "type"), "Abort");
	xmlFreeDoc(d);

	/* what the dialect has no attribute for: Abort, exitCode, reason */
	d = end_doc(USSD_APP_EXIT_APP_ERROR, tune_reason);
	root = xmlDocGetRootElement(d);
	assert_string_equal(xattr(root, "type"), "Abort");
	assert_string_equal(xattr(root, "exitCode"), "4");
	assert_string_equal(xattr(root, "reason"), "application https://app.example/ussd: HTTP 502");
	xmlFreeDoc(d);

	/* push failures as error components */
	d = end_doc(USSD_APP_EXIT_ABSENT_SUBSCRIBER, NULL);
	root = xmlDocGetRootElement(d);
	assert_string_equal(xattr(root, "type"), "End");
	ec = xchild(root, "errComponents");
	assert_string_equal(xattr(xchild(ec, "invokeId"), "value"), "1");
	assert_string_equal(xattr(xchild(ec, "errorComponent"), "errorCode"), "27");
	assert_string_equal(xattr(xchild(ec, "errorComponent"), "type"), "MAPErrorMessageAbsentSubscriber");
	xmlFreeDoc(d);
	d = end_doc(USSD_APP_EXIT_USSD_BUSY, NULL);
	assert_string_equal(xattr(xchild(xchild(xmlDocGetRootElement(d), "errComponents"),
					 "errorComponent"), "errorCode"), "72");
	xmlFreeDoc(d);
	d = end_doc(USSD_APP_EXIT_MAP_ERROR, tune_map_error);
	assert_string_equal(xattr(xchild(xchild(xmlDocGetRootElement(d), "errComponents"),
					 "errorComponent"), "errorCode"), "71");
	xmlFreeDoc(d);

	/* a push refused before it had a session */
	d = end_doc(USSD_APP_EXIT_APP_ERROR, tune_no_session);
	root = xmlDocGetRootElement(d);
	assert_null(xattr(root, "sessionId"));
	assert_null(xattr(root, "localId"));
	assert_string_equal(xattr(root, "reason"), "\"text\" is too long: 190 GSM 7-bit characters");
	xmlFreeDoc(d);

	d = end_doc(USSD_APP_EXIT_SUCCESS, NULL);
	assert_string_equal(xattr(xmlDocGetRootElement(d), "type"), "End");
	assert_string_equal(xattr(xmlDocGetRootElement(d), "exitCode"), "0");
	xmlFreeDoc(d);
}

/* ---- XML: what applications send ------------------------------------------------------ */

static int xanswer(struct ussd_app_answer *a, const char *body)
{
	return ussd_app_xml_parse(a, body, strlen(body), NULL, err, sizeof(err));
}

#define XHDR "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"

static void test_xml_pull_answers(void **state)
{
	struct ussd_app_answer a;

	/* the final answer of the dialect's documentation */
	assert_int_equal(xanswer(&a, XHDR "<dialog mapMessagesSize=\"1\" prearrangedEnd=\"false\">\n"
				 "  <processUnstructuredSSRequest_Response invokeId=\"1\" dataCodingScheme=\"15\""
				 " string=\"Your balance is 1 USD\"/>\n</dialog>\n"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_FINAL);
	assert_true(a.close);
	assert_false(a.prearranged);
	assert_true(a.has_invoke_id);
	assert_int_equal(a.invoke_id, 1);
	assert_string_equal(a.text.utf8, "Your balance is 1 USD");
	assert_int_equal(a.text.dcs, 15);

	/* a menu, line ends as character references */
	assert_int_equal(xanswer(&a, XHDR "<dialog mapMessagesSize=\"1\">\n  <unstructuredSSRequest_Request"
				 " dataCodingScheme=\"15\" string=\"USSD String : Hello World&#10; 1. Balance"
				 "&#10; 2. Texts Remaining\"/>\n</dialog>"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_MENU);
	assert_false(a.close);
	assert_false(a.has_invoke_id);
	assert_string_equal(a.text.utf8, "USSD String : Hello World\n 1. Balance\n 2. Texts Remaining");

	/* an Urdu menu, UCS2 as the dialect wants it for non-Latin text */
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"1\"><unstructuredSSRequest_Request "
				 "invokeId=\"1\" dataCodingScheme=\"72\" string=\"\xd8\xac\xd9\x85\xd9\x8a\xd8\xb9 "
				 "1\"/></dialog>"), 0);
	assert_true(a.text.ucs2);
	assert_int_equal(a.text.chars, 6);
	/* without a DCS the gateway chooses */
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"1\"><unstructuredSSRequest_Request "
				 "string=\"" CYR_ZHE "\"/></dialog>"), 0);
	assert_int_equal(a.text.dcs, 0x48);
	/* white space before the XML declaration, a UTF-8 byte order mark */
	assert_int_equal(xanswer(&a, "\r\n  " XHDR "<dialog><unstructuredSSRequest_Request string=\"x\"/>"
				 "</dialog>"), 0);
	assert_int_equal(xanswer(&a, "\xef\xbb\xbf" XHDR "<dialog><unstructuredSSRequest_Request string=\"x\"/>"
				 "</dialog>"), 0);
	assert_err(xanswer(&a, " \n\t"), USSD_APP_ERR_EMPTY);
	/* a document in another encoding it declares is read as such */
	assert_int_equal(xanswer(&a, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><dialog>"
				 "<unstructuredSSRequest_Request string=\"caf\xe9\"/></dialog>"), 0);
	assert_string_equal(a.text.utf8, "caf\xc3\xa9");
	/* entities of XML itself are fine */
	assert_int_equal(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"A &amp; B &lt;3 "
				 "&quot;q&quot; &#x416;\"/></dialog>"), 0);
	assert_string_equal(a.text.utf8, "A & B <3 \"q\" " CYR_ZHE);
}

/* What the dialect's sample servlet sends back: the document it received,
 * reset and given the answer, so every attribute and address is echoed */
static const char echoed[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"
	"<dialog type=\"Continue\" appCntx=\"networkUnstructuredSsContext_version2\" networkId=\"0\""
	" localId=\"6\" remoteId=\"1\" mapMessagesSize=\"1\" returnMessageOnError=\"false\""
	" userObject=\"menu=main;lang=en\" sessionId=\"sgw-0001-7f3a\">\n"
	"\t<localAddress pc=\"0\" ssn=\"147\">\n\t\t<ai value=\"18\"/>\n"
	"\t\t<gt type=\"GlobalTitle0100\" tt=\"0\" es=\"2\" np=\"1\" nai=\"4\" digits=\"41790000147\"/>\n"
	"\t</localAddress>\n"
	"\t<remoteAddress pc=\"0\" ssn=\"6\">\n\t\t<ai value=\"18\"/>\n"
	"\t\t<gt type=\"GlobalTitle0100\" tt=\"0\" es=\"1\" np=\"1\" nai=\"4\" digits=\"41790000006\"/>\n"
	"\t</remoteAddress>\n"
	"\t<destinationReference number=\"228011234567890\" nai=\"international_number\" npi=\"land_mobile\"/>\n"
	"\t<originationReference number=\"41791234567\" nai=\"international_number\" npi=\"ISDN\"/>\n"
	"\t<!-- business logic: main menu -->\n"
	"\t<unstructuredSSRequest_Request invokeId=\"1\" dataCodingScheme=\"15\""
	" string=\"USSD String : Hello World&#10; 1. Balance&#10; 2. Texts Remaining\"/>\n"
	"</dialog>\n";

static void test_xml_echoed_dialog(void **state)
{
	struct ussd_app_answer a;

	assert_int_equal(xanswer(&a, echoed), 0);
	assert_int_equal(a.type, USSD_APP_ANS_MENU);
	assert_true(a.has_app_ref);
	assert_string_equal(a.app_ref, "menu=main;lang=en");
	assert_string_equal(a.session_id, "sgw-0001-7f3a");
	assert_true(a.has_network_id);
	assert_int_equal(a.network_id, 0);
	assert_int_equal(a.invoke_id, 1);
}

static void test_xml_push(void **state)
{
	struct ussd_app_answer a;
	struct ussd_app_push p;

	/* a notification push as documented */
	assert_int_equal(xanswer(&a, XHDR "<dialog mapMessagesSize=\"1\">\n  <unstructuredSSNotify_Request"
				 " dataCodingScheme=\"15\" string=\"Your new balance is 34.38 AFN and expires on "
				 "30.07.2012. Cost of last event was 0.50 AFN.\">\n    <msisdn nai=\"international_number\""
				 " npi=\"ISDN\" number=\"93701234567\"/>\n  </unstructuredSSNotify_Request>\n</dialog>\n"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_NOTIFY);
	assert_false(a.close);
	assert_string_equal(a.msisdn, "93701234567");
	assert_int_equal(ussd_app_answer_to_push(&p, &a, err, sizeof(err)), 0);
	assert_int_equal(p.type, USSD_APP_PUSH_USSN);
	assert_string_equal(p.msisdn, "93701234567");
	assert_string_equal(p.text.utf8, a.text.utf8);

	/* a menu push with an invoke timeout (both spellings), a network and an alerting pattern */
	assert_int_equal(xanswer(&a, XHDR "<dialog mapMessagesSize=\"1\" customInvokeTimeout=\"600000\""
				 " networkId=\"3\" userObject=\"pay-881\">\n  <unstructuredSSRequest_Request"
				 " dataCodingScheme=\"15\" string=\"Press 1 for paying or press 2 for aborting\">\n"
				 "    <msisdn nai=\"international_number\" npi=\"ISDN\" number=\"5444444444\"/>\n"
				 "    <alertingPattern size=\"1\"><value value=\"6\"/></alertingPattern>\n"
				 "  </unstructuredSSRequest_Request>\n</dialog>\n"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_MENU);
	assert_int_equal(a.invoke_timeout_ms, 600000);
	assert_int_equal(ussd_app_answer_to_push(&p, &a, err, sizeof(err)), 0);
	assert_int_equal(p.type, USSD_APP_PUSH_USSR);
	assert_int_equal(p.invoke_timeout_ms, 600000);
	assert_true(p.has_network_id);
	assert_int_equal(p.network_id, 3);
	assert_string_equal(p.app_ref, "pay-881");
	assert_true(p.has_alerting_pattern);
	assert_int_equal(p.alerting_pattern, 6);
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"1\" customInvokeTimeOut=\"30000\""
				 " emptyDialogHandshake=\"true\"><unstructuredSSNotify_Request string=\"x\">"
				 "<msisdn number=\"5444444444\"/></unstructuredSSNotify_Request></dialog>"), 0);
	assert_int_equal(a.invoke_timeout_ms, 30000);
	assert_true(a.empty_dialog_handshake);

	/* the next step of that push names its session instead of a cookie */
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"1\" sessionId=\"sgw-0002\">"
				 "<unstructuredSSNotify_Request dataCodingScheme=\"15\" string=\"Paid, thank you\"/>"
				 "</dialog>"), 0);
	assert_string_equal(a.session_id, "sgw-0002");
	assert_err(ussd_app_answer_to_push(&p, &a, err, sizeof(err)), USSD_APP_ERR_VALUE);
	/* and it is released with an empty dialog */
	assert_int_equal(xanswer(&a, XHDR "<dialog mapMessagesSize=\"0\" prearrangedEnd=\"false\""
				 " sessionId=\"sgw-0002\">\n</dialog>\n"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_RELEASE);
	assert_true(a.close);
	assert_false(a.prearranged);
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"0\" prearrangedEnd=\"TRUE\"/>"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_RELEASE);
	assert_true(a.prearranged);
	/* a notification that ends the dialog */
	assert_int_equal(xanswer(&a, "<dialog prearrangedEnd=\"false\" sessionId=\"s1\">"
				 "<unstructuredSSNotify_Request string=\"Bye\"/></dialog>"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_NOTIFY);
	assert_true(a.close);

	/* a push needs its subscriber */
	assert_int_equal(xanswer(&a, "<dialog><unstructuredSSNotify_Request string=\"x\"/></dialog>"), 0);
	assert_err(ussd_app_answer_to_push(&p, &a, err, sizeof(err)), USSD_APP_ERR_MISSING);
	assert_int_equal(xanswer(&a, "<dialog mapMessagesSize=\"0\" prearrangedEnd=\"false\"/>"), 0);
	assert_err(ussd_app_answer_to_push(&p, &a, err, sizeof(err)), USSD_APP_ERR_VALUE);
}

static void test_xml_abort_and_error(void **state)
{
	struct ussd_app_answer a;

	/* as the dialect writes abort notices: an empty error list */
	assert_int_equal(xanswer(&a, "<dialog type=\"Abort\" mapMessagesSize=\"0\""
				 " mapUserAbortChoice=\"isUserSpecificReason\"><errComponents/></dialog>"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_ABORT);
	assert_true(a.close);
	assert_int_equal(a.u_abort, USSD_APP_UA_USER_SPECIFIC);
	assert_int_equal(xanswer(&a, "<dialog mapUserAbortChoice="
				 "\"isResourceUnavailableReason_longTermResourceLimitation\"/>"), 0);
	assert_int_equal(a.u_abort, USSD_APP_UA_RESOURCE_UNAVAILABLE);
	assert_int_equal(a.u_abort_diag, 1);
	assert_err(xanswer(&a, "<dialog mapUserAbortChoice=\"isBored\"/>"), USSD_APP_ERR_VALUE);
	assert_contains(err, "isBored");
	assert_err(xanswer(&a, "<dialog mapUserAbortChoice=\"isUserSpecificReason\">"
			   "<unstructuredSSRequest_Request string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);

	/* an error component for the network */
	assert_int_equal(xanswer(&a, "<dialog type=\"End\" mapMessagesSize=\"0\" prearrangedEnd=\"false\">"
				 "<errComponents><invokeId value=\"0\"/><errorComponent type="
				 "\"MAPErrorMessageSystemFailure\" errorCode=\"34\"/></errComponents></dialog>"), 0);
	assert_int_equal(a.type, USSD_APP_ANS_ERROR);
	assert_int_equal(a.map_error, 34);
	assert_true(a.has_invoke_id);
	assert_int_equal(a.invoke_id, 0);
	/* an error list without an error is no answer */
	assert_err(xanswer(&a, "<dialog><errComponents><invokeId value=\"0\"/></errComponents></dialog>"),
		   USSD_APP_ERR_MISSING);
	assert_err(xanswer(&a, "<dialog><errComponents><invokeId value=\"0\"/><errorComponent/>"
			   "</errComponents></dialog>"), USSD_APP_ERR_MISSING);
	assert_err(xanswer(&a, "<dialog><errComponents><errorComponent errorCode=\"0\"/></errComponents>"
			   "</dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><errComponents><errorComponent errorCode=\"34\"/></errComponents>"
			   "<unstructuredSSRequest_Request string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
}

static void test_xml_refusals(void **state)
{
	struct ussd_app_answer a;
	char big[USSD_APP_MAX_BODY + 64];

	assert_err(xanswer(&a, ""), USSD_APP_ERR_EMPTY);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"x\"></dialog>"),
		   USSD_APP_ERR_SYNTAX);
	assert_contains(err, "invalid XML at line 1");
	assert_err(xanswer(&a, "{\"ussdMenu\":\"x\"}"), USSD_APP_ERR_SYNTAX);
	assert_err(xanswer(&a, "<dialog a=\"1\" a=\"2\"/>"), USSD_APP_ERR_SYNTAX);
	assert_err(xanswer(&a, "<dialog/><dialog/>"), USSD_APP_ERR_SYNTAX);
	assert_err(xanswer(&a, "<dialog>&nbsp;</dialog>"), USSD_APP_ERR_SYNTAX);
	assert_err(xanswer(&a, "<dialog><x string=\"\xff\"/></dialog>"), USSD_APP_ERR_UTF8);
	assert_null(strchr(err, '?'));	/* libxml2's line ends are not in the sentence */
	assert_err(xanswer(&a, "<response><unstructuredSSRequest_Request string=\"x\"/></response>"),
		   USSD_APP_ERR_VALUE);
	assert_contains(err, "must be <dialog>, not <response>");
	assert_err(xanswer(&a, "<dialog mapMessagesSize=\"1\"/>"), USSD_APP_ERR_VALUE);
	assert_contains(err, "mapMessagesSize is 1 but the dialog carries 0 USSD operations");
	assert_err(xanswer(&a, "<dialog/>"), USSD_APP_ERR_MISSING);
	assert_contains(err, "prearrangedEnd=\"false\"");
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"a\"/>"
			   "<unstructuredSSRequest_Request string=\"b\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Response string=\"1\"/></dialog>"),
		   USSD_APP_ERR_VALUE);
	assert_contains(err, "is what the gateway sends");
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request dataCodingScheme=\"15\"/></dialog>"),
		   USSD_APP_ERR_MISSING);
	assert_contains(err, "needs a string attribute");
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"\"/></dialog>"),
		   USSD_APP_ERR_MISSING);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request invokeId=\"one\" string=\"x\"/>"
			   "</dialog>"), USSD_APP_ERR_TYPE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request invokeId=\"300\" string=\"x\"/>"
			   "</dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request invokeId=\" 1\" string=\"x\"/>"
			   "</dialog>"), USSD_APP_ERR_TYPE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request dataCodingScheme=\"0x0f\" "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_TYPE);
	assert_err(xanswer(&a, "<dialog prearrangedEnd=\"yes\"><unstructuredSSRequest_Request string=\"x\"/>"
			   "</dialog>"), USSD_APP_ERR_TYPE);
	assert_err(xanswer(&a, "<dialog prearrangedEnd=\"false\"><unstructuredSSRequest_Request "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog prearrangedEnd=\"true\"><processUnstructuredSSRequest_Response "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog customInvokeTimeout=\"0\"><unstructuredSSRequest_Request "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog networkId=\"-1\"><unstructuredSSRequest_Request "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog sessionId=\"../x\"><unstructuredSSRequest_Request "
			   "string=\"x\"/></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSNotify_Request string=\"x\"><msisdn nai=\"1\"/>"
			   "</unstructuredSSNotify_Request></dialog>"), USSD_APP_ERR_MISSING);
	assert_err(xanswer(&a, "<dialog><unstructuredSSNotify_Request string=\"x\"><msisdn number=\"12ab\"/>"
			   "</unstructuredSSNotify_Request></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSNotify_Request string=\"x\"><msisdn npi=\"telefax\""
			   " number=\"12\"/></unstructuredSSNotify_Request></dialog>"), USSD_APP_ERR_VALUE);
	assert_err(xanswer(&a, "<dialog><unstructuredSSNotify_Request string=\"x\"><alertingPattern/>"
			   "</unstructuredSSNotify_Request></dialog>"), USSD_APP_ERR_MISSING);
	/* texts: too long (refused, never cut), wrong alphabet */
	snprintf(big, sizeof(big), "<dialog><unstructuredSSRequest_Request string=\"%s\"/></dialog>",
		 rep("x", 183));
	assert_err(xanswer(&a, big), USSD_APP_ERR_TEXT_TOO_LONG);
	assert_contains(err, "string is too long: 183 GSM 7-bit characters, at most 182");
	snprintf(big, sizeof(big), "<dialog><unstructuredSSRequest_Request string=\"%s\"/></dialog>",
		 rep("x", 182));
	assert_int_equal(xanswer(&a, big), 0);
	snprintf(big, sizeof(big), "<dialog><unstructuredSSRequest_Request dataCodingScheme=\"72\" "
		 "string=\"%s\"/></dialog>", rep(CYR_ZHE, 81));
	assert_err(xanswer(&a, big), USSD_APP_ERR_TEXT_TOO_LONG);
	snprintf(big, sizeof(big), "<dialog><unstructuredSSRequest_Request dataCodingScheme=\"72\" "
		 "string=\"%s\"/></dialog>", rep(CYR_ZHE, 80));
	assert_int_equal(xanswer(&a, big), 0);
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request dataCodingScheme=\"15\" string=\""
			   CYR_ZHE "\"/></dialog>"), USSD_APP_ERR_CHARSET);
	snprintf(big, sizeof(big), "<dialog userObject=\"%s\"><unstructuredSSRequest_Request string=\"x\"/>"
		 "</dialog>", rep("u", USSD_APP_REF_MAX + 1));
	assert_err(xanswer(&a, big), USSD_APP_ERR_VALUE);
	/* oversize */
	memset(big, ' ', sizeof(big));
	memcpy(big, "<dialog>", 8);
	strcpy(big + sizeof(big) - 10, "</dialog>");
	assert_err(ussd_app_xml_parse(&a, big, strlen(big), NULL, err, sizeof(err)), USSD_APP_ERR_TOO_BIG);
}

static void test_xml_depth(void **state)
{
	struct ussd_app_answer a;
	char doc[4096];

	/* 8 levels: unknown elements are ignored */
	snprintf(doc, sizeof(doc), "<dialog>%s%s<unstructuredSSRequest_Request string=\"x\"/></dialog>",
		 rep("<a>", 7), rep("</a>", 7));
	assert_int_equal(xanswer(&a, doc), 0);
	snprintf(doc, sizeof(doc), "<dialog>%s%s<unstructuredSSRequest_Request string=\"x\"/></dialog>",
		 rep("<a>", 8), rep("</a>", 8));
	assert_err(xanswer(&a, doc), USSD_APP_ERR_DEPTH);
	snprintf(doc, sizeof(doc), "<dialog>%s", rep("<a>", 1000));
	assert_err(xanswer(&a, doc), USSD_APP_ERR_DEPTH);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The classic entity expansion attack: refused before any entity exists */
static const char billion_laughs[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE dialog [\n"
	" <!ENTITY lol \"lol\">\n"
	" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	"]>\n"
	"<dialog mapMessagesSize=\"1\"><unstructuredSSRequest_Request string=\"&lol9;\"/></dialog>\n";

static void test_xml_entity_attacks(void **state)
{
	struct ussd_app_answer a;
	double t0 = now();

	assert_err(xanswer(&a, billion_laughs), USSD_APP_ERR_FORBIDDEN);
	assert_contains(err, "DOCTYPE");
	/* refused right away, not after expanding anything */
	assert_true(now() - t0 < 1.0);
	assert_int_equal(a.text.len, 0);

	/* external entities: a local file, a URL, a parameter entity, an external DTD */
	assert_err(xanswer(&a, "<?xml version=\"1.0\"?><!DOCTYPE dialog [<!ENTITY xxe SYSTEM "
			   "\"file:///etc/passwd\">]><dialog><unstructuredSSRequest_Request string=\"&xxe;\"/>"
			   "</dialog>"), USSD_APP_ERR_FORBIDDEN);
	assert_null(strstr(a.text.utf8, "root"));
	assert_err(xanswer(&a, "<!DOCTYPE dialog [<!ENTITY xxe SYSTEM \"http://198.51.100.1/x\">]>"
			   "<dialog><unstructuredSSRequest_Request string=\"&xxe;\"/></dialog>"),
		   USSD_APP_ERR_FORBIDDEN);
	assert_err(xanswer(&a, "<!DOCTYPE dialog [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
			   "<dialog/>"), USSD_APP_ERR_FORBIDDEN);
	assert_err(xanswer(&a, "<!DOCTYPE dialog SYSTEM \"http://198.51.100.1/ussd.dtd\">"
			   "<dialog mapMessagesSize=\"0\" prearrangedEnd=\"false\"/>"), USSD_APP_ERR_FORBIDDEN);
	/* refused at the DOCTYPE itself: a declaration after it is never read */
	assert_err(xanswer(&a, "<!DOCTYPE dialog [ <!ENTITY broken ]><dialog/>"), USSD_APP_ERR_FORBIDDEN);
	/* an entity used without a declaration is just an error */
	assert_err(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"&xxe;\"/></dialog>"),
		   USSD_APP_ERR_SYNTAX);
	/* the same document without the DTD is fine */
	assert_int_equal(xanswer(&a, "<dialog><unstructuredSSRequest_Request string=\"lol\"/></dialog>"), 0);
}

/* Bytes the declared encoding cannot convert: refused, and libxml2 prints
 * nothing on stderr (the input comes from the network) */
static void test_xml_encoding_errors_are_quiet(void **state)
{
	struct ussd_app_answer a;
	FILE *cap = tmpfile();
	int saved;

	assert_non_null(cap);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(cap), 2);
	assert_err(xanswer(&a, "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><dialog>"
			   "<unstructuredSSRequest_Request string=\"\x81\x20\"/></dialog>"), USSD_APP_ERR_UTF8);
	assert_contains(err, "not valid in the document's encoding");
	assert_err(xanswer(&a, "<?xml version=\"1.0\" encoding=\"EUC-JP\"?><dialog>"
			   "<unstructuredSSRequest_Request string=\"\xff\xff\"/></dialog>"), USSD_APP_ERR_UTF8);
	assert_err(xanswer(&a, "<?xml version=\"1.0\" encoding=\"x-no-such-charset\"?><dialog/>"),
		   USSD_APP_ERR_SYNTAX);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(ftell(cap), 0);
	fclose(cap);
}

/* ---- names ---------------------------------------------------------------------------- */

static void test_names(void **state)
{
	int i;

	assert_string_equal(ussd_app_err_name(-USSD_APP_ERR_TEXT_TOO_LONG), "text_too_long");
	assert_string_equal(ussd_app_err_name(0), "unknown");
	assert_string_equal(ussd_app_err_name(99), "unknown");
	for (i = 0; i < _USSD_APP_EXIT_COUNT; i++) {
		assert_string_not_equal(ussd_app_exit_name(i), "unknown");
		assert_string_not_equal(ussd_app_exit_text(i), "unknown");
	}
	assert_string_equal(ussd_app_exit_name(USSD_APP_EXIT_USSD_BUSY), "busy");
	assert_string_equal(ussd_app_exit_name(_USSD_APP_EXIT_COUNT), "unknown");
	assert_true(ussd_app_session_id_valid("sgw-0001.a_B"));
	assert_false(ussd_app_session_id_valid(""));
	assert_false(ussd_app_session_id_valid("a/b"));
	assert_false(ussd_app_session_id_valid(rep("a", USSD_APP_SESSION_ID_MAX + 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_gsm7_182),
		cmocka_unit_test(test_text_extension_counts_two),
		cmocka_unit_test(test_text_ucs2_80),
		cmocka_unit_test(test_text_operator_limit),
		cmocka_unit_test(test_text_explicit_dcs),
		cmocka_unit_test(test_text_language),
		cmocka_unit_test(test_text_invalid),
		cmocka_unit_test(test_json_start_request),
		cmocka_unit_test(test_json_response_end_requests),
		cmocka_unit_test(test_json_answers),
		cmocka_unit_test(test_json_answer_errors),
		cmocka_unit_test(test_json_message_is_cut_on_characters),
		cmocka_unit_test(test_json_push),
		cmocka_unit_test(test_xml_start),
		cmocka_unit_test(test_xml_response_escaping),
		cmocka_unit_test(test_xml_notify_done),
		cmocka_unit_test(test_xml_end),
		cmocka_unit_test(test_xml_pull_answers),
		cmocka_unit_test(test_xml_echoed_dialog),
		cmocka_unit_test(test_xml_push),
		cmocka_unit_test(test_xml_abort_and_error),
		cmocka_unit_test(test_xml_refusals),
		cmocka_unit_test(test_xml_depth),
		cmocka_unit_test(test_xml_entity_attacks),
		cmocka_unit_test(test_xml_encoding_errors_are_quiet),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
