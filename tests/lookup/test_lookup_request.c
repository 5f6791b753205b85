/* Lookup request bodies: JSON and plain text, good and bad of every kind
 * (not JSON, not UTF-8, wrong fields, numbers that are not numbers, too
 * many, none), each refusal with the offending number and its reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include <sigway/lookup/lookup_request.h>

static struct numbering *nb;
static struct numbering_norm_cfg norm;

static struct lookup_parse_opts opts(unsigned int max, bool job)
{
	return (struct lookup_parse_opts){ .norm = &norm, .max_numbers = max, .job = job, .max_notify_batch = 500 };
}

static int json(void *ctx, const char *body, unsigned int max, bool job, struct lookup_request *r, char *why)
{
	struct lookup_parse_opts o = opts(max, job);
	return lookup_request_parse_json(ctx, body, strlen(body), &o, r, why, 200);
}

static void test_json_good(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	char why[200];
	norm.country_code = "49";	/* national numbers too */
	assert_int_equal(json(ctx, "{\"to\": [\"+49 171 0000011\", \"0171-0000012\", \"00491710000013\", 491710000014]}",
			      10, false, &r, why), LOOKUP_PARSE_OK);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.numbers[0].e164, "491710000011");
	assert_string_equal(r.numbers[0].input, "+49 171 0000011");
	assert_string_equal(r.numbers[1].e164, "491710000012");
	assert_string_equal(r.numbers[2].e164, "491710000013");
	assert_string_equal(r.numbers[3].e164, "491710000014");
	assert_string_equal(r.numbers[3].input, "491710000014");
	/* one number as a string */
	assert_int_equal(json(ctx, "{\"to\": \"+49 (0)171 0000011\"}", 10, false, &r, why), LOOKUP_PARSE_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.numbers[0].e164, "491710000011");
	/* UTF-8 people paste: a no-break space, escaped or not */
	assert_int_equal(json(ctx, "{\"to\": [\"+49\\u00a0171\\u00a00000011\", \"+49\xc2\xa0" "1710000012\"]}", 10, false,
			      &r, why), LOOKUP_PARSE_OK);
	assert_string_equal(r.numbers[1].e164, "491710000012");
	norm.country_code = NULL;
	talloc_free(ctx);
}

static void test_json_job_fields(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	char why[200];
	assert_int_equal(json(ctx, "{\"to\": [\"491710000011\"], \"notifyUrl\": \"http://127.0.0.1:9/cb\","
			      " \"notifyBatchSize\": 50, \"reference\": \"run 7\"}", 10, true, &r, why), LOOKUP_PARSE_OK);
	assert_string_equal(r.notify_url, "http://127.0.0.1:9/cb");
	assert_int_equal(r.notify_batch, 50);
	assert_string_equal(r.reference, "run 7");
	/* job fields are unknown to a synchronous request */
	assert_int_equal(json(ctx, "{\"to\": [\"491710000011\"], \"notifyUrl\": \"http://x/\"}", 10, false, &r, why),
			 LOOKUP_PARSE_BAD_BODY);
	assert_non_null(strstr(why, "unknown field \"notifyUrl\""));
	static const char *const bad[] = {
		"{\"to\": [\"491710000011\"], \"notifyUrl\": \"ftp://127.0.0.1/\"}",
		"{\"to\": [\"491710000011\"], \"notifyUrl\": \"http://\"}",
		"{\"to\": [\"491710000011\"], \"notifyUrl\": \"http://a b/\"}",
		"{\"to\": [\"491710000011\"], \"notifyUrl\": 5}",
		"{\"to\": [\"491710000011\"], \"notifyBatchSize\": 0}",
		"{\"to\": [\"491710000011\"], \"notifyBatchSize\": 501}",
		"{\"to\": [\"491710000011\"], \"notifyBatchSize\": \"10\"}",
		"{\"to\": [\"491710000011\"], \"reference\": \"line\\nbreak\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (json(ctx, bad[i], 10, true, &r, why) != LOOKUP_PARSE_BAD_BODY || !why[0])
			fail_msg("taken: %s", bad[i]);
	talloc_free(ctx);
}

static void test_json_bad_bodies(void **state)
{
	static const struct { const char *body; const char *says; } bad[] = {
		{ "", "invalid JSON" },
		{ "not json", "invalid JSON" },
		{ "{\"to\": [\"491710000011\"]", "invalid JSON" },
		{ "[\"491710000011\"]", "must be a JSON object" },
		{ "{\"to\": [\"491710000011\"], \"to\": []}", "invalid JSON" },		/* duplicate key */
		{ "{\"numbers\": [\"491710000011\"]}", "unknown field \"numbers\"" },
		{ "{}", "no \"to\"" },
		{ "{\"to\": {\"a\": 1}}", "\"to\" must be" },
		{ "{\"to\": 491710000011}", "\"to\" must be" },
		{ "{\"to\": [\"49171\\u00000011\"]}", "invalid JSON" },			/* NUL */
		{ "{\"to\": [\"\xff\xfe" "491710000011\"]}", "invalid JSON" },		/* not UTF-8 */
		{ "{\"to\": [\"\xed\xa0\x80\"]}", "invalid JSON" },			/* a surrogate */
	};
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	char why[200];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = json(ctx, bad[i].body, 10, false, &r, why);
		if (rc != LOOKUP_PARSE_BAD_BODY || !strstr(why, bad[i].says))
			fail_msg("'%s': %d '%s'", bad[i].body, rc, why);
	}
	assert_int_equal(json(ctx, "{\"to\": []}", 10, false, &r, why), LOOKUP_PARSE_EMPTY);
	talloc_free(ctx);
}

/* every number that is not one is named, with its position and reason; nothing else counts */
static void test_json_bad_numbers(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	char why[200];
	assert_int_equal(json(ctx, "{\"to\": [\"491710000011\", \"abc\", \"+49 171\", \"\", null, \"0171 0000011\","
			      " \"12\\t34\", \"+49 171 0000011 0000011 0000011\", -5, \"\\u00e9\"]}", 20, false, &r, why),
			 LOOKUP_PARSE_BAD_NUMBERS);
	assert_int_equal(r.n_bad, 9);
	assert_int_equal(r.n_bad_reported, 9);
	assert_int_equal(r.bad[0].index, 1);
	assert_string_equal(r.bad[0].input, "abc");
	assert_non_null(strstr(r.bad[0].reason, "letters"));
	assert_non_null(strstr(r.bad[1].reason, "too short"));
	assert_non_null(strstr(r.bad[2].reason, "no digit"));
	assert_string_equal(r.bad[3].reason, "not a string");
	/* a national number without a default country code */
	assert_int_equal(r.bad[4].index, 5);
	assert_non_null(strstr(r.bad[4].reason, "national"));
	/* a control character: named, shown escaped */
	assert_string_equal(r.bad[5].input, "12\\x0934");
	assert_non_null(strstr(r.bad[6].reason, "too long"));
	assert_string_equal(r.bad[7].reason, "not a string");
	assert_string_equal(r.bad[8].input, "\xc3\xa9");
	talloc_free(ctx);
}

static void test_limits(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	char why[200];
	assert_int_equal(json(ctx, "{\"to\": [\"491710000011\", \"491710000012\", \"491710000013\"]}", 2, false, &r, why),
			 LOOKUP_PARSE_TOO_MANY);
	assert_non_null(strstr(why, "at most 2"));
	/* a refusal names at most LOOKUP_BAD_REPORTED numbers, and counts all */
	char *body = talloc_strdup(ctx, "{\"to\": [");
	for (int i = 0; i < 150; i++)
		body = talloc_asprintf_append(body, "%s\"x%d\"", i ? "," : "", i);
	body = talloc_strdup_append(body, "]}");
	assert_int_equal(json(ctx, body, 1000, false, &r, why), LOOKUP_PARSE_BAD_NUMBERS);
	assert_int_equal(r.n_bad, 150);
	assert_int_equal(r.n_bad_reported, LOOKUP_BAD_REPORTED);
	talloc_free(ctx);
}

static void test_text(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	struct lookup_parse_opts o = opts(100, true);
	char why[200];
	const char *body = "+49 171 0000011\r\n\n   \n491710000012\n  00491710000013  \n";
	assert_int_equal(lookup_request_parse_text(ctx, body, strlen(body), &o, &r, why, sizeof(why)), LOOKUP_PARSE_OK);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.numbers[0].input, "+49 171 0000011");
	assert_string_equal(r.numbers[2].e164, "491710000013");
	/* positions are lines (0-based) */
	body = "491710000011\nbad\n\n\xff\xfe\n";
	assert_int_equal(lookup_request_parse_text(ctx, body, strlen(body), &o, &r, why, sizeof(why)),
			 LOOKUP_PARSE_BAD_NUMBERS);
	assert_int_equal(r.n_bad, 2);
	assert_int_equal(r.bad[0].index, 1);
	assert_int_equal(r.bad[1].index, 3);
	assert_string_equal(r.bad[1].input, "\\xff\\xfe");
	assert_non_null(strstr(r.bad[1].reason, "UTF-8"));
	/* empty and blank bodies */
	assert_int_equal(lookup_request_parse_text(ctx, "", 0, &o, &r, why, sizeof(why)), LOOKUP_PARSE_EMPTY);
	assert_int_equal(lookup_request_parse_text(ctx, "\n \n", 3, &o, &r, why, sizeof(why)), LOOKUP_PARSE_EMPTY);
	/* a NUL in the body is a bad character, not an end */
	assert_int_equal(lookup_request_parse_text(ctx, "4917100\0" "00011\n", 14, &o, &r, why, sizeof(why)),
			 LOOKUP_PARSE_BAD_NUMBERS);
	o.max_numbers = 2;
	body = "491710000011\n491710000012\n491710000013\n";
	assert_int_equal(lookup_request_parse_text(ctx, body, strlen(body), &o, &r, why, sizeof(why)),
			 LOOKUP_PARSE_TOO_MANY);
	talloc_free(ctx);
}

static void test_one_and_urls(void **state)
{
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	struct lookup_parse_opts o = opts(1, false);
	assert_int_equal(lookup_request_parse_one(ctx, "+49 171 0000011", &o, &r), LOOKUP_PARSE_OK);
	assert_string_equal(r.numbers[0].e164, "491710000011");
	assert_int_equal(lookup_request_parse_one(ctx, "hello", &o, &r), LOOKUP_PARSE_BAD_NUMBERS);
	assert_true(lookup_notify_url_ok("https://example.org/x?y=1"));
	assert_true(lookup_notify_url_ok("HTTP://127.0.0.1:8080/"));
	assert_false(lookup_notify_url_ok("file:///etc/passwd"));
	assert_false(lookup_notify_url_ok("http:///x"));
	assert_false(lookup_notify_url_ok("gopher://x/"));
	assert_false(lookup_notify_url_ok(""));
	talloc_free(ctx);
}

static int setup(void **state)
{
	char err[200];
	nb = numbering_alloc(NULL);
	if (numbering_load(nb, NUMBERING_DEFAULT, err, sizeof(err)) < 0)
		return -1;
	norm = (struct numbering_norm_cfg){ .nb = nb };
	return 0;
}

static int teardown(void **state)
{
	talloc_free(nb);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_good), cmocka_unit_test(test_json_job_fields),
		cmocka_unit_test(test_json_bad_bodies), cmocka_unit_test(test_json_bad_numbers),
		cmocka_unit_test(test_limits), cmocka_unit_test(test_text), cmocka_unit_test(test_one_and_urls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
