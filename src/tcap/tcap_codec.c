/* TCAP message codec (ITU-T Q.773) on the BER primitives. */

#include <string.h>
#include <sigway/asn1/ber.h>
#include <sigway/tcap/tcap_codec.h>

/* dialogue-as-id {0 0 17 773 1 1 1} and uni-dialogue-as-id {0 0 17 773 1 2 1} */
static const uint8_t oid_dialogue_as_id[] = { 0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01 };
static const uint8_t oid_uni_dialogue_as_id[] = { 0x00, 0x11, 0x86, 0x05, 0x01, 0x02, 0x01 };
/* protocol-version: BIT STRING { version1 (0) }, i.e. 1 unused bit, 0x80 */
static const uint8_t protocol_version1[] = { 0x07, 0x80 };

#define TAG_OTID	BER_APP(8)
#define TAG_DTID	BER_APP(9)
#define TAG_P_ABORT	BER_APP(10)
#define TAG_DIALOGUE	BER_APP_C(11)
#define TAG_COMPONENTS	BER_APP_C(12)
#define TAG_USER_INFO	BER_CTX_C(30)

static bool oid_is(const struct ber_tlv *t, const uint8_t *oid, size_t len)
{
	return t->id == BER_OID && t->len == len && !memcmp(t->val, oid, len);
}

uint32_t tcap_tid_to_u32(const uint8_t *tid, uint8_t len)
{
	uint32_t v = 0;
	for (uint8_t i = 0; i < len; i++)
		v = (v << 8) | tid[i];
	return v;
}

bool tcap_acn_equal(const struct tcap_acn *a, const struct tcap_acn *b)
{
	return a->len == b->len && !memcmp(a->oid, b->oid, a->len);
}

/* ------------------------------------------------------------ dialogue */

static int get_acn(struct ber_cursor *c, struct tcap_dialogue_pdu *d, const struct ber_tlv *t)
{
	struct ber_cursor sub;
	struct ber_tlv oid;
	ber_cursor_enter(&sub, c, t);
	if (ber_expect(&sub, &oid, BER_OID) < 0 || oid.len == 0 || oid.len > TCAP_OID_MAX)
		return -TCAP_ERR_BAD_DIALOGUE;
	d->acn_present = true;
	d->acn.len = (uint8_t)oid.len;
	memcpy(d->acn.oid, oid.val, oid.len);
	return 0;
}

/* [2] result / [3] result-source-diagnostic wrap one INTEGER each */
static int get_wrapped_int(const struct ber_cursor *c, const struct ber_tlv *t, uint32_t *v)
{
	struct ber_cursor sub;
	struct ber_tlv i;
	ber_cursor_enter(&sub, c, t);
	if (ber_expect(&sub, &i, BER_INTEGER) < 0 || ber_get_uint(&i, v) < 0)
		return -TCAP_ERR_BAD_DIALOGUE;
	return 0;
}

static int decode_dialogue_fields(struct ber_cursor *c, struct tcap_dialogue_pdu *d)
{
	struct ber_tlv t;
	uint32_t v;
	while (!ber_cursor_done(c)) {
		if (ber_next(c, &t) < 0)
			return -TCAP_ERR_BAD_DIALOGUE;
		switch (t.id) {
		case BER_CTX(0):	/* protocol-version (AARQ/AARE) or abort-source (ABRT) */
			if (d->type == TCAP_DLG_ABRT) {
				if (ber_get_uint(&t, &v) < 0 || v > 1)
					return -TCAP_ERR_BAD_DIALOGUE;
				d->abort_source = (uint8_t)v;
			}
			break;
		case BER_CTX_C(1):
			if (get_acn(c, d, &t) < 0)
				return -TCAP_ERR_BAD_DIALOGUE;
			break;
		case BER_CTX_C(2):
			if (get_wrapped_int(c, &t, &v) < 0 || v > 1)
				return -TCAP_ERR_BAD_DIALOGUE;
			d->result = (uint8_t)v;
			break;
		case BER_CTX_C(3): {
			struct ber_cursor sub;
			struct ber_tlv src;
			ber_cursor_enter(&sub, c, &t);
			if (ber_next(&sub, &src) < 0 || (src.id != BER_CTX_C(1) && src.id != BER_CTX_C(2)))
				return -TCAP_ERR_BAD_DIALOGUE;
			if (get_wrapped_int(&sub, &src, &v) < 0 || v > 255)
				return -TCAP_ERR_BAD_DIALOGUE;
			d->diag_source = (uint8_t)BER_ID_NUMBER(src.id);
			d->diag = (uint8_t)v;
			break;
		}
		case TAG_USER_INFO:
			d->user_info = t.val;
			d->user_info_len = t.len;
			break;
		default:
			return -TCAP_ERR_BAD_DIALOGUE;
		}
	}
	if ((d->type == TCAP_DLG_AARQ || d->type == TCAP_DLG_AARE || d->type == TCAP_DLG_AUDT) && !d->acn_present)
		return -TCAP_ERR_BAD_DIALOGUE;
	return 0;
}

static int decode_dialogue(const struct ber_cursor *parent, const struct ber_tlv *dp, struct tcap_dialogue_pdu *d)
{
	struct ber_cursor c, ext, sa;
	struct ber_tlv t, oid, pdu;
	bool uni;

	ber_cursor_enter(&c, parent, dp);
	if (ber_expect(&c, &t, BER_EXTERNAL) < 0)
		return -TCAP_ERR_BAD_DIALOGUE;
	ber_cursor_enter(&ext, &c, &t);
	if (ber_next(&ext, &oid) < 0)
		return -TCAP_ERR_BAD_DIALOGUE;
	if (oid_is(&oid, oid_dialogue_as_id, sizeof(oid_dialogue_as_id)))
		uni = false;
	else if (oid_is(&oid, oid_uni_dialogue_as_id, sizeof(oid_uni_dialogue_as_id)))
		uni = true;
	else
		return -TCAP_ERR_BAD_DIALOGUE;
	if (ber_expect(&ext, &t, BER_CTX_C(0)) < 0)
		return -TCAP_ERR_BAD_DIALOGUE;
	ber_cursor_enter(&sa, &ext, &t);
	if (ber_next(&sa, &pdu) < 0)
		return -TCAP_ERR_BAD_DIALOGUE;
	switch (pdu.id) {
	case BER_APP_C(0): d->type = uni ? TCAP_DLG_AUDT : TCAP_DLG_AARQ; break;
	case BER_APP_C(1): d->type = uni ? TCAP_DLG_NONE : TCAP_DLG_AARE; break;
	case BER_APP_C(4): d->type = uni ? TCAP_DLG_NONE : TCAP_DLG_ABRT; break;
	default: d->type = TCAP_DLG_NONE; break;
	}
	if (d->type == TCAP_DLG_NONE)
		return -TCAP_ERR_BAD_DIALOGUE;
	ber_cursor_enter(&c, &sa, &pdu);
	return decode_dialogue_fields(&c, d);
}

/* ---------------------------------------------------------- components */

static void mark_bad(struct tcap_component *comp, enum tcap_problem_type type, uint8_t problem)
{
	comp->type = TCAP_COMP_BAD;
	comp->problem_type = type;
	comp->problem = problem;
}

static int get_small_int(const struct ber_tlv *t, int lo, int hi, int32_t *v)
{
	return ber_get_int(t, v) == 0 && *v >= lo && *v <= hi ? 0 : -1;
}

/* The optional trailing parameter: exactly one element, kept whole */
static bool take_param(struct ber_cursor *c, struct tcap_component *comp)
{
	struct ber_tlv t;
	if (ber_cursor_done(c))
		return true;
	if (ber_next(c, &t) < 0 || !ber_cursor_done(c))
		return false;
	comp->param = t.raw;
	comp->param_len = t.raw_len;
	return true;
}

static void decode_invoke(struct ber_cursor *c, struct tcap_component *comp)
{
	struct ber_tlv t;
	int32_t v;
	if (ber_next(c, &t) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	if (t.id == BER_CTX(0)) {
		if (get_small_int(&t, -128, 127, &v) < 0)
			return mark_bad(comp, TCAP_PROBLEM_INVOKE, TCAP_IP_UNRECOGNIZED_LINKED_ID);
		comp->linked_id_present = true;
		comp->linked_id = (int8_t)v;
		if (ber_next(c, &t) < 0)
			return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	}
	if (t.id == BER_OID)	/* global operation codes: none in MAP */
		return mark_bad(comp, TCAP_PROBLEM_INVOKE, TCAP_IP_UNRECOGNIZED_OPERATION);
	if (t.id != BER_INTEGER || ber_get_int(&t, &comp->opcode) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	comp->op_present = true;
	if (!take_param(c, comp))
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_BADLY_STRUCTURED);
}

static void decode_result(struct ber_cursor *c, struct tcap_component *comp)
{
	struct ber_cursor seq;
	struct ber_tlv t, op;
	if (ber_cursor_done(c))
		return;
	if (ber_next(c, &t) < 0 || t.id != BER_SEQUENCE || !ber_cursor_done(c))
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	ber_cursor_enter(&seq, c, &t);
	if (ber_expect(&seq, &op, BER_INTEGER) < 0 || ber_get_int(&op, &comp->opcode) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	comp->op_present = true;
	if (!take_param(&seq, comp) || !comp->param)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_BADLY_STRUCTURED);
}

static void decode_error(struct ber_cursor *c, struct tcap_component *comp)
{
	struct ber_tlv t;
	if (ber_next(c, &t) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	if (t.id == BER_OID)
		return mark_bad(comp, TCAP_PROBLEM_ERROR, TCAP_REP_UNRECOGNIZED_ERROR);
	if (t.id != BER_INTEGER || ber_get_int(&t, &comp->error_code) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	if (!take_param(c, comp))
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_BADLY_STRUCTURED);
}

static void decode_reject(struct ber_cursor *c, struct tcap_component *comp)
{
	struct ber_tlv t;
	uint32_t v;
	if (ber_next(c, &t) < 0 || BER_ID_CLASS(t.id) != BER_CLASS_CTX || BER_ID_NUMBER(t.id) > 3 ||
	    BER_ID_CONSTRUCTED(t.id) || ber_get_uint(&t, &v) < 0 || v > 255 || !ber_cursor_done(c))
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	comp->problem_type = (enum tcap_problem_type)BER_ID_NUMBER(t.id);
	comp->problem = (uint8_t)v;
}

static void decode_component(const struct ber_cursor *parent, const struct ber_tlv *ct,
			     struct tcap_component *comp)
{
	struct ber_cursor c;
	struct ber_tlv t;
	int32_t v;

	memset(comp, 0, sizeof(*comp));
	ber_cursor_enter(&c, parent, ct);
	switch (ct->id) {
	case BER_CTX_C(1): comp->type = TCAP_COMP_INVOKE; break;
	case BER_CTX_C(2): comp->type = TCAP_COMP_RESULT_LAST; break;
	case BER_CTX_C(3): comp->type = TCAP_COMP_ERROR; break;
	case BER_CTX_C(4): comp->type = TCAP_COMP_REJECT; break;
	case BER_CTX_C(7): comp->type = TCAP_COMP_RESULT_NOT_LAST; break;
	default:
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_UNRECOGNIZED_COMPONENT);
	}
	/* invokeID first; a Reject may carry NULL instead */
	if (ber_next(&c, &t) < 0)
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_BADLY_STRUCTURED);
	if (t.id == BER_NULL && comp->type == TCAP_COMP_REJECT) {
		comp->invoke_id_present = false;
	} else if (t.id == BER_INTEGER && get_small_int(&t, -128, 127, &v) == 0) {
		comp->invoke_id_present = true;
		comp->invoke_id = (int8_t)v;
	} else {
		return mark_bad(comp, TCAP_PROBLEM_GENERAL, TCAP_GP_MISTYPED_COMPONENT);
	}
	switch (comp->type) {
	case TCAP_COMP_INVOKE: decode_invoke(&c, comp); break;
	case TCAP_COMP_RESULT_LAST:
	case TCAP_COMP_RESULT_NOT_LAST: decode_result(&c, comp); break;
	case TCAP_COMP_ERROR: decode_error(&c, comp); break;
	case TCAP_COMP_REJECT: decode_reject(&c, comp); break;
	default: break;
	}
}

static int decode_components(const struct ber_cursor *parent, const struct ber_tlv *cp, struct tcap_msg *m)
{
	struct ber_cursor c;
	struct ber_tlv t;
	ber_cursor_enter(&c, parent, cp);
	while (!ber_cursor_done(&c)) {
		if (m->n_comp == TCAP_MAX_COMPONENTS)
			return -TCAP_ERR_TOO_MANY_COMPONENTS;
		if (ber_next(&c, &t) < 0) {
			/* the rest is unreadable: one Reject for it, then stop */
			memset(&m->comp[m->n_comp], 0, sizeof(m->comp[0]));
			mark_bad(&m->comp[m->n_comp++], TCAP_PROBLEM_GENERAL, TCAP_GP_BADLY_STRUCTURED);
			return 0;
		}
		decode_component(&c, &t, &m->comp[m->n_comp++]);
	}
	return 0;
}

/* ---------------------------------------------------------------- message */

static int get_tid(const struct ber_tlv *t, uint8_t *tid, uint8_t *len)
{
	if (t->len < 1 || t->len > TCAP_TID_MAX)
		return -TCAP_ERR_BADLY_FORMATTED_TP;
	memcpy(tid, t->val, t->len);
	*len = (uint8_t)t->len;
	return 0;
}

static int msg_type_of(uint32_t id, enum tcap_msg_type *type)
{
	switch (id) {
	case BER_APP_C(1): *type = TCAP_MSG_UNI; return 0;
	case BER_APP_C(2): *type = TCAP_MSG_BEGIN; return 0;
	case BER_APP_C(4): *type = TCAP_MSG_END; return 0;
	case BER_APP_C(5): *type = TCAP_MSG_CONTINUE; return 0;
	case BER_APP_C(7): *type = TCAP_MSG_ABORT; return 0;
	}
	return -TCAP_ERR_UNRECOGNIZED_MSG_TYPE;
}

/* Transaction IDs each message type must carry (Q.773 Table 6) */
static void tids_required(enum tcap_msg_type type, bool *otid, bool *dtid)
{
	*otid = type == TCAP_MSG_BEGIN || type == TCAP_MSG_CONTINUE;
	*dtid = type == TCAP_MSG_END || type == TCAP_MSG_CONTINUE || type == TCAP_MSG_ABORT;
}

static int decode_body(struct ber_cursor *c, struct tcap_msg *m)
{
	struct ber_tlv t;
	bool need_otid, need_dtid;
	int rc;

	tids_required(m->type, &need_otid, &need_dtid);
	while (!ber_cursor_done(c)) {
		if (ber_next(c, &t) < 0)
			return -TCAP_ERR_BADLY_FORMATTED_TP;
		switch (t.id) {
		case TAG_OTID:
			if (!need_otid || m->otid_present || m->dialogue_present || m->n_comp)
				return -TCAP_ERR_INCORRECT_TP;
			if ((rc = get_tid(&t, m->otid, &m->otid_len)) < 0)
				return rc;
			m->otid_present = true;
			break;
		case TAG_DTID:
			if (!need_dtid || m->dtid_present || m->dialogue_present || m->n_comp)
				return -TCAP_ERR_INCORRECT_TP;
			if ((rc = get_tid(&t, m->dtid, &m->dtid_len)) < 0)
				return rc;
			m->dtid_present = true;
			break;
		case TAG_P_ABORT: {
			uint32_t v;
			if (m->type != TCAP_MSG_ABORT || m->p_abort_present || m->dialogue_present ||
			    ber_get_uint(&t, &v) < 0 || v > 127)
				return -TCAP_ERR_BADLY_FORMATTED_TP;
			m->p_abort_present = true;
			m->p_abort_cause = (uint8_t)v;
			break;
		}
		case TAG_DIALOGUE:
			if (m->dialogue_present || m->p_abort_present || m->n_comp)
				return -TCAP_ERR_BADLY_FORMATTED_TP;
			m->dialogue_present = true;
			if ((rc = decode_dialogue(c, &t, &m->dialogue)) < 0)
				return rc;
			break;
		case TAG_COMPONENTS:
			if (m->type == TCAP_MSG_ABORT || m->n_comp)
				return -TCAP_ERR_BADLY_FORMATTED_TP;
			if ((rc = decode_components(c, &t, m)) < 0)
				return rc;
			break;
		default:
			return -TCAP_ERR_BADLY_FORMATTED_TP;
		}
	}
	if (need_otid != m->otid_present || need_dtid != m->dtid_present)
		return -TCAP_ERR_INCORRECT_TP;
	return 0;
}

int tcap_decode(struct tcap_msg *m, const uint8_t *buf, size_t len)
{
	struct ber_cursor c, body;
	struct ber_tlv t;

	m->n_comp = 0;
	m->otid_present = m->dtid_present = false;
	m->p_abort_present = m->dialogue_present = false;
	memset(&m->dialogue, 0, sizeof(m->dialogue));
	/* X.690 allows indefinite lengths on constructed elements, and MAP peers
	 * use them; primitives (TIDs, integers) can never be indefinite. */
	ber_cursor_init(&c, buf, len, BER_ALLOW_INDEFINITE);
	if (len < 1 || msg_type_of(BER_ID(buf[0] >> 6, (buf[0] >> 5) & 1, buf[0] & 0x1f), &m->type) < 0) {
		m->type = len ? buf[0] : 0;
		return -TCAP_ERR_UNRECOGNIZED_MSG_TYPE;
	}
	if (ber_next(&c, &t) < 0)
		return -TCAP_ERR_BADLY_FORMATTED_TP;
	if (!ber_cursor_done(&c))	/* trailing octets after the message */
		return -TCAP_ERR_BADLY_FORMATTED_TP;
	ber_cursor_enter(&body, &c, &t);
	return decode_body(&body, m);
}

/* ---------------------------------------------------------------- encoder */

static void put_acn(struct ber_enc *e, const struct tcap_acn *acn)
{
	size_t m = ber_open(e, BER_CTX_C(1));
	ber_put(e, BER_OID, acn->oid, acn->len);
	ber_close(e, m);
}

static void put_user_info(struct ber_enc *e, const struct tcap_dialogue_pdu *d)
{
	if (!d->user_info_len)
		return;
	size_t m = ber_open(e, TAG_USER_INFO);
	ber_put_raw(e, d->user_info, d->user_info_len);
	ber_close(e, m);
}

static int put_dialogue(struct ber_enc *e, const struct tcap_dialogue_pdu *d)
{
	bool uni = d->type == TCAP_DLG_AUDT;
	uint32_t pdu_tag;
	switch (d->type) {
	case TCAP_DLG_AARQ: case TCAP_DLG_AUDT: pdu_tag = BER_APP_C(0); break;
	case TCAP_DLG_AARE: pdu_tag = BER_APP_C(1); break;
	case TCAP_DLG_ABRT: pdu_tag = BER_APP_C(4); break;
	default: return -TCAP_ERR_BAD_VALUE;
	}
	size_t dp = ber_open(e, TAG_DIALOGUE);
	size_t ext = ber_open(e, BER_EXTERNAL);
	if (uni)
		ber_put(e, BER_OID, oid_uni_dialogue_as_id, sizeof(oid_uni_dialogue_as_id));
	else
		ber_put(e, BER_OID, oid_dialogue_as_id, sizeof(oid_dialogue_as_id));
	size_t sa = ber_open(e, BER_CTX_C(0));
	size_t pdu = ber_open(e, pdu_tag);
	if (d->type == TCAP_DLG_ABRT) {
		ber_put_uint(e, BER_CTX(0), d->abort_source);
	} else {
		ber_put(e, BER_CTX(0), protocol_version1, sizeof(protocol_version1));
		if (!d->acn_present)
			return -TCAP_ERR_BAD_VALUE;
		put_acn(e, &d->acn);
		if (d->type == TCAP_DLG_AARE) {
			size_t r = ber_open(e, BER_CTX_C(2));
			ber_put_uint(e, BER_INTEGER, d->result);
			ber_close(e, r);
			size_t rsd = ber_open(e, BER_CTX_C(3));
			size_t src = ber_open(e, BER_CTX_C(d->diag_source == TCAP_DIAG_SRC_PROVIDER ? 2 : 1));
			ber_put_uint(e, BER_INTEGER, d->diag);
			ber_close(e, src);
			ber_close(e, rsd);
		}
	}
	put_user_info(e, d);
	ber_close(e, pdu);
	ber_close(e, sa);
	ber_close(e, ext);
	ber_close(e, dp);
	return 0;
}

int tcap_encode(uint8_t *buf, size_t cap, const struct tcap_tx_msg *tx)
{
	struct ber_enc e;
	uint8_t otid[4] = { (uint8_t)(tx->otid >> 24), (uint8_t)(tx->otid >> 16), (uint8_t)(tx->otid >> 8),
			    (uint8_t)tx->otid };
	enum tcap_msg_type type;

	if (msg_type_of(BER_ID(tx->type >> 6, (tx->type >> 5) & 1, tx->type & 0x1f), &type) < 0)
		return -TCAP_ERR_BAD_VALUE;
	if (tx->dtid_present && (tx->dtid_len < 1 || tx->dtid_len > TCAP_TID_MAX))
		return -TCAP_ERR_BAD_VALUE;
	ber_enc_init(&e, buf, cap);
	size_t m = ber_open(&e, BER_APP_C(tx->type & 0x1f));
	if (tx->otid_present)
		ber_put(&e, TAG_OTID, otid, sizeof(otid));
	if (tx->dtid_present)
		ber_put(&e, TAG_DTID, tx->dtid, tx->dtid_len);
	if (tx->p_abort_present)
		ber_put_uint(&e, TAG_P_ABORT, tx->p_abort_cause);
	if (tx->dialogue.type != TCAP_DLG_NONE && put_dialogue(&e, &tx->dialogue) < 0)
		return -TCAP_ERR_BAD_VALUE;
	if (tx->components_len) {
		size_t cp = ber_open(&e, TAG_COMPONENTS);
		ber_put_raw(&e, tx->components, tx->components_len);
		ber_close(&e, cp);
	}
	ber_close(&e, m);
	int rc = ber_enc_result(&e);
	return rc < 0 ? -TCAP_ERR_NO_SPACE : rc;
}

int tcap_encode_component(uint8_t *buf, size_t cap, const struct tcap_component *c)
{
	struct ber_enc e;
	ber_enc_init(&e, buf, cap);
	switch (c->type) {
	case TCAP_COMP_INVOKE: case TCAP_COMP_RESULT_LAST: case TCAP_COMP_ERROR:
	case TCAP_COMP_REJECT: case TCAP_COMP_RESULT_NOT_LAST:
		break;
	default:
		return -TCAP_ERR_BAD_VALUE;
	}
	size_t m = ber_open(&e, BER_CTX_C(c->type));
	if (c->invoke_id_present)
		ber_put_int(&e, BER_INTEGER, c->invoke_id);
	else if (c->type == TCAP_COMP_REJECT)
		ber_put_null(&e, BER_NULL);
	else
		return -TCAP_ERR_BAD_VALUE;
	switch (c->type) {
	case TCAP_COMP_INVOKE:
		if (c->linked_id_present)
			ber_put_int(&e, BER_CTX(0), c->linked_id);
		ber_put_int(&e, BER_INTEGER, c->opcode);
		ber_put_raw(&e, c->param, c->param_len);
		break;
	case TCAP_COMP_RESULT_LAST:
	case TCAP_COMP_RESULT_NOT_LAST:
		if (c->op_present) {
			size_t s = ber_open(&e, BER_SEQUENCE);
			ber_put_int(&e, BER_INTEGER, c->opcode);
			ber_put_raw(&e, c->param, c->param_len);
			ber_close(&e, s);
		}
		break;
	case TCAP_COMP_ERROR:
		ber_put_int(&e, BER_INTEGER, c->error_code);
		ber_put_raw(&e, c->param, c->param_len);
		break;
	case TCAP_COMP_REJECT:
		if (c->problem_type > TCAP_PROBLEM_ERROR)
			return -TCAP_ERR_BAD_VALUE;
		ber_put_uint(&e, BER_CTX(c->problem_type), c->problem);
		break;
	default:
		break;
	}
	ber_close(&e, m);
	int rc = ber_enc_result(&e);
	return rc < 0 ? -TCAP_ERR_NO_SPACE : rc;
}

static const char *const tcap_err_names[_TCAP_ERR_COUNT] = {
	[0] = "no error",
	[TCAP_ERR_UNRECOGNIZED_MSG_TYPE] = "unrecognized message type",
	[TCAP_ERR_BADLY_FORMATTED_TP] = "badly formatted transaction portion",
	[TCAP_ERR_INCORRECT_TP] = "incorrect transaction portion",
	[TCAP_ERR_BAD_DIALOGUE] = "bad dialogue portion",
	[TCAP_ERR_TOO_MANY_COMPONENTS] = "too many components",
	[TCAP_ERR_NO_SPACE] = "no space",
	[TCAP_ERR_BAD_VALUE] = "bad value",
};

const char *tcap_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < _TCAP_ERR_COUNT && tcap_err_names[err] ? tcap_err_names[err] : "unknown error";
}

const char *tcap_msg_type_name(enum tcap_msg_type t)
{
	switch (t) {
	case TCAP_MSG_UNI: return "Unidirectional";
	case TCAP_MSG_BEGIN: return "Begin";
	case TCAP_MSG_END: return "End";
	case TCAP_MSG_CONTINUE: return "Continue";
	case TCAP_MSG_ABORT: return "Abort";
	}
	return "unknown";
}

const char *tcap_comp_type_name(enum tcap_comp_type t)
{
	switch (t) {
	case TCAP_COMP_INVOKE: return "Invoke";
	case TCAP_COMP_RESULT_LAST: return "ReturnResultLast";
	case TCAP_COMP_ERROR: return "ReturnError";
	case TCAP_COMP_REJECT: return "Reject";
	case TCAP_COMP_RESULT_NOT_LAST: return "ReturnResultNotLast";
	case TCAP_COMP_BAD: return "(undecodable)";
	}
	return "unknown";
}
