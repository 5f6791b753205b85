/* Concatenated SMS splitting (23.040 9.2.3.24.1). */
#include <errno.h>
#include <string.h>

#include <sigway/sms/sms_split.h>

unsigned sms_part_capacity(enum sms_alphabet alphabet, unsigned udh_len)
{
	unsigned udhl = udh_len ? udh_len + 1 : 0;

	if (udhl > 140)
		return 0;
	switch (alphabet) {
	case SMS_ALPHABET_GSM7:
		/* the UDH takes whole septets, fill bits included */
		return 160 - (udhl * 8 + 6) / 7;
	case SMS_ALPHABET_UCS2:
		return (140 - udhl) & ~1u;
	default:
		return 140 - udhl;
	}
}

/* Units of the next part starting at pos, at most cap, without cutting an
 * escape sequence or a surrogate pair. */
static size_t part_take(const struct sms_split_req *req, size_t pos, unsigned cap)
{
	const uint8_t *p = req->payload;
	size_t left = req->len - pos, n = 0;

	if (left <= cap)
		return left;
	if (req->alphabet == SMS_ALPHABET_GSM7) {
		while (n < cap) {
			size_t l = (p[pos + n] == SMS_GSM7_ESC && n + 1 < left) ? 2 : 1;

			if (n + l > cap)
				break;
			n += l;
		}
		return n;
	}
	if (req->alphabet == SMS_ALPHABET_UCS2) {
		n = cap;
		/* last unit a high surrogate: leave it for the next part */
		if ((p[pos + n - 2] & 0xfc) == 0xd8)
			n -= 2;
		return n;
	}
	return cap;
}

static int part_fill(struct sms_part *part, const struct sms_split_req *req, size_t pos,
		     size_t n, bool concat, uint8_t seq)
{
	int c = 0;

	part->udh_len = 0;
	if (concat) {
		c = sms_udh_put_concat(part->udh, sizeof(part->udh), req->ref, req->ref16, 0, seq);
		if (c < 0)
			return c;
	}
	if (c + req->user_udh_len > (int)sizeof(part->udh))
		return -EINVAL;
	if (req->user_udh_len)
		memcpy(part->udh + c, req->user_udh, req->user_udh_len);
	part->udh_len = c + req->user_udh_len;
	if (n)
		memcpy(part->data, req->payload + pos, n);
	part->data_len = n;
	return 0;
}

static int split_concat(struct sms_part *parts, unsigned max_parts, const struct sms_split_req *req)
{
	unsigned ie_len = req->user_udh_len + (req->ref16 ? 6 : 5);
	unsigned cap = sms_part_capacity(req->alphabet, ie_len);
	unsigned total = 0, i, at = req->ref16 ? 4 : 3;
	size_t pos = 0;
	int rc;

	/* room for one escape sequence / surrogate pair, or we would loop */
	if (cap < 4)
		return -EINVAL;
	while (pos < req->len) {
		size_t n = part_take(req, pos, cap);

		if (total >= max_parts || total >= 255)
			return -E2BIG;
		rc = part_fill(&parts[total], req, pos, n, true, total + 1);
		if (rc < 0)
			return rc;
		pos += n;
		total++;
	}
	for (i = 0; i < total; i++)
		parts[i].udh[at] = total;
	return total;
}

static bool user_udh_has_concat(const struct sms_split_req *req)
{
	struct sms_udh udh;

	if (!req->user_udh_len || sms_udh_parse(&udh, req->user_udh, req->user_udh_len) < 0)
		return false;
	return udh.has_concat;
}

int sms_split(struct sms_part *parts, unsigned max_parts, const struct sms_split_req *req)
{
	int rc;

	if (max_parts < 1 || (req->len && !req->payload))
		return -EINVAL;
	if (req->alphabet == SMS_ALPHABET_UCS2 && (req->len & 1))
		return -EINVAL;
	if (req->len <= sms_part_capacity(req->alphabet, req->user_udh_len)) {
		rc = part_fill(&parts[0], req, 0, req->len, false, 0);
		return rc < 0 ? rc : 1;
	}
	if (user_udh_has_concat(req))
		return -EMSGSIZE;	/* the client segmented already: we must not again */
	return split_concat(parts, max_parts, req);
}

int sms_split_text(struct sms_part *parts, unsigned max_parts, const char *utf8, size_t len,
		   uint16_t ref, bool ref16, enum sms_alphabet *alphabet,
		   uint8_t *scratch, size_t scratch_len)
{
	struct sms_split_req req = { .ref = ref, .ref16 = ref16, .payload = scratch };
	int rc = sms_choose_alphabet(utf8, len);

	if (rc < 0)
		return rc;
	req.alphabet = rc;
	if (req.alphabet == SMS_ALPHABET_GSM7)
		rc = sms_gsm7_from_utf8(scratch, scratch_len, utf8, len);
	else
		rc = sms_ucs2_from_utf8(scratch, scratch_len, utf8, len);
	if (rc < 0)
		return rc;
	req.len = rc;
	*alphabet = req.alphabet;
	return sms_split(parts, max_parts, &req);
}

void sms_part_to_ud(struct sms_ud *ud, const struct sms_part *p)
{
	ud->udh = p->udh;
	ud->udh_len = p->udh_len;
	ud->data = p->data;
	ud->data_len = p->data_len;
}

/* Strip UDHL + IEs off an SMPP message with UDHI, validating the IEs. */
static int smpp_take_udh(struct sms_split_req *req, const uint8_t **sm, size_t *len)
{
	struct sms_udh udh;

	if (*len < 1 || (size_t)(*sm)[0] + 1 > *len)
		return -EINVAL;
	if (sms_udh_parse(&udh, *sm + 1, (*sm)[0]) < 0)
		return -EINVAL;
	req->user_udh = *sm + 1;
	req->user_udh_len = (*sm)[0];
	*len -= (*sm)[0] + 1;
	*sm += (*sm)[0] + 1;
	return 0;
}

/* UTF-8 text in utf8 -> GSM7 septets or UCS2 into out. */
static int text_to_payload(struct sms_split_req *req, uint8_t *tp_dcs, const char *utf8,
			   size_t len, uint8_t *out, size_t outlen)
{
	int rc = sms_choose_alphabet(utf8, len);

	if (rc < 0)
		return -EINVAL;
	req->alphabet = rc;
	*tp_dcs = rc == SMS_ALPHABET_GSM7 ? 0x00 : 0x08;
	if (rc == SMS_ALPHABET_GSM7)
		rc = sms_gsm7_from_utf8(out, outlen, utf8, len);
	else
		rc = sms_ucs2_from_utf8(out, outlen, utf8, len);
	if (rc < 0)
		return rc;
	req->payload = out;
	req->len = rc;
	return 0;
}

static int smpp_text(struct sms_split_req *req, uint8_t *tp_dcs, uint8_t data_coding,
		     const uint8_t *sm, size_t len, uint8_t *scratch, size_t scratch_len)
{
	/* Latin-1 -> UTF-8 needs up to 2x; the coded result goes behind it */
	size_t half = scratch_len / 2;
	int n;

	if (data_coding == SMS_SMPP_DC_IA5) {
		for (size_t i = 0; i < len; i++)
			if (sm[i] & 0x80)
				return -EINVAL;
	}
	n = sms_latin1_to_utf8((char *)scratch, half, sm, len);
	if (n < 0)
		return n;
	return text_to_payload(req, tp_dcs, (const char *)scratch, n, scratch + half,
			       scratch_len - half);
}

/* The parts of an SMPP data_coding: a message class (-1: none), and the
 * coding of the octets with the class taken off: 0 (the SMSC default
 * alphabet), 4 (8-bit) or 8 (UCS2); the others as they are */
static int smpp_class(uint8_t data_coding, uint8_t *base)
{
	*base = data_coding;
	if (data_coding >= 0x10 && data_coding <= 0x1b) {
		/* 23.038 general data coding with a class: bits 3-2 the alphabet */
		static const uint8_t alphabet[] = { 0x00, 0x04, 0x08 };
		*base = alphabet[(data_coding >> 2) & 3];
		return data_coding & 3;
	}
	if (data_coding >= 0xf0 && data_coding <= 0xf7) {
		/* data coding / message class group: GSM 7-bit or 8-bit */
		*base = data_coding & 0x04 ? 0x04 : 0x00;
		return data_coding & 3;
	}
	return -1;
}

/* smpp_class(), with the SMSC default alphabet being what the account says */
static int smpp_alphabet(uint8_t data_coding, uint8_t dc0, uint8_t *base)
{
	int cls = smpp_class(data_coding, base);
	if (*base == SMS_SMPP_DC_DEFAULT)
		*base = dc0;
	return cls;
}

/* GSM 03.38 in SMPP: one septet per octet */
static bool septets_only(const uint8_t *sm, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (sm[i] & 0x80)
			return false;
	return true;
}

int sms_split_req_from_smpp(struct sms_split_req *req, uint8_t *tp_dcs, uint8_t data_coding, uint8_t dc0,
			    bool udhi, const uint8_t *sm, size_t len,
			    uint8_t *scratch, size_t scratch_len)
{
	int rc;
	uint8_t base;
	int cls = smpp_alphabet(data_coding, dc0, &base);
	bool f_group = data_coding >= 0xf0;

	memset(req, 0, sizeof(*req));
	if (udhi && (rc = smpp_take_udh(req, &sm, &len)) < 0)
		return rc;
	req->payload = sm;
	req->len = len;
	switch (base) {
	case SMS_SMPP_DC_DEFAULT:
		if (!septets_only(sm, len))
			return -EINVAL;
		req->alphabet = SMS_ALPHABET_GSM7;
		*tp_dcs = cls < 0 ? 0x00 : data_coding;
		return 0;
	case SMS_SMPP_DC_IA5:
	case SMS_SMPP_DC_LATIN1:
		if ((rc = smpp_text(req, tp_dcs, base, sm, len, scratch, scratch_len)) < 0)
			return rc;
		if (cls >= 0) {
			/* the class kept; UCS2 text has no place in the F group */
			if (req->alphabet == SMS_ALPHABET_GSM7)
				*tp_dcs = (f_group ? 0xf0 : 0x10) | cls;
			else
				*tp_dcs = 0x18 | cls;
		}
		return 0;
	case SMS_SMPP_DC_BINARY:
	case SMS_SMPP_DC_BINARY2:
		req->alphabet = SMS_ALPHABET_8BIT;
		*tp_dcs = cls < 0 ? 0x04 : data_coding;
		return 0;
	case SMS_SMPP_DC_UCS2:
		if (len & 1)
			return -EINVAL;
		req->alphabet = SMS_ALPHABET_UCS2;
		*tp_dcs = cls < 0 ? 0x08 : data_coding;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* ---- SMPP text both ways: addresses, receipts ---- */

/* octets an ESME sent as text: UTF-8 when they are well-formed UTF-8 with
 * at least one character beyond ASCII, else Latin-1 (ASCII is both) */
static int octets_to_utf8(char *out, size_t outlen, const uint8_t *in, size_t len)
{
	size_t i = 0;
	bool beyond = false;
	while (i < len) {
		uint32_t cp;
		int n = sms_utf8_next((const char *)in + i, len - i, &cp);
		if (n < 0 || cp == 0)
			break;
		beyond |= cp >= 0x80;
		i += (size_t)n;
	}
	if (i == len && beyond) {
		if (len + 1 > outlen)
			return -ENOSPC;
		memcpy(out, in, len);
		out[len] = '\0';
		return (int)len;
	}
	return sms_latin1_to_utf8(out, outlen, in, len);
}

int sms_smpp_alnum_addr(const char *addr, char *utf8, size_t utf8_len)
{
	int n = octets_to_utf8(utf8, utf8_len, (const uint8_t *)addr, strlen(addr));
	if (n <= 0)
		return -EINVAL;
	/* 23.040 9.1.2.5: at most 11 septets (an extension character is two) */
	n = sms_gsm7_from_utf8(NULL, SMS_ALNUM_SEPTETS_MAX, utf8, (size_t)n);
	return n > 0 ? n : -EINVAL;
}

int sms_smpp_to_utf8(char *out, size_t outlen, uint8_t data_coding, uint8_t dc0, bool udhi,
		     const uint8_t *sm, size_t len)
{
	uint8_t base;
	if (outlen)
		out[0] = '\0';
	if (udhi) {
		if (len < 1 || (size_t)sm[0] + 1 > len)
			return -EINVAL;
		len -= sm[0] + 1u;
		sm += sm[0] + 1u;
	}
	smpp_alphabet(data_coding, dc0, &base);
	switch (base) {
	case SMS_SMPP_DC_DEFAULT:
		if (!septets_only(sm, len))
			return -EINVAL;
		return sms_gsm7_to_utf8(out, outlen, sm, len);
	case SMS_SMPP_DC_IA5:
	case SMS_SMPP_DC_LATIN1:
		return sms_latin1_to_utf8(out, outlen, sm, len);
	case SMS_SMPP_DC_UCS2:
		return sms_ucs2_to_utf8(out, outlen, sm, len);
	default:
		return -ENOTSUP;
	}
}

int sms_smpp_from_utf8(uint8_t *out, size_t outlen, uint8_t dc0, const char *utf8, size_t len,
		       unsigned int max_chars)
{
	size_t o = 0, i = 0;
	for (unsigned int c = 0; c < max_chars && i < len; c++) {
		uint32_t cp;
		int n = sms_utf8_next(utf8 + i, len - i, &cp);
		if (n < 0)
			return -EILSEQ;
		i += (size_t)n;
		uint8_t sep[2];
		size_t k;
		if (dc0 == SMS_SMPP_DC_DEFAULT) {
			int m = sms_gsm7_from_utf8(sep, sizeof(sep), utf8 + i - n, (size_t)n);
			if (m > 0) {
				k = (size_t)m;
			} else {
				sep[0] = '?';
				k = 1;
			}
		} else {
			sep[0] = cp < (dc0 == SMS_SMPP_DC_IA5 ? 0x80u : 0x100u) && cp >= 0x20 ? (uint8_t)cp : '?';
			k = 1;
		}
		if (o + k > outlen)
			return -ENOSPC;
		memcpy(out + o, sep, k);
		o += k;
	}
	return (int)o;
}

int sms_tpdu_to_smpp(const struct sms_tpdu *t, uint8_t *data_coding, uint8_t *out, size_t outlen)
{
	const struct sms_dcs *d = &t->dcs_parsed;
	size_t n = 0;

	if (d->compressed)
		*data_coding = SMS_SMPP_DC_BINARY;
	else if (d->alphabet == SMS_ALPHABET_UCS2)
		*data_coding = SMS_SMPP_DC_UCS2;
	else if (d->alphabet == SMS_ALPHABET_8BIT)
		*data_coding = SMS_SMPP_DC_BINARY;
	else
		*data_coding = SMS_SMPP_DC_DEFAULT;
	if (t->ud.udh) {	/* UDHI with a UDH actually present */
		if (outlen < 1u + t->ud.udh_len)
			return -ENOSPC;
		out[n++] = t->ud.udh_len;
		if (t->ud.udh_len)
			memcpy(out + n, t->ud.udh, t->ud.udh_len);
		n += t->ud.udh_len;
	}
	if (outlen - n < t->ud.data_len)
		return -ENOSPC;
	if (t->ud.data_len)
		memcpy(out + n, t->ud.data, t->ud.data_len);
	return n + t->ud.data_len;
}
