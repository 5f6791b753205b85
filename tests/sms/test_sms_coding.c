/* Alphabets, septet packing, splitting at the exact boundaries, and hardened
 * decoding of broken TPDUs. (Wire bytes are checked by tshark in
 * test_sms_tpdu.c; these are the pure computations around them.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/sms/sms_split.h>

#define EURO "\xe2\x82\xac"
#define GRIN "\xf0\x9f\x98\x80"	/* U+1F600: a surrogate pair in UTF-16 */

static void test_gsm7_all_codes_roundtrip(void **state)
{
	uint8_t sep[300], back[300];
	char utf8[1200];
	int n = 0, i, len, m;

	/* every default-table code except escape, then every extension code */
	for (i = 0; i < 128; i++)
		if (i != SMS_GSM7_ESC)
			sep[n++] = i;
	static const uint8_t ext[] = { 0x0a, 0x14, 0x28, 0x29, 0x2f, 0x3c, 0x3d, 0x3e, 0x40, 0x65 };
	for (i = 0; i < (int)sizeof(ext); i++) {
		sep[n++] = SMS_GSM7_ESC;
		sep[n++] = ext[i];
	}
	len = sms_gsm7_to_utf8(utf8, sizeof(utf8), sep, n);
	assert_true(len > 0);
	m = sms_gsm7_from_utf8(back, sizeof(back), utf8, len);
	assert_int_equal(m, n);
	assert_memory_equal(back, sep, n);
}

static void test_gsm7_counting(void **state)
{
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1000, EURO "[]{}^~\\|", 11), 18);
	assert_int_equal(sms_gsm7_septets_of(0x20ac), 2);
	assert_int_equal(sms_gsm7_septets_of('A'), 1);
	assert_int_equal(sms_gsm7_septets_of(0x0394), 1);	/* Greek Delta */
	assert_int_equal(sms_gsm7_septets_of(0x0100), 0);
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1000, "a`b", 3), -EINVAL);	/* ` not in GSM7 */
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1000, "\xc3", 1), -EILSEQ);	/* truncated */
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1000, "\xc0\xaf", 2), -EILSEQ);	/* overlong */
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1000, "\xed\xa0\x80", 3), -EILSEQ);	/* surrogate */
	assert_int_equal(sms_gsm7_from_utf8(NULL, 1, EURO, 3), -ENOSPC);
	assert_int_equal(sms_choose_alphabet("hello " EURO, 9), SMS_ALPHABET_GSM7);
	assert_int_equal(sms_choose_alphabet("hello " GRIN, 10), SMS_ALPHABET_UCS2);
}

static void test_gsm7_odd_escapes(void **state)
{
	static const uint8_t lone[] = { 'a', SMS_GSM7_ESC };
	static const uint8_t unknown[] = { SMS_GSM7_ESC, 'b' };	/* not in the ext table */
	char s[16];

	assert_int_equal(sms_gsm7_to_utf8(s, sizeof(s), lone, 2), 2);
	assert_string_equal(s, "a ");
	assert_int_equal(sms_gsm7_to_utf8(s, sizeof(s), unknown, 2), 1);
	assert_string_equal(s, "b");
	assert_int_equal(sms_gsm7_to_utf8(s, 2, (const uint8_t *)"\x01", 1), -ENOSPC);	/* £ */
}

static void test_septet_packing(void **state)
{
	/* 23.038 6.1.2.1.1 example style: "hellohello" packs to these 9 octets */
	static const uint8_t hello[] = { 0xe8, 0x32, 0x9b, 0xfd, 0x46, 0x97, 0xd9, 0xec, 0x37 };
	uint8_t sep[160], back[160], packed[160];
	unsigned fill;
	int i, n;

	n = sms_septets_pack(packed, sizeof(packed), (const uint8_t *)"hellohello", 10, 0);
	assert_int_equal(n, 9);
	assert_memory_equal(packed, hello, 9);
	for (i = 0; i < 160; i++)
		sep[i] = (i * 37 + 11) & 0x7f;
	for (fill = 0; fill < 7; fill++) {
		for (int len = 0; len <= 160; len += 7) {
			n = sms_septets_pack(packed, sizeof(packed), sep, len, fill);
			assert_int_equal(n, (fill + 7 * len + 7) / 8);
			if (len)
				assert_int_equal(packed[0] & ((1 << fill) - 1), 0);
			assert_int_equal(sms_septets_unpack(back, sizeof(back), packed, n, len, fill), len);
			assert_memory_equal(back, sep, len);
		}
	}
	assert_int_equal(sms_septets_pack(packed, 3, sep, 4, 0), -ENOSPC);
	assert_int_equal(sms_septets_unpack(back, sizeof(back), packed, 3, 4, 0), -EMSGSIZE);
	assert_int_equal(sms_septets_unpack(back, 3, packed, 9, 4, 0), -ENOSPC);
}

static void test_ucs2_surrogates(void **state)
{
	static const uint8_t lone_hi[] = { 0xd8, 0x3d, 0x00, 0x41 };
	static const uint8_t odd[] = { 0x00, 0x41, 0x00 };
	uint8_t u[16];
	char s[32];

	assert_int_equal(sms_ucs2_from_utf8(u, sizeof(u), "A" GRIN, 5), 6);
	assert_int_equal(u[2], 0xd8);
	assert_int_equal(u[3], 0x3d);
	assert_int_equal(u[4], 0xde);
	assert_int_equal(u[5], 0x00);
	assert_int_equal(sms_ucs2_to_utf8(s, sizeof(s), u, 6), 5);
	assert_string_equal(s, "A" GRIN);
	assert_int_equal(sms_ucs2_to_utf8(s, sizeof(s), lone_hi, 4), 4);
	assert_string_equal(s, "\xef\xbf\xbd" "A");
	assert_int_equal(sms_ucs2_to_utf8(s, sizeof(s), odd, 3), 4);
	assert_string_equal(s, "A\xef\xbf\xbd");
	assert_int_equal(sms_ucs2_from_utf8(u, 3, GRIN, 4), -ENOSPC);
	assert_int_equal(sms_latin1_to_utf8(s, sizeof(s), (const uint8_t *)"\xe9t\xe9", 3), 5);
	assert_string_equal(s, "\xc3\xa9t\xc3\xa9");
}

static void test_dcs_groups(void **state)
{
	struct sms_dcs d;

	sms_dcs_parse(&d, 0x00);
	assert_true(d.group == SMS_DCS_GENERAL && d.alphabet == SMS_ALPHABET_GSM7 && !d.has_class);
	sms_dcs_parse(&d, 0x19);	/* general, class 1, UCS2 */
	assert_true(d.alphabet == SMS_ALPHABET_UCS2 && d.has_class && d.msg_class == 1);
	sms_dcs_parse(&d, 0x24);	/* compressed 8-bit */
	assert_true(d.compressed && d.alphabet == SMS_ALPHABET_8BIT);
	sms_dcs_parse(&d, 0x0c);	/* reserved alphabet: read as GSM7 */
	assert_int_equal(d.alphabet, SMS_ALPHABET_GSM7);
	sms_dcs_parse(&d, 0x48);
	assert_true(d.group == SMS_DCS_AUTO_DELETE && d.alphabet == SMS_ALPHABET_UCS2);
	sms_dcs_parse(&d, 0x85);
	assert_true(d.group == SMS_DCS_RESERVED && d.alphabet == SMS_ALPHABET_GSM7);
	sms_dcs_parse(&d, 0xc8);	/* discard, active, voicemail */
	assert_true(d.group == SMS_DCS_MWI_DISCARD && d.mwi_active && d.mwi_type == 0);
	sms_dcs_parse(&d, 0xd1);	/* store, inactive, fax */
	assert_true(d.group == SMS_DCS_MWI_STORE_GSM7 && !d.mwi_active && d.mwi_type == 1);
	sms_dcs_parse(&d, 0xea);	/* store UCS2, active, e-mail */
	assert_true(d.group == SMS_DCS_MWI_STORE_UCS2 && d.alphabet == SMS_ALPHABET_UCS2 &&
		    d.mwi_active && d.mwi_type == 2);
	sms_dcs_parse(&d, 0xf2);	/* GSM7, class 2 (SIM) */
	assert_true(d.group == SMS_DCS_DATA_CLASS && d.alphabet == SMS_ALPHABET_GSM7 &&
		    d.msg_class == 2);
}

static void test_ts_time(void **state)
{
	struct sms_ts ts;

	/* 2026-11-24 21:58:07 UTC is 1795557487; in UTC+2 that is 23:58:07 */
	assert_int_equal(sms_ts_from_time(&ts, 1795557487, 8), 0);
	assert_int_equal(ts.year, 26);
	assert_int_equal(ts.month, 11);
	assert_int_equal(ts.day, 24);
	assert_int_equal(ts.hour, 23);
	assert_int_equal(ts.minute, 58);
	assert_int_equal(ts.second, 7);
	assert_int_equal(sms_ts_to_time(&ts), 1795557487);
	/* UTC-3:30 crosses back a day at 01:00 UTC on 2024-03-01 (leap year) */
	assert_int_equal(sms_ts_from_time(&ts, 1709254800, -14), 0);
	assert_int_equal(ts.month, 2);
	assert_int_equal(ts.day, 29);
	assert_int_equal(ts.hour, 21);
	assert_int_equal(ts.minute, 30);
	assert_int_equal(sms_ts_to_time(&ts), 1709254800);
	assert_int_equal(sms_ts_from_time(&ts, 0, 0), -EINVAL);	/* 1970: no 2-digit year */
	assert_int_equal(sms_ts_from_time(&ts, 1709254800, 80), -EINVAL);
}

static void test_vp_relative(void **state)
{
	assert_int_equal(sms_vp_relative_seconds(0), 5 * 60);
	assert_int_equal(sms_vp_relative_seconds(143), 12 * 3600);
	assert_int_equal(sms_vp_relative_seconds(144), 12 * 3600 + 30 * 60);
	assert_int_equal(sms_vp_relative_seconds(167), 24 * 3600);
	assert_int_equal(sms_vp_relative_seconds(168), 2 * 86400);
	assert_int_equal(sms_vp_relative_seconds(196), 30 * 86400);
	assert_int_equal(sms_vp_relative_seconds(197), 5 * 7 * 86400);
	assert_int_equal(sms_vp_relative_seconds(255), 63 * 7 * 86400);
	assert_int_equal(sms_vp_relative_from_seconds(1), 0);
	assert_int_equal(sms_vp_relative_from_seconds(24 * 3600), 167);
	assert_int_equal(sms_vp_relative_from_seconds(24 * 3600 + 1), 168);
	assert_int_equal(sms_vp_relative_from_seconds(31 * 86400), 197);
	assert_int_equal(sms_vp_relative_from_seconds(UINT32_MAX), 255);
}

/* ---- splitting ---- */

static struct sms_part parts[260];
static uint8_t scratch[4096];
static char text[4096];

static int split_text(const char *s, enum sms_alphabet *alph)
{
	return sms_split_text(parts, 260, s, strlen(s), 7, false, alph, scratch, sizeof(scratch));
}

static const char *repeat(const char *unit, int n)
{
	size_t ul = strlen(unit);

	for (int i = 0; i < n; i++)
		memcpy(text + i * ul, unit, ul);
	text[n * ul] = '\0';
	return text;
}

static void test_split_gsm7_boundaries(void **state)
{
	enum sms_alphabet a;

	assert_int_equal(split_text(repeat("x", 159), &a), 1);
	assert_int_equal(a, SMS_ALPHABET_GSM7);
	assert_int_equal(split_text(repeat("x", 160), &a), 1);
	assert_int_equal(parts[0].udh_len, 0);
	assert_int_equal(parts[0].data_len, 160);
	assert_int_equal(split_text(repeat("x", 161), &a), 2);
	assert_int_equal(parts[0].data_len, 153);
	assert_int_equal(parts[1].data_len, 8);
	assert_int_equal(parts[1].udh_len, 5);
	assert_int_equal(parts[1].udh[3], 2);	/* total */
	assert_int_equal(parts[1].udh[4], 2);	/* sequence */
	assert_int_equal(split_text(repeat("x", 306), &a), 2);
	assert_int_equal(split_text(repeat("x", 307), &a), 3);
	assert_int_equal(parts[2].data_len, 1);
	/* 80 euro signs = 160 septets: one part; 81 = 162: two */
	assert_int_equal(split_text(repeat(EURO, 80), &a), 1);
	assert_int_equal(split_text(repeat(EURO, 81), &a), 2);
	/* 153 is odd: the escape sequence that would straddle goes to part 2 */
	assert_int_equal(parts[0].data_len, 152);
	assert_int_equal(parts[0].data[151], 0x65);
	assert_int_equal(parts[1].data[0], SMS_GSM7_ESC);
	assert_int_equal(parts[1].data_len, 10);
	/* "x" + euros: now the pair ends exactly at 153 */
	text[0] = 'x';
	repeat(EURO, 90);
	memmove(text + 1, text, strlen(text) + 1);
	text[0] = 'x';
	assert_int_equal(split_text(text, &a), 2);
	assert_int_equal(parts[0].data_len, 153);
}

static void test_split_ucs2_boundaries(void **state)
{
	enum sms_alphabet a;

	assert_int_equal(split_text(repeat("\xd0\x96", 70), &a), 1);	/* Cyrillic Zhe */
	assert_int_equal(a, SMS_ALPHABET_UCS2);
	assert_int_equal(parts[0].data_len, 140);
	assert_int_equal(split_text(repeat("\xd0\x96", 71), &a), 2);
	assert_int_equal(parts[0].data_len, 134);	/* 67 characters */
	assert_int_equal(split_text(repeat("\xd0\x96", 134), &a), 2);
	assert_int_equal(split_text(repeat("\xd0\x96", 135), &a), 3);
	/* 35 emoji = 70 UTF-16 units: fits; 36: 67 units would cut a pair -> 66 */
	assert_int_equal(split_text(repeat(GRIN, 35), &a), 1);
	assert_int_equal(split_text(repeat(GRIN, 36), &a), 2);
	assert_int_equal(parts[0].data_len, 132);
	assert_int_equal(parts[1].data_len, 12);
	assert_int_equal(parts[1].data[0], 0xd8);
}

static void test_split_8bit_and_user_udh(void **state)
{
	static const uint8_t port_ie[] = { 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0 };
	uint8_t payload[300];
	struct sms_split_req req = { .alphabet = SMS_ALPHABET_8BIT, .payload = payload,
		.ref = 0xbeef, .ref16 = true };

	memset(payload, 0xa5, sizeof(payload));
	req.len = 140;
	assert_int_equal(sms_split(parts, 10, &req), 1);
	req.len = 141;
	assert_int_equal(sms_split(parts, 10, &req), 2);
	assert_int_equal(parts[0].data_len, 133);	/* 16-bit ref: 7-octet UDH */
	assert_int_equal(parts[0].udh[0], SMS_IEI_CONCAT16);
	assert_int_equal(parts[0].udh[2], 0xbe);
	req.ref16 = false;
	req.len = 268;
	assert_int_equal(sms_split(parts, 10, &req), 2);
	req.len = 269;
	assert_int_equal(sms_split(parts, 10, &req), 3);
	/* the client's own port IE travels in every part, after ours */
	req.user_udh = port_ie;
	req.user_udh_len = sizeof(port_ie);
	req.len = 128;	/* 140 - 7 (UDHL + port IE) = 133: fits alone */
	assert_int_equal(sms_split(parts, 10, &req), 1);
	assert_int_equal(parts[0].udh_len, 6);
	req.len = 134;
	assert_int_equal(sms_split(parts, 10, &req), 2);
	assert_int_equal(parts[0].udh_len, 11);
	assert_int_equal(parts[0].data_len, 128);
	assert_memory_equal(parts[1].udh + 5, port_ie, sizeof(port_ie));
	/* too many parts */
	req.user_udh_len = 0;
	req.len = 300;
	assert_int_equal(sms_split(parts, 2, &req), -E2BIG);
}

static void test_split_req_from_smpp(void **state)
{
	static const uint8_t udh_sm[] = { 0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 'h', 'i' };
	static const uint8_t concat_sm[] = { 0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 'h', 'i' };
	struct sms_split_req req;
	uint8_t dcs, scratch2[1024], big[200];

	/* Latin-1 "café" fits GSM7 (é is in the default table) */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, SMS_SMPP_DC_LATIN1, SMS_SMPP_DC_DEFAULT, false,
		(const uint8_t *)"caf\xe9", 4, scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x00);
	assert_int_equal(req.len, 4);
	assert_int_equal(req.payload[3], 0x05);
	/* Latin-1 with a character not in GSM7 (a-circumflex): UCS2 */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, SMS_SMPP_DC_LATIN1, SMS_SMPP_DC_DEFAULT, false,
		(const uint8_t *)"\xe2", 1, scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x08);
	assert_int_equal(req.len, 2);
	assert_int_equal(req.payload[1], 0xe2);
	/* UDHI: the port IE becomes the user's UDH */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, SMS_SMPP_DC_BINARY, SMS_SMPP_DC_DEFAULT, true,
		udh_sm, sizeof(udh_sm), scratch2, sizeof(scratch2)), 0);
	assert_int_equal(req.user_udh_len, 6);
	assert_int_equal(req.len, 2);
	assert_int_equal(dcs, 0x04);
	/* bad UDHL, odd UCS2, 8th bit in default alphabet, unknown data_coding */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 4, SMS_SMPP_DC_DEFAULT, true, udh_sm, 5, scratch2,
		sizeof(scratch2)), -EINVAL);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 8, SMS_SMPP_DC_DEFAULT, false, udh_sm, 3, scratch2,
		sizeof(scratch2)), -EINVAL);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_DEFAULT, false, (const uint8_t *)"\x80", 1,
		scratch2, sizeof(scratch2)), -EINVAL);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0x05, SMS_SMPP_DC_DEFAULT, false, udh_sm, 2, scratch2,
		sizeof(scratch2)), -ENOTSUP);
	/* a client-segmented part that does not fit is refused, not re-split */
	memcpy(big, concat_sm, sizeof(concat_sm));
	memset(big + 6, 'x', sizeof(big) - 6);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_DEFAULT, true, big, sizeof(big), scratch2,
		sizeof(scratch2)), 0);
	assert_int_equal(sms_split(parts, 10, &req), -EMSGSIZE);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_DEFAULT, true, concat_sm, sizeof(concat_sm),
		scratch2, sizeof(scratch2)), 0);
	assert_int_equal(sms_split(parts, 10, &req), 1);
}

/* data_coding 0 per account, message classes, SIM data download (issue 10) */
static void test_split_req_classes(void **state)
{
	static const uint8_t text[] = "user_name@example.com $5 [promo]";
	struct sms_split_req req;
	uint8_t dcs, scratch2[1024];

	/* data_coding 0 as Latin-1: '_' '@' '$' '[' ']' reach the handset as such */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_LATIN1, false, text,
		sizeof(text) - 1, scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x00);
	assert_int_equal(req.alphabet, SMS_ALPHABET_GSM7);
	assert_int_equal(req.payload[4], 0x11);		/* '_' in GSM 03.38 */
	assert_int_equal(req.payload[9], 0x00);		/* '@' */
	/* ... as GSM 03.38 the same octets are septets, as ever */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_DEFAULT, false, text,
		sizeof(text) - 1, scratch2, sizeof(scratch2)), 0);
	assert_int_equal(req.payload[4], '_');
	/* as IA5 an octet above 0x7f is refused */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0, SMS_SMPP_DC_IA5, false, (const uint8_t *)"\xe9", 1,
		scratch2, sizeof(scratch2)), -EINVAL);
	/* flash (class 0) and the other classes keep their TP-DCS */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0x10, SMS_SMPP_DC_DEFAULT, false, text, 4,
		scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x10);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0xf3, SMS_SMPP_DC_DEFAULT, false, text, 4,
		scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0xf3);
	assert_int_equal(req.alphabet, SMS_ALPHABET_GSM7);
	/* 8-bit class 2 (SIM data download) and UCS2 class 1 */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0xf6, SMS_SMPP_DC_DEFAULT, false, text, 3,
		scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0xf6);
	assert_int_equal(req.alphabet, SMS_ALPHABET_8BIT);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0x19, SMS_SMPP_DC_DEFAULT, false, text, 4,
		scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x19);
	assert_int_equal(req.alphabet, SMS_ALPHABET_UCS2);
	/* Latin-1 flash text that needs UCS2: class 0 in the general group */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0xf0, SMS_SMPP_DC_LATIN1, false,
		(const uint8_t *)"\xe2", 1, scratch2, sizeof(scratch2)), 0);
	assert_int_equal(dcs, 0x18);
	/* reserved groups and message waiting stay refused */
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0xf8, SMS_SMPP_DC_DEFAULT, false, text, 1,
		scratch2, sizeof(scratch2)), -ENOTSUP);
	assert_int_equal(sms_split_req_from_smpp(&req, &dcs, 0xc0, SMS_SMPP_DC_DEFAULT, false, text, 1,
		scratch2, sizeof(scratch2)), -ENOTSUP);
}

/* alphanumeric originators: 11 septets, extension characters count two */
static void test_alnum_addr(void **state)
{
	char out[48];

	assert_int_equal(sms_smpp_alnum_addr("Caf\xe9", out, sizeof(out)), 4);	/* Latin-1 */
	assert_string_equal(out, "Caf\xc3\xa9");
	assert_int_equal(sms_smpp_alnum_addr("Caf\xc3\xa9", out, sizeof(out)), 4);	/* UTF-8 */
	assert_int_equal(sms_smpp_alnum_addr("Shop[1]", out, sizeof(out)), 9);
	assert_int_equal(sms_smpp_alnum_addr("ABCDEFGHIJK", out, sizeof(out)), 11);
	assert_int_equal(sms_smpp_alnum_addr("ABCDEFGHIJ{", out, sizeof(out)), -EINVAL);
	assert_int_equal(sms_smpp_alnum_addr("Shop[1][2]", out, sizeof(out)), -EINVAL);
	assert_int_equal(sms_smpp_alnum_addr("Zo\xeb&Co", out, sizeof(out)), -EINVAL);	/* e-diaeresis */
	assert_int_equal(sms_smpp_alnum_addr("", out, sizeof(out)), -EINVAL);
}

/* receipt text: the message's text in the account's data_coding 0 */
static void test_smpp_text_both_ways(void **state)
{
	static const uint8_t gsm_euro[] = { 'C', 'o', 's', 't', ' ', '5', 0x1b, 0x65 };
	static const uint8_t ucs2[] = { 0x00, 'G', 0x00, 'r', 0x00, 0xfc, 0x00, 0xdf, 0x00, 'e', 0x04, 0x10 };
	char utf8[64];
	uint8_t out[64];
	int n;

	n = sms_smpp_to_utf8(utf8, sizeof(utf8), 0, SMS_SMPP_DC_DEFAULT, false, gsm_euro, sizeof(gsm_euro));
	assert_int_equal(n, 9);
	assert_string_equal(utf8, "Cost 5\xe2\x82\xac");
	/* back as GSM 03.38: the euro sign as escape + code */
	assert_int_equal(sms_smpp_from_utf8(out, sizeof(out), SMS_SMPP_DC_DEFAULT, utf8, n, 20), 8);
	assert_memory_equal(out, gsm_euro, 8);
	/* Latin-1 has no euro sign: '?' */
	assert_int_equal(sms_smpp_from_utf8(out, sizeof(out), SMS_SMPP_DC_LATIN1, utf8, n, 20), 7);
	assert_int_equal(out[6], '?');
	/* UCS2 to Latin-1, at most 5 characters */
	n = sms_smpp_to_utf8(utf8, sizeof(utf8), 8, SMS_SMPP_DC_DEFAULT, false, ucs2, sizeof(ucs2));
	assert_true(n > 0);
	assert_int_equal(sms_smpp_from_utf8(out, sizeof(out), SMS_SMPP_DC_LATIN1, utf8, n, 5), 5);
	assert_memory_equal(out, "Gr\xfc\xdf" "e", 5);
	/* binary has no text */
	assert_int_equal(sms_smpp_to_utf8(utf8, sizeof(utf8), 4, SMS_SMPP_DC_DEFAULT, false, ucs2, 2), -ENOTSUP);
}

/* ---- hardened decoding ---- */

/* SMS-DELIVER, OA 12345, DCS 0, UDHI, UDL 10: UDH = concat 8-bit, 1 fill bit, "abc" */
static const uint8_t good_udh[] = {
	0x44, 0x05, 0x91, 0x21, 0x43, 0xf5, 0x00, 0x00,
	0x62, 0x11, 0x42, 0x12, 0x85, 0x70, 0x00,
	0x0a, 0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 0xc2, 0xe2, 0x31,
};

static void test_decode_good_udh(void **state)
{
	struct sms_tpdu d;
	char s[16];

	assert_int_equal(sms_tpdu_decode(&d, good_udh, sizeof(good_udh), 0), 0);
	assert_true(d.udh.has_concat);
	assert_int_equal(d.udh.concat_total, 2);
	assert_int_equal(d.ud.data_len, 3);
	assert_int_equal(d.fill_bits, 1);
	assert_int_equal(sms_tpdu_text(&d, s, sizeof(s)), 3);
	assert_string_equal(s, "abc");
}

static void test_tpdu_to_smpp(void **state)
{
	static const uint8_t expect[] = { 0x05, 0x00, 0x03, 0x07, 0x02, 0x01, 'a', 'b', 'c' };
	struct sms_tpdu d;
	uint8_t sm[200], dc;

	assert_int_equal(sms_tpdu_decode(&d, good_udh, sizeof(good_udh), 0), 0);
	assert_int_equal(sms_tpdu_to_smpp(&d, &dc, sm, sizeof(sm)), sizeof(expect));
	assert_int_equal(dc, SMS_SMPP_DC_DEFAULT);
	assert_memory_equal(sm, expect, sizeof(expect));
	assert_int_equal(sms_tpdu_to_smpp(&d, &dc, sm, 8), -ENOSPC);
}

static void test_decode_bad_input(void **state)
{
	uint8_t b[64];
	struct sms_tpdu d;
	size_t i;

	/* every truncation fails cleanly */
	for (i = 0; i < sizeof(good_udh); i++)
		assert_true(sms_tpdu_decode(&d, good_udh, i, 0) < 0);
	/* trailing octet */
	memcpy(b, good_udh, sizeof(good_udh));
	b[sizeof(good_udh)] = 0;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh) + 1, 0), -SMS_ERR_TRAILING);
	/* UDHL longer than the user data */
	memcpy(b, good_udh, sizeof(good_udh));
	b[16] = 0x09;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_UDHL);
	/* IE length past the UDH */
	memcpy(b, good_udh, sizeof(good_udh));
	b[18] = 0x04;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_IE_LEN);
	/* UDL 200 septets */
	memcpy(b, good_udh, sizeof(good_udh));
	b[15] = 200;
	assert_true(sms_tpdu_decode(&d, b, sizeof(good_udh), 0) < 0);
	/* UDL smaller than the UDH (in septets) */
	b[15] = 3;
	assert_int_equal(sms_tpdu_decode(&d, b, 19, 0), -SMS_ERR_UDHL);
	/* address length 21 digits, and 0xF inside the digits */
	memcpy(b, good_udh, sizeof(good_udh));
	b[1] = 21;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_ADDR_LEN);
	memcpy(b, good_udh, sizeof(good_udh));
	b[3] = 0x2f;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_BCD);
	/* bad BCD in the timestamp */
	memcpy(b, good_udh, sizeof(good_udh));
	b[8] = 0x6a;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_TS);
	/* MTI 3 is reserved both ways */
	memcpy(b, good_udh, sizeof(good_udh));
	b[0] = 0x03;
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), 0), -SMS_ERR_MTI);
	assert_int_equal(sms_tpdu_decode(&d, b, sizeof(good_udh), SMS_DEC_MO), -SMS_ERR_MTI);
	/* COMMAND with TP-CDL past the end */
	static const uint8_t cmd[] = { 0x02, 0x01, 0x00, 0x01, 0x05, 0x03, 0x91, 0x21, 0xf3,
				       0x04, 0xaa, 0xbb };
	assert_int_equal(sms_tpdu_decode(&d, cmd, sizeof(cmd), SMS_DEC_MO), -SMS_ERR_UDL);
	assert_int_equal(sms_tpdu_decode(&d, cmd, sizeof(cmd) - 3, SMS_DEC_MO), -SMS_ERR_SHORT);
	assert_string_equal(sms_err_str(-SMS_ERR_UDHL), "UDHL exceeds user data");
}

static void test_encode_limits(void **state)
{
	uint8_t sep[200], enc[200];
	struct sms_tpdu t = { .type = SMS_DELIVER, .addr = { .ton = 1, .npi = 1, .text = "1" } };

	memset(sep, 'a', sizeof(sep));
	t.ud.data = sep;
	t.ud.data_len = 161;
	assert_int_equal(sms_tpdu_encode(enc, sizeof(enc), &t), -EINVAL);
	t.ud.data_len = 160;
	assert_int_equal(sms_tpdu_encode(enc, sizeof(enc), &t), 14 + 140);
	assert_int_equal(sms_tpdu_encode(enc, 100, &t), -ENOSPC);
	strcpy(t.addr.text, "12x");
	assert_int_equal(sms_tpdu_encode(enc, sizeof(enc), &t), -EINVAL);
	strcpy(t.addr.text, "123456789012345678901");
	assert_int_equal(sms_tpdu_encode(enc, sizeof(enc), &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gsm7_all_codes_roundtrip),
		cmocka_unit_test(test_gsm7_counting),
		cmocka_unit_test(test_gsm7_odd_escapes),
		cmocka_unit_test(test_septet_packing),
		cmocka_unit_test(test_ucs2_surrogates),
		cmocka_unit_test(test_dcs_groups),
		cmocka_unit_test(test_ts_time),
		cmocka_unit_test(test_vp_relative),
		cmocka_unit_test(test_split_gsm7_boundaries),
		cmocka_unit_test(test_split_ucs2_boundaries),
		cmocka_unit_test(test_split_8bit_and_user_udh),
		cmocka_unit_test(test_split_req_from_smpp),
		cmocka_unit_test(test_split_req_classes),
		cmocka_unit_test(test_alnum_addr),
		cmocka_unit_test(test_smpp_text_both_ways),
		cmocka_unit_test(test_decode_good_udh),
		cmocka_unit_test(test_tpdu_to_smpp),
		cmocka_unit_test(test_decode_bad_input),
		cmocka_unit_test(test_encode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
