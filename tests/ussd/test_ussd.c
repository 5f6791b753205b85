/* USSD string coding (23.038) and GSM 04.80 DTAP messages, checked against
 * tshark (gsm_a_dtap) and against the USSD strings of the public captures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sigway/ussd/ussd_string.h>
#include <sigway/ussd/ussd_dtap.h>
#include "dissect.h"

#define GRIN "\xf0\x9f\x98\x80"

static char out[16384];

/* ---- strings ---- */

static void test_gsm7_cr_padding(void **state)
{
	uint8_t b[200];
	char s[400];
	int n;

	/* 7 characters leave 7 spare bits: a <CR> fills them */
	n = ussd_string_encode(b, sizeof(b), USSD_DCS_GSM7_UNSPEC, NULL, "*100#ab", 7);
	assert_int_equal(n, 7);
	assert_int_equal(b[6] >> 1, 0x0d);
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x0f, b, n, NULL), 7);
	assert_string_equal(s, "*100#ab");
	/* 8 characters ending in a wanted <CR>: a second <CR> is added */
	n = ussd_string_encode(b, sizeof(b), 0x0f, NULL, "abcdefg\r", 8);
	assert_int_equal(n, 8);	/* 9 septets */
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x0f, b, n, NULL), 9);
	assert_string_equal(s, "abcdefg\r\r");
	/* the language groups (here 0x01, English) are 7-bit as well */
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x01, b, n, NULL), 9);
	assert_string_equal(s, "abcdefg\r\r");
	/* 8 characters otherwise: 7 octets, nothing added */
	n = ussd_string_encode(b, sizeof(b), 0x0f, NULL, "abcdefgh", 8);
	assert_int_equal(n, 7);
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x0f, b, n, NULL), 8);
	assert_string_equal(s, "abcdefgh");
}

static void test_gsm7_limits(void **state)
{
	char text[400];
	uint8_t b[200];
	char s[800];

	memset(text, 'x', sizeof(text));
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, text, 182), 160);
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x0f, b, 160, NULL), 182);
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, text, 183), -E2BIG);
	/* 175 = 8*22-1 characters: the <CR> pad makes it 176 septets, 154 octets */
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, text, 175), 154);
	/* extension characters count twice: 91 euro signs = 182 septets */
	for (int i = 0; i < 92; i++)
		memcpy(text + 3 * i, "\xe2\x82\xac", 3);
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, text, 273), 160);
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, text, 276), -E2BIG);
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x0f, NULL, "\xd0\x96", 2), -EINVAL);
	assert_int_equal(ussd_string_decode(s, sizeof(s), 0x0f, b, 161, NULL), -E2BIG);
	assert_int_equal(ussd_string_encode(b, 10, 0x0f, NULL, text, 30), -ENOSPC);
	/* compressed general data coding is refused */
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x60, NULL, "a", 1), -ENOTSUP);
}

static void test_ucs2_and_languages(void **state)
{
	const char *t = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 " GRIN;	/* Привет 😀 */
	uint8_t b[200];
	char s[400], lang[3];
	int n;

	n = ussd_string_encode(b, sizeof(b), USSD_DCS_UCS2, NULL, t, strlen(t));
	assert_int_equal(n, 2 * 7 + 4);
	assert_int_equal(ussd_string_decode(s, sizeof(s), USSD_DCS_UCS2, b, n, NULL), (int)strlen(t));
	assert_string_equal(s, t);
	/* 0x10: "en<CR>" in front, in 7-bit */
	n = ussd_string_encode(b, sizeof(b), USSD_DCS_GSM7_LANG, "en", "Balance 5", 9);
	assert_int_equal(n, 11);	/* 12 septets */
	assert_int_equal(b[0], 'e' | (('n' & 1) << 7));
	assert_int_equal(ussd_string_decode(s, sizeof(s), USSD_DCS_GSM7_LANG, b, n, lang), 9);
	assert_string_equal(s, "Balance 5");
	assert_string_equal(lang, "en");
	/* 0x11: two packed 7-bit language characters, then UCS2 */
	n = ussd_string_encode(b, sizeof(b), USSD_DCS_UCS2_LANG, "ru", t, strlen(t));
	assert_int_equal(n, 2 + 18);
	assert_int_equal(ussd_string_decode(s, sizeof(s), USSD_DCS_UCS2_LANG, b, n, lang),
			 (int)strlen(t));
	assert_string_equal(s, t);
	assert_string_equal(lang, "ru");
	assert_int_equal(ussd_string_encode(b, sizeof(b), USSD_DCS_GSM7_LANG, NULL, "x", 1), -EINVAL);
	/* 8-bit data (DCS 0x44) passes through */
	assert_int_equal(ussd_string_encode(b, sizeof(b), 0x44, NULL, "\x01\x02", 2), 2);
}

/* The meaning of a DCS (23.038 5): alphabet, language, class, reserved values */
static void test_dcs_meaning(void **state)
{
	struct ussd_dcs d;

	ussd_dcs_parse(&d, 0x0f);
	assert_int_equal(d.charset, USSD_CHARSET_GSM7);
	assert_null(d.language);
	assert_false(d.reserved || d.lang_prefix || d.has_class);
	ussd_dcs_parse(&d, 0x01);
	assert_string_equal(d.language, "en");
	ussd_dcs_parse(&d, 0x0e);
	assert_string_equal(d.language, "pl");
	ussd_dcs_parse(&d, 0x23);
	assert_string_equal(d.language, "ru");
	ussd_dcs_parse(&d, 0x25);	/* for languages still to be named */
	assert_true(d.reserved);
	assert_int_equal(d.charset, USSD_CHARSET_GSM7);
	ussd_dcs_parse(&d, 0x11);
	assert_true(d.lang_prefix && !d.reserved);
	assert_int_equal(d.charset, USSD_CHARSET_UCS2);
	ussd_dcs_parse(&d, 0x12);
	assert_true(d.reserved);
	ussd_dcs_parse(&d, 0x48);
	assert_int_equal(d.charset, USSD_CHARSET_UCS2);
	assert_false(d.has_class || d.reserved);
	ussd_dcs_parse(&d, 0x56);	/* 8-bit, class 2 */
	assert_int_equal(d.charset, USSD_CHARSET_8BIT);
	assert_true(d.has_class);
	assert_int_equal(d.msg_class, 2);
	ussd_dcs_parse(&d, 0x4c);	/* alphabet 11 */
	assert_true(d.reserved);
	ussd_dcs_parse(&d, 0x80);
	assert_true(d.reserved);
	ussd_dcs_parse(&d, 0xf4);
	assert_int_equal(d.charset, USSD_CHARSET_8BIT);
	assert_false(d.reserved);
	assert_string_equal(ussd_charset_name(USSD_CHARSET_GSM7), "GSM 7-bit");
	assert_string_equal(ussd_charset_name(USSD_CHARSET_UCS2), "UCS2");
	assert_string_equal(ussd_charset_name(USSD_CHARSET_8BIT), "8-bit");
}

/* ussd_string_problem: silent on what the encoder makes, a sentence for each
 * way a string can differ from its DCS */
static void test_string_problems(void **state)
{
	static const char *const texts[] = { "*123#", "abcdefg", "abcdefg\r", "5€ [x]", "Меню 😀" };
	uint8_t b[200];
	int n;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		static const uint8_t dcs[] = { 0x0f, 0x48, 0x10, 0x11 };
		for (size_t k = 0; k < sizeof(dcs); k++) {
			n = ussd_string_encode(b, sizeof(b), dcs[k], "en", texts[i], strlen(texts[i]));
			if (n > 0)
				assert_null(ussd_string_problem(dcs[k], b, n));
		}
	}
	static const uint8_t star123[] = { 0xaa, 0x98, 0x6c, 0x36, 0x02 };
	assert_string_equal(ussd_string_problem(0x0f, star123, 0), "empty (USSD-String is 1..160 octets)");
	assert_non_null(strstr(ussd_string_problem(0x0f, b, 161), "longer than 160"));
	assert_non_null(strstr(ussd_string_problem(0x68, star123, 5), "compressed"));
	assert_non_null(strstr(ussd_string_problem(0x10, star123, 5), "language prefix"));
	assert_non_null(strstr(ussd_string_problem(0x48, star123, 5), "odd number of UCS2 octets"));
	assert_null(ussd_string_problem(0x44, star123, 5));
	static const uint8_t lone_esc[] = { 0xb5, 0x0d }, esc_esc[] = { 0x9b, 0x0d }, ext_ok[] = { 0x9b, 0x32 };
	assert_non_null(strstr(ussd_string_problem(0x0f, lone_esc, 2), "lone escape"));
	assert_non_null(strstr(ussd_string_problem(0x0f, esc_esc, 2), "escape escape"));
	assert_null(ussd_string_problem(0x0f, ext_ok, 2));	/* ESC 0x65: the euro sign */
	static const uint8_t hi[] = { 0xd8, 0x3d, 0x00, 0x41 }, lo[] = { 0xde, 0x00 },
			     pair[] = { 0xd8, 0x3d, 0xde, 0x00 }, end[] = { 0x00, 0x41, 0xd8, 0x3d };
	assert_non_null(strstr(ussd_string_problem(0x48, hi, 4), "surrogate"));
	assert_non_null(strstr(ussd_string_problem(0x48, lo, 2), "surrogate"));
	assert_non_null(strstr(ussd_string_problem(0x48, end, 4), "surrogate"));
	assert_null(ussd_string_problem(0x48, pair, 4));
	assert_non_null(strstr(ussd_string_problem(0x11, star123, 1), "language prefix"));
}

/* Each USSD string tshark shows in the public captures decodes to its text. */
static void check_capture_strings(const char *file)
{
	char cmd[512], line[1024], hex[400], text[400], got[400];
	unsigned dcs, seen = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s/%s' -Y gsm_map.ss.ussd_String -T fields "
		 "-e gsm_map.ss.ussd_DataCodingScheme -e gsm_map.ss.ussd_String "
		 "-e gsm_map.ussd_string 2>/dev/null", SIGWAY_CAPTURES, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		uint8_t b[200];
		size_t n;

		assert_int_equal(sscanf(line, "%x\t%399[0-9a-f]\t%399[^\t\n]", &dcs, hex, text), 3);
		for (n = 0; hex[2 * n] && n < sizeof(b); n++)
			sscanf(hex + 2 * n, "%2hhx", &b[n]);
		assert_true(ussd_string_decode(got, sizeof(got), dcs, b, n, NULL) > 0);
		assert_string_equal(got, text);
		/* and our encoder gives the same bytes back */
		uint8_t again[200];
		assert_int_equal(ussd_string_encode(again, sizeof(again), dcs, NULL, got, strlen(got)),
				 (int)n);
		assert_memory_equal(again, b, n);
		seen++;
	}
	pclose(p);
	assert_true(seen > 0);
}

static void test_capture_strings(void **state)
{
	check_capture_strings("gsm_map_with_ussd_string.pcap");
	check_capture_strings("CAP.pcap");
}

/* ---- DTAP ---- */

static int encode_check(const struct ussd_dtap *m, uint8_t *enc, size_t enclen, const char *fields)
{
	struct ussd_dtap d;
	uint8_t again[300];
	int n = ussd_dtap_encode(enc, enclen, m);

	assert_true(n > 0);
	if (getenv("USSD_TEST_VERBOSE")) {
		for (int i = 0; i < n; i++)
			fprintf(stderr, "%02x", enc[i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(dissect_run(enc, n, "gsm_a_dtap", fields, out, sizeof(out)), 0);
	assert_int_equal(ussd_dtap_decode(&d, enc, n), 0);
	assert_int_equal(ussd_dtap_encode(again, sizeof(again), &d), n);
	assert_memory_equal(again, enc, n);
	assert_int_equal(d.msg_type, m->msg_type);
	assert_int_equal(d.comp.type, m->comp.type);
	return n;
}

static void decoded_text(const uint8_t *enc, int n, char *s, size_t slen)
{
	struct ussd_dtap d;

	assert_int_equal(ussd_dtap_decode(&d, enc, n), 0);
	assert_true(d.comp.has_ussd);
	assert_true(ussd_string_decode(s, slen, d.comp.dcs, d.comp.string, d.comp.string_len,
				       NULL) >= 0);
}

static void test_register_process_ussd(void **state)
{
	struct ussd_dtap m = { .msg_type = USSD_MSG_REGISTER, .ti = 0, .has_facility = true,
		.has_ss_version = true, .ss_version = 0,
		.comp = { .type = USSD_COMP_INVOKE, .invoke_id = 1, .has_invoke_id = true,
			  .opcode = USSD_OP_PROCESS_USS_REQ, .has_opcode = true } };
	uint8_t enc[300];
	char s[400];
	int n;

	assert_int_equal(ussd_component_set_text(&m.comp, 0x0f, "*100#"), 0);
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "Register"));
	assert_non_null(strstr(out, "processUnstructuredSS-Request"));
	assert_non_null(strstr(out, "USSD String: *100#"));
	assert_non_null(strstr(out, "SS Version Indicator"));
	decoded_text(enc, n, s, sizeof(s));
	assert_string_equal(s, "*100#");
}

static void test_facility_uss_request_and_result(void **state)
{
	struct ussd_dtap m = { .msg_type = USSD_MSG_FACILITY, .ti_flag = true, .ti = 0,
		.has_facility = true,
		.comp = { .type = USSD_COMP_INVOKE, .invoke_id = 2, .has_invoke_id = true,
			  .has_linked_id = true, .linked_id = 1,
			  .opcode = USSD_OP_USS_REQ, .has_opcode = true } };
	char menu[200];
	uint8_t enc[300];
	char s[400];
	int n;

	/* long enough that the BER lengths need the 0x81 form */
	memset(menu, 0, sizeof(menu));
	for (int i = 0; i < 150; i++)
		menu[i] = 'A' + i % 26;
	assert_int_equal(ussd_component_set_text(&m.comp, 0x0f, menu), 0);
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "Facility"));
	assert_non_null(strstr(out, "unstructuredSS-Request"));
	/* the whole string, up to the end of the line (or of the output) */
	snprintf(s, sizeof(s), "USSD String: %s", menu);
	const char *at = strstr(out, s);
	assert_non_null(at);
	assert_true(at[strlen(s)] == '\n' || at[strlen(s)] == '\0');
	decoded_text(enc, n, s, sizeof(s));
	assert_string_equal(s, menu);

	/* the MS answers in UCS2 with a ReturnResult */
	memset(&m.comp, 0, sizeof(m.comp));
	m.ti_flag = false;
	m.comp.type = USSD_COMP_RETURN_RESULT;
	m.comp.invoke_id = 2;
	m.comp.has_invoke_id = true;
	m.comp.opcode = USSD_OP_USS_REQ;
	m.comp.has_opcode = true;
	assert_int_equal(ussd_component_set_text(&m.comp, USSD_DCS_UCS2, "1 " GRIN), 0);
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "returnResultLast"));
	/* tshark 4.0 shows UCS2 USSD strings unit by unit: the pair comes out as two
	 * replacement characters, so only the BMP part is compared */
	assert_non_null(strstr(out, "ussd-DataCodingScheme: 48"));
	assert_non_null(strstr(out, "USSD String: 1 "));
	decoded_text(enc, n, s, sizeof(s));
	assert_string_equal(s, "1 " GRIN);
}

static void test_release_complete_variants(void **state)
{
	struct ussd_dtap m = { .msg_type = USSD_MSG_RELEASE_COMPLETE, .ti_flag = true,
		.has_facility = true,
		.comp = { .type = USSD_COMP_RETURN_RESULT, .invoke_id = 1, .has_invoke_id = true,
			  .opcode = USSD_OP_PROCESS_USS_REQ, .has_opcode = true } };
	uint8_t enc[300];
	char s[400];
	int n;

	assert_int_equal(ussd_component_set_text(&m.comp, 0x0f, "Balance: 5.00 EUR"), 0);
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "Release Complete"));
	assert_non_null(strstr(out, "USSD String: Balance: 5.00 EUR"));
	decoded_text(enc, n, s, sizeof(s));
	assert_string_equal(s, "Balance: 5.00 EUR");

	/* ReturnError: unknownAlphabet (71) */
	memset(&m.comp, 0, sizeof(m.comp));
	m.comp.type = USSD_COMP_RETURN_ERROR;
	m.comp.invoke_id = 1;
	m.comp.has_invoke_id = true;
	m.comp.error_code = 71;
	encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "returnError"));
	assert_non_null(strstr(out, "unknownAlphabet"));

	/* Reject: invoke problem (0x81) unrecognizedOperation (1) */
	memset(&m.comp, 0, sizeof(m.comp));
	m.comp.type = USSD_COMP_REJECT;
	m.comp.invoke_id = 1;
	m.comp.has_invoke_id = true;
	m.comp.problem_tag = 0x81;
	m.comp.problem_code = 1;
	encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "reject"));

	/* Cause only: normal call clearing (16), no facility */
	memset(&m, 0, sizeof(m));
	m.msg_type = USSD_MSG_RELEASE_COMPLETE;
	m.has_cause = true;
	m.cause_len = 2;
	m.cause[0] = 0xe0;
	m.cause[1] = 0x90;
	n = ussd_dtap_encode(enc, sizeof(enc), &m);
	assert_int_equal(n, 6);
	assert_int_equal(dissect_run(enc, n, "gsm_a_dtap", "-V", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Normal call clearing"));
}

static void test_notify_and_empty_result(void **state)
{
	struct ussd_dtap m = { .msg_type = USSD_MSG_REGISTER, .ti_flag = false, .ti = 3,
		.has_facility = true,
		.comp = { .type = USSD_COMP_INVOKE, .invoke_id = 5, .has_invoke_id = true,
			  .opcode = USSD_OP_USS_NOTIFY, .has_opcode = true,
			  .has_alerting_pattern = true, .alerting_pattern = 0x01 } };
	uint8_t enc[300];
	int n;

	assert_int_equal(ussd_component_set_text(&m.comp, 0x0f, "Your bundle expires today"), 0);
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_non_null(strstr(out, "unstructuredSS-Notify"));
	assert_non_null(strstr(out, "USSD String: Your bundle expires today"));
	assert_true(n > 0);

	/* the MS confirms with an empty ReturnResult in a Facility */
	memset(&m.comp, 0, sizeof(m.comp));
	m.msg_type = USSD_MSG_FACILITY;
	m.ti_flag = true;
	m.comp.type = USSD_COMP_RETURN_RESULT;
	m.comp.invoke_id = 5;
	m.comp.has_invoke_id = true;
	n = encode_check(&m, enc, sizeof(enc), "-V");
	assert_int_equal(n, 8);
	assert_non_null(strstr(out, "returnResultLast"));
}

static void test_dtap_bad_input(void **state)
{
	struct ussd_dtap m = { .msg_type = USSD_MSG_REGISTER, .has_facility = true,
		.comp = { .type = USSD_COMP_INVOKE, .invoke_id = 1, .has_invoke_id = true,
			  .opcode = USSD_OP_PROCESS_USS_REQ, .has_opcode = true } };
	uint8_t enc[300], b[300];
	struct ussd_dtap d;
	int n, i;

	assert_int_equal(ussd_component_set_text(&m.comp, 0x0f, "*123#"), 0);
	n = ussd_dtap_encode(enc, sizeof(enc), &m);
	assert_true(n > 0);
	/* every truncation fails cleanly */
	for (i = 0; i < n; i++)
		assert_true(ussd_dtap_decode(&d, enc, i) < 0);
	memcpy(b, enc, n);
	b[0] = 0x05;	/* mobility management, not SS */
	assert_int_equal(ussd_dtap_decode(&d, b, n), -USSD_ERR_PDISC);
	memcpy(b, enc, n);
	b[1] = 0x3c;
	assert_int_equal(ussd_dtap_decode(&d, b, n), -USSD_ERR_MSG_TYPE);
	memcpy(b, enc, n);
	b[3] = 0xff;	/* facility IE length past the end */
	assert_int_equal(ussd_dtap_decode(&d, b, n), -USSD_ERR_IE);
	memcpy(b, enc, n);
	b[5] = 0x80;	/* indefinite length inside */
	assert_int_equal(ussd_dtap_decode(&d, b, n), -USSD_ERR_BER);
	memcpy(b, enc, n);
	b[4] = 0xa5;	/* unknown component */
	assert_int_equal(ussd_dtap_decode(&d, b, n), -USSD_ERR_COMP);
	/* bits 7-6 of the type are N(SD) from the MS and are ignored */
	memcpy(b, enc, n);
	b[1] |= 0x40;
	assert_int_equal(ussd_dtap_decode(&d, b, n), 0);
	assert_int_equal(d.msg_type, USSD_MSG_REGISTER);
	assert_string_equal(ussd_err_str(-USSD_ERR_BER), "malformed BER");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsm7_cr_padding),
		cmocka_unit_test(test_gsm7_limits),
		cmocka_unit_test(test_ucs2_and_languages),
		cmocka_unit_test(test_dcs_meaning),
		cmocka_unit_test(test_string_problems),
		cmocka_unit_test(test_capture_strings),
		cmocka_unit_test(test_register_process_ussd),
		cmocka_unit_test(test_facility_uss_request_and_result),
		cmocka_unit_test(test_release_complete_variants),
		cmocka_unit_test(test_notify_and_empty_result),
		cmocka_unit_test(test_dtap_bad_input),
	};

	int missing = dissect_require();
	if (missing)
		return missing;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
