/* The number normaliser: what people type and SMPP addresses, good and bad,
 * each bad one with its reason. Calling codes come from the test fixture. */
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
#include <sigway/numbering/numbering_norm.h>

static struct numbering *nb;

struct norm_case {
	const char *in;
	int rc;
	const char *out;	/* digits when rc is OK */
};

static void run_cases(const struct numbering_norm_cfg *cfg, const struct norm_case *c, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char out[NUMBERING_E164_MAX + 1];
		const char *why = NULL;
		int rc = numbering_normalise(c[k].in, cfg, out, sizeof(out), &why);
		if (rc != c[k].rc)
			fail_msg("'%s': %d (%s), expected %d (%s)", c[k].in ? c[k].in : "(null)", rc, why, c[k].rc,
				 numbering_norm_strerror(c[k].rc));
		assert_non_null(why);
		assert_string_equal(why, numbering_norm_strerror(rc));
		if (rc == NUMBERING_NORM_OK)
			assert_string_equal(out, c[k].out);
		else
			assert_string_equal(out, "");
	}
}

#define RUN(cfg, cases) run_cases(cfg, cases, sizeof(cases) / sizeof(cases[0]))

static void test_people_typing(void **state)
{
	const struct numbering_norm_cfg de = { .country_code = "49", .nb = nb };
	static const struct norm_case cases[] = {
		/* international with '+' and every separator people use */
		{ "+4915112345678", 0, "4915112345678" },
		{ "+49 151 12345678", 0, "4915112345678" },
		{ "+49-151-1234-5678", 0, "4915112345678" },
		{ "+49.151.123.456.78", 0, "4915112345678" },
		{ "+49 (151) 12345678", 0, "4915112345678" },
		{ "+49/151/12345678", 0, "4915112345678" },
		{ "  +49 151 12345678\t", 0, "4915112345678" },
		{ "+49 (0)151 12345678", 0, "4915112345678" },	/* the optional trunk prefix */
		{ "+49(0)15112345678", 0, "4915112345678" },
		{ "+1 (204) 555-0100", 0, "12045550100" },
		{ "+49\xc2\xa0" "151\xe2\x80\x91" "12345678", 0, "4915112345678" },	/* NBSP, U+2011 */
		/* the international prefix 00 */
		{ "004915112345678", 0, "4915112345678" },
		{ "0049 151 12345678", 0, "4915112345678" },
		{ "0049 (0) 151 12345678", 0, "4915112345678" },
		/* national with the trunk prefix and the default country */
		{ "015112345678", 0, "4915112345678" },
		{ "0151 1234 5678", 0, "4915112345678" },
		{ "(0151) 12345678", 0, "4915112345678" },
		{ "0151-12345678", 0, "4915112345678" },
		/* already international digits */
		{ "4915112345678", 0, "4915112345678" },
		{ "447781123456", 0, "447781123456" },
		{ "88212345678", 0, "88212345678" },
		/* bad */
		{ NULL, NUMBERING_NORM_EMPTY, NULL },
		{ "", NUMBERING_NORM_EMPTY, NULL },
		{ "   ", NUMBERING_NORM_EMPTY, NULL },
		{ "+", NUMBERING_NORM_EMPTY, NULL },
		{ "- ( ) -", NUMBERING_NORM_EMPTY, NULL },
		{ "+49 151 CALLME", NUMBERING_NORM_LETTER, NULL },
		{ "1-800-FLOWERS", NUMBERING_NORM_LETTER, NULL },
		{ "+49 151 12345678 ext 12", NUMBERING_NORM_LETTER, NULL },
		{ "+49 151 1234567#", NUMBERING_NORM_BAD_CHAR, NULL },
		{ "+49,151", NUMBERING_NORM_BAD_CHAR, NULL },
		{ "+49 151 \xe2\x82\xac", NUMBERING_NORM_BAD_CHAR, NULL },	/* euro sign */
		{ "\xff\xfe", NUMBERING_NORM_BAD_CHAR, NULL },
		{ "49+15112345678", NUMBERING_NORM_BAD_PLUS, NULL },
		{ "++4915112345678", NUMBERING_NORM_BAD_PLUS, NULL },
		{ "(+49) 15112345678", NUMBERING_NORM_BAD_PLUS, NULL },
		{ "+49 (151 12345678", NUMBERING_NORM_BAD_PARENS, NULL },
		{ "+49 151) 12345678", NUMBERING_NORM_BAD_PARENS, NULL },
		{ "+49 ((151)) 12345678", NUMBERING_NORM_BAD_PARENS, NULL },
		{ "+49 151", NUMBERING_NORM_TOO_SHORT, NULL },
		{ "+49", NUMBERING_NORM_TOO_SHORT, NULL },
		{ "0151", NUMBERING_NORM_TOO_SHORT, NULL },
		{ "0", NUMBERING_NORM_TOO_SHORT, NULL },
		{ "+49 151 1234567890123", NUMBERING_NORM_TOO_LONG, NULL },	/* 16 digits */
		{ "0151 123456789012345", NUMBERING_NORM_TOO_LONG, NULL },
		{ "12345678901234567890123456789012345", NUMBERING_NORM_TOO_LONG, NULL },
		{ "+49 151 12345678                                                            ",
		  NUMBERING_NORM_TOO_LONG, NULL },	/* over 64 characters */
		{ "+0049 151 12345678", NUMBERING_NORM_LEADING_ZERO, NULL },
		{ "+33 6 12 34 56 78", NUMBERING_NORM_UNKNOWN_CC, NULL },	/* not in the fixture */
		{ "99912345678", NUMBERING_NORM_UNKNOWN_CC, NULL },
	};
	RUN(&de, cases);
}

static void test_configurations(void **state)
{
	/* no default country: national numbers are refused, international ones fine */
	const struct numbering_norm_cfg none = { .nb = nb };
	static const struct norm_case no_cc[] = {
		{ "015112345678", NUMBERING_NORM_NO_COUNTRY, NULL },
		{ "+4915112345678", 0, "4915112345678" },
		{ "004915112345678", 0, "4915112345678" },
		{ "4915112345678", 0, "4915112345678" },
	};
	RUN(&none, no_cc);

	/* North America: international prefix 011, trunk prefix 1, several prefixes */
	const struct numbering_norm_cfg us = { .country_code = "1", .trunk_prefix = "1", .intl_prefixes = "011,00",
					       .nb = nb };
	static const struct norm_case nanp[] = {
		{ "011 49 151 12345678", 0, "4915112345678" },
		{ "0049 151 12345678", 0, "4915112345678" },
		{ "1 (204) 555-0100", 0, "12045550100" },
		{ "+1 204 555 0100", 0, "12045550100" },
	};
	RUN(&us, nanp);

	/* no trunk prefix: digits without '+' or an international prefix are international */
	const struct numbering_norm_cfg notrunk = { .country_code = "49", .trunk_prefix = "", .nb = nb };
	static const struct norm_case nt[] = {
		{ "4915112345678", 0, "4915112345678" },
		{ "015112345678", NUMBERING_NORM_LEADING_ZERO, NULL },
	};
	RUN(&notrunk, nt);

	/* without numbering data: any code not starting with 0, the length rules */
	const struct numbering_norm_cfg bare = { .country_code = "49" };
	static const struct norm_case b[] = {
		{ "+33 6 12 34 56 78", 0, "33612345678" },
		{ "0151 12345678", 0, "4915112345678" },
		{ "+3361", NUMBERING_NORM_TOO_SHORT, NULL },
		{ "+33612", 0, "33612" },
	};
	RUN(&bare, b);

	/* a stricter minimum after the calling code */
	const struct numbering_norm_cfg strict = { .nb = nb, .min_nsn = 8 };
	static const struct norm_case s[] = {
		{ "+49 151 1234567", 0, "491511234567" },
		{ "+49 151 1234", NUMBERING_NORM_TOO_SHORT, NULL },
	};
	RUN(&strict, s);

	/* bad configurations are refused, not guessed around */
	const struct numbering_norm_cfg bad[] = {
		{ .country_code = "049" }, { .country_code = "1234" }, { .country_code = "4x" },
		{ .trunk_prefix = "x" }, { .trunk_prefix = "0000" }, { .intl_prefixes = "" },
		{ .intl_prefixes = "00," }, { .intl_prefixes = ",00" }, { .intl_prefixes = "0a" },
		{ .intl_prefixes = "00,011,010,001,0011" }, { .intl_prefixes = "00000" }, { .min_nsn = 15 },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char out[16];
		const char *why;
		if (numbering_normalise("+4915112345678", &bad[k], out, sizeof(out), &why) != NUMBERING_NORM_BAD_CFG)
			fail_msg("bad configuration %zu accepted", k);
		assert_string_equal(why, "the normaliser configuration is not valid");
	}
	assert_int_equal(numbering_normalise("+4915112345678", NULL, NULL, 0, NULL), NUMBERING_NORM_BAD_CFG);

	/* a too small output buffer */
	char small[8];
	const char *why;
	assert_int_equal(numbering_normalise("+4915112345678", &none, small, sizeof(small), &why),
			 NUMBERING_NORM_NO_SPACE);
	assert_string_equal(small, "");
	assert_string_equal(numbering_norm_strerror(1), "unknown error");
	assert_string_equal(numbering_norm_strerror(-99), "unknown error");
}

static void test_smpp_addresses(void **state)
{
	const struct numbering_norm_cfg de = { .country_code = "49", .nb = nb };
	const struct numbering_norm_cfg none = { .nb = nb };
	const struct {
		uint8_t ton, npi;
		const char *addr;
		int rc;
		const char *out;
		const struct numbering_norm_cfg *cfg;
	} cases[] = {
		/* TON 1 international: digits, with '+' or 00 as clients send them */
		{ 1, 1, "4915112345678", 0, "4915112345678", &de },
		{ 1, 1, "+4915112345678", 0, "4915112345678", &de },
		{ 1, 1, "004915112345678", 0, "4915112345678", &de },
		{ 1, 0, "4915112345678", 0, "4915112345678", &none },
		{ 1, 1, "015112345678", NUMBERING_NORM_LEADING_ZERO, NULL, &de },
		{ 1, 1, "99912345678", NUMBERING_NORM_UNKNOWN_CC, NULL, &de },
		/* TON 2 national: the default country code, with or without the trunk prefix */
		{ 2, 1, "015112345678", 0, "4915112345678", &de },
		{ 2, 1, "15112345678", 0, "4915112345678", &de },
		{ 2, 1, "+4915112345678", 0, "4915112345678", &de },
		{ 2, 1, "015112345678", NUMBERING_NORM_NO_COUNTRY, NULL, &none },
		/* TON 0 unknown: as typed by a person */
		{ 0, 0, "+49 151 12345678", 0, "4915112345678", &de },
		{ 0, 0, "0151 12345678", 0, "4915112345678", &de },
		{ 0, 1, "4915112345678", 0, "4915112345678", &de },
		/* what is not a phone number */
		{ 5, 0, "Shop", NUMBERING_NORM_BAD_TON, NULL, &de },
		{ 3, 1, "12345", NUMBERING_NORM_BAD_TON, NULL, &de },
		{ 4, 1, "12345678", NUMBERING_NORM_BAD_TON, NULL, &de },
		{ 6, 1, "112", NUMBERING_NORM_BAD_TON, NULL, &de },
		{ 1, 9, "4915112345678", NUMBERING_NORM_BAD_NPI, NULL, &de },
		{ 1, 8, "4915112345678", NUMBERING_NORM_BAD_NPI, NULL, &de },
		{ 1, 1, "", NUMBERING_NORM_EMPTY, NULL, &de },
		{ 1, 1, "49151ABC", NUMBERING_NORM_LETTER, NULL, &de },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char out[NUMBERING_E164_MAX + 1];
		const char *why = NULL;
		int rc = numbering_normalise_smpp(cases[k].ton, cases[k].npi, cases[k].addr, cases[k].cfg, out,
						  sizeof(out), &why);
		if (rc != cases[k].rc)
			fail_msg("case %zu TON %u '%s': %d (%s)", k, cases[k].ton, cases[k].addr, rc, why);
		if (rc == 0)
			assert_string_equal(out, cases[k].out);
		else
			assert_string_equal(why, numbering_norm_strerror(rc));
	}
}

/* the gateway's defaults from the "numbering" node */
static void test_defaults(void **state)
{
	const char *why = NULL;
	char out[NUMBERING_E164_MAX + 1];
	const struct numbering_norm_cfg *d = numbering_norm_defaults(nb);

	assert_null(d->country_code);
	assert_int_equal(numbering_normalise("0151 12345678", d, out, sizeof(out), &why), NUMBERING_NORM_NO_COUNTRY);
	assert_int_equal(numbering_set_norm(nb, "49", NULL, "00,011", &why), 0);
	assert_int_equal(numbering_normalise("0151 12345678", d, out, sizeof(out), &why), 0);
	assert_string_equal(out, "4915112345678");
	assert_int_equal(numbering_normalise("011 1 204 555 0100", d, out, sizeof(out), &why), 0);
	assert_string_equal(out, "12045550100");
	/* settings passed back in (what the VTY does) are copied safely */
	assert_int_equal(numbering_set_norm(nb, d->country_code, "", d->intl_prefixes, &why), 0);
	assert_string_equal(d->country_code, "49");
	assert_string_equal(d->trunk_prefix, "");
	assert_string_equal(d->intl_prefixes, "00,011");
	assert_int_equal(numbering_set_norm(nb, "049", NULL, NULL, &why), NUMBERING_NORM_BAD_CFG);
	assert_string_equal(d->country_code, "49");	/* unchanged */
	assert_int_equal(numbering_set_norm(nb, NULL, NULL, NULL, &why), 0);
	assert_null(d->country_code);
}

static int setup(void **state)
{
	char err[256];
	nb = numbering_alloc(NULL);
	if (!nb || numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err)) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
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
		cmocka_unit_test(test_people_typing),
		cmocka_unit_test(test_configurations),
		cmocka_unit_test(test_smpp_addresses),
		cmocka_unit_test(test_defaults),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
