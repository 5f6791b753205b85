/* GSM 04.80 (24.080) SS messages with USSD components. Hand-written BER: the
 * components are small and fixed, and libosmocore's gsm0480 helpers allocate
 * msgbs, code only 7-bit and only some of these operations. */
#include <errno.h>
#include <string.h>

#include <sigway/ussd/ussd_dtap.h>

#define IEI_FACILITY	0x1c
#define IEI_SS_VERSION	0x7f
#define IEI_CAUSE	0x08

#define TAG_INTEGER	0x02
#define TAG_OCTSTR	0x04
#define TAG_NULL	0x05
#define TAG_SEQUENCE	0x30
#define TAG_LINKED_ID	0x80

const char *ussd_err_str(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "ok";
	case USSD_ERR_SHORT: return "message truncated";
	case USSD_ERR_PDISC: return "not an SS message";
	case USSD_ERR_MSG_TYPE: return "unknown message type";
	case USSD_ERR_IE: return "IE length exceeds message";
	case USSD_ERR_BER: return "malformed BER";
	case USSD_ERR_COMP: return "bad component";
	case USSD_ERR_STRING: return "bad USSD string";
	case ENOSPC: return "output buffer too small";
	case EINVAL: return "invalid value";
	default: return "unknown error";
	}
}

/* ---- BER writing: each value is built in a buffer, then wrapped ---- */

struct buf {
	uint8_t *p;
	size_t len, pos;
	int err;	/* sticky: first error wins, callers check once */
};

static void put(struct buf *b, const uint8_t *src, size_t n)
{
	if (b->err)
		return;
	if (n > b->len - b->pos) {
		b->err = -ENOSPC;
		return;
	}
	if (n)
		memcpy(b->p + b->pos, src, n);
	b->pos += n;
}

static void put_u8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_tlv(struct buf *b, uint8_t tag, const uint8_t *v, size_t n)
{
	put_u8(b, tag);
	if (n > 0xff) {
		put_u8(b, 0x82);
		put_u8(b, n >> 8);
		put_u8(b, n & 0xff);
	} else if (n > 0x7f) {
		put_u8(b, 0x81);
		put_u8(b, n);
	} else {
		put_u8(b, n);
	}
	put(b, v, n);
}

static void put_byte_tlv(struct buf *b, uint8_t tag, uint8_t v)
{
	put_tlv(b, tag, &v, 1);
}

/* USSD-Arg / USSD-Res: SEQUENCE { dcs, string [, alertingPattern] } */
static void put_ussd_seq(struct buf *b, const struct ussd_component *c)
{
	uint8_t tmp[200];
	struct buf s = { tmp, sizeof(tmp), 0, 0 };

	put_byte_tlv(&s, TAG_OCTSTR, c->dcs);
	put_tlv(&s, TAG_OCTSTR, c->string, c->string_len);
	if (c->has_alerting_pattern)
		put_byte_tlv(&s, TAG_OCTSTR, c->alerting_pattern);
	if (s.err)
		b->err = s.err;
	put_tlv(b, TAG_SEQUENCE, tmp, s.pos);
}

static void put_param(struct buf *b, const struct ussd_component *c)
{
	if (c->has_ussd)
		put_ussd_seq(b, c);
	else if (c->param_len)
		put(b, c->param, c->param_len);
}

static void put_invoke(struct buf *b, const struct ussd_component *c)
{
	put_byte_tlv(b, TAG_INTEGER, c->invoke_id);
	if (c->has_linked_id)
		put_byte_tlv(b, TAG_LINKED_ID, c->linked_id);
	put_byte_tlv(b, TAG_INTEGER, c->opcode);
	put_param(b, c);
}

static void put_return_result(struct buf *b, const struct ussd_component *c)
{
	uint8_t tmp[220];
	struct buf s = { tmp, sizeof(tmp), 0, 0 };

	put_byte_tlv(b, TAG_INTEGER, c->invoke_id);
	if (!c->has_opcode)
		return;	/* e.g. the result of unstructuredSS-Notify is empty */
	put_byte_tlv(&s, TAG_INTEGER, c->opcode);
	put_param(&s, c);
	if (s.err)
		b->err = s.err;
	put_tlv(b, TAG_SEQUENCE, tmp, s.pos);
}

static void put_reject(struct buf *b, const struct ussd_component *c)
{
	if (c->has_invoke_id)
		put_byte_tlv(b, TAG_INTEGER, c->invoke_id);
	else
		put_tlv(b, TAG_NULL, NULL, 0);
	put_byte_tlv(b, c->problem_tag, c->problem_code);
}

int ussd_component_encode(uint8_t *out, size_t outlen, const struct ussd_component *c)
{
	uint8_t tmp[240];
	struct buf s = { tmp, sizeof(tmp), 0, 0 };
	struct buf b = { out, outlen, 0, 0 };

	if (c->has_ussd && (c->string_len < 1 || c->string_len > USSD_MAX_OCTETS))
		return -EINVAL;
	switch (c->type) {
	case USSD_COMP_INVOKE:
		put_invoke(&s, c);
		break;
	case USSD_COMP_RETURN_RESULT:
		put_return_result(&s, c);
		break;
	case USSD_COMP_RETURN_ERROR:
		put_byte_tlv(&s, TAG_INTEGER, c->invoke_id);
		put_byte_tlv(&s, TAG_INTEGER, c->error_code);
		put(&s, c->param, c->param_len);
		break;
	case USSD_COMP_REJECT:
		if (c->problem_tag < 0x80 || c->problem_tag > 0x83)
			return -EINVAL;
		put_reject(&s, c);
		break;
	default:
		return -EINVAL;
	}
	if (s.err)
		return s.err;
	put_tlv(&b, c->type, tmp, s.pos);
	return b.err ? b.err : (int)b.pos;
}

/* ---- BER reading ---- */

struct tlv {
	uint8_t tag;
	const uint8_t *v;
	size_t len;
};

/* Read one TLV at *pos; single-octet tags, definite lengths only. */
static int get_tlv(const uint8_t *buf, size_t len, size_t *pos, struct tlv *t)
{
	size_t p = *pos, l;

	if (len - p < 2)
		return -USSD_ERR_BER;
	t->tag = buf[p++];
	if ((t->tag & 0x1f) == 0x1f)
		return -USSD_ERR_BER;
	l = buf[p++];
	if (l == 0x81 || l == 0x82) {
		unsigned n = l & 0x7f, i;

		if (len - p < n)
			return -USSD_ERR_BER;
		for (l = 0, i = 0; i < n; i++)
			l = (l << 8) | buf[p++];
	} else if (l & 0x80) {
		return -USSD_ERR_BER;	/* indefinite or too long */
	}
	if (l > len - p)
		return -USSD_ERR_BER;
	t->v = buf + p;
	t->len = l;
	*pos = p + l;
	return 0;
}

static int get_byte(const uint8_t *buf, size_t len, size_t *pos, uint8_t tag, uint8_t *v)
{
	struct tlv t;
	int rc = get_tlv(buf, len, pos, &t);

	if (rc < 0)
		return rc;
	if (t.tag != tag || t.len != 1)
		return -USSD_ERR_COMP;
	*v = t.v[0];
	return 0;
}

/* Peek at the next tag, 0 at the end. */
static uint8_t next_tag(const uint8_t *buf, size_t len, size_t pos)
{
	return pos < len ? buf[pos] : 0;
}

static int get_ussd_seq(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	struct tlv t;
	int rc;

	if ((rc = get_byte(buf, len, &pos, TAG_OCTSTR, &c->dcs)) < 0)
		return rc;
	if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
		return rc;
	if (t.tag != TAG_OCTSTR || t.len < 1 || t.len > USSD_MAX_OCTETS)
		return -USSD_ERR_STRING;
	memcpy(c->string, t.v, t.len);
	c->string_len = t.len;
	c->has_ussd = true;
	if (next_tag(buf, len, pos) == TAG_OCTSTR) {
		if ((rc = get_byte(buf, len, &pos, TAG_OCTSTR, &c->alerting_pattern)) < 0)
			return rc;
		c->has_alerting_pattern = true;
	}
	/* msisdn [0] and extensions are skipped, but must be well-formed */
	while (pos < len) {
		if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
			return rc;
	}
	return 0;
}

static bool is_ussd_op(uint8_t op)
{
	return op == USSD_OP_PROCESS_USS_REQ || op == USSD_OP_USS_REQ || op == USSD_OP_USS_NOTIFY;
}

/* Operation parameter at pos (to the end of buf). */
static int get_param(struct ussd_component *c, const uint8_t *buf, size_t len, size_t pos)
{
	struct tlv t;
	size_t p = pos;
	int rc;

	if (pos == len)
		return 0;
	if ((rc = get_tlv(buf, len, &p, &t)) < 0)
		return rc;
	if (p != len)
		return -USSD_ERR_BER;
	if (is_ussd_op(c->opcode) && t.tag == TAG_SEQUENCE)
		return get_ussd_seq(c, t.v, t.len);
	c->param = buf + pos;
	c->param_len = len - pos;
	return 0;
}

static int get_invoke(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	int rc;

	if ((rc = get_byte(buf, len, &pos, TAG_INTEGER, &c->invoke_id)) < 0)
		return rc;
	c->has_invoke_id = true;
	if (next_tag(buf, len, pos) == TAG_LINKED_ID) {
		if ((rc = get_byte(buf, len, &pos, TAG_LINKED_ID, &c->linked_id)) < 0)
			return rc;
		c->has_linked_id = true;
	}
	if ((rc = get_byte(buf, len, &pos, TAG_INTEGER, &c->opcode)) < 0)
		return rc;
	c->has_opcode = true;
	return get_param(c, buf, len, pos);
}

static int get_return_result(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0, p = 0;
	struct tlv t;
	int rc;

	if ((rc = get_byte(buf, len, &pos, TAG_INTEGER, &c->invoke_id)) < 0)
		return rc;
	c->has_invoke_id = true;
	if (pos == len)
		return 0;
	if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
		return rc;
	if (t.tag != TAG_SEQUENCE || pos != len)
		return -USSD_ERR_COMP;
	if ((rc = get_byte(t.v, t.len, &p, TAG_INTEGER, &c->opcode)) < 0)
		return rc;
	c->has_opcode = true;
	return get_param(c, t.v, t.len, p);
}

static int get_return_error(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	int rc;

	if ((rc = get_byte(buf, len, &pos, TAG_INTEGER, &c->invoke_id)) < 0)
		return rc;
	c->has_invoke_id = true;
	if ((rc = get_byte(buf, len, &pos, TAG_INTEGER, &c->error_code)) < 0)
		return rc;
	c->param = pos < len ? buf + pos : NULL;
	c->param_len = len - pos;
	return 0;
}

static int get_reject(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	struct tlv t;
	int rc;

	if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
		return rc;
	if (t.tag == TAG_INTEGER && t.len == 1) {
		c->has_invoke_id = true;
		c->invoke_id = t.v[0];
	} else if (t.tag != TAG_NULL || t.len != 0) {
		return -USSD_ERR_COMP;
	}
	if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
		return rc;
	if (t.tag < 0x80 || t.tag > 0x83 || t.len != 1 || pos != len)
		return -USSD_ERR_COMP;
	c->problem_tag = t.tag;
	c->problem_code = t.v[0];
	return 0;
}

int ussd_component_decode(struct ussd_component *c, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	struct tlv t;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = get_tlv(buf, len, &pos, &t)) < 0)
		return rc;
	c->type = t.tag;
	switch (t.tag) {
	case USSD_COMP_INVOKE: return get_invoke(c, t.v, t.len);
	case USSD_COMP_RETURN_RESULT: return get_return_result(c, t.v, t.len);
	case USSD_COMP_RETURN_ERROR: return get_return_error(c, t.v, t.len);
	case USSD_COMP_REJECT: return get_reject(c, t.v, t.len);
	default: return -USSD_ERR_COMP;
	}
}

int ussd_component_set_text(struct ussd_component *c, uint8_t dcs, const char *utf8)
{
	int rc = ussd_string_encode(c->string, sizeof(c->string), dcs, NULL, utf8, strlen(utf8));

	if (rc < 0)
		return rc;
	c->dcs = dcs;
	c->string_len = rc;
	c->has_ussd = true;
	return 0;
}

/* ---- DTAP framing (24.080 2, 04.08 10.5) ---- */

static void put_facility_tlv(struct buf *b, const struct ussd_dtap *m, bool with_iei)
{
	uint8_t comp[250];
	int n = ussd_component_encode(comp, sizeof(comp), &m->comp);

	if (n < 0) {
		b->err = n;
		return;
	}
	if (with_iei)
		put_u8(b, IEI_FACILITY);
	put_u8(b, n);
	put(b, comp, n);
}

int ussd_dtap_encode(uint8_t *out, size_t outlen, const struct ussd_dtap *m)
{
	struct buf b = { out, outlen, 0, 0 };

	if (m->ti > 7 || m->cause_len > sizeof(m->cause))
		return -EINVAL;
	put_u8(&b, (m->ti_flag << 7) | (m->ti << 4) | USSD_PDISC_SS);
	put_u8(&b, m->msg_type);
	switch (m->msg_type) {
	case USSD_MSG_REGISTER:
		put_facility_tlv(&b, m, true);
		if (m->has_ss_version)
			put_tlv(&b, IEI_SS_VERSION, &m->ss_version, 1);
		break;
	case USSD_MSG_FACILITY:
		put_facility_tlv(&b, m, false);
		break;
	case USSD_MSG_RELEASE_COMPLETE:
		if (m->has_cause)
			put_tlv(&b, IEI_CAUSE, m->cause, m->cause_len);
		if (m->has_facility)
			put_facility_tlv(&b, m, true);
		break;
	default:
		return -EINVAL;
	}
	return b.err ? b.err : (int)b.pos;
}

/* Optional TLV IEs (04.08 style: IEI, length, value). */
static int get_ies(struct ussd_dtap *m, const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	int rc;

	while (pos < len) {
		uint8_t iei = buf[pos], l;

		if (len - pos < 2 || (l = buf[pos + 1]) > len - pos - 2)
			return -USSD_ERR_IE;
		pos += 2;
		if (iei == IEI_FACILITY && !m->has_facility) {
			if ((rc = ussd_component_decode(&m->comp, buf + pos, l)) < 0)
				return rc;
			m->has_facility = true;
		} else if (iei == IEI_SS_VERSION && l >= 1) {
			m->has_ss_version = true;
			m->ss_version = buf[pos];
		} else if (iei == IEI_CAUSE && l >= 2 && l <= sizeof(m->cause)) {
			m->has_cause = true;
			m->cause_len = l;
			memcpy(m->cause, buf + pos, l);
		}
		pos += l;
	}
	return 0;
}

static int get_facility_lv(struct ussd_dtap *m, const uint8_t *buf, size_t len)
{
	int rc;

	if (len < 1 || buf[0] > len - 1)
		return -USSD_ERR_IE;
	if ((rc = ussd_component_decode(&m->comp, buf + 1, buf[0])) < 0)
		return rc;
	m->has_facility = true;
	return 0;
}

int ussd_dtap_decode(struct ussd_dtap *m, const uint8_t *buf, size_t len)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if (len < 2)
		return -USSD_ERR_SHORT;
	if ((buf[0] & 0x0f) != USSD_PDISC_SS)
		return -USSD_ERR_PDISC;
	m->ti_flag = buf[0] & 0x80;
	m->ti = (buf[0] >> 4) & 0x07;
	/* bits 7-6 carry N(SD) from the MS: not part of the type */
	m->msg_type = buf[1] & 0x3f;
	switch (m->msg_type) {
	case USSD_MSG_REGISTER:
		rc = get_ies(m, buf + 2, len - 2);
		if (rc == 0 && !m->has_facility)
			rc = -USSD_ERR_IE;
		return rc;
	case USSD_MSG_FACILITY:
		return get_facility_lv(m, buf + 2, len - 2);
	case USSD_MSG_RELEASE_COMPLETE:
		return get_ies(m, buf + 2, len - 2);
	default:
		return -USSD_ERR_MSG_TYPE;
	}
}
