/* The signature on a bulk job's posts to its notifyUrl, so that the
 * receiver can tell the gateway sent them and refuse replays:
 *   X-Sigway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 * where the HMAC is keyed with the account's `lookup notify-secret` and
 * taken over "<t>.<body>", the body exactly as sent. While the secret is
 * rotated a second v1 follows, keyed with the previous secret; a receiver
 * takes the post when any v1 is its own. See doc/lookup.md. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define LOOKUP_SIGNATURE_HEADER		"X-Sigway-Signature"
#define LOOKUP_SIGNATURE_HEX_LEN	64	/* SHA-256: 32 bytes, lower-case hex */
/* the header line: name, ": t=", 20 digits at most, twice ",v1=" and hex, NUL */
#define LOOKUP_SIGNATURE_LINE_MAX \
	(sizeof(LOOKUP_SIGNATURE_HEADER) + 4 + 20 + 2 * (4 + LOOKUP_SIGNATURE_HEX_LEN) + 1)

/* hex (LOOKUP_SIGNATURE_HEX_LEN characters, lower case, and a NUL) of
 * HMAC-SHA256(key, prefix followed by data) */
void lookup_hmac_sha256_hex(const void *key, size_t key_len, const char *prefix, const void *data, size_t len,
			    char hex[LOOKUP_SIGNATURE_HEX_LEN + 1]);
/* The same of HMAC-SHA256(secret, "<t>.<body>") */
void lookup_sign(const char *secret, int64_t t, const void *body, size_t len,
		 char hex[LOOKUP_SIGNATURE_HEX_LEN + 1]);
/* The header line "X-Sigway-Signature: t=<t>,v1=<hex>" for
 * http_client_opts.headers, with ",v1=<hex of previous>" after it when
 * previous is neither NULL nor "" (a rotation); its length, or -1 when
 * out does not hold it */
int lookup_signature_header(char *out, size_t outsz, const char *secret, const char *previous, int64_t t,
			    const void *body, size_t len);
