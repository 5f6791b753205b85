/* The log helpers the SMPP side uses for what peers send: escaping (a
 * newline in a system_id must not start a line of its own) and the limit on
 * repeated lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <sigway/common/log_guard.h>
#include <sigway/common/logging.h>

static void test_escape(void **state)
{
	char buf[SIGWAY_LOG_ESC_SIZE(16)];
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "acme"), "acme");
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "a\nFORGED"), "a\\x0aFORGED");
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "a\\x0a"), "a\\\\x0a");
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "\r\x1b[2J\x7f\xff"), "\\x0d\\x1b[2J\\x7f\\xff");
	/* nothing a peer sends comes out as a control character */
	uint8_t all[256];
	char big[SIGWAY_LOG_ESC_SIZE(256)];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	sigway_log_escape_n(big, sizeof(big), all, sizeof(all));
	for (const char *c = big; *c; c++)
		assert_true(*c >= 0x20 && *c < 0x7f);
	assert_int_equal(strlen(big), 4 * 256 - 3 * 95 + 1);	/* 95 printable, '\' doubled */
}

static void test_escape_cut(void **state)
{
	char buf[10];
	/* cut to fit, "..." says so, never half an escape */
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "abcdefghijkl"), "abcdef...");
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "ab\n\n\n"), "ab\\x0a...");
	assert_string_equal(sigway_log_escape(buf, sizeof(buf), "abcdefghi"), "abcdefghi");
	char one[1];
	assert_string_equal(sigway_log_escape(one, sizeof(one), "abc"), "");
}

static void test_limit(void **state)
{
	struct sigway_log_limit l;
	sigway_log_limit_init(&l, DSMPP, LOGL_NOTICE, "failed binds", 3, 60000);
	int passed = 0;
	for (int i = 0; i < 100; i++)
		passed += sigway_log_limit_pass(&l);
	assert_int_equal(passed, 3);
	assert_int_equal(l.suppressed, 97);
	assert_true(osmo_timer_pending(&l.timer));	/* the summary at the interval's end */
	sigway_log_limit_stop(&l);
	assert_int_equal(l.suppressed, 0);
	assert_false(osmo_timer_pending(&l.timer));
	/* a level switched off counts for nothing */
	sigway_log_limit_init(&l, DSMPP, LOGL_DEBUG, "debug lines", 1, 60000);
	for (int i = 0; i < 10; i++)
		assert_false(sigway_log_limit_pass(&l));
	assert_int_equal(l.suppressed, 0);
	sigway_log_limit_stop(&l);
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	osmo_init_logging2(ctx, &sigway_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_limit),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	log_fini();
	talloc_free(ctx);
	return rc;
}
