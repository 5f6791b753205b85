/* SMS TPDU codec tests: every TPDU type is encoded, checked by tshark
 * (gsm_a_rp -> gsm_sms), decoded back and re-encoded to the same bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <sigway/sms/sms_tpdu.h>
#include <sigway/sms/sms_split.h>
#include "sms_test_util.h"

static char out[8192];
static char expect[512];

static void set_text(struct sms_tpdu *t, uint8_t *buf, size_t buflen, const char *utf8)
{
	int n;

	if (t->dcs == 0x08)
		n = sms_ucs2_from_utf8(buf, buflen, utf8, strlen(utf8));
	else
		n = sms_gsm7_from_utf8(buf, buflen, utf8, strlen(utf8));
	assert_true(n >= 0);
	t->ud.data = buf;
	t->ud.data_len = n;
}

/* decode(encode(t)) must give the same TPDU bytes again and the same text */
static void roundtrip(const uint8_t *enc, int len, unsigned flags, struct sms_tpdu *dec,
		      const char *text)
{
	uint8_t again[256];
	char txt[1024];
	int rc;

	rc = sms_tpdu_decode(dec, enc, len, flags);
	assert_int_equal(rc, 0);
	rc = sms_tpdu_encode(again, sizeof(again), dec);
	assert_int_equal(rc, len);
	assert_memory_equal(again, enc, len);
	if (text) {
		assert_true(sms_tpdu_text(dec, txt, sizeof(txt)) >= 0);
		assert_string_equal(txt, text);
	}
}

static void test_deliver_gsm7_ext(void **state)
{
	const char *text = "Hi \xe2\x82\xac[]{}^~\\| @\xc2\xa3$ \xce\xa9";	/* € ... £ Ω */
	struct sms_tpdu t = { .type = SMS_DELIVER, .mms = true, .sri_srr = true, .dcs = 0x00,
		.addr = { .ton = 1, .npi = 1, .text = "46708251358" },
		.scts = { 26, 11, 24, 21, 58, 7, 8 } };
	struct sms_tpdu d;
	uint8_t sep[160], enc[200];
	int len;

	set_text(&t, sep, sizeof(sep), text);
	assert_int_equal(t.ud.data_len, 27);	/* 9 extension chars count twice */
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_true(len > 0);
	assert_int_equal(sms_dissect(enc, len, SMS_DELIVER, false,
		"-e gsm_sms.tp-mti -e gsm_sms.tp-mms -e gsm_sms.tp-sri -e gsm_sms.tp-oa "
		"-e gsm_sms.tp.user_data_length -e gsm_sms.scts.year -e gsm_sms.scts.hour "
		"-e gsm_sms.scts.seconds -e gsm_sms.sms_text", out, sizeof(out)), 0);
	snprintf(expect, sizeof(expect), "0\t1\t1\t46708251358\t27\t26\t21\t7\t%s", text);
	assert_string_equal(out, expect);
	roundtrip(enc, len, 0, &d, text);
	assert_int_equal(d.scts.tz_quarters, 8);
	assert_true(d.mms && d.sri_srr && !d.rp && !d.udhi);
}

static void test_deliver_alnum_8bit_negative_tz(void **state)
{
	static const uint8_t bin[] = { 0x00, 0xff, 0x7f, 0x80, 0x41 };
	struct sms_tpdu t = { .type = SMS_DELIVER, .rp = true, .pid = 0x00, .dcs = 0xf5,
		.addr = { .ton = SMS_TON_ALPHANUMERIC, .npi = 0, .text = "Sigway \xe2\x82\xac" },
		.scts = { 9, 2, 28, 23, 59, 59, -14 } };
	struct sms_tpdu d;
	uint8_t enc[200];
	int len;

	t.ud.data = bin;
	t.ud.data_len = sizeof(bin);
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_true(len > 0);
	/* "Sigway €" is 9 septets: 63 bits -> 16 useful semi-octets */
	assert_int_equal(enc[1], 16);
	assert_int_equal(enc[2], 0xd0);
	/* the text tree, to see the alphanumeric OA and the negative time zone */
	assert_int_equal(sms_dissect(enc, len, SMS_DELIVER, false, "-V", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "TP-RP: TP Reply Path parameter is set"));
	assert_non_null(strstr(out, ".101 .... = Type of number: Alphanumeric"));
	assert_non_null(strstr(out, "TP-OA Digits: Sigway \xe2\x82\xac\n"));
	assert_non_null(strstr(out, ".... .1.. = Message coding: 8 bit data"));
	assert_non_null(strstr(out, ".... ..01 = Message Class: Class 1"));
	assert_non_null(strstr(out, "Year: 9\n"));
	assert_non_null(strstr(out, "Timezone: GMT - 3 hours 30 minutes"));
	assert_non_null(strstr(out, "SMS body: 00ff7f8041"));
	roundtrip(enc, len, 0, &d, NULL);
	assert_int_equal(d.scts.tz_quarters, -14);
	assert_string_equal(d.addr.text, "Sigway \xe2\x82\xac");
	assert_int_equal(d.dcs_parsed.alphabet, SMS_ALPHABET_8BIT);
	assert_int_equal(d.dcs_parsed.msg_class, 1);
	assert_memory_equal(d.ud.data, bin, sizeof(bin));
}

static void test_submit_ucs2_emoji_vp_relative(void **state)
{
	const char *text = "Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x98\x80\xf0\x9f\x91\x8d!";	/* Grüße 😀👍! */
	struct sms_tpdu t = { .type = SMS_SUBMIT, .rd = true, .sri_srr = true, .mr = 0x42,
		.vpf = SMS_VPF_RELATIVE, .vp.relative = 167, .dcs = 0x08, .pid = 0x00,
		.addr = { .ton = 2, .npi = 1, .text = "0701234*#5" } };
	struct sms_tpdu d;
	uint8_t ucs[140], enc[200];
	int len;

	set_text(&t, ucs, sizeof(ucs), text);
	assert_int_equal(t.ud.data_len, 2 * (6 + 2 * 2 + 1));
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_true(len > 0);
	assert_int_equal(sms_dissect(enc, len, SMS_SUBMIT, false,
		"-e gsm_sms.tp-mti -e gsm_sms.tp-rd -e gsm_sms.tp-srr -e gsm_sms.tp-vpf "
		"-e gsm_sms.tp-mr -e gsm_sms.tp-da -e gsm_sms.vp.validity_period -e gsm_sms.sms_text",
		out, sizeof(out)), 0);
	snprintf(expect, sizeof(expect), "1\t1\t1\t2\t66\t0701234*#5\t167\t%s", text);
	assert_string_equal(out, expect);
	roundtrip(enc, len, SMS_DEC_MO, &d, text);
	assert_int_equal(d.vp.relative, 167);
	assert_int_equal(d.mr, 0x42);
}

static void test_submit_vp_absolute_enhanced(void **state)
{
	struct sms_tpdu t = { .type = SMS_SUBMIT, .mr = 7, .vpf = SMS_VPF_ABSOLUTE, .dcs = 0,
		.vp.absolute = { 27, 1, 2, 3, 4, 5, -4 },
		.addr = { .ton = 1, .npi = 1, .text = "4915212345678" } };
	struct sms_tpdu d;
	uint8_t sep[160], enc[200];
	int len;

	set_text(&t, sep, sizeof(sep), "absolute");
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_true(len > 0);
	assert_int_equal(sms_dissect(enc, len, SMS_SUBMIT, false,
		"-e gsm_sms.tp-vpf -e gsm_sms.scts.year -e gsm_sms.scts.day -e gsm_sms.sms_text",
		out, sizeof(out)), 0);
	assert_string_equal(out, "3\t27\t2\tabsolute");
	roundtrip(enc, len, SMS_DEC_MO, &d, "absolute");
	assert_int_equal(d.vp.absolute.tz_quarters, -4);

	/* enhanced: relative in seconds format (0x02), 30 s */
	t.vpf = SMS_VPF_ENHANCED;
	memset(t.vp.enhanced, 0, 7);
	t.vp.enhanced[0] = 0x02;
	t.vp.enhanced[1] = 30;
	set_text(&t, sep, sizeof(sep), "enhanced");
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_SUBMIT, false,
		"-e gsm_sms.tp-vpf -e gsm_sms.vp.validity_period_format -e gsm_sms.sms_text",
		out, sizeof(out)), 0);
	assert_string_equal(out, "1\t2\tenhanced");
	roundtrip(enc, len, SMS_DEC_MO, &d, "enhanced");
}

static void test_status_report(void **state)
{
	struct sms_tpdu t = { .type = SMS_STATUS_REPORT, .mr = 200, .srq = true, .mms = true,
		.addr = { .ton = 1, .npi = 1, .text = "447700900123" },
		.scts = { 26, 11, 24, 10, 0, 0, 0 }, .dt = { 26, 11, 24, 10, 0, 5, 4 },
		.st = 0x00 };
	struct sms_tpdu d;
	uint8_t sep[160], enc[200];
	int len;

	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_true(len > 0);
	assert_int_equal(sms_dissect(enc, len, SMS_STATUS_REPORT, false,
		"-e gsm_sms.tp-mti -e gsm_sms.tp-srq -e gsm_sms.tp-mr -e gsm_sms.tp-ra "
		"-e gsm_sms.scts.seconds -e gsm_sms.dis_field.definition",
		out, sizeof(out)), 0);
	assert_string_equal(out, "2\t1\t200\t447700900123\t0,5\t0");
	roundtrip(enc, len, 0, &d, NULL);
	assert_false(d.has_pi);

	/* with TP-PI announcing PID, DCS and UD; status 0x41 (permanent error) */
	t.has_pi = true;
	t.pi = SMS_PI_PID | SMS_PI_DCS | SMS_PI_UDL;
	t.st = 0x41;
	set_text(&t, sep, sizeof(sep), "report");
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_STATUS_REPORT, false,
		"-e gsm_sms.tp.parameter_indicator -e gsm_sms.dis_field.st_error "
		"-e gsm_sms.dis.field_st_reason -e gsm_sms.sms_text", out, sizeof(out)), 0);
	assert_string_equal(out, "0x07\t2\t1\treport");
	roundtrip(enc, len, 0, &d, "report");
	assert_int_equal(d.st, 0x41);
}

static void test_reports(void **state)
{
	struct sms_tpdu t = { .type = SMS_SUBMIT_REPORT, .pi = 0,
		.scts = { 26, 11, 24, 22, 30, 0, 4 } };
	struct sms_tpdu d;
	uint8_t sep[160], enc[200];
	int len;

	/* SUBMIT-REPORT in RP-ACK, no optional fields */
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(len, 9);
	assert_int_equal(sms_dissect(enc, len, SMS_SUBMIT_REPORT, false,
		"-e gsm_sms.tp-mti -e gsm_sms.scts.minutes", out, sizeof(out)), 0);
	assert_string_equal(out, "1\t30");
	roundtrip(enc, len, 0, &d, NULL);

	/* SUBMIT-REPORT in RP-ERROR with FCS 0xc3 and user data */
	t.fcs = 0xc3;
	t.pi = SMS_PI_DCS | SMS_PI_UDL;
	set_text(&t, sep, sizeof(sep), "nack");
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_SUBMIT_REPORT, true,
		"-e gsm_sms.tp-fcs -e gsm_sms.sms_text", out, sizeof(out)), 0);
	assert_string_equal(out, "0xc3\tnack");
	roundtrip(enc, len, SMS_DEC_RP_ERROR, &d, "nack");

	/* DELIVER-REPORT in RP-ACK and RP-ERROR (FCS 0xd2, memory full) */
	memset(&t, 0, sizeof(t));
	t.type = SMS_DELIVER_REPORT;
	t.pi = SMS_PI_PID;
	t.pid = 0x41;
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_DELIVER_REPORT, false,
		"-e gsm_sms.tp-mti -e gsm_sms.tp-pid", out, sizeof(out)), 0);
	assert_string_equal(out, "0\t65");
	roundtrip(enc, len, SMS_DEC_MO, &d, NULL);
	t.fcs = 0xd2;
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_DELIVER_REPORT, true,
		"-e gsm_sms.tp-fcs -e gsm_sms.tp-pid", out, sizeof(out)), 0);
	assert_string_equal(out, "0xd2\t65");
	roundtrip(enc, len, SMS_DEC_MO | SMS_DEC_RP_ERROR, &d, NULL);
	assert_int_equal(d.fcs, 0xd2);
}

static void test_command(void **state)
{
	static const uint8_t cd[] = { 0xde, 0xad };
	struct sms_tpdu t = { .type = SMS_COMMAND, .sri_srr = true, .mr = 9, .pid = 0,
		.ct = 0x01, .mn = 0x21, .cd = cd, .cd_len = sizeof(cd),
		.addr = { .ton = 1, .npi = 1, .text = "447700900123" } };
	struct sms_tpdu d;
	uint8_t enc[200];
	int len;

	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(len, 1 + 4 + 8 + 1 + 2);
	assert_int_equal(sms_dissect(enc, len, SMS_COMMAND, false,
		"-e gsm_sms.tp-mti -e gsm_sms.tp-srr -e gsm_sms.tp-mr -e gsm_sms.tp.command_type "
		"-e gsm_sms.tp.message_number -e gsm_sms.tp-da -e gsm_sms.tp.command_data_length",
		out, sizeof(out)), 0);
	assert_string_equal(out, "2\t1\t9\t1\t33\t447700900123\t2");
	roundtrip(enc, len, SMS_DEC_MO, &d, NULL);
	assert_int_equal(d.type, SMS_COMMAND);
	assert_int_equal(d.mn, 0x21);
	assert_memory_equal(d.cd, cd, sizeof(cd));
}

/* A concatenated message as tshark sees each part: UDH, fill bits, text. */
static void check_concat_parts(bool ref16, const char *text, enum sms_alphabet want,
			       int want_parts)
{
	struct sms_part parts[4];
	enum sms_alphabet alph;
	uint8_t scratch[600], enc[200];
	char txt[400];
	int n, i, len;
	size_t off = 0;

	n = sms_split_text(parts, 4, text, strlen(text), 0x1234, ref16, &alph, scratch,
			   sizeof(scratch));
	assert_int_equal(n, want_parts);
	assert_int_equal(alph, want);
	for (i = 0; i < n; i++) {
		struct sms_tpdu t = { .type = SMS_DELIVER, .dcs = alph == SMS_ALPHABET_UCS2 ? 8 : 0,
			.addr = { .ton = 1, .npi = 1, .text = "12345" } };
		struct sms_tpdu d;

		sms_part_to_ud(&t.ud, &parts[i]);
		len = sms_tpdu_encode(enc, sizeof(enc), &t);
		assert_true(len > 0);
		assert_int_equal(enc[0] & 0x40, 0x40);
		assert_int_equal(sms_tpdu_decode(&d, enc, len, 0), 0);
		assert_true(sms_tpdu_text(&d, txt, sizeof(txt)) > 0);
		/* the parts put together give the text back */
		assert_memory_equal(txt, text + off, strlen(txt));
		off += strlen(txt);
		assert_int_equal(sms_dissect(enc, len, SMS_DELIVER, false,
			"-e gsm_sms.tp-udhi -e gsm_sms.udh.mm.msg_id -e gsm_sms.udh.mm.msg_parts "
			"-e gsm_sms.udh.mm.msg_part -e gsm_sms.sms_text", out, sizeof(out)), 0);
		snprintf(expect, sizeof(expect), "1\t%u\t%d\t%d\t%s", ref16 ? 0x1234 : 0x34, n,
			 i + 1, txt);
		assert_string_equal(out, expect);
		roundtrip(enc, len, 0, &d, txt);
		assert_true(d.udh.has_concat);
		assert_int_equal(d.udh.concat_seq, i + 1);
		assert_int_equal(d.udh.concat_ref16, ref16);
		if (alph == SMS_ALPHABET_GSM7)
			assert_int_equal(d.fill_bits, ref16 ? 0 : 1);
	}
	assert_int_equal(off, strlen(text));
}

static void test_concat_7bit_fill_bits(void **state)
{
	char text[201];

	for (int i = 0; i < 200; i++)
		text[i] = 'a' + i % 26;
	text[200] = '\0';
	/* UDH 6 octets: 1 fill bit, 153 septets; 7 octets: no fill bits, 152 */
	check_concat_parts(false, text, SMS_ALPHABET_GSM7, 2);
	check_concat_parts(true, text, SMS_ALPHABET_GSM7, 2);
}

static void test_concat_ucs2_surrogate_boundary(void **state)
{
	char text[200];

	/* 40 emoji = 80 UTF-16 units; unit 67 would be a high surrogate, so part 1
	 * carries 66 units (33 emoji) and that pair goes on to part 2. A split pair
	 * would show up as U+FFFD in the part texts compared below. */
	for (int i = 0; i < 40; i++)
		memcpy(text + 4 * i, "\xf0\x9f\x98\x80", 4);
	text[160] = '\0';
	check_concat_parts(false, text, SMS_ALPHABET_UCS2, 2);
}

static void test_ports_udh_8bit(void **state)
{
	static const uint8_t wap[] = { 0x01, 0x06, 0x03, 0xc4, 0xaf, 0x87 };
	struct sms_tpdu t = { .type = SMS_DELIVER, .dcs = 0x04,
		.addr = { .ton = 1, .npi = 1, .text = "12345" } };
	struct sms_tpdu d;
	uint8_t udh[6], enc[200];
	int len;

	assert_int_equal(sms_udh_put_ports16(udh, sizeof(udh), 2948, 9200), 6);
	t.ud.udh = udh;
	t.ud.udh_len = 6;
	t.ud.data = wap;
	t.ud.data_len = sizeof(wap);
	len = sms_tpdu_encode(enc, sizeof(enc), &t);
	assert_int_equal(sms_dissect(enc, len, SMS_DELIVER, false,
		"-e gsm_sms.destination_port -e gsm_sms.originator_port -e gsm_sms.tp.user_data_length",
		out, sizeof(out)), 0);
	assert_string_equal(out, "2948\t9200\t13");
	roundtrip(enc, len, 0, &d, NULL);
	assert_true(d.udh.has_ports && d.udh.ports16);
	assert_int_equal(d.udh.dst_port, 2948);
	assert_int_equal(d.udh.src_port, 9200);
	assert_int_equal(d.ud.data_len, sizeof(wap));
}

/* The forwardSM TPDUs of the public capture decode as tshark decodes them. */
static void test_capture_forwardsm(void **state)
{
	static const int frames[] = { 34, 49, 63 };
	char cmd[512], line[2048];

	for (unsigned f = 0; f < 3; f++) {
		struct sms_tpdu d;
		uint8_t tpdu[300];
		char hex[700], oa[64], text[400], got[400];
		unsigned year, tz, udl;
		size_t n = 0;
		FILE *p;

		snprintf(cmd, sizeof(cmd), "tshark -n -r '%s/pycrate_tcapmap_pcapr.pcap' "
			 "-Y frame.number==%d -T fields -e gsm_old.sm_RP_UI -e gsm_sms.tp-oa "
			 "-e gsm_sms.scts.year -e gsm_sms.scts.timezone -e gsm_sms.tp.user_data_length "
			 "-e gsm_sms.sms_text 2>/dev/null", SIGWAY_CAPTURES, frames[f]);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(line, sizeof(line), p));
		pclose(p);
		assert_int_equal(sscanf(line, "%699[0-9a-f]\t%63[^\t]\t%u\t%u\t%u\t%399[^\t\n]",
					hex, oa, &year, &tz, &udl, text), 6);
		for (n = 0; hex[2 * n] && n < sizeof(tpdu); n++)
			sscanf(hex + 2 * n, "%2hhx", &tpdu[n]);
		assert_int_equal(sms_tpdu_decode(&d, tpdu, n, 0), 0);
		assert_int_equal(d.type, SMS_DELIVER);
		assert_string_equal(d.addr.text, oa);
		assert_int_equal(d.scts.year, year);
		assert_int_equal(d.scts.tz_quarters, tz);
		assert_int_equal(d.ud.data_len, udl);
		assert_true(sms_tpdu_text(&d, got, sizeof(got)) > 0);
		assert_string_equal(got, text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver_gsm7_ext),
		cmocka_unit_test(test_deliver_alnum_8bit_negative_tz),
		cmocka_unit_test(test_submit_ucs2_emoji_vp_relative),
		cmocka_unit_test(test_submit_vp_absolute_enhanced),
		cmocka_unit_test(test_status_report),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_concat_7bit_fill_bits),
		cmocka_unit_test(test_concat_ucs2_surrogate_boundary),
		cmocka_unit_test(test_ports_udh_8bit),
		cmocka_unit_test(test_capture_forwardsm),
	};

	int missing = dissect_require();
	if (missing)
		return missing;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
