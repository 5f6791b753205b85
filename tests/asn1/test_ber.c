/* BER primitives: lengths (short/long/indefinite), high tags, integers,
 * TBCD, and the encoder's length fix-up. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <sigway/asn1/ber.h>

static void test_lengths(void **state)
{
	struct ber_cursor c;
	struct ber_tlv t;
	static const uint8_t short_form[] = { 0x04, 0x02, 0xaa, 0xbb };
	ber_cursor_init(&c, short_form, sizeof(short_form), 0);
	assert_int_equal(ber_next(&c, &t), 0);
	assert_int_equal(t.id, BER_OCTET_STRING);
	assert_int_equal(t.len, 2);
	assert_true(ber_cursor_done(&c));

	uint8_t long_form[3 + 300] = { 0x04, 0x82, 0x01, 0x2c };
	ber_cursor_init(&c, long_form, 4 + 300, 0);
	assert_int_equal(ber_next(&c, &t), 0);
	assert_int_equal(t.len, 300);
	/* length past the end, and 5 length octets */
	ber_cursor_init(&c, long_form, 100, 0);
	assert_int_equal(ber_next(&c, &t), -BER_ERR_TRUNCATED);
	static const uint8_t five[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 0 };
	ber_cursor_init(&c, five, sizeof(five), 0);
	assert_int_equal(ber_next(&c, &t), -BER_ERR_BAD_LENGTH);
}

static void test_indefinite(void **state)
{
	struct ber_cursor c;
	struct ber_tlv t;
	static const uint8_t seq[] = { 0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00 };
	ber_cursor_init(&c, seq, sizeof(seq), 0);
	assert_int_equal(ber_next(&c, &t), -BER_ERR_INDEFINITE);
	ber_cursor_init(&c, seq, sizeof(seq), BER_ALLOW_INDEFINITE);
	assert_int_equal(ber_next(&c, &t), 0);
	assert_true(t.indefinite);
	assert_int_equal(t.len, 9);
	assert_int_equal(t.raw_len, sizeof(seq));
	/* never on a primitive */
	static const uint8_t prim[] = { 0x04, 0x80, 0x01, 0x00, 0x00 };
	ber_cursor_init(&c, prim, sizeof(prim), BER_ALLOW_INDEFINITE);
	assert_int_equal(ber_next(&c, &t), -BER_ERR_INDEFINITE);
	/* missing end-of-contents */
	ber_cursor_init(&c, seq, sizeof(seq) - 2, BER_ALLOW_INDEFINITE);
	assert_true(ber_next(&c, &t) < 0);
	/* nesting bomb */
	uint8_t deep[2 * 40 + 2 * 40];
	for (int i = 0; i < 40; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = 0x80;
	}
	memset(deep + 80, 0, 80);
	ber_cursor_init(&c, deep, sizeof(deep), BER_ALLOW_INDEFINITE);
	assert_int_equal(ber_next(&c, &t), -BER_ERR_TOO_DEEP);
}

static void test_high_tag_roundtrip(void **state)
{
	uint8_t buf[16];
	struct ber_enc e;
	ber_enc_init(&e, buf, sizeof(buf));
	ber_put_null(&e, BER_CTX(200));
	assert_int_equal(ber_enc_result(&e), 4);
	static const uint8_t expect[] = { 0x9f, 0x81, 0x48, 0x00 };
	assert_memory_equal(buf, expect, 4);
	struct ber_cursor c;
	struct ber_tlv t;
	ber_cursor_init(&c, buf, 4, 0);
	assert_int_equal(ber_next(&c, &t), 0);
	assert_int_equal(t.id, BER_CTX(200));
}

static void test_integers(void **state)
{
	static const int32_t values[] = { 0, 1, 127, 128, 255, 256, -1, -128, -129, 65535, -65536, 0x7fffffff,
					  (int32_t)0x80000000 };
	static const int lens[] = { 1, 1, 1, 2, 2, 2, 1, 1, 2, 3, 3, 4, 4 };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint8_t buf[8];
		struct ber_enc e;
		ber_enc_init(&e, buf, sizeof(buf));
		ber_put_int(&e, BER_INTEGER, values[i]);
		assert_int_equal(ber_enc_result(&e), 2 + lens[i]);
		struct ber_cursor c;
		struct ber_tlv t;
		int32_t v;
		ber_cursor_init(&c, buf, e.len, 0);
		assert_int_equal(ber_next(&c, &t), 0);
		assert_int_equal(ber_get_int(&t, &v), 0);
		assert_int_equal(v, values[i]);
	}
	uint8_t buf[8];
	struct ber_enc e;
	ber_enc_init(&e, buf, sizeof(buf));
	ber_put_uint(&e, BER_INTEGER, 0xffffffffu);
	assert_int_equal(ber_enc_result(&e), 7);	/* leading zero octet */
	struct ber_cursor c;
	struct ber_tlv t;
	uint32_t u;
	ber_cursor_init(&c, buf, e.len, 0);
	ber_next(&c, &t);
	assert_int_equal(ber_get_uint(&t, &u), 0);
	assert_int_equal(u, 0xffffffffu);
}

static void test_tbcd(void **state)
{
	uint8_t buf[8];
	char out[20];
	assert_int_equal(ber_tbcd_encode(buf, sizeof(buf), "4917612345"), 5);
	static const uint8_t e1[] = { 0x94, 0x71, 0x16, 0x32, 0x54 };
	assert_memory_equal(buf, e1, 5);
	assert_int_equal(ber_tbcd_encode(buf, sizeof(buf), "*100#"), 3);
	static const uint8_t e2[] = { 0x1a, 0x00, 0xfb };
	assert_memory_equal(buf, e2, 3);
	assert_int_equal(ber_tbcd_decode(out, sizeof(out), buf, 3), 5);
	assert_string_equal(out, "*100#");
	/* filler in the middle is malformed */
	static const uint8_t bad[] = { 0xf1, 0x23 };
	assert_true(ber_tbcd_decode(out, sizeof(out), bad, 2) < 0);
	assert_true(ber_tbcd_encode(buf, sizeof(buf), "12x") < 0);
	assert_true(ber_tbcd_decode(out, 3, e1, 5) < 0);	/* output too small */
}

static void test_encoder_fixup_and_overflow(void **state)
{
	uint8_t buf[400], payload[200];
	memset(payload, 0x55, sizeof(payload));
	struct ber_enc e;
	ber_enc_init(&e, buf, sizeof(buf));
	size_t outer = ber_open(&e, BER_SEQUENCE);
	size_t inner = ber_open(&e, BER_CTX_C(1));
	ber_put(&e, BER_OCTET_STRING, payload, sizeof(payload));
	ber_close(&e, inner);
	ber_close(&e, outer);
	assert_int_equal(ber_enc_result(&e), 3 + 3 + 3 + 200);
	static const uint8_t head[] = { 0x30, 0x81, 0xce, 0xa1, 0x81, 0xcb, 0x04, 0x81, 0xc8 };
	assert_memory_equal(buf, head, sizeof(head));
	ber_enc_init(&e, buf, 100);
	ber_put(&e, BER_OCTET_STRING, payload, sizeof(payload));
	assert_int_equal(ber_enc_result(&e), -BER_ERR_NO_SPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_indefinite),
		cmocka_unit_test(test_high_tag_roundtrip),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_tbcd),
		cmocka_unit_test(test_encoder_fixup_and_overflow),
	};
	return cmocka_run_group_tests_name("ber", tests, NULL, NULL);
}
