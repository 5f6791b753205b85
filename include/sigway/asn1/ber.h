/* BER (ITU-T X.690) primitives for the hand-written TCAP and MAP codecs.
 * The decoder is a cursor over a const buffer: no allocation, every read
 * bounds-checked. The encoder writes forwards into a caller buffer and fixes
 * up lengths when a constructed element is closed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An identifier packed into 32 bits: class (2), constructed (1), number (29).
 * Single-octet identifiers of TCAP/MAP read naturally, e.g. BER_CTX_C(1) is
 * the 0xa1 of an Invoke. */
#define BER_CLASS_UNIV	0u
#define BER_CLASS_APP	1u
#define BER_CLASS_CTX	2u
#define BER_CLASS_PRIV	3u
#define BER_ID(cls, cons, num)	(((uint32_t)(cls) << 30) | ((uint32_t)(cons) << 29) | (uint32_t)(num))
#define BER_UNIV(n)	BER_ID(BER_CLASS_UNIV, 0, n)
#define BER_UNIV_C(n)	BER_ID(BER_CLASS_UNIV, 1, n)
#define BER_APP(n)	BER_ID(BER_CLASS_APP, 0, n)
#define BER_APP_C(n)	BER_ID(BER_CLASS_APP, 1, n)
#define BER_CTX(n)	BER_ID(BER_CLASS_CTX, 0, n)
#define BER_CTX_C(n)	BER_ID(BER_CLASS_CTX, 1, n)
#define BER_ID_CLASS(id)	((id) >> 30)
#define BER_ID_CONSTRUCTED(id)	(((id) >> 29) & 1)
#define BER_ID_NUMBER(id)	((id) & 0x1fffffff)

/* universal tags */
#define BER_BOOLEAN	BER_UNIV(1)
#define BER_INTEGER	BER_UNIV(2)
#define BER_BIT_STRING	BER_UNIV(3)
#define BER_OCTET_STRING BER_UNIV(4)
#define BER_NULL	BER_UNIV(5)
#define BER_OID		BER_UNIV(6)
#define BER_EXTERNAL	BER_UNIV_C(8)
#define BER_ENUMERATED	BER_UNIV(10)
#define BER_SEQUENCE	BER_UNIV_C(16)
#define BER_SET		BER_UNIV_C(17)

enum ber_err {
	BER_ERR_TRUNCATED = 1,	/* header or contents run past the end */
	BER_ERR_BAD_LENGTH,	/* length form we do not accept (> 4 octets, reserved 0xff) */
	BER_ERR_INDEFINITE,	/* indefinite length where the caller does not allow it, or on a primitive */
	BER_ERR_BAD_TAG,	/* tag number too large / malformed high tag */
	BER_ERR_TOO_DEEP,	/* nesting deeper than BER_MAX_DEPTH inside an indefinite form */
	BER_ERR_UNEXPECTED,	/* not the identifier the caller expected */
	BER_ERR_BAD_VALUE,	/* value out of range for what was asked */
	BER_ERR_NO_SPACE,	/* encoder: buffer too small */
	_BER_ERR_COUNT
};

#define BER_MAX_DEPTH 16

/* Decoding flags */
#define BER_ALLOW_INDEFINITE 0x1	/* accept indefinite lengths on constructed elements */

struct ber_tlv {
	uint32_t id;
	const uint8_t *val;	/* contents */
	size_t len;		/* contents length (for indefinite: up to the end-of-contents) */
	const uint8_t *raw;	/* the whole element, identifier to last octet */
	size_t raw_len;
	bool indefinite;
};

struct ber_cursor {
	const uint8_t *p;
	const uint8_t *end;
	unsigned int flags;
};

static inline void ber_cursor_init(struct ber_cursor *c, const uint8_t *buf, size_t len, unsigned int flags)
{
	c->p = buf;
	c->end = buf ? buf + len : buf;		/* NULL + 0 is undefined */
	c->flags = flags;
}

/* The contents of a constructed element, as a cursor with the same flags */
static inline void ber_cursor_enter(struct ber_cursor *sub, const struct ber_cursor *parent,
				    const struct ber_tlv *t)
{
	ber_cursor_init(sub, t->val, t->len, parent->flags);
}

static inline bool ber_cursor_done(const struct ber_cursor *c)
{
	return c->p >= c->end;
}

/* Reads the next element. Returns 0, or -enum ber_err (cursor unchanged). */
int ber_next(struct ber_cursor *c, struct ber_tlv *t);
/* Reads the next element and checks its identifier. */
int ber_expect(struct ber_cursor *c, struct ber_tlv *t, uint32_t id);
/* Peeks at the identifier of the next element; false at the end or on error. */
bool ber_peek(const struct ber_cursor *c, uint32_t *id);

/* Contents interpreters */
int ber_get_int(const struct ber_tlv *t, int32_t *out);	/* 1-4 octets, two's complement */
int ber_get_uint(const struct ber_tlv *t, uint32_t *out);	/* non-negative, up to 32 bits */
int ber_get_bool(const struct ber_tlv *t, bool *out);

/* TBCD-STRING (3GPP TS 29.002): digits low nibble first, 0xf filler.
 * Writes up to outsz-1 digits ('0'-'9', '*', '#', 'a', 'b', 'c') and a NUL. */
int ber_tbcd_decode(char *out, size_t outsz, const uint8_t *in, size_t len);
/* Encodes digits to TBCD; returns octets written or -BER_ERR_* */
int ber_tbcd_encode(uint8_t *out, size_t outsz, const char *digits);

/* ---------------------------------------------------------------- encoder */

struct ber_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

static inline void ber_enc_init(struct ber_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->overflow = false;
}

/* Returns the encoded length, or -BER_ERR_NO_SPACE if anything did not fit */
static inline int ber_enc_result(const struct ber_enc *e)
{
	return e->overflow ? -BER_ERR_NO_SPACE : (int)e->len;
}

/* Opens a constructed element; close it with ber_close(e, mark) */
size_t ber_open(struct ber_enc *e, uint32_t id);
void ber_close(struct ber_enc *e, size_t mark);

/* Primitive elements */
void ber_put(struct ber_enc *e, uint32_t id, const void *val, size_t len);
void ber_put_int(struct ber_enc *e, uint32_t id, int32_t v);
void ber_put_uint(struct ber_enc *e, uint32_t id, uint32_t v);
void ber_put_bool(struct ber_enc *e, uint32_t id, bool v);
void ber_put_null(struct ber_enc *e, uint32_t id);
/* TBCD digits as a primitive element, optionally after a leading octet
 * (the TON/NPI octet of an AddressString; lead < 0: none) */
void ber_put_tbcd(struct ber_enc *e, uint32_t id, int lead, const char *digits);
/* Already encoded bytes (a whole TLV, or several) */
void ber_put_raw(struct ber_enc *e, const void *data, size_t len);

const char *ber_strerror(int err);
