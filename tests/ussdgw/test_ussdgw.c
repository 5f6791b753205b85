/* The USSD gateway's own rules, without a network: routing by service code
 * (longest prefix, parameters, default route), the latency histogram, the
 * language of a DCS, the text of a network USSD string, the session log's
 * retention (on a real SQLite file). The sessions are
 * tested end to end in tests/integration/test_ussd_*.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>

#include <sigway/store/store.h>
#include <sigway/ussd/ussd_string.h>
#include "ussdgw_int.h"

static struct ussdgw *gw;

static void add_app(const char *name)
{
	struct ussdgw_app *a = talloc_zero(gw, struct ussdgw_app);
	OSMO_STRLCPY_ARRAY(a->name, name);
	llist_add_tail(&a->list, &gw->apps);
}

static void add_route(const char *code, const char *app)
{
	struct ussdgw_route *r = talloc_zero(gw, struct ussdgw_route);
	if (code) {
		assert_true(ussdgw_code_key(r->key, sizeof(r->key), code));
		OSMO_STRLCPY_ARRAY(r->code, code);
	}
	OSMO_STRLCPY_ARRAY(r->app, app);
	llist_add_tail(&r->list, &gw->routes);
}

static int setup(void **state)
{
	gw = ussdgw_alloc(NULL);
	assert_non_null(gw);
	add_app("a");
	add_app("b");
	add_app("c");
	return 0;
}

static int teardown(void **state)
{
	ussdgw_free(gw);
	return 0;
}

static const char *route(const char *dialled, char *code, char *params)
{
	struct ussdgw_app *a = ussdgw_route(gw, dialled, code, USSD_APP_CODE_MAX + 1, params, USSD_APP_TEXT_MAX + 1);
	return a ? a->name : NULL;
}

static void test_code_keys(void **state)
{
	char key[USSD_APP_CODE_MAX + 1];
	assert_true(ussdgw_code_key(key, sizeof(key), "*123#"));
	assert_string_equal(key, "*123");
	assert_true(ussdgw_code_key(key, sizeof(key), "*123*4#"));
	assert_string_equal(key, "*123*4");
	assert_true(ussdgw_code_key(key, sizeof(key), "#100#"));
	assert_string_equal(key, "#100");
	assert_false(ussdgw_code_key(key, sizeof(key), "123#"));	/* a code starts with * or # */
	assert_false(ussdgw_code_key(key, sizeof(key), "*12a#"));
	assert_false(ussdgw_code_key(key, sizeof(key), "#"));
	assert_false(ussdgw_code_key(key, sizeof(key), ""));
}

static void test_longest_prefix(void **state)
{
	char code[USSD_APP_CODE_MAX + 1], params[USSD_APP_TEXT_MAX + 1];
	add_route("*123#", "a");
	add_route("*123*4#", "b");
	assert_string_equal(route("*123#", code, params), "a");
	assert_string_equal(code, "*123#");
	assert_string_equal(params, "");
	assert_string_equal(route("*123*5*6#", code, params), "a");
	assert_string_equal(params, "5*6");
	assert_string_equal(route("*123*4#", code, params), "b");
	assert_string_equal(code, "*123*4#");
	assert_string_equal(params, "");
	assert_string_equal(route("*123*4*55#", code, params), "b");
	assert_string_equal(params, "55");
	assert_string_equal(route("*123*45#", code, params), "a");	/* *123*4 is not a prefix of *123*45 */
	assert_string_equal(params, "45");
	assert_null(route("*1234#", code, params));			/* nor is *123 of *1234 */
	assert_null(route("*12#", code, params));
	assert_string_equal(route("*123", code, params), "a");		/* without the final # */
	/* the default route takes the rest, the whole string is its code */
	add_route(NULL, "c");
	assert_string_equal(route("*999*1#", code, params), "c");
	assert_string_equal(code, "*999*1#");
	assert_string_equal(params, "");
	assert_string_equal(route("*123*4#", code, params), "b");
}

static void test_latency(void **state)
{
	struct ussdgw_latency l = { 0 };
	assert_int_equal(ussdgw_latency_quantile(&l, 0.5), 0);
	for (uint64_t us = 1; us <= 1000; us++)
		ussdgw_latency_add(&l, us);
	uint64_t p50 = ussdgw_latency_quantile(&l, 0.5), p99 = ussdgw_latency_quantile(&l, 0.99);
	/* buckets are 1/16 of a doubling wide: within about 6 % */
	assert_in_range(p50, 500, 532);
	assert_in_range(p99, 990, 1000);
	assert_int_equal(ussdgw_latency_quantile(&l, 1.0), 1000);
	ussdgw_latency_add(&l, 300000000);	/* beyond the last bucket: counted there, max kept */
	assert_int_equal(l.max_us, 300000000);
	assert_int_equal(ussdgw_latency_quantile(&l, 1.0), 300000000);
	for (uint64_t us = 0; us < 16; us++) {
		struct ussdgw_latency one = { 0 };
		ussdgw_latency_add(&one, us);
		assert_int_equal(ussdgw_latency_quantile(&one, 0.5), us);
	}
}

static void test_dcs_language(void **state)
{
	char lang[USSD_APP_LANG_MAX + 1];
	ussdgw_dcs_language(lang, 0x01, NULL);
	assert_string_equal(lang, "en");
	ussdgw_dcs_language(lang, 0x23, NULL);
	assert_string_equal(lang, "ru");
	ussdgw_dcs_language(lang, 0x0f, NULL);
	assert_string_equal(lang, "");
	ussdgw_dcs_language(lang, 0x10, "fr");
	assert_string_equal(lang, "fr");
	ussdgw_dcs_language(lang, 0x10, "1x");		/* not a language */
	assert_string_equal(lang, "");
}

static void test_decode_text(void **state)
{
	uint8_t s[USSD_MAX_OCTETS];
	char out[USSD_APP_TEXT_MAX + 1], lang[USSD_APP_LANG_MAX + 1];
	int n = ussd_string_encode(s, sizeof(s), 0x0f, NULL, "*100#", 5);
	assert_true(n > 0);
	assert_int_equal(ussdgw_decode_text(out, sizeof(out), 0x0f, s, n, lang), 5);
	assert_string_equal(out, "*100#");
	assert_string_equal(lang, "");
	n = ussd_string_encode(s, sizeof(s), 0x48, NULL, "Да", 4);
	assert_int_equal(ussdgw_decode_text(out, sizeof(out), 0x48, s, n, lang), 4);
	assert_string_equal(out, "Да");
	n = ussd_string_encode(s, sizeof(s), 0x10, "de", "Hallo", 5);
	assert_true(ussdgw_decode_text(out, sizeof(out), 0x10, s, n, lang) > 0);
	assert_string_equal(out, "Hallo");
	assert_string_equal(lang, "de");
	/* 8-bit data and an empty string are no text */
	assert_true(ussdgw_decode_text(out, sizeof(out), 0x44, s, n, lang) < 0);
	assert_true(ussdgw_decode_text(out, sizeof(out), 0x0f, s, 0, lang) < 0);
	/* control characters a handset cannot type become spaces, line ends stay */
	n = ussd_string_encode(s, sizeof(s), 0x48, NULL, "a\tb\nc", 5);
	assert_true(ussdgw_decode_text(out, sizeof(out), 0x48, s, n, NULL) > 0);
	assert_string_equal(out, "a b\nc");
}

static void test_status_names(void **state)
{
	assert_string_equal(ussdgw_status_name(USSD_APP_EXIT_SUCCESS), "success");
	assert_string_equal(ussdgw_status_name(USSD_APP_EXIT_USSD_BUSY), "busy");
	assert_string_equal(ussdgw_status_name(USSDGW_ST_NO_ROUTE), "no_route");
	assert_string_equal(ussdgw_status_name(USSDGW_ST_OVERLOAD), "overload");
	assert_string_equal(ussdgw_status_name(USSDGW_ST_APP_ABORT), "app_abort");
	assert_string_equal(ussdgw_status_name(USSDGW_ST_V1_NO_ROUNDS), "v1_no_rounds");
	assert_string_equal(ussdgw_status_name(-1), "open");
	assert_string_equal(ussdgw_status_name(_USSDGW_ST_COUNT), "open");
}

static void add_log_row(struct store *st, const char *id, int64_t start_ms)
{
	char sql[400];
	snprintf(sql, sizeof(sql), "INSERT INTO ussd_sessions VALUES ('%s', 'pull', 'map', 'a', '*100#', '491770000001',"
		 " '', 'netsim', '', '', '', '', %lld, %lld, 1, 'success', '', 1)", id, (long long)start_ms,
		 (long long)start_ms + 1000);
	assert_int_equal(store_exec(st, sql), 0);
}

static int log_rows(struct store *st)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM ussd_sessions", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Rows older than the retention go, a batch at a time, the rest stay */
static void test_log_retention(void **state)
{
	char dir[] = "/tmp/sigway-ussdgw-test-XXXXXX", path[64], cmd[80];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	void *ctx = talloc_new(NULL);
	struct store *st = store_open(ctx, path);
	assert_non_null(st);
	assert_int_equal(ussdgw_db_init(st), 0);
	int64_t now = ussdgw_now_ms(), day = 86400000LL;
	char id[32];
	for (int i = 0; i < USSDGW_PURGE_BATCH + 3; i++) {
		snprintf(id, sizeof(id), "old-%d", i);
		add_log_row(st, id, now - 91 * day - i);
	}
	add_log_row(st, "recent-1", now - 89 * day);
	add_log_row(st, "recent-2", now - day);
	assert_int_equal(ussdgw_db_purge(st, 90), USSDGW_PURGE_BATCH);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(log_rows(st), 5);
	assert_int_equal(ussdgw_db_purge(st, 90), 3);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(log_rows(st), 2);
	assert_int_equal(ussdgw_db_purge(st, 90), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(log_rows(st), 2);
	store_close(st);
	talloc_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_code_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_prefix, setup, teardown),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_dcs_language),
		cmocka_unit_test(test_decode_text),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_log_retention),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
