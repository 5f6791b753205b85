/* BER (X.690) decoding cursor and forward encoder. */

#include <string.h>
#include <sigway/asn1/ber.h>

/* ---------------------------------------------------------------- decoder */

static int read_identifier(const uint8_t **pp, const uint8_t *end, uint32_t *id)
{
	const uint8_t *p = *pp;
	if (p >= end)
		return -BER_ERR_TRUNCATED;
	uint8_t first = *p++;
	uint32_t cls = first >> 6, cons = (first >> 5) & 1, num = first & 0x1f;
	if (num == 0x1f) {
		/* high tag number: base-128, at most 4 octets (28 bits) */
		num = 0;
		for (int i = 0;; i++) {
			if (p >= end)
				return -BER_ERR_TRUNCATED;
			if (i == 4 || (i == 0 && *p == 0x80))
				return -BER_ERR_BAD_TAG;
			num = (num << 7) | (*p & 0x7f);
			if (!(*p++ & 0x80))
				break;
		}
	}
	*id = BER_ID(cls, cons, num);
	*pp = p;
	return 0;
}

/* Finds the end-of-contents of an indefinite element whose contents start at p */
static int find_eoc(const uint8_t *p, const uint8_t *end, unsigned int depth, const uint8_t **eoc);

static int read_element(const uint8_t *start, const uint8_t *end, unsigned int flags,
			unsigned int depth, struct ber_tlv *t)
{
	const uint8_t *p = start;
	int rc = read_identifier(&p, end, &t->id);
	if (rc < 0)
		return rc;
	if (p >= end)
		return -BER_ERR_TRUNCATED;
	uint8_t l0 = *p++;
	t->indefinite = false;
	if (l0 < 0x80) {
		t->len = l0;
	} else if (l0 == 0x80) {
		if (!(flags & BER_ALLOW_INDEFINITE) || !BER_ID_CONSTRUCTED(t->id))
			return -BER_ERR_INDEFINITE;
		if (depth >= BER_MAX_DEPTH)
			return -BER_ERR_TOO_DEEP;
		const uint8_t *eoc;
		if ((rc = find_eoc(p, end, depth + 1, &eoc)) < 0)
			return rc;
		t->val = p;
		t->len = (size_t)(eoc - p);
		t->raw = start;
		t->raw_len = (size_t)(eoc + 2 - start);
		t->indefinite = true;
		return 0;
	} else {
		unsigned int n = l0 & 0x7f;
		if (n > 4 || l0 == 0xff)
			return -BER_ERR_BAD_LENGTH;
		if ((size_t)(end - p) < n)
			return -BER_ERR_TRUNCATED;
		size_t len = 0;
		for (unsigned int i = 0; i < n; i++)
			len = (len << 8) | *p++;
		t->len = len;
	}
	if ((size_t)(end - p) < t->len)
		return -BER_ERR_TRUNCATED;
	t->val = p;
	t->raw = start;
	t->raw_len = (size_t)(p + t->len - start);
	return 0;
}

static int find_eoc(const uint8_t *p, const uint8_t *end, unsigned int depth, const uint8_t **eoc)
{
	struct ber_tlv t;
	for (;;) {
		if (end - p >= 2 && p[0] == 0 && p[1] == 0) {
			*eoc = p;
			return 0;
		}
		if (p >= end)
			return -BER_ERR_TRUNCATED;
		int rc = read_element(p, end, BER_ALLOW_INDEFINITE, depth, &t);
		if (rc < 0)
			return rc;
		p = t.raw + t.raw_len;
	}
}

int ber_next(struct ber_cursor *c, struct ber_tlv *t)
{
	int rc = read_element(c->p, c->end, c->flags, 0, t);
	if (rc < 0)
		return rc;
	c->p = t->raw + t->raw_len;
	return 0;
}

int ber_expect(struct ber_cursor *c, struct ber_tlv *t, uint32_t id)
{
	struct ber_cursor save = *c;
	int rc = ber_next(c, t);
	if (rc < 0)
		return rc;
	if (t->id != id) {
		*c = save;
		return -BER_ERR_UNEXPECTED;
	}
	return 0;
}

bool ber_peek(const struct ber_cursor *c, uint32_t *id)
{
	const uint8_t *p = c->p;
	return read_identifier(&p, c->end, id) == 0;
}

int ber_get_int(const struct ber_tlv *t, int32_t *out)
{
	if (t->len < 1 || t->len > 4)
		return -BER_ERR_BAD_VALUE;
	int32_t v = (t->val[0] & 0x80) ? -1 : 0;
	for (size_t i = 0; i < t->len; i++)
		v = (int32_t)(((uint32_t)v << 8) | t->val[i]);
	*out = v;
	return 0;
}

int ber_get_uint(const struct ber_tlv *t, uint32_t *out)
{
	/* a 32-bit value may need a leading zero octet */
	if (t->len < 1 || t->len > 5 || (t->val[0] & 0x80) || (t->len == 5 && t->val[0] != 0))
		return -BER_ERR_BAD_VALUE;
	uint32_t v = 0;
	for (size_t i = 0; i < t->len; i++)
		v = (v << 8) | t->val[i];
	*out = v;
	return 0;
}

int ber_get_bool(const struct ber_tlv *t, bool *out)
{
	if (t->len != 1)
		return -BER_ERR_BAD_VALUE;
	*out = t->val[0] != 0;
	return 0;
}

static const char tbcd_digits[16] = "0123456789*#abc";

int ber_tbcd_decode(char *out, size_t outsz, const uint8_t *in, size_t len)
{
	size_t n = 0;
	if (outsz == 0)
		return -BER_ERR_NO_SPACE;
	for (size_t i = 0; i < len; i++) {
		for (int half = 0; half < 2; half++) {
			uint8_t nib = half ? in[i] >> 4 : in[i] & 0x0f;
			if (nib == 0x0f) {
				/* filler: only allowed as the very last nibble */
				if (!half || i != len - 1)
					return -BER_ERR_BAD_VALUE;
				continue;
			}
			if (n + 1 >= outsz)
				return -BER_ERR_NO_SPACE;
			out[n++] = tbcd_digits[nib];
		}
	}
	out[n] = '\0';
	return (int)n;
}

static int tbcd_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	switch (c) {
	case '*': return 0xa;
	case '#': return 0xb;
	case 'a': return 0xc;
	case 'b': return 0xd;
	case 'c': return 0xe;
	}
	return -1;
}

int ber_tbcd_encode(uint8_t *out, size_t outsz, const char *digits)
{
	size_t n = strlen(digits);
	if ((n + 1) / 2 > outsz)
		return -BER_ERR_NO_SPACE;
	for (size_t i = 0; i < n; i++) {
		int nib = tbcd_nibble(digits[i]);
		if (nib < 0)
			return -BER_ERR_BAD_VALUE;
		if (i & 1)
			out[i / 2] |= (uint8_t)(nib << 4);
		else
			out[i / 2] = (uint8_t)nib;
	}
	if (n & 1)
		out[n / 2] |= 0xf0;
	return (int)((n + 1) / 2);
}

/* ---------------------------------------------------------------- encoder */

static bool room(struct ber_enc *e, size_t n)
{
	if (e->overflow || e->cap - e->len < n) {
		e->overflow = true;
		return false;
	}
	return true;
}

static void put_identifier(struct ber_enc *e, uint32_t id)
{
	uint32_t num = BER_ID_NUMBER(id);
	uint8_t first = (uint8_t)((BER_ID_CLASS(id) << 6) | (BER_ID_CONSTRUCTED(id) << 5));
	if (num < 0x1f) {
		if (room(e, 1))
			e->buf[e->len++] = first | (uint8_t)num;
		return;
	}
	uint8_t tmp[5];
	int n = 0;
	do {
		tmp[n++] = num & 0x7f;
		num >>= 7;
	} while (num);
	if (!room(e, 1 + n))
		return;
	e->buf[e->len++] = first | 0x1f;
	while (n--)
		e->buf[e->len++] = tmp[n] | (n ? 0x80 : 0);
}

static int length_octets(size_t len)
{
	return len < 0x80 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 4;
}

static void put_length(struct ber_enc *e, size_t len)
{
	int n = length_octets(len);
	if (!room(e, n))
		return;
	if (n == 1) {
		e->buf[e->len++] = (uint8_t)len;
		return;
	}
	e->buf[e->len++] = (uint8_t)(0x80 | (n - 1));
	for (int i = n - 2; i >= 0; i--)
		e->buf[e->len++] = (uint8_t)(len >> (8 * i));
}

size_t ber_open(struct ber_enc *e, uint32_t id)
{
	put_identifier(e, id);
	size_t mark = e->len;
	if (room(e, 1))
		e->buf[e->len++] = 0;	/* short-form placeholder, widened on close if needed */
	return mark;
}

void ber_close(struct ber_enc *e, size_t mark)
{
	if (e->overflow)
		return;
	size_t content = e->len - mark - 1;
	int n = length_octets(content);
	if (n > 1) {
		if (!room(e, n - 1))
			return;
		memmove(e->buf + mark + n, e->buf + mark + 1, content);
		e->len += n - 1;
	}
	size_t save = e->len;
	e->len = mark;
	put_length(e, content);
	e->len = save;
}

void ber_put(struct ber_enc *e, uint32_t id, const void *val, size_t len)
{
	put_identifier(e, id);
	put_length(e, len);
	if (len && room(e, len)) {
		memcpy(e->buf + e->len, val, len);
		e->len += len;
	}
}

void ber_put_int(struct ber_enc *e, uint32_t id, int32_t v)
{
	uint8_t tmp[4];
	int n = 4;
	for (int i = 0; i < 4; i++)
		tmp[i] = (uint8_t)((uint32_t)v >> (24 - 8 * i));
	/* minimal two's complement: drop redundant leading octets */
	int skip = 0;
	while (skip < 3 && ((tmp[skip] == 0x00 && !(tmp[skip + 1] & 0x80)) ||
			    (tmp[skip] == 0xff && (tmp[skip + 1] & 0x80))))
		skip++;
	n -= skip;
	ber_put(e, id, tmp + skip, n);
}

void ber_put_uint(struct ber_enc *e, uint32_t id, uint32_t v)
{
	uint8_t tmp[5] = { 0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	int skip = 0;
	while (skip < 4 && tmp[skip] == 0 && !(tmp[skip + 1] & 0x80))
		skip++;
	ber_put(e, id, tmp + skip, 5 - skip);
}

void ber_put_bool(struct ber_enc *e, uint32_t id, bool v)
{
	uint8_t b = v ? 0xff : 0x00;
	ber_put(e, id, &b, 1);
}

void ber_put_null(struct ber_enc *e, uint32_t id)
{
	ber_put(e, id, NULL, 0);
}

void ber_put_tbcd(struct ber_enc *e, uint32_t id, int lead, const char *digits)
{
	uint8_t tmp[1 + 64];
	size_t n = 0;
	if (lead >= 0)
		tmp[n++] = (uint8_t)lead;
	int rc = ber_tbcd_encode(tmp + n, sizeof(tmp) - n, digits);
	if (rc < 0) {
		e->overflow = true;
		return;
	}
	ber_put(e, id, tmp, n + rc);
}

void ber_put_raw(struct ber_enc *e, const void *data, size_t len)
{
	if (len && room(e, len)) {
		memcpy(e->buf + e->len, data, len);
		e->len += len;
	}
}

static const char *const ber_err_names[_BER_ERR_COUNT] = {
	[0] = "no error",
	[BER_ERR_TRUNCATED] = "truncated",
	[BER_ERR_BAD_LENGTH] = "bad length",
	[BER_ERR_INDEFINITE] = "indefinite length not allowed",
	[BER_ERR_BAD_TAG] = "bad tag",
	[BER_ERR_TOO_DEEP] = "nested too deep",
	[BER_ERR_UNEXPECTED] = "unexpected element",
	[BER_ERR_BAD_VALUE] = "bad value",
	[BER_ERR_NO_SPACE] = "no space",
};

const char *ber_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < _BER_ERR_COUNT && ber_err_names[err] ? ber_err_names[err] : "unknown error";
}
