/* SCCP connectionless message codec (ITU-T Q.713 sections 3 and 4).
 * Every octet read is checked against the buffer: the input comes from the
 * network and from other operators. */

#include <stdio.h>
#include <string.h>
#include <sigway/sccp/sccp_codec.h>

#define AI_PC_IND	0x01
#define AI_SSN_IND	0x02
#define AI_GTI_SHIFT	2
#define AI_GTI_MASK	0x3c
#define AI_RI_SSN	0x40
#define AI_NATIONAL	0x80

#define ES_BCD_ODD	1
#define ES_BCD_EVEN	2

#define MSG_HANDLING_RETURN 0x80

/* Fixed part layout per message type: how many octets before the pointers,
 * how many mandatory variable parameters, and whether an optional part exists. */
struct msg_layout {
	uint8_t fixed;		/* type octet + fixed mandatory parameters */
	uint8_t n_var;		/* mandatory variable parameters (called, calling, data) */
	bool optional;		/* has a pointer to the optional part */
};

static int layout_of(enum sccp_msg_type type, struct msg_layout *l)
{
	switch (type) {
	case SCCP_MSGT_UDT:   /* type, protocol class */
	case SCCP_MSGT_UDTS:  /* type, return cause */
		*l = (struct msg_layout){ .fixed = 2, .n_var = 3, .optional = false };
		return 0;
	case SCCP_MSGT_XUDT:  /* type, protocol class, hop counter */
	case SCCP_MSGT_XUDTS: /* type, return cause, hop counter */
		*l = (struct msg_layout){ .fixed = 3, .n_var = 3, .optional = true };
		return 0;
	}
	return -SCCP_ERR_UNKNOWN_TYPE;
}

/* ---------------------------------------------------------------- digits */

static char nibble_to_digit(uint8_t n)
{
	return n < 10 ? (char)('0' + n) : (char)('a' + n - 10);
}

static int digit_to_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'e')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'E')
		return c - 'A' + 10;
	return -1;
}

static int bcd_decode(char *out, const uint8_t *in, size_t octets, bool odd)
{
	size_t ndigits = octets * 2 - (odd ? 1 : 0);
	if (octets == 0)
		return odd ? -SCCP_ERR_BAD_GT : 0;
	if (ndigits > SCCP_GT_DIGITS_MAX)
		return -SCCP_ERR_GT_TOO_LONG;
	for (size_t i = 0; i < ndigits; i++) {
		uint8_t b = in[i / 2];
		out[i] = nibble_to_digit(i & 1 ? b >> 4 : b & 0x0f);
	}
	out[ndigits] = '\0';
	return (int)ndigits;
}

static int bcd_encode(uint8_t *out, size_t room, const char *digits, size_t ndigits)
{
	size_t octets = (ndigits + 1) / 2;
	if (octets > room)
		return -SCCP_ERR_NO_SPACE;
	for (size_t i = 0; i < ndigits; i++) {
		int n = digit_to_nibble(digits[i]);
		if (n < 0)
			return -SCCP_ERR_BAD_VALUE;
		if (i & 1)
			out[i / 2] |= (uint8_t)(n << 4);
		else
			out[i / 2] = (uint8_t)n;
	}
	if (ndigits & 1)
		out[ndigits / 2] |= 0xf0;	/* filler */
	return (int)octets;
}

/* --------------------------------------------------------------- address */

static int gt_decode(struct sccp_addr *a, const uint8_t *p, size_t len)
{
	struct sccp_gt *gt = &a->gt;
	bool odd;
	size_t hdr;

	memset(gt, 0, sizeof(*gt));
	switch (a->gti) {
	case SCCP_GTI_NONE:
		return 0;
	case SCCP_GTI_NAI:
		if (len < 1)
			return -SCCP_ERR_BAD_ADDR;
		odd = p[0] & 0x80;
		gt->nai = p[0] & 0x7f;
		hdr = 1;
		break;
	case SCCP_GTI_TT:
		if (len < 1)
			return -SCCP_ERR_BAD_ADDR;
		gt->tt = p[0];
		odd = false;	/* no encoding scheme: digits fill whole octets */
		hdr = 1;
		break;
	case SCCP_GTI_TT_NP_ES:
	case SCCP_GTI_TT_NP_ES_NAI:
		hdr = a->gti == SCCP_GTI_TT_NP_ES ? 2 : 3;
		if (len < hdr)
			return -SCCP_ERR_BAD_ADDR;
		gt->tt = p[0];
		gt->np = p[1] >> 4;
		switch (p[1] & 0x0f) {
		case ES_BCD_ODD:  odd = true; break;
		case ES_BCD_EVEN: odd = false; break;
		default: return -SCCP_ERR_BAD_GT;
		}
		if (a->gti == SCCP_GTI_TT_NP_ES_NAI)
			gt->nai = p[2] & 0x7f;
		break;
	default:
		return -SCCP_ERR_BAD_GT;
	}
	int rc = bcd_decode(gt->digits, p + hdr, len - hdr, odd);
	return rc < 0 ? rc : 0;
}

int sccp_addr_decode(struct sccp_addr *a, const uint8_t *buf, size_t len)
{
	size_t pos = 1;

	memset(a, 0, sizeof(*a));
	if (len < 1)
		return -SCCP_ERR_BAD_ADDR;
	uint8_t ai = buf[0];
	a->national = ai & AI_NATIONAL;
	a->ri = (ai & AI_RI_SSN) ? SCCP_RI_SSN_PC : SCCP_RI_GT;
	a->gti = (ai & AI_GTI_MASK) >> AI_GTI_SHIFT;
	if (ai & AI_PC_IND) {
		if (len < pos + 2)
			return -SCCP_ERR_BAD_ADDR;
		a->pc_present = true;
		a->pc = (uint16_t)((buf[pos] | (buf[pos + 1] << 8)) & 0x3fff);
		pos += 2;
	}
	if (ai & AI_SSN_IND) {
		if (len < pos + 1)
			return -SCCP_ERR_BAD_ADDR;
		a->ssn_present = true;
		a->ssn = buf[pos++];
	}
	if (a->gti > SCCP_GTI_TT_NP_ES_NAI)
		return -SCCP_ERR_BAD_GT;
	int rc = gt_decode(a, buf + pos, len - pos);
	if (rc < 0)
		return rc;
	return (int)len;
}

static int gt_header_len(enum sccp_gti gti)
{
	switch (gti) {
	case SCCP_GTI_NONE: return 0;
	case SCCP_GTI_NAI:
	case SCCP_GTI_TT: return 1;
	case SCCP_GTI_TT_NP_ES: return 2;
	case SCCP_GTI_TT_NP_ES_NAI: return 3;
	}
	return -SCCP_ERR_BAD_VALUE;
}

int sccp_addr_encoded_len(const struct sccp_addr *a)
{
	int hdr = gt_header_len(a->gti);
	if (hdr < 0)
		return hdr;
	size_t ndigits = a->gti ? strnlen(a->gt.digits, SCCP_GT_DIGITS_MAX + 1) : 0;
	if (ndigits > SCCP_GT_DIGITS_MAX)
		return -SCCP_ERR_GT_TOO_LONG;
	/* GTI 2 has no odd/even indication, so it can carry only whole octets */
	if (a->gti == SCCP_GTI_TT && (ndigits & 1))
		return -SCCP_ERR_BAD_VALUE;
	return 1 + (a->pc_present ? 2 : 0) + (a->ssn_present ? 1 : 0) +
	       (a->gti ? hdr + (int)(ndigits + 1) / 2 : 0);
}

int sccp_addr_encode(uint8_t *buf, size_t buflen, const struct sccp_addr *a)
{
	int total = sccp_addr_encoded_len(a);
	if (total < 0)
		return total;
	if ((size_t)total > buflen)
		return -SCCP_ERR_NO_SPACE;
	if (a->pc > 0x3fff || (a->gti == SCCP_GTI_NONE && a->ri == SCCP_RI_GT))
		return -SCCP_ERR_BAD_VALUE;

	size_t pos = 1;
	buf[0] = (uint8_t)((a->national ? AI_NATIONAL : 0) | (a->ri == SCCP_RI_SSN_PC ? AI_RI_SSN : 0) |
			   (a->gti << AI_GTI_SHIFT) | (a->ssn_present ? AI_SSN_IND : 0) |
			   (a->pc_present ? AI_PC_IND : 0));
	if (a->pc_present) {
		buf[pos++] = a->pc & 0xff;
		buf[pos++] = a->pc >> 8;
	}
	if (a->ssn_present)
		buf[pos++] = a->ssn;
	if (a->gti == SCCP_GTI_NONE)
		return total;

	size_t ndigits = strlen(a->gt.digits);
	uint8_t es = (ndigits & 1) ? ES_BCD_ODD : ES_BCD_EVEN;
	switch (a->gti) {
	case SCCP_GTI_NAI:
		buf[pos++] = (uint8_t)(((ndigits & 1) ? 0x80 : 0) | (a->gt.nai & 0x7f));
		break;
	case SCCP_GTI_TT:
		buf[pos++] = a->gt.tt;
		break;
	case SCCP_GTI_TT_NP_ES:
		buf[pos++] = a->gt.tt;
		buf[pos++] = (uint8_t)((a->gt.np << 4) | es);
		break;
	case SCCP_GTI_TT_NP_ES_NAI:
		buf[pos++] = a->gt.tt;
		buf[pos++] = (uint8_t)((a->gt.np << 4) | es);
		buf[pos++] = a->gt.nai & 0x7f;
		break;
	default:
		return -SCCP_ERR_BAD_VALUE;
	}
	int rc = bcd_encode(buf + pos, buflen - pos, a->gt.digits, ndigits);
	return rc < 0 ? rc : total;
}

int sccp_addr_set_e164(struct sccp_addr *a, const char *digits, uint8_t ssn)
{
	size_t n = strlen(digits);
	if (n == 0 || n > SCCP_GT_DIGITS_MAX)
		return -SCCP_ERR_BAD_VALUE;
	memset(a, 0, sizeof(*a));
	a->ri = SCCP_RI_GT;
	a->gti = SCCP_GTI_TT_NP_ES_NAI;
	a->gt.tt = 0;
	a->gt.np = SCCP_NP_E164;
	a->gt.nai = SCCP_NAI_INTERNATIONAL;
	memcpy(a->gt.digits, digits, n + 1);
	a->ssn_present = ssn != 0;
	a->ssn = ssn;
	return 0;
}

/* --------------------------------------------------------------- message */

struct span {
	size_t start, end;	/* octets [start, end) of a variable parameter incl. length */
};

static bool spans_overlap(const struct span *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (s[i].start < s[j].end && s[j].start < s[i].end)
				return true;
	return false;
}

/* Follows the pointer at buf[ptr_pos]; checks the parameter it points to
 * lies after the pointer block and inside the buffer. */
static int var_param(const uint8_t *buf, size_t len, size_t ptr_pos, size_t var_start,
		     const uint8_t **val, size_t *vlen, struct span *span)
{
	if (ptr_pos >= len)
		return -SCCP_ERR_TRUNCATED;
	if (buf[ptr_pos] == 0)
		return -SCCP_ERR_BAD_POINTER;
	size_t at = ptr_pos + buf[ptr_pos];
	if (at < var_start || at >= len)
		return -SCCP_ERR_BAD_POINTER;
	size_t l = buf[at];
	if (at + 1 + l > len)
		return -SCCP_ERR_TRUNCATED;
	*val = buf + at + 1;
	*vlen = l;
	*span = (struct span){ at, at + 1 + l };
	return 0;
}

static int optional_decode(struct sccp_msg *m, const uint8_t *p, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		uint8_t name = p[pos++];
		if (name == SCCP_OPT_END)
			return 0;
		if (pos >= len || pos + 1 + p[pos] > len)
			return -SCCP_ERR_BAD_OPTIONAL;
		uint8_t plen = p[pos++];
		const uint8_t *v = p + pos;
		pos += plen;
		switch (name) {
		case SCCP_OPT_SEGMENTATION:
			if (plen != 4)
				return -SCCP_ERR_BAD_OPTIONAL;
			m->seg_present = true;
			m->seg.first = v[0] & 0x80;
			m->seg.class1 = v[0] & 0x40;
			m->seg.remaining = v[0] & 0x0f;
			/* least significant octet first, like every multi-octet SCCP field */
			m->seg.local_ref = (uint32_t)v[3] << 16 | (uint32_t)v[2] << 8 | v[1];
			break;
		case SCCP_OPT_IMPORTANCE:
			if (plen != 1)
				return -SCCP_ERR_BAD_OPTIONAL;
			m->importance_present = true;
			m->importance = v[0] & 0x07;
			break;
		default:
			break;	/* Q.714: unknown optional parameters are ignored */
		}
	}
	/* Q.713 wants an end-of-optional octet; tolerate its absence at the very
	 * end (some equipment omits it) since nothing is lost. */
	return 0;
}

int sccp_msg_decode(struct sccp_msg *m, const uint8_t *buf, size_t len)
{
	struct msg_layout l;
	struct span spans[4];
	const uint8_t *v;
	size_t vlen;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len < 1)
		return -SCCP_ERR_TRUNCATED;
	m->type = buf[0];
	if ((rc = layout_of(m->type, &l)) < 0)
		return rc;
	size_t var_start = l.fixed + l.n_var + (l.optional ? 1 : 0);
	if (len < var_start)
		return -SCCP_ERR_TRUNCATED;

	if (m->type == SCCP_MSGT_UDT || m->type == SCCP_MSGT_XUDT) {
		m->protocol_class = buf[1] & 0x0f;
		m->return_on_error = buf[1] & MSG_HANDLING_RETURN;
		if (m->protocol_class > 1)
			return -SCCP_ERR_BAD_CLASS;
	} else {
		m->return_cause = buf[1];
	}
	if (l.fixed == 3)
		m->hop_counter = buf[2];

	const uint8_t *vals[3];
	size_t lens[3];
	for (int i = 0; i < 3; i++) {
		rc = var_param(buf, len, l.fixed + i, var_start, &vals[i], &lens[i], &spans[i]);
		if (rc < 0)
			return rc;
	}
	int nspans = 3;
	if (l.optional && buf[l.fixed + 3] != 0) {
		size_t at = l.fixed + 3 + buf[l.fixed + 3];
		if (at < var_start || at >= len)
			return -SCCP_ERR_BAD_POINTER;
		spans[nspans++] = (struct span){ at, len };
		v = buf + at;
		vlen = len - at;
		if ((rc = optional_decode(m, v, vlen)) < 0)
			return rc;
	}
	if (spans_overlap(spans, nspans))
		return -SCCP_ERR_OVERLAP;
	if ((rc = sccp_addr_decode(&m->called, vals[0], lens[0])) < 0)
		return rc;
	if ((rc = sccp_addr_decode(&m->calling, vals[1], lens[1])) < 0)
		return rc;
	if (lens[2] == 0)
		return -SCCP_ERR_EMPTY_DATA;
	m->data = vals[2];
	m->len = lens[2];
	return 0;
}

/* Writes length octet + address at buf[pos]; returns the new position. */
static int put_addr(uint8_t *buf, size_t buflen, size_t pos, const struct sccp_addr *a)
{
	if (pos >= buflen)
		return -SCCP_ERR_NO_SPACE;
	int n = sccp_addr_encode(buf + pos + 1, buflen - pos - 1, a);
	if (n < 0)
		return n;
	buf[pos] = (uint8_t)n;
	return (int)(pos + 1 + n);
}

static int put_pointer(uint8_t *buf, size_t ptr_pos, size_t target)
{
	size_t d = target - ptr_pos;
	if (d > 255)
		return -SCCP_ERR_NO_SPACE;
	buf[ptr_pos] = (uint8_t)d;
	return 0;
}

static int put_optional(uint8_t *buf, size_t buflen, size_t pos, const struct sccp_msg *m)
{
	size_t need = (m->seg_present ? 6 : 0) + (m->importance_present ? 3 : 0) + 1;
	if (pos + need > buflen)
		return -SCCP_ERR_NO_SPACE;
	if (m->seg_present) {
		if (m->seg.remaining > 15 || m->seg.local_ref > 0xffffff)
			return -SCCP_ERR_BAD_VALUE;
		buf[pos++] = SCCP_OPT_SEGMENTATION;
		buf[pos++] = 4;
		buf[pos++] = (uint8_t)((m->seg.first ? 0x80 : 0) | (m->seg.class1 ? 0x40 : 0) | m->seg.remaining);
		buf[pos++] = (uint8_t)m->seg.local_ref;
		buf[pos++] = (uint8_t)(m->seg.local_ref >> 8);
		buf[pos++] = (uint8_t)(m->seg.local_ref >> 16);
	}
	if (m->importance_present) {
		buf[pos++] = SCCP_OPT_IMPORTANCE;
		buf[pos++] = 1;
		buf[pos++] = m->importance & 0x07;
	}
	buf[pos++] = SCCP_OPT_END;
	return (int)pos;
}

int sccp_msg_encode(uint8_t *buf, size_t buflen, const struct sccp_msg *m)
{
	struct msg_layout l;
	int rc;

	if ((rc = layout_of(m->type, &l)) < 0)
		return -SCCP_ERR_BAD_VALUE;
	if (m->len == 0 || m->len > 255 || !m->data)
		return -SCCP_ERR_BAD_VALUE;
	bool has_opt = l.optional && (m->seg_present || m->importance_present);
	if (!l.optional && (m->seg_present || m->importance_present))
		return -SCCP_ERR_BAD_VALUE;
	size_t var_start = l.fixed + l.n_var + (l.optional ? 1 : 0);
	if (buflen < var_start)
		return -SCCP_ERR_NO_SPACE;

	buf[0] = m->type;
	if (m->type == SCCP_MSGT_UDT || m->type == SCCP_MSGT_XUDT) {
		if (m->protocol_class > 1)
			return -SCCP_ERR_BAD_VALUE;
		buf[1] = (uint8_t)(m->protocol_class | (m->return_on_error ? MSG_HANDLING_RETURN : 0));
	} else {
		buf[1] = m->return_cause;
	}
	if (l.fixed == 3) {
		if (m->hop_counter < 1 || m->hop_counter > 15)
			return -SCCP_ERR_BAD_VALUE;
		buf[2] = m->hop_counter;
	}

	size_t pos = var_start;
	if ((rc = put_pointer(buf, l.fixed, pos)) < 0)
		return rc;
	if ((rc = put_addr(buf, buflen, pos, &m->called)) < 0)
		return rc;
	pos = rc;
	if ((rc = put_pointer(buf, l.fixed + 1, pos)) < 0)
		return rc;
	if ((rc = put_addr(buf, buflen, pos, &m->calling)) < 0)
		return rc;
	pos = rc;
	if ((rc = put_pointer(buf, l.fixed + 2, pos)) < 0)
		return rc;
	if (pos + 1 + m->len > buflen)
		return -SCCP_ERR_NO_SPACE;
	buf[pos] = (uint8_t)m->len;
	memcpy(buf + pos + 1, m->data, m->len);
	pos += 1 + m->len;
	if (l.optional) {
		buf[l.fixed + 3] = 0;
		if (has_opt) {
			if ((rc = put_pointer(buf, l.fixed + 3, pos)) < 0)
				return rc;
			if ((rc = put_optional(buf, buflen, pos, m)) < 0)
				return rc;
			pos = rc;
		}
	}
	return (int)pos;
}

/* ------------------------------------------------------------------ names */

static const char *const err_names[_SCCP_ERR_COUNT] = {
	[0] = "no error",
	[SCCP_ERR_TRUNCATED] = "truncated",
	[SCCP_ERR_BAD_POINTER] = "bad pointer",
	[SCCP_ERR_OVERLAP] = "overlapping parameters",
	[SCCP_ERR_UNKNOWN_TYPE] = "unknown message type",
	[SCCP_ERR_BAD_CLASS] = "bad protocol class",
	[SCCP_ERR_BAD_ADDR] = "bad party address",
	[SCCP_ERR_GT_TOO_LONG] = "global title too long",
	[SCCP_ERR_BAD_GT] = "bad global title",
	[SCCP_ERR_EMPTY_DATA] = "empty user data",
	[SCCP_ERR_BAD_OPTIONAL] = "bad optional part",
	[SCCP_ERR_NO_SPACE] = "no space",
	[SCCP_ERR_BAD_VALUE] = "value out of range",
};

const char *sccp_codec_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < _SCCP_ERR_COUNT && err_names[err] ? err_names[err] : "unknown error";
}

const char *sccp_msg_type_name(enum sccp_msg_type type)
{
	switch (type) {
	case SCCP_MSGT_UDT: return "UDT";
	case SCCP_MSGT_UDTS: return "UDTS";
	case SCCP_MSGT_XUDT: return "XUDT";
	case SCCP_MSGT_XUDTS: return "XUDTS";
	}
	return "unknown";
}

const char *sccp_addr_str(const struct sccp_addr *a, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "RI=%s", a->ri == SCCP_RI_GT ? "GT" : "SSN");
	if (a->gti && n >= 0 && (size_t)n < buflen)
		n += snprintf(buf + n, buflen - n, ",GTI=%d,TT=%u,NP=%u,NAI=%u,GT=%s", a->gti,
			      a->gt.tt, a->gt.np, a->gt.nai, a->gt.digits);
	if (a->ssn_present && n >= 0 && (size_t)n < buflen)
		n += snprintf(buf + n, buflen - n, ",SSN=%u", a->ssn);
	if (a->pc_present && n >= 0 && (size_t)n < buflen)
		snprintf(buf + n, buflen - n, ",PC=%u.%u.%u", a->pc >> 11, (a->pc >> 3) & 0xff, a->pc & 7);
	return buf;
}
