/* The signature of notifyUrl posts (lookup_sign.h): HMAC-SHA256 of
 * nettle, the library GnuTLS is built on (doc/dependencies.md). */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <nettle/hmac.h>
#include <sigway/lookup/lookup_sign.h>

void lookup_hmac_sha256_hex(const void *key, size_t key_len, const char *prefix, const void *data, size_t len,
			    char hex[LOOKUP_SIGNATURE_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&ctx, key_len, key);
	hmac_sha256_update(&ctx, strlen(prefix), (const uint8_t *)prefix);
	if (len)
		hmac_sha256_update(&ctx, len, data);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	/* the context holds the key's inner and outer pads */
	explicit_bzero(&ctx, sizeof(ctx));
	for (size_t i = 0; i < sizeof(mac); i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[LOOKUP_SIGNATURE_HEX_LEN] = '\0';
}

void lookup_sign(const char *secret, int64_t t, const void *body, size_t len,
		 char hex[LOOKUP_SIGNATURE_HEX_LEN + 1])
{
	char stamp[24];
	snprintf(stamp, sizeof(stamp), "%" PRId64 ".", t);
	lookup_hmac_sha256_hex(secret, strlen(secret), stamp, body, len, hex);
}

int lookup_signature_header(char *out, size_t outsz, const char *secret, const char *previous, int64_t t,
			    const void *body, size_t len)
{
	char hex[LOOKUP_SIGNATURE_HEX_LEN + 1], prev[LOOKUP_SIGNATURE_HEX_LEN + 1] = "";
	lookup_sign(secret, t, body, len, hex);
	if (previous && previous[0])
		lookup_sign(previous, t, body, len, prev);
	int n = snprintf(out, outsz, LOOKUP_SIGNATURE_HEADER ": t=%" PRId64 ",v1=%s%s%s", t, hex,
			 prev[0] ? ",v1=" : "", prev);
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}
