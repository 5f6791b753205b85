/* The "numbering" VTY node: a configuration with every command is read, takes
 * effect, is written back the same; bad commands are refused; "show numbering"
 * says what a number and an MCC-MNC resolve to; "numbering reload" of a bad
 * file keeps the data in use. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>

#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>
#include <sigway/numbering/numbering_vty.h>
#include "vty_capture.h"

static struct numbering *nb;
static void *ctx;

static const char *config =
	"numbering\n"
	" data-file " NUMBERING_FIXTURE "\n"
	" country-code 49\n"
	" trunk-prefix 0\n"
	" international-prefix 00 011\n"
	" range 4915 mcc-mnc 26203 network Omega Mobile GmbH\n"
	" range 336 network Frog Mobile\n"
	" network 26201 country DE name Alpha Renamed\n"
	" network 99901 country any name Test Net\n"
	" calling-code 33 country FR name France\n";

static char *run(int node, const char *cmd, int *rc)
{
	return test_vty_run(ctx, node, cmd, rc);
}

static void test_config_read_and_effective(void **state)
{
	char err[256];
	struct numbering_info i;
	FILE *f = fmemopen((void *)config, strlen(config), "r");

	assert_int_equal(vty_read_config_filep(f, NULL), 0);
	fclose(f);
	assert_int_equal(numbering_load_configured(nb, err, sizeof(err)), 0);
	assert_string_equal(numbering_loaded_path(nb), NUMBERING_FIXTURE);

	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.network->name, "Omega Mobile GmbH");
	assert_true(numbering_network_has_mccmnc(i.network, "26203"));
	assert_int_equal(numbering_lookup(nb, "33612345678", &i), 0);
	assert_string_equal(i.network->name, "Frog Mobile");
	assert_string_equal(i.country->name, "France");
	assert_string_equal(numbering_lookup_mccmnc(nb, "26201")->name, "Alpha Renamed");
	assert_string_equal(numbering_lookup_mccmnc(nb, "99901")->iso, "");
	assert_string_equal(numbering_norm_defaults(nb)->country_code, "49");
	assert_string_equal(numbering_norm_defaults(nb)->intl_prefixes, "00,011");
}

static void test_config_written_back(void **state)
{
	char *text = test_vty_written(ctx);
	/* the node, as it was given */
	const char *node = strstr(text, "numbering\n");
	if (!node || strncmp(node, config, strlen(config)))
		fail_msg("written:\n%s", text);
}

static void test_bad_commands(void **state)
{
	static const char *const bad[] = {
		"range 49x network X",
		"range 0049 network X",
		"range 4916 mcc-mnc 2620 network X",
		"range 4916 network a|b",
		"network 262 country DE name X",
		"network 26201 country Germany name X",
		"calling-code 33 country fr name X",
		"calling-code 331 country XA name Overlapping",
		"country-code 049",
		"trunk-prefix 0000",
		"international-prefix 00 011 010 001 0011",
		"international-prefix 0a",
		"no range 4999",
		"no network 99999",
		"no calling-code 999",
		"range 4916 network This name is far too long for the numbering tables, over sixty-three bytes",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc;
		char *out = run(SIGWAY_NUMBERING_NODE, bad[k], &rc);
		if (rc == CMD_SUCCESS || out[0] != '%')
			fail_msg("'%s' accepted (%d): %s", bad[k], rc, out);
	}
	/* nothing changed */
	struct numbering_info i;
	assert_int_equal(numbering_lookup(nb, "4916123", &i), 0);
	assert_null(i.network);
	assert_string_equal(numbering_norm_defaults(nb)->country_code, "49");
}

static void test_show(void **state)
{
	int rc;
	char *out = run(ENABLE_NODE, "show numbering number 0151/12345678", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	assert_non_null(strstr(out, "Number 4915112345678: calling code 49, country DE (Germany)"));
	assert_non_null(strstr(out, "network: Omega Mobile GmbH, range 4915 (configured), MCC-MNC 26203"));
	out = run(ENABLE_NODE, "show numbering number +4915201234567", &rc);
	assert_non_null(strstr(out, "network: Omega Mobile GmbH"));
	out = run(ENABLE_NODE, "show numbering number 4930123456", &rc);
	assert_non_null(strstr(out, "network: unknown (no range)"));
	out = run(ENABLE_NODE, "show numbering number 0151-CALL-ME", &rc);
	assert_int_equal(rc, CMD_WARNING);
	assert_non_null(strstr(out, "letters are not allowed"));
	out = run(ENABLE_NODE, "show numbering number 99912345678", &rc);
	assert_non_null(strstr(out, "unknown country code"));
	out = run(ENABLE_NODE, "show numbering mcc-mnc 26201", &rc);
	assert_non_null(strstr(out, "MCC-MNC 26201: Alpha Renamed, country DE (configured)"));
	out = run(ENABLE_NODE, "show numbering mcc-mnc 26202", &rc);
	assert_non_null(strstr(out, "MCC-MNC 26202: Beta Funk, country DE"));
	out = run(ENABLE_NODE, "show numbering mcc-mnc 12345", &rc);
	assert_int_equal(rc, CMD_WARNING);
	out = run(ENABLE_NODE, "show numbering", &rc);
	assert_non_null(strstr(out, "Data file: " NUMBERING_FIXTURE));
	assert_non_null(strstr(out, "ranges 7"));
	assert_non_null(strstr(out, "overrides 5"));
	assert_non_null(strstr(out, "country code 49, trunk prefix 0, international prefixes 00,011"));
}

static void test_reload_and_removal(void **state)
{
	int rc;
	struct numbering_info i;
	/* a bad file at run time: refused, the fixture stays */
	char *out = run(SIGWAY_NUMBERING_NODE, "data-file /nonexistent/numbering.txt", &rc);
	assert_int_equal(rc, CMD_WARNING);
	assert_non_null(strstr(out, "the previous data stays"));
	out = run(ENABLE_NODE, "numbering reload", &rc);
	assert_int_equal(rc, CMD_WARNING);
	assert_string_equal(numbering_loaded_path(nb), NUMBERING_FIXTURE);
	/* back to the fixture, then the default file */
	out = run(SIGWAY_NUMBERING_NODE, "data-file " NUMBERING_FIXTURE, &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	out = run(SIGWAY_NUMBERING_NODE, "no data-file", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	assert_string_equal(numbering_loaded_path(nb), numbering_default_path());
	/* removing an override */
	out = run(SIGWAY_NUMBERING_NODE, "no range 4915", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_false(i.from_config);
	out = run(SIGWAY_NUMBERING_NODE, "trunk-prefix none", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	assert_string_equal(numbering_norm_defaults(nb)->trunk_prefix, "");
	out = run(SIGWAY_NUMBERING_NODE, "no country-code", &rc);
	assert_null(numbering_norm_defaults(nb)->country_code);
}

static struct vty_app_info vty_info = { .name = "test_numbering_vty", .version = "0" };

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_read_and_effective),
		cmocka_unit_test(test_config_written_back),
		cmocka_unit_test(test_bad_commands),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_reload_and_removal),
	};
	ctx = talloc_named_const(NULL, 0, "test");
	osmo_init_logging2(ctx, &sigway_log_info);
	vty_info.tall_ctx = ctx;
	vty_init(&vty_info);
	nb = numbering_alloc(ctx);
	numbering_vty_init(nb);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
