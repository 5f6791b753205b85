/* MAP short message and USSD operations (3GPP TS 29.002 clauses 12, 11.9,
 * 17.7) on the BER primitives. The ASN.1 is in specs/map-sm.asn. */

#include <string.h>
#include <sigway/asn1/ber.h>
#include <sigway/map/map_sm.h>

#define ENC_BEGIN(buf, cap) struct ber_enc e; ber_enc_init(&e, buf, cap)
#define ENC_END() return ber_enc_result(&e) < 0 ? -MAP_ERR_NO_SPACE : ber_enc_result(&e)

/* -------------------------------------------------------------- common */

void map_acn(struct tcap_acn *out, enum map_ac ac, uint8_t version)
{
	static const uint8_t prefix[] = { 0x04, 0x00, 0x00, 0x01, 0x00 };
	memcpy(out->oid, prefix, sizeof(prefix));
	out->oid[5] = (uint8_t)ac;
	out->oid[6] = version;
	out->len = 7;
}

int map_acn_parse(const struct tcap_acn *acn, enum map_ac *ac, uint8_t *version)
{
	static const uint8_t prefix[] = { 0x04, 0x00, 0x00, 0x01, 0x00 };
	if (acn->len != 7 || memcmp(acn->oid, prefix, sizeof(prefix)))
		return -MAP_ERR_DECODE;
	*ac = (enum map_ac)acn->oid[5];
	*version = acn->oid[6];
	return 0;
}

static void put_address(struct ber_enc *e, uint32_t id, const struct map_address *a)
{
	ber_put_tbcd(e, id, a->ton_npi, a->digits);
}

static int get_address(struct map_address *a, const struct ber_tlv *t)
{
	if (t->len < 1 || t->len > 20)
		return -MAP_ERR_RANGE;
	a->present = true;
	a->ton_npi = t->val[0];
	return ber_tbcd_decode(a->digits, sizeof(a->digits), t->val + 1, t->len - 1) < 0 ? -MAP_ERR_DECODE : 0;
}

static int get_imsi(char *imsi, const struct ber_tlv *t)
{
	if (t->len < 3 || t->len > 8)
		return -MAP_ERR_RANGE;
	return ber_tbcd_decode(imsi, MAP_IMSI_MAX + 1, t->val, t->len) < 0 ? -MAP_ERR_DECODE : 0;
}

static int get_small_uint(const struct ber_tlv *t, uint32_t max, uint8_t *out)
{
	uint32_t v;
	if (ber_get_uint(t, &v) < 0 || v > max)
		return -MAP_ERR_RANGE;
	*out = (uint8_t)v;
	return 0;
}

/* Opens the outer SEQUENCE of an argument; MAP peers may use indefinite lengths */
static int open_seq(struct ber_cursor *seq, const uint8_t *buf, size_t len)
{
	struct ber_cursor c;
	struct ber_tlv t;
	ber_cursor_init(&c, buf, len, BER_ALLOW_INDEFINITE);
	if (ber_expect(&c, &t, BER_SEQUENCE) < 0 || !ber_cursor_done(&c))
		return -MAP_ERR_DECODE;
	ber_cursor_enter(seq, &c, &t);
	return 0;
}

/* Walks the rest of a SEQUENCE; stops early on an element that does not
 * decode, which the caller sees as a cursor not at its end */
#define FOR_EACH_ELEMENT(cur, t) \
	while (!ber_cursor_done(cur) && ber_next(cur, &(t)) == 0)

/* ------------------------------------------------------------- SRI-for-SM */

int map_enc_sri_sm_arg(uint8_t *buf, size_t cap, const struct map_sri_sm_arg *a)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	put_address(&e, BER_CTX(0), &a->msisdn);
	ber_put_bool(&e, BER_CTX(1), a->sm_rp_pri);
	put_address(&e, BER_CTX(2), &a->sc_address);
	if (a->gprs_support_indicator)
		ber_put_null(&e, BER_CTX(7));
	ber_close(&e, s);
	ENC_END();
}

int map_dec_sri_sm_arg(struct map_sri_sm_arg *a, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	bool pri = false;
	memset(a, 0, sizeof(*a));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	FOR_EACH_ELEMENT(&seq, t) {
		int rc = 0;
		switch (t.id) {
		case BER_CTX(0): rc = get_address(&a->msisdn, &t); break;
		case BER_CTX(1): rc = ber_get_bool(&t, &a->sm_rp_pri) < 0 ? -MAP_ERR_DECODE : 0; pri = true; break;
		case BER_CTX(2): rc = get_address(&a->sc_address, &t); break;
		case BER_CTX(7): a->gprs_support_indicator = true; break;
		default: break;		/* extension container, later fields */
		}
		if (rc < 0)
			return rc;
	}
	if (!ber_cursor_done(&seq))
		return -MAP_ERR_DECODE;
	return a->msisdn.present && pri && a->sc_address.present ? 0 : -MAP_ERR_MISSING;
}

int map_enc_sri_sm_res(uint8_t *buf, size_t cap, const struct map_sri_sm_res *r)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	ber_put_tbcd(&e, BER_OCTET_STRING, -1, r->imsi);
	size_t li = ber_open(&e, BER_CTX_C(0));
	put_address(&e, BER_CTX(1), &r->network_node);
	if (r->lmsi_present)
		ber_put(&e, BER_OCTET_STRING, r->lmsi, 4);
	if (r->gprs_node_indicator)
		ber_put_null(&e, BER_CTX(5));
	if (r->additional_number.present) {
		size_t an = ber_open(&e, BER_CTX_C(6));
		/* the other node: an SGSN when the main one is an MSC, and vice versa */
		put_address(&e, BER_CTX(r->gprs_node_indicator ? 0 : 1), &r->additional_number);
		ber_close(&e, an);
	}
	ber_close(&e, li);
	ber_close(&e, s);
	ENC_END();
}

static int dec_location_info(struct map_sri_sm_res *r, const struct ber_cursor *parent, const struct ber_tlv *li)
{
	struct ber_cursor c;
	struct ber_tlv t;
	ber_cursor_enter(&c, parent, li);
	FOR_EACH_ELEMENT(&c, t) {
		int rc = 0;
		switch (t.id) {
		case BER_CTX(1): rc = get_address(&r->network_node, &t); break;
		case BER_OCTET_STRING:
			if (t.len != 4)
				return -MAP_ERR_RANGE;
			memcpy(r->lmsi, t.val, 4);
			r->lmsi_present = true;
			break;
		case BER_CTX(5): r->gprs_node_indicator = true; break;
		case BER_CTX_C(6): {
			struct ber_cursor an;
			struct ber_tlv n;
			ber_cursor_enter(&an, &c, &t);
			if (ber_next(&an, &n) < 0 || (n.id != BER_CTX(0) && n.id != BER_CTX(1)))
				return -MAP_ERR_DECODE;
			rc = get_address(&r->additional_number, &n);
			break;
		}
		default: break;
		}
		if (rc < 0)
			return rc;
	}
	if (!ber_cursor_done(&c))
		return -MAP_ERR_DECODE;
	return r->network_node.present ? 0 : -MAP_ERR_MISSING;
}

int map_dec_sri_sm_res(struct map_sri_sm_res *r, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	bool have_imsi = false, have_li = false;
	memset(r, 0, sizeof(*r));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	FOR_EACH_ELEMENT(&seq, t) {
		int rc = 0;
		switch (t.id) {
		case BER_OCTET_STRING: rc = get_imsi(r->imsi, &t); have_imsi = true; break;
		case BER_CTX_C(0): rc = dec_location_info(r, &seq, &t); have_li = true; break;
		default: break;
		}
		if (rc < 0)
			return rc;
	}
	if (!ber_cursor_done(&seq))
		return -MAP_ERR_DECODE;
	return have_imsi && have_li ? 0 : -MAP_ERR_MISSING;
}

/* ------------------------------------------------- (MT/MO-)ForwardSM */

int map_enc_forward_sm_arg(uint8_t *buf, size_t cap, const struct map_forward_sm_arg *a, uint8_t version)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	switch (a->da_type) {
	case MAP_DA_IMSI: ber_put_tbcd(&e, BER_CTX(0), -1, a->da_imsi); break;
	case MAP_DA_LMSI: ber_put(&e, BER_CTX(1), a->da_lmsi, 4); break;
	case MAP_DA_SC_ADDRESS: put_address(&e, BER_CTX(4), &a->da_address); break;
	case MAP_DA_NONE: ber_put_null(&e, BER_CTX(5)); break;
	}
	switch (a->oa_type) {
	case MAP_OA_MSISDN: put_address(&e, BER_CTX(2), &a->oa_address); break;
	case MAP_OA_SC_ADDRESS: put_address(&e, BER_CTX(4), &a->oa_address); break;
	case MAP_OA_NONE: ber_put_null(&e, BER_CTX(5)); break;
	}
	ber_put(&e, BER_OCTET_STRING, a->sm_rp_ui, a->sm_rp_ui_len);
	/* moreMessagesToSend exists from v2 on (MT direction) */
	if (a->more_messages_to_send && version >= 2)
		ber_put_null(&e, BER_NULL);
	/* MO-ForwardSM v3 may name the sender's IMSI after the extension marker */
	if (a->imsi[0] && version >= 3)
		ber_put_tbcd(&e, BER_OCTET_STRING, -1, a->imsi);
	ber_close(&e, s);
	ENC_END();
}

int map_dec_forward_sm_arg(struct map_forward_sm_arg *a, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	int rc;
	memset(a, 0, sizeof(*a));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	/* sm-RP-DA */
	if (ber_next(&seq, &t) < 0)
		return -MAP_ERR_MISSING;
	switch (t.id) {
	case BER_CTX(0): a->da_type = MAP_DA_IMSI; rc = get_imsi(a->da_imsi, &t); break;
	case BER_CTX(1):
		a->da_type = MAP_DA_LMSI;
		rc = t.len == 4 ? 0 : -MAP_ERR_RANGE;
		if (!rc)
			memcpy(a->da_lmsi, t.val, 4);
		break;
	case BER_CTX(4): a->da_type = MAP_DA_SC_ADDRESS; rc = get_address(&a->da_address, &t); break;
	case BER_CTX(5): a->da_type = MAP_DA_NONE; rc = 0; break;
	default: return -MAP_ERR_DECODE;
	}
	if (rc < 0)
		return rc;
	/* sm-RP-OA */
	if (ber_next(&seq, &t) < 0)
		return -MAP_ERR_MISSING;
	switch (t.id) {
	case BER_CTX(2): a->oa_type = MAP_OA_MSISDN; rc = get_address(&a->oa_address, &t); break;
	case BER_CTX(4): a->oa_type = MAP_OA_SC_ADDRESS; rc = get_address(&a->oa_address, &t); break;
	case BER_CTX(5): a->oa_type = MAP_OA_NONE; rc = 0; break;
	default: return -MAP_ERR_DECODE;
	}
	if (rc < 0)
		return rc;
	/* sm-RP-UI */
	if (ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || t.len == 0 || t.len > 200)
		return -MAP_ERR_MISSING;
	a->sm_rp_ui = t.val;
	a->sm_rp_ui_len = t.len;
	FOR_EACH_ELEMENT(&seq, t) {
		if (t.id == BER_NULL)
			a->more_messages_to_send = true;
		else if (t.id == BER_OCTET_STRING && (rc = get_imsi(a->imsi, &t)) < 0)
			return rc;
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

/* --------------------------------------------- reportSM-DeliveryStatus */

int map_enc_report_smds_arg(uint8_t *buf, size_t cap, const struct map_report_smds_arg *a)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	put_address(&e, BER_OCTET_STRING, &a->msisdn);
	put_address(&e, BER_OCTET_STRING, &a->sc_address);
	ber_put_uint(&e, BER_ENUMERATED, a->outcome);
	if (a->absent_diag_present)
		ber_put_uint(&e, BER_CTX(0), a->absent_diag);
	ber_close(&e, s);
	ENC_END();
}

int map_dec_report_smds_arg(struct map_report_smds_arg *a, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	uint8_t outcome;
	memset(a, 0, sizeof(*a));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	if (ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || get_address(&a->msisdn, &t) < 0 ||
	    ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || get_address(&a->sc_address, &t) < 0 ||
	    ber_expect(&seq, &t, BER_ENUMERATED) < 0 || get_small_uint(&t, 2, &outcome) < 0)
		return -MAP_ERR_MISSING;
	a->outcome = (enum map_sm_outcome)outcome;
	FOR_EACH_ELEMENT(&seq, t) {
		if (t.id == BER_CTX(0)) {
			if (get_small_uint(&t, 255, &a->absent_diag) < 0)
				return -MAP_ERR_RANGE;
			a->absent_diag_present = true;
		}
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

int map_enc_report_smds_res(uint8_t *buf, size_t cap, const struct map_report_smds_res *r)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	if (r->stored_msisdn.present)
		put_address(&e, BER_OCTET_STRING, &r->stored_msisdn);
	ber_close(&e, s);
	ENC_END();
}

int map_dec_report_smds_res(struct map_report_smds_res *r, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	memset(r, 0, sizeof(*r));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	FOR_EACH_ELEMENT(&seq, t) {
		if (t.id == BER_OCTET_STRING && get_address(&r->stored_msisdn, &t) < 0)
			return -MAP_ERR_DECODE;
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

/* ---------------------------------------- alertSC, informSC */

int map_enc_alert_sc_arg(uint8_t *buf, size_t cap, const struct map_alert_sc_arg *a)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	put_address(&e, BER_OCTET_STRING, &a->msisdn);
	put_address(&e, BER_OCTET_STRING, &a->sc_address);
	ber_close(&e, s);
	ENC_END();
}

int map_dec_alert_sc_arg(struct map_alert_sc_arg *a, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	memset(a, 0, sizeof(*a));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	if (ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || get_address(&a->msisdn, &t) < 0 ||
	    ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || get_address(&a->sc_address, &t) < 0)
		return -MAP_ERR_MISSING;
	FOR_EACH_ELEMENT(&seq, t)
		;	/* extension container and later fields */
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

int map_enc_inform_sc_arg(uint8_t *buf, size_t cap, const struct map_inform_sc_arg *a)
{
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	if (a->stored_msisdn.present)
		put_address(&e, BER_OCTET_STRING, &a->stored_msisdn);
	if (a->mw_status_present) {
		/* MW-Status BIT STRING (SIZE (6..16)): 6 bits, 2 unused in one octet */
		uint8_t bits[2] = { 2, 0 };
		for (int i = 0; i < 6; i++)
			if (a->mw_status & (1u << i))
				bits[1] |= (uint8_t)(0x80 >> i);
		ber_put(&e, BER_BIT_STRING, bits, 2);
	}
	ber_close(&e, s);
	ENC_END();
}

int map_dec_inform_sc_arg(struct map_inform_sc_arg *a, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	memset(a, 0, sizeof(*a));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	FOR_EACH_ELEMENT(&seq, t) {
		if (t.id == BER_OCTET_STRING && get_address(&a->stored_msisdn, &t) < 0)
			return -MAP_ERR_DECODE;
		if (t.id == BER_BIT_STRING) {
			if (t.len < 2 || t.val[0] > 7)
				return -MAP_ERR_DECODE;
			a->mw_status_present = true;
			for (int i = 0; i < 6; i++)
				if (t.val[1] & (0x80 >> i))
					a->mw_status |= (uint8_t)(1u << i);
		}
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

/* ------------------------------------------------------------------ USSD */

int map_enc_ussd(uint8_t *buf, size_t cap, const struct map_ussd *u)
{
	if (u->string_len < 1 || u->string_len > 160)
		return -MAP_ERR_RANGE;
	ENC_BEGIN(buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	ber_put(&e, BER_OCTET_STRING, &u->dcs, 1);
	ber_put(&e, BER_OCTET_STRING, u->string, u->string_len);
	if (u->has_alerting_pattern)
		ber_put(&e, BER_OCTET_STRING, &u->alerting_pattern, 1);
	if (u->msisdn.present)
		put_address(&e, BER_CTX(0), &u->msisdn);
	ber_close(&e, s);
	ENC_END();
}

int map_dec_ussd(struct map_ussd *u, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	memset(u, 0, sizeof(*u));
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	if (ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || t.len != 1)
		return -MAP_ERR_MISSING;
	u->dcs = t.val[0];
	if (ber_expect(&seq, &t, BER_OCTET_STRING) < 0 || t.len < 1 || t.len > 160)
		return -MAP_ERR_MISSING;
	u->string = t.val;
	u->string_len = t.len;
	FOR_EACH_ELEMENT(&seq, t) {
		if (t.id == BER_CTX(0) && get_address(&u->msisdn, &t) < 0)
			return -MAP_ERR_DECODE;
		/* SIZE (1); another size is skipped, as unknown elements are:
		 * the pattern only matters to the handset */
		if (t.id == BER_OCTET_STRING && t.len == 1) {
			u->has_alerting_pattern = true;
			u->alerting_pattern = t.val[0];
		}
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

/* ------------------------------------------------ SS-UserData (MAP v1) */

#define BER_IA5_STRING BER_UNIV(22)

static bool ia5_ok(const char *s, size_t n)
{
	if (n < 1 || n > MAP_SS_USER_DATA_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] > 0x7f)
			return false;
	return true;
}

int map_enc_ss_user_data(uint8_t *buf, size_t cap, const struct map_ss_user_data *d)
{
	if (!d->text || !ia5_ok(d->text, d->len))
		return -MAP_ERR_RANGE;
	ENC_BEGIN(buf, cap);
	ber_put(&e, BER_IA5_STRING, d->text, d->len);
	ENC_END();
}

int map_dec_ss_user_data(struct map_ss_user_data *d, const uint8_t *buf, size_t len)
{
	struct ber_cursor c;
	struct ber_tlv t;
	memset(d, 0, sizeof(*d));
	/* primitive only: a v1 node has no reason to cut 200 octets into segments */
	ber_cursor_init(&c, buf, len, 0);
	if (ber_expect(&c, &t, BER_IA5_STRING) < 0 || !ber_cursor_done(&c))
		return -MAP_ERR_DECODE;
	if (!ia5_ok((const char *)t.val, t.len))
		return -MAP_ERR_RANGE;
	d->text = (const char *)t.val;
	d->len = t.len;
	return 0;
}

/* ---------------------------------------------------------------- errors */

int map_enc_error_param(uint8_t *buf, size_t cap, const struct map_error_param *p)
{
	ENC_BEGIN(buf, cap);
	switch (p->code) {
	case MAP_ERR_ABSENT_SUBSCRIBER_SM: {
		if (!p->absent_diag_present)
			return 0;
		size_t s = ber_open(&e, BER_SEQUENCE);
		ber_put_uint(&e, BER_INTEGER, p->absent_diag);
		ber_close(&e, s);
		break;
	}
	case MAP_ERR_SM_DELIVERY_FAILURE: {
		size_t s = ber_open(&e, BER_SEQUENCE);
		ber_put_uint(&e, BER_ENUMERATED, p->failure_cause);
		if (p->diagnostic_info_len)
			ber_put(&e, BER_OCTET_STRING, p->diagnostic_info, p->diagnostic_info_len);
		ber_close(&e, s);
		break;
	}
	default:
		return 0;	/* the others' parameters are optional extension holders */
	}
	ENC_END();
}

int map_dec_error_param(struct map_error_param *p, enum map_error code, const uint8_t *buf, size_t len)
{
	struct ber_cursor seq;
	struct ber_tlv t;
	memset(p, 0, sizeof(*p));
	p->code = code;
	if (!buf || !len || (code != MAP_ERR_ABSENT_SUBSCRIBER_SM && code != MAP_ERR_SM_DELIVERY_FAILURE))
		return code == MAP_ERR_SM_DELIVERY_FAILURE ? -MAP_ERR_MISSING : 0;
	if (open_seq(&seq, buf, len) < 0)
		return -MAP_ERR_DECODE;
	if (code == MAP_ERR_SM_DELIVERY_FAILURE) {
		uint8_t cause;
		if (ber_expect(&seq, &t, BER_ENUMERATED) < 0 || get_small_uint(&t, 255, &cause) < 0)
			return -MAP_ERR_MISSING;
		p->failure_cause_present = true;
		p->failure_cause = (enum map_sm_failure_cause)cause;
	}
	FOR_EACH_ELEMENT(&seq, t) {
		if (code == MAP_ERR_ABSENT_SUBSCRIBER_SM && t.id == BER_INTEGER) {
			if (get_small_uint(&t, 255, &p->absent_diag) < 0)
				return -MAP_ERR_RANGE;
			p->absent_diag_present = true;
		} else if (code == MAP_ERR_SM_DELIVERY_FAILURE && t.id == BER_OCTET_STRING) {
			p->diagnostic_info = t.val;
			p->diagnostic_info_len = t.len;
		}
	}
	return ber_cursor_done(&seq) ? 0 : -MAP_ERR_DECODE;
}

/* --------------------------------------------------------- MAP-OpenInfo */

/* map-DialogueAS {0 4 0 0 1 1 1 1} */
static const uint8_t oid_map_dialogue_as[] = { 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01 };

/* MAP-DialoguePDU choices: map-open [0] .. map-providerAbort [5] */
int map_enc_dialogue_pdu(uint8_t *buf, size_t cap, const struct map_dialogue_pdu *p)
{
	ENC_BEGIN(buf, cap);
	size_t ext = ber_open(&e, BER_EXTERNAL);
	ber_put(&e, BER_OID, oid_map_dialogue_as, sizeof(oid_map_dialogue_as));
	size_t sa = ber_open(&e, BER_CTX_C(0));		/* single-ASN1-type */
	size_t pdu = ber_open(&e, BER_CTX_C(p->type));	/* [n] IMPLICIT SEQUENCE */
	switch (p->type) {
	case MAP_DLG_OPEN:
		if (p->open.destination_reference.present)
			put_address(&e, BER_CTX(0), &p->open.destination_reference);
		if (p->open.origination_reference.present)
			put_address(&e, BER_CTX(1), &p->open.origination_reference);
		break;
	case MAP_DLG_ACCEPT:
	case MAP_DLG_CLOSE:
		break;
	case MAP_DLG_REFUSE:
		ber_put_uint(&e, BER_ENUMERATED, p->refuse_reason);
		break;
	case MAP_DLG_USER_ABORT:
		/* MAP-UserAbortChoice: [0] NULL, [1] NULL, [2] ENUMERATED, [3] ENUMERATED */
		if (p->user_abort_choice <= 1)
			ber_put_null(&e, BER_CTX(p->user_abort_choice));
		else
			ber_put_uint(&e, BER_CTX(p->user_abort_choice), p->user_abort_diag);
		break;
	case MAP_DLG_PROVIDER_ABORT:
		ber_put_uint(&e, BER_ENUMERATED, p->provider_abort_reason);
		break;
	}
	ber_close(&e, pdu);
	ber_close(&e, sa);
	ber_close(&e, ext);
	ENC_END();
}

static int dec_open(struct map_open_info *oi, struct ber_cursor *open)
{
	struct ber_tlv t;
	FOR_EACH_ELEMENT(open, t) {
		int rc = 0;
		if (t.id == BER_CTX(0))
			rc = get_address(&oi->destination_reference, &t);
		else if (t.id == BER_CTX(1))
			rc = get_address(&oi->origination_reference, &t);
		if (rc < 0)
			return rc;
	}
	return ber_cursor_done(open) ? 0 : -MAP_ERR_DECODE;
}

/* the first element of a refuse/abort SEQUENCE: an ENUMERATED (or a CHOICE
 * element for a user abort); later elements (extensions) are skipped */
static int dec_reason(const struct map_dialogue_pdu *p, struct ber_cursor *c, uint8_t *reason, uint8_t *choice)
{
	struct ber_tlv t;
	uint32_t v = 0;
	if (ber_next(c, &t) < 0)
		return -MAP_ERR_MISSING;
	if (p->type == MAP_DLG_USER_ABORT) {
		if (BER_ID_CLASS(t.id) != BER_CLASS_CTX || BER_ID_NUMBER(t.id) > 3)
			return -MAP_ERR_DECODE;
		*choice = (uint8_t)BER_ID_NUMBER(t.id);
		if (*choice >= 2 && (ber_get_uint(&t, &v) < 0 || v > 255))
			return -MAP_ERR_RANGE;
	} else if (t.id != BER_ENUMERATED || ber_get_uint(&t, &v) < 0 || v > 255) {
		return -MAP_ERR_DECODE;
	}
	*reason = (uint8_t)v;
	return 0;
}

int map_dec_dialogue_pdu(struct map_dialogue_pdu *p, const uint8_t *buf, size_t len)
{
	struct ber_cursor c, ext, sa, body;
	struct ber_tlv t;
	memset(p, 0, sizeof(*p));
	ber_cursor_init(&c, buf, len, BER_ALLOW_INDEFINITE);
	if (ber_expect(&c, &t, BER_EXTERNAL) < 0)
		return -MAP_ERR_DECODE;
	ber_cursor_enter(&ext, &c, &t);
	if (ber_expect(&ext, &t, BER_OID) < 0 || t.len != sizeof(oid_map_dialogue_as) ||
	    memcmp(t.val, oid_map_dialogue_as, t.len) || ber_expect(&ext, &t, BER_CTX_C(0)) < 0)
		return -MAP_ERR_DECODE;
	ber_cursor_enter(&sa, &ext, &t);
	if (ber_next(&sa, &t) < 0 || BER_ID_CLASS(t.id) != BER_CLASS_CTX || !BER_ID_CONSTRUCTED(t.id) ||
	    BER_ID_NUMBER(t.id) > MAP_DLG_PROVIDER_ABORT)
		return -MAP_ERR_DECODE;
	p->type = (enum map_dlg_pdu_type)BER_ID_NUMBER(t.id);
	ber_cursor_enter(&body, &sa, &t);
	switch (p->type) {
	case MAP_DLG_OPEN:
		return dec_open(&p->open, &body);
	case MAP_DLG_ACCEPT:
	case MAP_DLG_CLOSE:
		return 0;
	case MAP_DLG_REFUSE:
		return dec_reason(p, &body, &p->refuse_reason, NULL);
	case MAP_DLG_USER_ABORT:
		return dec_reason(p, &body, &p->user_abort_diag, &p->user_abort_choice);
	case MAP_DLG_PROVIDER_ABORT:
		return dec_reason(p, &body, &p->provider_abort_reason, NULL);
	}
	return -MAP_ERR_DECODE;
}

int map_enc_open_info(uint8_t *buf, size_t cap, const struct map_open_info *oi)
{
	struct map_dialogue_pdu p = { .type = MAP_DLG_OPEN, .open = *oi };
	return map_enc_dialogue_pdu(buf, cap, &p);
}

int map_dec_open_info(struct map_open_info *oi, const uint8_t *buf, size_t len)
{
	struct map_dialogue_pdu p;
	int rc = map_dec_dialogue_pdu(&p, buf, len);
	if (rc < 0 || p.type != MAP_DLG_OPEN)
		return rc < 0 ? rc : -MAP_ERR_DECODE;
	*oi = p.open;
	return 0;
}

/* ----------------------------------------------------------------- names */

const char *map_opcode_name(int op)
{
	switch (op) {
	case MAP_OP_MT_FORWARD_SM: return "mt-forwardSM";
	case MAP_OP_SRI_FOR_SM: return "sendRoutingInfoForSM";
	case MAP_OP_MO_FORWARD_SM: return "mo-forwardSM";
	case MAP_OP_REPORT_SM_DS: return "reportSM-DeliveryStatus";
	case MAP_OP_INFORM_SC: return "informServiceCentre";
	case MAP_OP_ALERT_SC: return "alertServiceCentre";
	case MAP_OP_ALERT_SC_WITHOUT_RESULT: return "alertServiceCentreWithoutResult";
	case MAP_OP_PROCESS_USS: return "processUnstructuredSS-Request";
	case MAP_OP_USSR: return "unstructuredSS-Request";
	case MAP_OP_USSN: return "unstructuredSS-Notify";
	case MAP_OP_PROCESS_USS_DATA: return "processUnstructuredSS-Data";
	}
	return "unknown";
}

const char *map_error_name(int code)
{
	switch (code) {
	case MAP_ERR_UNKNOWN_SUBSCRIBER: return "unknownSubscriber";
	case MAP_ERR_UNIDENTIFIED_SUBSCRIBER: return "unidentifiedSubscriber";
	case MAP_ERR_ABSENT_SUBSCRIBER_SM: return "absentSubscriberSM";
	case MAP_ERR_ILLEGAL_SUBSCRIBER: return "illegalSubscriber";
	case MAP_ERR_TELESERVICE_NOT_PROVISIONED: return "teleserviceNotProvisioned";
	case MAP_ERR_ILLEGAL_EQUIPMENT: return "illegalEquipment";
	case MAP_ERR_CALL_BARRED: return "callBarred";
	case MAP_ERR_FACILITY_NOT_SUPPORTED: return "facilityNotSupported";
	case MAP_ERR_ABSENT_SUBSCRIBER: return "absentSubscriber";
	case MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS: return "subscriberBusyForMT-SMS";
	case MAP_ERR_SM_DELIVERY_FAILURE: return "sm-DeliveryFailure";
	case MAP_ERR_MESSAGE_WAITING_LIST_FULL: return "messageWaitingListFull";
	case MAP_ERR_SYSTEM_FAILURE: return "systemFailure";
	case MAP_ERR_DATA_MISSING: return "dataMissing";
	case MAP_ERR_UNEXPECTED_DATA_VALUE: return "unexpectedDataValue";
	case MAP_ERR_UNKNOWN_ALPHABET: return "unknownAlphabet";
	case MAP_ERR_USSD_BUSY: return "ussd-Busy";
	}
	return "unknown";
}
