/* The signature of notifyUrl posts: HMAC-SHA256 against RFC 4231's test
 * vectors (a short key, a key longer than SHA-256's block), the
 * "<t>.<body>" message and the header line (one secret, and two while
 * it is rotated) against values computed independently (Python's hmac
 * module), and what must change it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sigway/lookup/lookup_sign.h>

#define SECRET "0123456789abcdef-notify"
#define PREVIOUS "fedcba9876543210-previous"	/* the secret before SECRET, while it is rotated */
#define BODY "{\"jobId\":\"0123456789abcdef\",\"results\":[],\"final\":true}"

/* RFC 4231 4.3, test case 2: key "Jefe" */
#define RFC4231_2 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

static void test_rfc4231(void **state)
{
	char hex[LOOKUP_SIGNATURE_HEX_LEN + 1];
	static const char data[] = "what do ya want for nothing?";

	lookup_hmac_sha256_hex("Jefe", 4, "", data, strlen(data), hex);
	assert_string_equal(hex, RFC4231_2);
	/* the prefix and the data are one message */
	lookup_hmac_sha256_hex("Jefe", 4, "what do ya ", "want for nothing?", 17, hex);
	assert_string_equal(hex, RFC4231_2);
	lookup_hmac_sha256_hex("Jefe", 4, data, NULL, 0, hex);
	assert_string_equal(hex, RFC4231_2);

	/* RFC 4231 4.7, test case 6: a key of 131 bytes (longer than the
	 * block; a notify secret may have 128) is hashed first */
	uint8_t key[131];
	static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	memset(key, 0xaa, sizeof(key));
	lookup_hmac_sha256_hex(key, sizeof(key), "", data6, strlen(data6), hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* expected values: hmac.new(SECRET, b"<t>." + BODY, hashlib.sha256).hexdigest() */
static void test_sign(void **state)
{
	char hex[LOOKUP_SIGNATURE_HEX_LEN + 1], other[LOOKUP_SIGNATURE_HEX_LEN + 1];

	lookup_sign(SECRET, 1700000000, BODY, strlen(BODY), hex);
	assert_string_equal(hex, "95ada2b249db88caf83c29fe0b2f96bfac5cf03b2dafeb1f7d1f440dfa302f2d");
	/* another second: another signature (a replay cannot be re-dated) */
	lookup_sign(SECRET, 1700000001, BODY, strlen(BODY), other);
	assert_string_equal(other, "9ba1179e278c46b41f4740b5a3d1d1671bde8ead0b7419de01a8aeabc86757b1");
	/* one byte of the body, or the key, changed: not the same */
	char tampered[] = BODY;
	tampered[sizeof(tampered) - 3] = 'E';	/* "truE}" */
	lookup_sign(SECRET, 1700000000, tampered, strlen(tampered), other);
	assert_string_not_equal(other, hex);
	lookup_sign(SECRET "x", 1700000000, BODY, strlen(BODY), other);
	assert_string_not_equal(other, hex);
	/* an empty body is signed too ("<t>." alone) */
	lookup_sign(SECRET, -5, "", 0, other);
	assert_string_equal(other, "abb6947207804439106c1c51761a7de440699b26984b3605bc00886d0ca7168b");
}

static void test_header(void **state)
{
	char line[LOOKUP_SIGNATURE_LINE_MAX];
	static const char want[] = "X-Sigway-Signature: t=1700000000,"
				   "v1=95ada2b249db88caf83c29fe0b2f96bfac5cf03b2dafeb1f7d1f440dfa302f2d";

	int n = lookup_signature_header(line, sizeof(line), SECRET, NULL, 1700000000, BODY, strlen(BODY));
	assert_int_equal(n, strlen(want));
	assert_string_equal(line, want);
	/* no previous secret: NULL and "" alike */
	n = lookup_signature_header(line, sizeof(line), SECRET, "", 1700000000, BODY, strlen(BODY));
	assert_string_equal(line, want);
	/* the longest time there is fits the line the header declares */
	n = lookup_signature_header(line, sizeof(line), SECRET, NULL, INT64_MIN, BODY, strlen(BODY));
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_non_null(strstr(line, "t=-9223372036854775808,v1="));
	/* too small a buffer: refused, not cut */
	assert_int_equal(lookup_signature_header(line, strlen(want), SECRET, NULL, 1700000000, BODY, strlen(BODY)),
			 -1);
	assert_int_equal(lookup_signature_header(line, strlen(want) + 1, SECRET, NULL, 1700000000, BODY,
						 strlen(BODY)), strlen(want));
}

/* While the secret is rotated: one time, the current secret's v1, then the
 * previous one's (hmac.new(PREVIOUS, b"1700000000." + BODY, sha256)); each
 * the same as it is alone, so a receiver holding either finds its own */
static void test_header_rotation(void **state)
{
	char line[LOOKUP_SIGNATURE_LINE_MAX];
	static const char want[] = "X-Sigway-Signature: t=1700000000,"
				   "v1=95ada2b249db88caf83c29fe0b2f96bfac5cf03b2dafeb1f7d1f440dfa302f2d,"
				   "v1=411aca2992b0d92781bb6204e8193f5beb79baac30afb6fba3ed054a8abcab3f";
	char alone[LOOKUP_SIGNATURE_HEX_LEN + 1];

	int n = lookup_signature_header(line, sizeof(line), SECRET, PREVIOUS, 1700000000, BODY, strlen(BODY));
	assert_int_equal(n, strlen(want));
	assert_string_equal(line, want);
	lookup_sign(PREVIOUS, 1700000000, BODY, strlen(BODY), alone);
	assert_string_equal(line + strlen(want) - LOOKUP_SIGNATURE_HEX_LEN, alone);
	/* the order says which is which: swapped secrets, swapped v1s */
	lookup_signature_header(line, sizeof(line), PREVIOUS, SECRET, 1700000000, BODY, strlen(BODY));
	assert_string_equal(line, "X-Sigway-Signature: t=1700000000,"
			    "v1=411aca2992b0d92781bb6204e8193f5beb79baac30afb6fba3ed054a8abcab3f,"
			    "v1=95ada2b249db88caf83c29fe0b2f96bfac5cf03b2dafeb1f7d1f440dfa302f2d");
	/* the longest line there is (the longest time, two signatures) fits */
	n = lookup_signature_header(line, sizeof(line), SECRET, PREVIOUS, INT64_MIN, BODY, strlen(BODY));
	assert_int_equal(n, strlen(LOOKUP_SIGNATURE_HEADER ": t=-9223372036854775808") +
			    2 * (4 + LOOKUP_SIGNATURE_HEX_LEN));
	assert_true((size_t)n < sizeof(line));
	/* too small a buffer: refused, not cut after the first signature */
	assert_int_equal(lookup_signature_header(line, strlen(want), SECRET, PREVIOUS, 1700000000, BODY,
						 strlen(BODY)), -1);
	assert_int_equal(lookup_signature_header(line, strlen(want) + 1, SECRET, PREVIOUS, 1700000000, BODY,
						 strlen(BODY)), strlen(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_sign),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_header_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
