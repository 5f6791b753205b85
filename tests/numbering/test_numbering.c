/* Numbering data: the loader (the fixture file, every kind of bad line), the
 * longest-prefix lookup, MCC-MNC and country lookups, overrides, and a few
 * facts of the shipped default file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include <sigway/numbering/numbering.h>

static struct numbering *load_fixture(void)
{
	char err[256] = "";
	struct numbering *nb = numbering_alloc(NULL);
	assert_non_null(nb);
	int rc = numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err));
	if (rc < 0)
		fail_msg("fixture: %s", err);
	return nb;
}

static void test_fixture_loads(void **state)
{
	struct numbering *nb = load_fixture();
	struct numbering_stats st;
	numbering_stats(nb, &st);
	assert_int_equal(st.countries, 8);
	assert_int_equal(st.cprefixes, 2);
	assert_int_equal(st.mccmncs, 5);
	assert_int_equal(st.networks, 6);
	assert_int_equal(st.ranges, 7);
	assert_true(st.bytes > 0);
	assert_string_equal(numbering_loaded_path(nb), NUMBERING_FIXTURE);
	talloc_free(nb);
}

static void test_longest_prefix(void **state)
{
	struct numbering *nb = load_fixture();
	struct numbering_info i;

	/* 49151 -> Alpha */
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.cc, "49");
	assert_string_equal(i.country->iso, "DE");
	assert_string_equal(i.network->name, "Alpha");
	assert_int_equal(i.range_len, 5);
	assert_false(i.from_config);
	assert_true(numbering_network_has_mccmnc(i.network, "26206"));
	assert_false(numbering_network_has_mccmnc(i.network, "26202"));
	/* 491520 -> Beta, but the longer 4915201 -> Delta Virtual */
	assert_int_equal(numbering_lookup(nb, "4915209999999", &i), 0);
	assert_string_equal(i.network->name, "Beta");
	assert_int_equal(i.range_len, 6);
	assert_int_equal(numbering_lookup(nb, "4915201234567", &i), 0);
	assert_string_equal(i.network->name, "Delta Virtual");
	assert_int_equal(i.network->n_mccmnc, 0);
	assert_int_equal(i.range_len, 7);
	/* a number exactly as long as its range prefix */
	assert_int_equal(numbering_lookup(nb, "4917", &i), 0);
	assert_string_equal(i.network->name, "Alpha");
	/* a known code without a range: country only */
	assert_int_equal(numbering_lookup(nb, "4930123456", &i), 0);
	assert_null(i.network);
	assert_string_equal(i.country->iso, "DE");
	/* shared code +1: the main country, or the country of a prefix */
	assert_int_equal(numbering_lookup(nb, "12125550100", &i), 0);
	assert_string_equal(i.country->iso, "US");
	assert_int_equal(numbering_lookup(nb, "12045550100", &i), 0);
	assert_string_equal(i.country->iso, "CA");
	assert_string_equal(i.cc, "1");
	/* a range whose network has no country: the number's (cprefix BS) */
	assert_int_equal(numbering_lookup(nb, "12423571234", &i), 0);
	assert_string_equal(i.network->name, "Gamma");
	assert_string_equal(i.country->iso, "BS");
	/* the range owner's country wins: +44 7781 is Guernsey */
	assert_int_equal(numbering_lookup(nb, "447781123456", &i), 0);
	assert_string_equal(i.country->iso, "GG");
	assert_int_equal(numbering_lookup(nb, "447700900123", &i), 0);
	assert_string_equal(i.country->iso, "GB");
	/* non-geographic codes share "001": the number's code tells which */
	assert_int_equal(numbering_lookup(nb, "88216123456", &i), 0);
	assert_string_equal(i.network->name, "Orbit Sat");
	assert_string_equal(i.country->name, "International Networks");
	assert_string_equal(i.cc, "882");
	/* unknown code, not digits, too long, empty */
	assert_int_equal(numbering_lookup(nb, "999123456", &i), -ENOENT);
	assert_int_equal(numbering_lookup(nb, "49a", &i), -EINVAL);
	assert_int_equal(numbering_lookup(nb, "4915112345678901", &i), -EINVAL);
	assert_int_equal(numbering_lookup(nb, "", &i), -EINVAL);
	assert_int_equal(numbering_lookup(nb, NULL, &i), -EINVAL);
	talloc_free(nb);
}

static void test_codes_and_mccmnc(void **state)
{
	struct numbering *nb = load_fixture();
	char mm[NUMBERING_MCCMNC_MAX];
	const struct numbering_mccmnc *m;

	assert_int_equal(numbering_cc_len(nb, "4915"), 2);
	assert_int_equal(numbering_cc_len(nb, "1"), 1);
	assert_int_equal(numbering_cc_len(nb, "8821234"), 3);
	assert_int_equal(numbering_cc_len(nb, "33"), 0);
	assert_string_equal(numbering_country_by_cc(nb, "1")->iso, "US");
	assert_string_equal(numbering_country_by_cc(nb, "44")->name, "United Kingdom");
	assert_null(numbering_country_by_cc(nb, "33"));
	assert_null(numbering_country_by_cc(nb, "4x"));
	assert_string_equal(numbering_country_by_iso(nb, "GG")->cc, "44");
	assert_false(numbering_country_by_iso(nb, "GG")->main);
	assert_string_equal(numbering_country_by_iso(nb, "001")->name, "International Freephone Service");
	assert_string_equal(numbering_country_by_cc(nb, "882")->name, "International Networks");
	assert_null(numbering_country_by_iso(nb, "de"));

	m = numbering_lookup_mccmnc(nb, "26202");
	assert_non_null(m);
	assert_string_equal(m->name, "Beta Funk");
	assert_string_equal(m->iso, "DE");
	assert_null(numbering_lookup_mccmnc(nb, "262020"));	/* 3-digit MNC 020 is another network */
	assert_null(numbering_lookup_mccmnc(nb, "2620"));
	assert_string_equal(numbering_lookup_mccmnc(nb, "90112")->name, "Satellite \xc3\x9c" "ber Net");
	assert_string_equal(numbering_lookup_mccmnc(nb, "90112")->iso, "");

	/* IMSI -> MCC-MNC: a 3-digit MNC when the data knows one, else 2 digits */
	m = numbering_imsi_mccmnc(nb, "310260123456789", mm, sizeof(mm));
	assert_non_null(m);
	assert_string_equal(mm, "310260");
	m = numbering_imsi_mccmnc(nb, "262011234567890", mm, sizeof(mm));
	assert_string_equal(m->name, "Alpha Mobil");
	assert_string_equal(mm, "26201");
	/* unknown networks: the MNC length seen for the MCC (310: 3 digits), else 2 */
	assert_null(numbering_imsi_mccmnc(nb, "310410123456789", mm, sizeof(mm)));
	assert_string_equal(mm, "310410");
	assert_null(numbering_imsi_mccmnc(nb, "208011234567890", mm, sizeof(mm)));
	assert_string_equal(mm, "20801");
	assert_null(numbering_imsi_mccmnc(nb, "2620", mm, sizeof(mm)));
	assert_string_equal(mm, "");
	talloc_free(nb);
}

static void test_overrides(void **state)
{
	struct numbering *nb = load_fixture();
	struct numbering_info i;
	const char *why = NULL;
	char err[256];

	/* an override wins over the file, also over a longer file prefix */
	assert_int_equal(numbering_override_range(nb, "4915", "26203", "Omega", NULL, &why), 0);
	assert_int_equal(numbering_lookup(nb, "4915201234567", &i), 0);
	assert_string_equal(i.network->name, "Omega");
	assert_true(i.from_config);
	assert_int_equal(i.range_len, 4);
	assert_true(numbering_network_has_mccmnc(i.network, "26203"));
	assert_string_equal(i.country->iso, "DE");	/* the number's country */
	/* the longest override wins among overrides */
	assert_int_equal(numbering_override_range(nb, "491520", NULL, "Omega Sub", "GG", &why), 0);
	assert_int_equal(numbering_lookup(nb, "4915201234567", &i), 0);
	assert_string_equal(i.network->name, "Omega Sub");
	assert_int_equal(i.network->n_mccmnc, 0);
	assert_string_equal(i.country->iso, "GG");
	/* replacing one keeps one entry */
	assert_int_equal(numbering_override_range(nb, "491520", "26207", "Omega Sub2", NULL, &why), 0);
	assert_int_equal(numbering_lookup(nb, "4915201234567", &i), 0);
	assert_string_equal(i.network->name, "Omega Sub2");

	/* MCC-MNC and calling code overrides */
	assert_int_equal(numbering_override_network(nb, "26201", "Alpha Renamed", "DE", &why), 0);
	assert_string_equal(numbering_lookup_mccmnc(nb, "26201")->name, "Alpha Renamed");
	assert_true(numbering_lookup_mccmnc(nb, "26201")->from_config);
	assert_int_equal(numbering_override_network(nb, "99901", "Test Net", NULL, &why), 0);
	assert_string_equal(numbering_lookup_mccmnc(nb, "99901")->name, "Test Net");
	assert_string_equal(numbering_lookup_mccmnc(nb, "26202")->name, "Beta Funk");
	assert_int_equal(numbering_override_country(nb, "33", "FR", "France", &why), 0);
	assert_int_equal(numbering_lookup(nb, "33612345678", &i), 0);
	assert_string_equal(i.country->name, "France");
	assert_int_equal(numbering_override_range(nb, "336", NULL, "Frog Mobile", NULL, &why), 0);
	assert_int_equal(numbering_lookup(nb, "33612345678", &i), 0);
	assert_string_equal(i.network->name, "Frog Mobile");
	assert_string_equal(i.country->iso, "FR");

	/* in the order given, for the configuration */
	const struct numbering_override *o = numbering_override_next(nb, NULL);
	const char *keys[] = { "4915", "491520", "26201", "99901", "33", "336" };
	for (size_t k = 0; k < 6; k++, o = numbering_override_next(nb, o)) {
		assert_non_null(o);
		assert_string_equal(o->key, keys[k]);
	}
	assert_null(o);

	/* they stay across a reload */
	assert_int_equal(numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err)), 0);
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.network->name, "Omega");

	/* removing one brings the file's answer back */
	assert_int_equal(numbering_override_remove_range(nb, "4915"), 0);
	assert_int_equal(numbering_override_remove_range(nb, "4915"), -ENOENT);
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.network->name, "Alpha");
	assert_false(i.from_config);
	assert_int_equal(numbering_override_remove_network(nb, "26201"), 0);
	assert_string_equal(numbering_lookup_mccmnc(nb, "26201")->name, "Alpha Mobil");
	assert_int_equal(numbering_override_remove_country(nb, "33"), 0);
	assert_int_equal(numbering_lookup(nb, "33612345678", &i), -ENOENT);
	assert_int_equal(numbering_override_remove_country(nb, "33"), -ENOENT);

	/* bad overrides say why and change nothing */
	struct { int rc; const char *what; } bad[] = {
		{ numbering_override_range(nb, "49x", NULL, "X", NULL, &why), "prefix" },
		{ numbering_override_range(nb, "0049", NULL, "X", NULL, &why), "prefix" },
		{ numbering_override_range(nb, "4916", "2620", "X", NULL, &why), "MCC-MNC" },
		{ numbering_override_range(nb, "4916", NULL, "", NULL, &why), "name" },
		{ numbering_override_range(nb, "4916", NULL, "a|b", NULL, &why), "name" },
		{ numbering_override_range(nb, "4916", NULL, "\xff", NULL, &why), "name" },
		{ numbering_override_range(nb, "4916", NULL, "X", "Germany", &why), "country" },
		{ numbering_override_network(nb, "262", "X", NULL, &why), "MCC-MNC" },
		{ numbering_override_country(nb, "0", "DE", "X", &why), "calling code" },
		{ numbering_override_country(nb, "1234", "DE", "X", &why), "calling code" },
		{ numbering_override_country(nb, "33", "fr", "X", &why), "country" },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_int_equal(bad[k].rc, -EINVAL);
	assert_int_equal(numbering_override_range(nb, "4916", NULL, "X", "Germany", &why), -EINVAL);
	assert_non_null(strstr(why, "country"));
	/* a calling code overlapping an overridden one */
	assert_int_equal(numbering_override_country(nb, "35", "XA", "Testland", &why), 0);
	assert_true(numbering_override_country(nb, "351", "XB", "Sub", &why) < 0);
	assert_non_null(strstr(why, "overlaps"));
	talloc_free(nb);
}

/* a bad file: the loader fails, says where and why, and keeps what it had */
static void test_bad_files(void **state)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "", "no format" },
		{ "# only a comment\n", "no format" },
		{ "country|DE|49|Germany\n", "first record must be format" },
		{ "format|2\n", "format 2 is not known" },
		{ "format|1\nbogus|1\n", "line 2: unknown record" },
		{ "format|1\ncountry|DE|49\n", "line 2: country needs" },
		{ "format|1\ncountry|de|49|Germany\n", "country needs an ISO" },
		{ "format|1\ncountry|DE|049|Germany\n", "country needs an ISO" },
		{ "format|1\ncountry|DE|4999|Germany\n", "country needs an ISO" },
		{ "format|1\ncountry|DE|49|\n", "country needs an ISO" },
		{ "format|1\ncountry|DE|49|Germany|capital\n", "optional |main" },
		{ "format|1\ncountry|DE|49|Germany\ncountry|XX|491|X\n", "line 3: calling code 491 overlaps" },
		{ "format|1\ncountry|XX|491|X\ncountry|DE|49|Germany\n", "calling code 49 overlaps" },
		{ "format|1\ncountry|DE|49|Bad \x01 name\n", "country needs" },
		{ "format|1\ncountry|DE|49|Bad \xc3\x28 UTF-8\n", "country needs" },
		{ "format|1\ncountry|DE|49|Overlong \xc0\xaf slash\n", "country needs" },
		{ "format|1\ncountry|DE|49|Germany\ncprefix|4930|FR\n", "which no country line defines" },
		{ "format|1\ncountry|DE|49|Germany\ncountry|FR|33|France\ncprefix|4930|FR\n", "not within calling code" },
		{ "format|1\ncountry|DE|49|Germany\ncprefix|49|DE\n", "not within calling code" },
		{ "format|1\ncountry|DE|49|Germany\ncprefix|4930|DE\ncprefix|4930|DE\n", "given twice" },
		{ "format|1\nmccmnc|2620|DE|X\n", "mccmnc needs 5-6 digits" },
		{ "format|1\nmccmnc|26201|Germany|X\n", "mccmnc needs" },
		{ "format|1\nmccmnc|26201|DE|X\nmccmnc|26201|DE|Y\n", "mccmnc 26201 given twice" },
		{ "format|1\nnetwork|0|DE|X|\n", "network id 0 is not" },
		{ "format|1\nnetwork|70000|DE|X|\n", "network id 70000 is not" },
		{ "format|1\nnetwork|1|DE|X|\nnetwork|1|DE|Y|\n", "network id 1 given twice" },
		{ "format|1\nnetwork|1|DE|X|2620\n", "MCC-MNC '2620'" },
		{ "format|1\nnetwork|1|DE|X\n", "network needs" },
		{ "format|1\nnetwork|1|DE|X|26201,26201,26202,26203,26204,26205,26206,26207,26208,26209,26210,"
		  "26211,26212,26213,26214,26215,26216,26217,26218,26219,26220,26221,26222,26223,26224,26225,26226,"
		  "26227,26228,26229,26230,26231,26232,26233\n", "more than 32 MCC-MNC" },
		{ "format|1\ncountry|DE|49|Germany\nrange|4915|1\n", "which no earlier network line defines" },
		{ "format|1\ncountry|DE|49|Germany\nnetwork|1|DE|X|\nrange|3315|1\n", "not within a calling code" },
		{ "format|1\ncountry|DE|49|Germany\nnetwork|1|DE|X|\nrange|4915|1\nrange|4915|1\n", "range 4915 given twice" },
		{ "format|1\ncountry|DE|49|Germany\nnetwork|1|DE|X|\nrange|4915x|1\n", "range needs" },
		{ "format|1\ncountry|DE|49|Germany\nnetwork|1|DE|X|\nrange|4915123456789012|1\n", "range needs" },
		{ "format|1\na|b|c|d|e|f|g\n", "more than 6 fields" },
	};
	struct numbering *nb = load_fixture();
	char err[256];
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		err[0] = '\0';
		int rc = numbering_load_buf(nb, bad[k].text, strlen(bad[k].text), err, sizeof(err));
		if (rc != -EINVAL || !strstr(err, bad[k].why))
			fail_msg("case %zu: rc %d, err '%s', expected '%s'", k, rc, err, bad[k].why);
	}
	/* a NUL byte, an overlong line */
	assert_int_equal(numbering_load_buf(nb, "format|1\n\0", 10, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	char *longline = talloc_zero_size(nb, NUMBERING_LINE_MAX + 32);
	memcpy(longline, "format|1\n#", 10);
	memset(longline + 10, 'x', NUMBERING_LINE_MAX + 10);
	assert_int_equal(numbering_load_buf(nb, longline, strlen(longline), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 2: longer than"));
	/* a missing file */
	assert_true(numbering_load(nb, "/nonexistent/numbering.txt", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/numbering.txt"));

	/* the fixture's data is still there */
	struct numbering_info i;
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.network->name, "Alpha");
	assert_string_equal(numbering_loaded_path(nb), NUMBERING_FIXTURE);

	/* CRLF lines, comments and blank lines are fine */
	const char *crlf = "format|1\r\n\r\n# c\r\ncountry|DE|49|Germany\r\n";
	assert_int_equal(numbering_load_buf(nb, crlf, strlen(crlf), err, sizeof(err)), 0);
	assert_string_equal(numbering_country_by_cc(nb, "49")->name, "Germany");
	talloc_free(nb);
}

/* the shipped file loads and says what its sources say */
static void test_default_file(void **state)
{
	char err[256];
	struct numbering *nb = numbering_alloc(NULL);
	struct numbering_info i;
	struct numbering_stats st;

	if (numbering_load(nb, NUMBERING_DEFAULT, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	numbering_stats(nb, &st);
	assert_true(st.countries > 240);
	assert_true(st.ranges > 20000);
	assert_true(st.mccmncs > 700);
	/* Deutsche Telekom's 0151, with its MCC-MNCs */
	assert_int_equal(numbering_lookup(nb, "4915112345678", &i), 0);
	assert_string_equal(i.country->iso, "DE");
	assert_string_equal(i.network->name, "T-Mobile");
	assert_true(numbering_network_has_mccmnc(i.network, "26201"));
	/* country prefixes inside shared codes */
	assert_int_equal(numbering_lookup(nb, "14165550100", &i), 0);
	assert_string_equal(i.country->iso, "CA");
	assert_int_equal(numbering_lookup(nb, "12423571234", &i), 0);
	assert_string_equal(i.country->iso, "BS");
	assert_int_equal(numbering_lookup(nb, "77011234567", &i), 0);
	assert_string_equal(i.country->iso, "KZ");
	assert_int_equal(numbering_lookup(nb, "74951234567", &i), 0);
	assert_string_equal(i.country->iso, "RU");
	assert_string_equal(numbering_lookup_mccmnc(nb, "26202")->name, "Vodafone");
	assert_string_equal(numbering_country_by_cc(nb, "882")->iso, "001");
	talloc_free(nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_loads),
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_codes_and_mccmnc),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_default_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
