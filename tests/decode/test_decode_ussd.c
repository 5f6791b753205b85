/* sigway-decode on USSD: processUnstructuredSS-Request, unstructuredSS-Request
 * and MAP v1 processUnstructuredSS-Data, built with our encoders, printed with
 * their data coding scheme, language, text, MSISDN and alerting pattern; the
 * texts checked against tshark's gsm_map; malformed and hostile strings give
 * a note and terminal-safe output. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sigway/map/map_sm.h>
#include <sigway/tcap/tcap_codec.h>
#include <sigway/ussd/ussd_string.h>
#include "decode.h"
#include "dissect.h"
#include "map_wrap.h"

static const struct map_address msisdn = { true, 0x91, "491770000001" };

/* What decode_tcap() prints for msg, as one string */
static const char *decoded(const uint8_t *msg, int len)
{
	static char out[16384];
	assert_true(len > 0);
	fflush(stdout);
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDOUT_FILENO);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	decode_tcap(msg, (size_t)len);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	size_t n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static void has(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("'%s' not in\n%s", want, out);
}

static void lacks(const char *out, const char *what)
{
	if (strstr(out, what))
		fail_msg("'%s' in\n%s", what, out);
}

/* tshark's reading of one field of the message, which must be expect */
static void tshark_says(const uint8_t *msg, int len, const char *field, const char *expect)
{
	char args[128], out[2048];
	snprintf(args, sizeof(args), "-e %s", field);
	int rc = dissect_run(msg, (size_t)len, "tcap", args, out, sizeof(out));
	if (rc != 0 || strcmp(out, expect))
		fail_msg("tshark rc %d, %s '%s', expected '%s'", rc, field, out, expect);
}

/* A USSD-Arg/Res of text in dcs into p */
static int ussd_param(uint8_t *p, size_t cap, uint8_t dcs, const char *text, struct map_ussd *u)
{
	static uint8_t s[USSD_MAX_OCTETS];
	int n = ussd_string_encode(s, sizeof(s), dcs, NULL, text, strlen(text));
	assert_true(n > 0);
	u->dcs = dcs;
	u->string = s;
	u->string_len = (size_t)n;
	return map_enc_ussd(p, cap, u);
}

/* TC-CONTINUE answering the Begin of wrap_invoke(), with an Invoke */
static int wrap_continue(uint8_t *out, size_t cap, int op, const uint8_t *param, size_t len)
{
	uint8_t comp[512];
	struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 2,
				    .op_present = true, .opcode = op, .param = param, .param_len = len };
	struct tcap_tx_msg tx = { .type = TCAP_MSG_CONTINUE, .otid_present = true, .otid = 0x55667788,
				  .dtid_present = true, .dtid_len = 4, .dtid = { 0x11, 0x22, 0x33, 0x44 },
				  .dialogue = { .type = TCAP_DLG_AARE, .acn_present = true,
						.diag_source = TCAP_DIAG_SRC_USER },
				  .components = comp,
				  .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
	map_acn(&tx.dialogue.acn, MAP_AC_NETWORK_USSD, 2);
	return tcap_encode(out, cap, &tx);
}

/* Every byte printable UTF-8 or one of its escapes: no C0, DEL or C1
 * control, no bidi override, no invalid UTF-8 reaches the terminal */
static void terminal_safe(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '\n' && p[i + 1] == '\0')
			break;
		if (p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("control 0x%02x at %zu in %s", p[i], i, out);
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fail_msg("C1 control at %zu in %s", i, out);
		if (p[i] == 0xe2 && p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae)
			fail_msg("bidi override at %zu in %s", i, out);
		if (p[i] >= 0x80) {
			size_t l = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : p[i] >= 0xc2 ? 2 : 0;
			if (!l || p[i] > 0xf4)
				fail_msg("not UTF-8 at %zu in %s", i, out);
			for (size_t k = 1; k < l; k++)
				if ((p[i + k] & 0xc0) != 0x80)
					fail_msg("not UTF-8 at %zu in %s", i, out);
			i += l - 1;
		}
	}
}

static void test_process_uss_request_gsm7(void **state)
{
	uint8_t p[256], m[600];
	struct map_ussd u = { .msisdn = msisdn, .has_alerting_pattern = true, .alerting_pattern = 0x06 };
	int n = ussd_param(p, sizeof(p), USSD_DCS_GSM7_UNSPEC, "*123#", &u);
	n = wrap_invoke(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_PROCESS_USS, p, (size_t)n);
	const char *out = decoded(m, n);
	has(out, "\"tcap.type\":\"Begin\"");
	has(out, "\"opcode\":59,\"map.ussd_dcs\":15,\"map.ussd_alphabet\":\"GSM 7-bit\","
		 "\"map.ussd_octets\":\"aa986c3602\",\"map.ussd_string\":\"*123#\","
		 "\"map.alerting_pattern\":6,\"map.msisdn\":\"491770000001\"");
	lacks(out, "map.ussd_note");
	lacks(out, "map.ussd_language");
	tshark_says(m, n, "gsm_map.ussd_string", "*123#");
	tshark_says(m, n, "e164.msisdn", "491770000001");
	tshark_says(m, n, "gsm_map.ss.alertingPattern", "06");

	/* the result in a TC-END, English named by the DCS (group 0000) */
	u = (struct map_ussd){ 0 };
	n = ussd_param(p, sizeof(p), 0x01, "Your balance is 5.00", &u);
	n = wrap_answer(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_PROCESS_USS, -1, p, (size_t)n);
	out = decoded(m, n);
	has(out, "\"type\":\"ReturnResultLast\"");
	has(out, "\"map.ussd_dcs\":1,\"map.ussd_alphabet\":\"GSM 7-bit\",\"map.ussd_language\":\"en\"");
	has(out, "\"map.ussd_string\":\"Your balance is 5.00\"");
	tshark_says(m, n, "gsm_map.ussd_string", "Your balance is 5.00");
}

static void test_ussr_ucs2_menu(void **state)
{
	static const char menu[] = "Меню:\n1 Баланс\n2 Пакеты";
	uint8_t p[256], m[600];
	struct map_ussd u = { 0 };
	int n = ussd_param(p, sizeof(p), USSD_DCS_UCS2, menu, &u);
	n = wrap_continue(m, sizeof(m), MAP_OP_USSR, p, (size_t)n);
	const char *out = decoded(m, n);
	has(out, "\"tcap.type\":\"Continue\"");
	has(out, "\"opcode\":60,\"map.ussd_dcs\":72,\"map.ussd_alphabet\":\"UCS2\",\"map.ussd_octets\":\"041c0435");
	has(out, "\"map.ussd_string\":\"Меню:\\n1 Баланс\\n2 Пакеты\"");
	lacks(out, "map.ussd_note");
	terminal_safe(out);
	/* tshark -T fields shows a newline as \n */
	tshark_says(m, n, "gsm_map.ussd_string", "Меню:\\n1 Баланс\\n2 Пакеты");

	/* 0x11: UCS2 after a packed 7-bit language */
	uint8_t s[USSD_MAX_OCTETS];
	n = ussd_string_encode(s, sizeof(s), USSD_DCS_UCS2_LANG, "ru", "Баланс", strlen("Баланс"));
	assert_true(n > 0);
	u = (struct map_ussd){ .dcs = USSD_DCS_UCS2_LANG, .string = s, .string_len = (size_t)n };
	n = map_enc_ussd(p, sizeof(p), &u);
	n = wrap_continue(m, sizeof(m), MAP_OP_USSN, p, (size_t)n);
	out = decoded(m, n);
	has(out, "\"opcode\":61,\"map.ussd_dcs\":17,\"map.ussd_alphabet\":\"UCS2\"");
	has(out, "\"map.ussd_language\":\"ru\",\"map.ussd_string\":\"Баланс\"");
}

static void test_extension_table(void **state)
{
	uint8_t p[256], m[600];
	struct map_ussd u = { 0 };
	int n = ussd_param(p, sizeof(p), USSD_DCS_GSM7_UNSPEC, "Bonus 5€ {x} [1|2] ~^\\ ok", &u);
	n = wrap_answer(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_PROCESS_USS, -1, p, (size_t)n);
	const char *out = decoded(m, n);
	has(out, "\"map.ussd_string\":\"Bonus 5€ {x} [1|2] ~^\\\\ ok\"");
	lacks(out, "map.ussd_note");
	/* tshark -T fields shows a backslash as \\ */
	tshark_says(m, n, "gsm_map.ussd_string", "Bonus 5€ {x} [1|2] ~^\\ ok");
}

static void test_v1_process_uss_data(void **state)
{
	uint8_t p[256], m[600];
	struct map_ss_user_data d = { .text = "*100#", .len = 5 };
	int n = map_enc_ss_user_data(p, sizeof(p), &d);
	n = wrap_v1(m, sizeof(m), true, TCAP_COMP_INVOKE, MAP_OP_PROCESS_USS_DATA, p, (size_t)n);
	const char *out = decoded(m, n);
	lacks(out, "tcap.acn");	/* v1: no dialogue portion */
	has(out, "\"opcode\":19,\"map.ss_user_data\":\"*100#\"");
	tshark_says(m, n, "gsm_ss.SS_UserData", "*100#");

	d = (struct map_ss_user_data){ .text = "Balance: 5.00 EUR", .len = 17 };
	n = map_enc_ss_user_data(p, sizeof(p), &d);
	n = wrap_v1(m, sizeof(m), false, TCAP_COMP_RESULT_LAST, MAP_OP_PROCESS_USS_DATA, p, (size_t)n);
	out = decoded(m, n);
	has(out, "\"type\":\"ReturnResultLast\",\"invoke_id\":1,\"opcode\":19,"
		 "\"map.ss_user_data\":\"Balance: 5.00 EUR\"");
	tshark_says(m, n, "gsm_ss.SS_UserData", "Balance: 5.00 EUR");

	/* IA5 holds the controls too: escaped, NUL included */
	static const uint8_t ctl[] = { 0x16, 0x06, 'a', 0x1b, '[', '2', 0x00, 0x7f };
	n = wrap_v1(m, sizeof(m), true, TCAP_COMP_INVOKE, MAP_OP_PROCESS_USS_DATA, ctl, sizeof(ctl));
	out = decoded(m, n);
	has(out, "\"map.ss_user_data\":\"a\\u001b[2\\u0000\\u007f\"");
	terminal_safe(out);
	/* not IA5 */
	static const uint8_t high[] = { 0x16, 0x02, 'a', 0x9b };
	n = wrap_v1(m, sizeof(m), true, TCAP_COMP_INVOKE, MAP_OP_PROCESS_USS_DATA, high, sizeof(high));
	out = decoded(m, n);
	has(out, "\"map.error\":\"SS-UserData is not an IA5String of 1..200 characters\",\"map.param\":\"1602619b\"");
	terminal_safe(out);
}

/* A USSD-Arg with the string s (len octets) in dcs, as it comes, in a Begin */
static const char *decoded_raw(uint8_t dcs, const uint8_t *s, size_t len)
{
	static uint8_t p[256], m[600];
	struct map_ussd u = { .dcs = dcs, .string = s, .string_len = len };
	int n = map_enc_ussd(p, sizeof(p), &u);
	assert_true(n > 0);
	n = wrap_invoke(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_PROCESS_USS, p, (size_t)n);
	const char *out = decoded(m, n);
	terminal_safe(out);
	return out;
}

static void test_malformed(void **state)
{
	uint8_t m[600];

	/* UCS2 with an odd octet: the text up to it, then U+FFFD, and a note */
	static const uint8_t odd[] = { 0x04, 0x1c, 0x04, 0x35, 0x04 };
	const char *out = decoded_raw(USSD_DCS_UCS2, odd, sizeof(odd));
	has(out, "\"map.ussd_string\":\"Ме\xef\xbf\xbd\"");
	has(out, "\"map.ussd_note\":\"odd number of UCS2 octets: the last one shown as U+FFFD\"");
	/* an unpaired surrogate */
	static const uint8_t sur[] = { 0xd8, 0x3d, 0x00, 0x41 };
	out = decoded_raw(USSD_DCS_UCS2, sur, sizeof(sur));
	has(out, "\"map.ussd_note\":\"unpaired UTF-16 surrogate: shown as U+FFFD\"");
	/* wrong DCS: the octets of "*123#" in GSM 7-bit, said to be UCS2 */
	static const uint8_t star123[] = { 0xaa, 0x98, 0x6c, 0x36, 0x02 };
	out = decoded_raw(USSD_DCS_UCS2, star123, sizeof(star123));
	has(out, "\"map.ussd_alphabet\":\"UCS2\",\"map.ussd_octets\":\"aa986c3602\"");
	has(out, "\"map.ussd_note\":\"odd number of UCS2 octets");
	/* 0x10 announces "ll<CR>", which is not there */
	out = decoded_raw(USSD_DCS_GSM7_LANG, star123, sizeof(star123));
	has(out, "\"map.ussd_string\":\"*123#\",\"map.ussd_note\":\"the DCS announces a language prefix");
	/* a GSM 7-bit string cut after an escape: "5" ESC */
	static const uint8_t esc[] = { 0xb5, 0x0d };
	out = decoded_raw(USSD_DCS_GSM7_UNSPEC, esc, sizeof(esc));
	has(out, "\"map.ussd_string\":\"5 \",\"map.ussd_note\":\"ends in a lone escape (0x1b): shown as a space\"");
	/* compressed: not decoded, said so, the octets shown */
	out = decoded_raw(0x68, star123, sizeof(star123));
	has(out, "\"map.ussd_octets\":\"aa986c3602\",\"map.ussd_note\":\"compressed (23.042)");
	lacks(out, "map.ussd_string");
	/* a reserved DCS is read as GSM 7-bit */
	out = decoded_raw(0x80, star123, sizeof(star123));
	has(out, "\"map.ussd_dcs_note\":\"a reserved value: read as GSM 7-bit, as 23.038 asks\"");
	has(out, "\"map.ussd_string\":\"*123#\"");

	/* truncated: the ussd-String claims 10 octets, 5 are there (the outer
	 * lengths agree, so TCAP hands MAP the parameter) */
	static const uint8_t cut[] = { 0x30, 0x0a, 0x04, 0x01, 0x0f, 0x04, 0x0a, 0xaa, 0x98, 0x6c, 0x36, 0x02 };
	int n = wrap_invoke(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_PROCESS_USS, cut, sizeof(cut));
	out = decoded(m, n);
	has(out, "\"opcode\":59,\"map.error\":\"USSD-Arg/Res: no ussd-DataCodingScheme of 1 octet then "
		 "ussd-String of 1..160 octets (missing, cut short or another size)\","
		 "\"map.param\":\"300a04010f040aaa986c3602\"");
	lacks(out, "map.ussd_string");
	/* a DCS of 2 octets */
	static const uint8_t dcs2[] = { 0x30, 0x07, 0x04, 0x02, 0x0f, 0x0f, 0x04, 0x01, 0x2a };
	n = wrap_invoke(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_USSR, dcs2, sizeof(dcs2));
	has(decoded(m, n), "\"map.error\":\"USSD-Arg/Res: no ussd-DataCodingScheme of 1 octet");
	/* an msisdn that does not decode */
	static const uint8_t badmsisdn[] = { 0x30, 0x08, 0x04, 0x01, 0x0f, 0x04, 0x01, 0x2a, 0x80, 0x00 };
	n = wrap_invoke(m, sizeof(m), MAP_AC_NETWORK_USSD, 2, MAP_OP_USSN, badmsisdn, sizeof(badmsisdn));
	has(decoded(m, n), "\"map.error\":\"USSD-Arg/Res: not a SEQUENCE, or a bad element after the ussd-String\"");
}

/* What a hostile peer can put in a string reaches the terminal escaped */
static void test_hostile_strings(void **state)
{
	/* 8-bit (shown as Latin-1): ESC, CSI (0x9b) and DEL */
	static const uint8_t csi[] = { 'A', 0x1b, ']', '0', ';', 0x07, 0x9b, '2', 'J', 0x7f };
	const char *out = decoded_raw(0x44, csi, sizeof(csi));
	has(out, "\"map.ussd_alphabet\":\"8-bit\",\"map.ussd_octets\"");
	has(out, "\"map.ussd_string\":\"A\\u001b]0;\\u0007\\u009b2J\\u007f\"");
	/* UCS2: a right-to-left override, a C1 control, a line separator */
	static const uint8_t bidi[] = { 0x00, 0x61, 0x20, 0x2e, 0x00, 0x62, 0x00, 0x9b, 0x20, 0x28 };
	out = decoded_raw(USSD_DCS_UCS2, bidi, sizeof(bidi));
	has(out, "\"map.ussd_string\":\"a\\u202eb\\u009b\\u2028\"");
	/* the longest strings */
	uint8_t big[USSD_MAX_OCTETS];
	memset(big, 0x1b, sizeof(big));
	out = decoded_raw(USSD_DCS_GSM7_UNSPEC, big, sizeof(big));
	has(out, "\"map.ussd_string\":\"");
	memset(big, 0x9b, sizeof(big));
	out = decoded_raw(0x44, big, sizeof(big));
	has(out, "\\u009b\\u009b");
}

int main(void)
{
	int rc = dissect_require();
	if (rc)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_uss_request_gsm7),
		cmocka_unit_test(test_ussr_ucs2_menu),
		cmocka_unit_test(test_extension_table),
		cmocka_unit_test(test_v1_process_uss_data),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hostile_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
