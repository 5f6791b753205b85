/* What bound ESMEs ask: submit_sm, data_sm and submit_multi are validated,
 * stored, and answered with their message_id only once the store committed
 * them; query_sm, cancel_sm and replace_sm look at the messages. A message
 * is validated by building its SMS-DELIVER TPDUs (smsc_encode.c): nothing
 * is acknowledged that the core could not send. A message that fails
 * validation gets its SMPP error status and leaves no trace (no row, no
 * billing record). Beyond `max-queued` messages not final, and while the
 * store cannot commit (another process holds its lock, its volume is
 * full), submits are refused at once with ESME_RMSGQFUL (the ESME tries
 * again later). The meaning of each status: doc/smsc.md. */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/log_guard.h>
#include <sigway/common/logging.h>
#include <sigway/numbering/numbering_norm.h>
#include <sigway/sms/sms_split.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

/* ------------------------------------------------------------ time */

static int two(const char *s)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* SMPP 3.4 7.1.1: "YYMMDDhhmmsstnnp", p '+'/'-' absolute (nn quarter hours
 * from UTC), 'R' relative. "" means not given. */
int smpp_time_parse(const char *s, int64_t now_ms, int64_t *out_ms)
{
	if (!s[0])
		return 0;
	if (strlen(s) != 16)
		return -1;
	int f[7];
	for (int i = 0; i < 6; i++)
		if ((f[i] = two(s + 2 * i)) < 0)
			return -1;
	if (!isdigit((unsigned char)s[12]) || (f[6] = two(s + 13)) < 0)
		return -1;
	if (s[15] == 'R') {
		int64_t secs = (((int64_t)f[0] * 365 + f[1] * 30 + f[2]) * 24 + f[3]) * 3600 + f[4] * 60 + f[5];
		*out_ms = now_ms + secs * 1000;
		return 0;
	}
	if ((s[15] != '+' && s[15] != '-') || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
	    f[4] > 59 || f[5] > 59 || f[6] > 48)
		return -1;
	struct tm tm = { .tm_year = 100 + f[0], .tm_mon = f[1] - 1, .tm_mday = f[2], .tm_hour = f[3],
			 .tm_min = f[4], .tm_sec = f[5] };
	int64_t t = (int64_t)timegm(&tm);
	int64_t offset = (int64_t)f[6] * 15 * 60;
	t += s[15] == '+' ? -offset : offset;	/* local time = UTC + offset */
	*out_ms = t * 1000 + (s[12] - '0') * 100;
	return 0;
}

/* ------------------------------------------------------------ validation */

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* What people type ('+49...', '0049...', '0170...' with TON 2) becomes the
 * international digits the routing knows, through the shared normaliser
 * (doc/numbering.md); national numbers need `sms / country-code` */
uint32_t smsc_normalise_dest(struct smsc *smsc, const struct smpp_address *in, struct smpp_address *out)
{
	struct numbering_norm_cfg cfg = { .country_code = smsc->cfg.country_code };
	char e164[24];
	int rc = numbering_normalise_smpp(in->ton, in->npi, in->addr, &cfg, e164, sizeof(e164), NULL);
	switch (rc) {
	case NUMBERING_NORM_OK:
		break;
	case NUMBERING_NORM_BAD_TON: case NUMBERING_NORM_NO_COUNTRY:
		return ESME_RINVDSTTON;
	case NUMBERING_NORM_BAD_NPI:
		return ESME_RINVDSTNPI;
	default:
		return ESME_RINVDSTADR;
	}
	*out = (struct smpp_address){ .ton = 1, .npi = 1 };
	snprintf(out->addr, sizeof(out->addr), "%s", e164);
	return ESME_ROK;
}

/* the source as stored: digits ('+' dropped) or an alphanumeric name,
 * which smsc_encode() checks against GSM 7-bit */
static uint32_t check_source(const struct smpp_address *a, struct smpp_address *out)
{
	*out = *a;
	if (a->ton == 5)	/* alphanumeric: 11 septets at most, checked with the content */
		return a->addr[0] ? ESME_ROK : ESME_RINVSRCADR;
	if (a->ton > 6)
		return ESME_RINVSRCTON;
	if (a->npi != 0 && a->npi != 1)
		return ESME_RINVSRCNPI;
	if (a->addr[0] == '+' && a->ton <= 1) {
		out->ton = 1;
		memmove(out->addr, out->addr + 1, strlen(out->addr));
	}
	return all_digits(out->addr, 1, 20) ? ESME_ROK : ESME_RINVSRCADR;
}

/* The message as the ESME gave it: short_message or message_payload */
static void payload_of(const struct smpp_pdu *p, const uint8_t **data, size_t *len)
{
	if (p->tlv.present & SMPP_TLV_MESSAGE_PAYLOAD) {
		*data = p->tlv.message_payload;
		*len = p->tlv.message_payload_len;
	} else {
		*data = p->short_message;
		*len = p->sm_length;
	}
}

/* Can the core send it? The TPDUs are built (and thrown away) */
static uint32_t check_content(struct smsc *smsc, const struct smpp_account *a, const struct smpp_pdu *p,
			      const struct smpp_address *src)
{
	struct smsc_content c = { .src = src, .data_coding = p->data_coding, .dc0 = a->dc0, .esm_class = p->esm_class,
				  .protocol_id = p->protocol_id, .max_parts = a->max_parts ? a->max_parts : SMSC_DEFAULT_PARTS,
				  .submit_ms = store_now_ms() };
	if ((p->tlv.present & SMPP_TLV_MESSAGE_PAYLOAD) && p->sm_length)
		return ESME_RINVMSGLEN;		/* SMPP 3.4 5.3.2.32: one or the other */
	payload_of(p, &c.payload, &c.len);
	if (p->tlv.present & SMPP_TLV_SAR) {
		c.sar_ref = p->tlv.sar_msg_ref_num;
		c.sar_total = p->tlv.sar_total_segments;
		c.sar_seq = p->tlv.sar_segment_seqnum;
	}
	switch (smsc_encode(smsc, &c, 0, NULL, NULL)) {
	case SMSC_ENC_DCS: return ESME_RINVDCS;
	case SMSC_ENC_CONTENT: return ESME_RINVMSGLEN;
	case SMSC_ENC_SOURCE: return ESME_RINVSRCADR;
	case SMSC_ENC_NOMEM: return ESME_RSYSERR;
	default: return ESME_ROK;
	}
}

/* registered_delivery: bits 0-1 the receipt (3 is reserved), bit 4
 * intermediate notifications; SME acknowledgements (bits 2-3) are not given
 * here, so they are refused rather than taken and ignored */
static bool registered_delivery_ok(uint8_t rd)
{
	return (rd & SMPP_RD_RECEIPT_MASK) != 0x03 && !(rd & ~(SMPP_RD_RECEIPT_MASK | SMPP_RD_INTERMEDIATE));
}

static uint32_t check_flags(const struct smpp_pdu *p)
{
	if (p->esm_class & SMPP_ESM_TYPE_MASK)
		return ESME_RINVESMCLASS;	/* an ESME submits plain messages */
	if (p->priority_flag > 3)
		return ESME_RINVPRTFLG;
	if (!registered_delivery_ok(p->registered_delivery))
		return ESME_RINVREGDLVFLG;
	if (p->replace_if_present_flag > 1)
		return ESME_RINVREPFLAG;
	if (p->sm_default_msg_id)
		return ESME_RINVDFTMSGID;	/* we keep no canned messages */
	if (p->tlv.present & SMPP_TLV_SAR) {
		const struct smpp_tlvs *t = &p->tlv;
		if (!t->sar_total_segments || !t->sar_segment_seqnum || t->sar_segment_seqnum > t->sar_total_segments)
			return ESME_RINVOPTPARAMVAL;
	}
	return ESME_ROK;
}

struct accepted {
	int64_t next_ms, expiry_ms;
	struct smpp_address src;	/* as stored */
};

/* everything but the destination, which submit_multi has several of */
static uint32_t validate(struct smsc *smsc, const struct smpp_request *req, struct accepted *acc)
{
	const struct smpp_pdu *p = req->pdu;
	uint32_t st;
	int64_t now = store_now_ms();
	if ((st = check_source(&p->source, &acc->src)) || (st = check_flags(p)) ||
	    (st = check_content(smsc, req->account, p, &acc->src)))
		return st;
	if (!smpp_account_may_send_from(req->account, p->source.addr))
		return ESME_RINVSRCADR;
	acc->next_ms = now;
	acc->expiry_ms = now + smsc->cfg.default_validity_s * 1000LL;
	if (smpp_time_parse(p->schedule_delivery_time, now, &acc->next_ms) < 0)
		return ESME_RINVSCHED;
	if (smpp_time_parse(p->validity_period, now, &acc->expiry_ms) < 0 || acc->expiry_ms <= now)
		return ESME_RINVEXPIRY;
	if (acc->expiry_ms > now + smsc->cfg.max_validity_s * 1000LL)
		acc->expiry_ms = now + smsc->cfg.max_validity_s * 1000LL;
	if (acc->next_ms >= acc->expiry_ms)
		return ESME_RINVSCHED;
	return ESME_ROK;
}

static uint32_t check_dest_routed(struct smsc *smsc, const struct smpp_request *req,
				  const struct smpp_address *dest, struct smpp_address *out)
{
	uint32_t st = smsc_normalise_dest(smsc, dest, out);
	if (st)
		return st;
	if (!smpp_account_may_send_to(req->account, out->addr))
		return ESME_RINVDSTADR;
	return smsc_route(smsc, out->addr) ? ESME_ROK : ESME_RINVDSTADR;
}

/* ------------------------------------------------------------ idle messages */

typedef bool (*mt_match)(const struct sms_mt *mt, const void *arg);

/* The account's messages not final that match (all of them, or those to
 * one destination): cb for each */
static unsigned int each_message(struct smsc *smsc, const char *account, const struct smpp_address *dst,
				 mt_match match, const void *arg, void (*cb)(struct sms_mt *mt, void *data), void *data)
{
	unsigned int n = 0;
	if (dst) {
		struct smsc_dest *d = smsc_dest_find(smsc, dst->addr);
		struct sms_mt *mt, *tmp;
		if (!d)
			return 0;
		llist_for_each_entry_safe(mt, tmp, &d->msgs, dest_entry) {
			if (strcmp(mt->account, account) || !match(mt, arg))
				continue;
			n++;
			cb(mt, data);
		}
		return n;
	}
	struct osmo_fsm_inst *fi, *tmp;
	llist_for_each_entry_safe(fi, tmp, &sms_mt_fsm.instances, list) {
		struct sms_mt *mt = fi->priv;
		if (!mt || mt->smsc != smsc || strcmp(mt->account, account) || !match(mt, arg))
			continue;
		n++;
		cb(mt, data);
	}
	return n;
}

/* ------------------------------------------------------------ held messages */

/* messages a request ends: their final state commits with the request */
struct held {
	struct sms_mt **mt;
	unsigned int n;
	bool busy;		/* a match was in a dialogue or partly delivered */
};

static void hold_one(struct sms_mt *mt, void *data)
{
	struct held *h = data;
	if (!sms_mt_idle(mt) || mt->parts_done) {
		h->busy = true;
		return;
	}
	struct sms_mt **a = talloc_realloc(NULL, h->mt, struct sms_mt *, h->n + 1);
	if (!a) {
		h->busy = true;
		return;
	}
	h->mt = a;
	if (smsc_db_message_deleted(mt->smsc, mt) < 0) {
		h->busy = true;
		return;
	}
	sms_mt_hold(mt);
	h->mt[h->n++] = mt;
}

/* deleted: the request committed. Else, undo: its write is still in the
 * open transaction (taken back) or was rolled back with it */
static void held_done(struct held *h, bool deleted, bool undo)
{
	for (unsigned int i = 0; i < h->n; i++) {
		if (undo)
			smsc_db_message_undeleted(h->mt[i]->smsc, h->mt[i]);
		sms_mt_held_done(h->mt[i], deleted);
	}
	talloc_free(h->mt);
	h->mt = NULL;
	h->n = 0;
}

/* ------------------------------------------------------------ accept */

/* a stored message waiting for the commit that makes it durable */
struct pending {
	struct smsc *smsc;
	uint32_t session_id, command_id, seq;
	struct sms_mt *mt[SMPP_MULTI_MAX];
	unsigned int n_mt;
	struct smpp_unsuccess_sme *unsuccess;
	unsigned int n_unsuccess;
	struct held replaced;		/* replace_if_present: the earlier ones */
};

/* replace_if_present_flag (SMPP 3.4 5.2.18): same account, source,
 * destination and service_type, not delivered */
struct rip_key {
	const struct smpp_address *src, *dst;
	const char *service_type;
};

static bool rip_match(const struct sms_mt *mt, const void *arg)
{
	const struct rip_key *k = arg;
	return !strcmp(mt->src.addr, k->src->addr) && !strcmp(mt->dst.addr, k->dst->addr) &&
	       !strcmp(mt->service_type, k->service_type);
}

static void rip_busy(struct sms_mt *mt, void *data)
{
	if (!sms_mt_idle(mt) || mt->parts_done)
		*(bool *)data = true;
}

static uint32_t replace_present(struct smsc *smsc, const struct smpp_request *req, const struct accepted *acc,
				const struct smpp_address *dest, struct pending *pd)
{
	struct rip_key k = { &acc->src, dest, req->pdu->service_type };
	struct held h = { 0 };
	bool busy = false;
	if (req->pdu->replace_if_present_flag != 1)
		return ESME_ROK;
	/* one on its way (in a dialogue, a part delivered) may arrive: refused */
	each_message(smsc, req->account->system_id, dest, rip_match, &k, rip_busy, &busy);
	if (busy)
		return ESME_RINVSUBREP;
	each_message(smsc, req->account->system_id, dest, rip_match, &k, hold_one, &h);
	if (h.busy) {
		held_done(&h, false, true);
		return ESME_RSYSERR;
	}
	for (unsigned int i = 0; i < h.n; i++) {
		struct sms_mt **a = talloc_realloc(pd, pd->replaced.mt, struct sms_mt *, pd->replaced.n + 1);
		if (!a) {
			smsc_db_message_undeleted(smsc, h.mt[i]);
			sms_mt_held_done(h.mt[i], false);
			continue;
		}
		pd->replaced.mt = a;
		pd->replaced.mt[pd->replaced.n++] = h.mt[i];
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_REPLACED));
	}
	talloc_free(h.mt);
	return ESME_ROK;
}

static struct sms_mt *store_message(struct smsc *smsc, const struct smpp_request *req, const struct smpp_pdu *p,
				    const struct smpp_address *dest, const struct accepted *acc, int64_t group_id)
{
	const uint8_t *data;
	size_t len;
	payload_of(p, &data, &len);
	struct smpp_pdu copy = *p;
	copy.source = acc->src;
	copy.dest = *dest;
	uint8_t *payload = talloc_size(smsc, len + 1);
	if (!payload)
		return NULL;
	memcpy(payload, len ? data : (const uint8_t *)"", len);
	payload[len] = 0;
	int64_t id = smsc_db_insert_message(smsc->store, req->account->system_id, &copy, req->account->dc0, data, len,
					    store_now_ms(), acc->expiry_ms, acc->next_ms, group_id);
	if (id >= 0 && group_id < 0 && smsc_db_set_group(smsc->store, id) < 0)
		id = -EIO;
	struct sms_mt *mt = id < 0 ? NULL : smsc_db_mt_alloc(smsc);
	if (!mt) {
		/* a row without its message in memory would wait for a restart:
		 * the submit is refused, and the commit makes the row final */
		if (id >= 0)
			smsc_db_message_drop(smsc, id);
		talloc_free(payload);
		return NULL;
	}
	mt->id = id;
	mt->group_id = group_id < 0 ? id : group_id;
	snprintf(mt->account, sizeof(mt->account), "%s", req->account->system_id);
	snprintf(mt->service_type, sizeof(mt->service_type), "%s", p->service_type);
	mt->src = acc->src;
	mt->dst = *dest;
	smsc_mt_set_ids(mt);
	mt->data_coding = p->data_coding;
	mt->dc0 = req->account->dc0;
	mt->esm_class = p->esm_class;
	mt->protocol_id = p->protocol_id;
	mt->registered_delivery = p->registered_delivery;
	mt->payload = talloc_steal(mt, payload);
	mt->payload_len = len;
	if (p->tlv.present & SMPP_TLV_SAR) {
		mt->sar_ref = p->tlv.sar_msg_ref_num;
		mt->sar_total = p->tlv.sar_total_segments;
		mt->sar_seq = p->tlv.sar_segment_seqnum;
	}
	mt->submit_ms = store_now_ms();
	mt->expiry_ms = acc->expiry_ms;
	mt->start_delay_ms = acc->next_ms - mt->submit_ms;
	if (sms_mt_set_dest(mt) < 0) {
		osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_ERROR, NULL);
		smsc_db_message_drop(smsc, id);
		return NULL;
	}
	return mt;
}

static void committed(void *data, bool ok)
{
	struct pending *pd = data;
	struct smsc *smsc = pd->smsc;
	struct smpp_pdu resp = { .command_status = ok ? ESME_ROK : ESME_RSYSERR };
	/* a submit_multi: one id for all its destinations, its first one's */
	if (ok && pd->n_mt)
		snprintf(resp.message_id, sizeof(resp.message_id), "%s", pd->mt[0]->esme_id);
	resp.no_unsuccess = (uint8_t)pd->n_unsuccess;
	resp.unsuccess = pd->unsuccess;
	smpp_server_respond(smsc->smpp, pd->session_id, pd->command_id, pd->seq, &resp);
	held_done(&pd->replaced, ok, false);
	for (unsigned int i = 0; i < pd->n_mt; i++) {
		struct sms_mt *mt = pd->mt[i];
		if (!ok) {
			osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_ERROR, NULL);
			continue;
		}
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_SUBMIT_ACCEPTED));
		sms_mt_wait(mt, mt->start_delay_ms > 0 ? mt->start_delay_ms : 0);
	}
	talloc_free(pd);
}

/* a refused request is one line, however many an ESME sends */
static struct sigway_log_limit *reject_log(void)
{
	static struct sigway_log_limit l;
	if (!l.what)
		sigway_log_limit_init(&l, DSMS, LOGL_NOTICE, "refused requests", 20, 10000);
	return &l;
}

/* SMPP 3.4 has no code for an unsupported data_coding: 5.0's for 5.0
 * binds, 3.4's generic "submit failed" for the others */
static uint32_t for_version(const struct smpp_request *req, uint32_t status)
{
	return status == ESME_RINVDCS && req->interface_version < 0x50 ? ESME_RSUBMITFAIL : status;
}

static void reject(struct smsc *smsc, const struct smpp_request *req, uint32_t status)
{
	status = for_version(req, status);
	struct smpp_pdu resp = { .command_status = status };
	const struct smpp_pdu *p = req->pdu;
	char dest[SIGWAY_LOG_ESC_SIZE(21)];
	LOGP_LIMITED(reject_log(), "%s from '%s' to %s rejected: %s\n", smpp_cmd_name(p->command_id),
		     req->account->system_id, sigway_log_escape(dest, sizeof(dest), p->dest.addr),
		     smpp_status_name(status));
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_SUBMIT_REJECTED));
	smpp_server_respond(smsc->smpp, req->session_id, p->command_id, p->sequence_number, &resp);
}

static struct pending *pending_new(struct smsc *smsc, const struct smpp_request *req)
{
	struct pending *pd = talloc_zero(smsc, struct pending);
	if (!pd)
		return NULL;
	pd->smsc = smsc;
	pd->session_id = req->session_id;
	pd->command_id = req->pdu->command_id;
	pd->seq = req->pdu->sequence_number;
	return pd;
}

/* a refused submit leaves nothing: what it held goes back */
static void pending_drop(struct pending *pd)
{
	if (!pd)
		return;
	held_done(&pd->replaced, false, true);
	talloc_free(pd);
}

/* Room for n more messages: 0 when the store cannot commit or max-queued
 * is reached (the ESME gets ESME_RMSGQFUL and tries again) */
static unsigned int queue_room(struct smsc *smsc, unsigned int n)
{
	if (store_busy(smsc->store) || smsc->n_pending >= smsc->cfg.max_queued)
		return 0;
	unsigned int room = smsc->cfg.max_queued - smsc->n_pending;
	return n < room ? n : room;
}

static void on_submit(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct accepted acc;
	struct smpp_address dest;
	if (!queue_room(smsc, 1)) {
		reject(smsc, req, ESME_RMSGQFUL);
		return;
	}
	uint32_t st = validate(smsc, req, &acc);
	if (!st)
		st = check_dest_routed(smsc, req, &p->dest, &dest);
	if (st) {
		reject(smsc, req, st);
		return;
	}
	struct pending *pd = pending_new(smsc, req);
	if (!pd) {
		reject(smsc, req, ESME_RSYSERR);
		return;
	}
	if ((st = replace_present(smsc, req, &acc, &dest, pd))) {
		pending_drop(pd);
		reject(smsc, req, st);
		return;
	}
	pd->mt[0] = store_message(smsc, req, p, &dest, &acc, 0);
	if (!pd->mt[0]) {
		pending_drop(pd);
		reject(smsc, req, store_busy(smsc->store) ? ESME_RMSGQFUL : ESME_RSYSERR);
		return;
	}
	pd->n_mt = 1;
	store_after_commit(smsc->store, committed, pd);
}

static bool same_dest_before(const struct pending *pd, const struct smpp_address *dest)
{
	for (unsigned int i = 0; i < pd->n_mt; i++)
		if (!strcmp(pd->mt[i]->dst.addr, dest->addr))
			return true;
	return false;
}

/* one message per SME address, all under the id of the first (receipts and
 * query_sm use it; billing names it with each destination); distribution
 * lists are not kept here. Each destination counts like a submit_sm: the
 * SMPP server lets the first req->max_dests through (window, throughput),
 * the queue may take fewer; the others are refused one by one in the
 * answer, as is a destination given twice. */
static void on_submit_multi(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct accepted acc;
	unsigned int room = queue_room(smsc, req->max_dests);
	if (!room) {
		reject(smsc, req, ESME_RMSGQFUL);
		return;
	}
	uint32_t st = validate(smsc, req, &acc);
	if (!st && !p->number_of_dests)
		st = ESME_RINVNUMDESTS;
	if (st) {
		reject(smsc, req, st);
		return;
	}
	struct pending *pd = pending_new(smsc, req);
	if (pd)
		pd->unsuccess = talloc_zero_array(pd, struct smpp_unsuccess_sme, p->number_of_dests);
	if (!pd || !pd->unsuccess) {
		pending_drop(pd);
		reject(smsc, req, ESME_RSYSERR);
		return;
	}
	for (unsigned int i = 0; i < p->number_of_dests; i++) {
		const struct smpp_multi_dest *d = &p->dests[i];
		struct smpp_address dest;
		uint32_t dst_st = d->dest_flag == 1 ? check_dest_routed(smsc, req, &d->addr, &dest) : ESME_RINVDLNAME;
		if (!dst_st && same_dest_before(pd, &dest))
			dst_st = ESME_RINVDSTADR;
		if (!dst_st && i >= room)
			dst_st = i < req->max_dests ? ESME_RMSGQFUL : req->over_status;
		if (!dst_st)
			dst_st = replace_present(smsc, req, &acc, &dest, pd);
		struct sms_mt *mt = dst_st ? NULL : store_message(smsc, req, p, &dest, &acc,
								 pd->n_mt ? pd->mt[0]->group_id : -1);
		if (mt) {
			pd->mt[pd->n_mt++] = mt;
			continue;
		}
		struct smpp_unsuccess_sme *u = &pd->unsuccess[pd->n_unsuccess++];
		u->addr = d->addr;
		u->error_status_code = for_version(req, dst_st ? dst_st : ESME_RSYSERR);
	}
	if (!pd->n_mt) {
		pending_drop(pd);
		reject(smsc, req, ESME_RINVDSTADR);
		return;
	}
	store_after_commit(smsc->store, committed, pd);
}

/* ------------------------------------------------------------ query, cancel */

/* by the id the ESME got: a submit_multi's is enroute while one of its
 * messages is, delivered when all are, else the first that was not */
static void on_query(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct smpp_pdu resp = { .command_status = ESME_RQUERYFAIL };
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT state, err, done_ms FROM messages WHERE account = ?2"
				     " AND (id = ?1 OR group_id = ?1) ORDER BY id");
	char *end;
	long long id = strtoll(p->message_id, &end, 10);
	if (s && p->message_id[0] && !*end) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, req->account->system_id, -1, SQLITE_TRANSIENT);
		int64_t done_ms = -1;
		while (sqlite3_step(s) == SQLITE_ROW) {
			int state = sqlite3_column_int(s, 0);
			bool first = resp.command_status != ESME_ROK;
			resp.command_status = ESME_ROK;
			if (state == SMPP_STATE_ENROUTE || resp.message_state == SMPP_STATE_ENROUTE) {
				resp.message_state = SMPP_STATE_ENROUTE;
				resp.error_code = 0;
				done_ms = -1;
				continue;
			}
			if (!first && resp.message_state != SMPP_STATE_DELIVERED)
				continue;	/* the first that was not delivered stays */
			resp.message_state = (uint8_t)state;
			resp.error_code = (uint8_t)sqlite3_column_int(s, 1);
			if (sqlite3_column_type(s, 2) != SQLITE_NULL && sqlite3_column_int64(s, 2) > done_ms)
				done_ms = sqlite3_column_int64(s, 2);
		}
		sqlite3_reset(s);
		snprintf(resp.message_id, sizeof(resp.message_id), "%s", p->message_id);
		if (resp.command_status == ESME_ROK && done_ms >= 0) {
			time_t t = (time_t)(done_ms / 1000);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(resp.final_date, sizeof(resp.final_date), "%y%m%d%H%M%S000+", &tm);
		}
	}
	smpp_server_respond(smsc->smpp, req->session_id, p->command_id, p->sequence_number, &resp);
}

/* an answer that waits for the commit of what it reports */
struct later_resp {
	struct smsc *smsc;
	uint32_t session_id, command_id, seq, status;
	struct held held;		/* cancel_sm: what it deletes */
};

static void later_resp_cb(void *data, bool ok)
{
	struct later_resp *l = data;
	struct smpp_pdu resp = { .command_status = ok ? l->status : ESME_RSYSERR };
	smpp_server_respond(l->smsc->smpp, l->session_id, l->command_id, l->seq, &resp);
	held_done(&l->held, ok, false);
	talloc_free(l);
}

static void respond_after_commit(struct smsc *smsc, const struct smpp_request *req, uint32_t status, struct held *h)
{
	struct later_resp *l = talloc_zero(smsc, struct later_resp);
	if (!l) {
		/* the change commits all the same: the ESME may query it */
		struct smpp_pdu resp = { .command_status = ESME_RSYSERR };
		smpp_server_respond(smsc->smpp, req->session_id, req->pdu->command_id, req->pdu->sequence_number, &resp);
		if (h)
			held_done(h, true, false);
		return;
	}
	*l = (struct later_resp){ smsc, req->session_id, req->pdu->command_id, req->pdu->sequence_number, status };
	if (h)
		l->held = *h;
	store_after_commit(smsc->store, later_resp_cb, l);
}

/* cancel_sm and replace_sm name a message by the id the ESME got (and its
 * source when given), or cancel_sm by source and destination with no id
 * (SMPP 3.4 4.9.1: every message of theirs not delivered) */
struct by_id {
	const char *id;
	const struct smpp_address *src;
	const struct smpp_address *dst;		/* NULL: any */
	const char *service_type;
};

static bool by_id_match(const struct sms_mt *mt, const void *arg)
{
	const struct by_id *k = arg;
	if (k->id[0] && strcmp(mt->esme_id, k->id))
		return false;
	if (k->src->addr[0] && strcmp(k->src->addr, mt->src.addr))
		return false;
	if (k->dst && strcmp(k->dst->addr, mt->dst.addr))
		return false;
	return !k->service_type[0] || !strcmp(k->service_type, mt->service_type);
}

static void on_cancel(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct smpp_address dst;
	struct by_id k = { p->message_id, &p->source, NULL, p->service_type };
	/* its answer would wait for a commit: not while the store cannot commit */
	if (store_busy(smsc->store)) {
		reject(smsc, req, ESME_RCANCELFAIL);
		return;
	}
	if (p->dest.addr[0]) {
		if (smsc_normalise_dest(smsc, &p->dest, &dst)) {
			reject(smsc, req, ESME_RCANCELFAIL);
			return;
		}
		k.dst = &dst;
	}
	/* no id: by source and destination, both needed */
	if (!p->message_id[0] && (!p->source.addr[0] || !k.dst)) {
		reject(smsc, req, ESME_RCANCELFAIL);
		return;
	}
	struct held h = { 0 };
	each_message(smsc, req->account->system_id, p->message_id[0] ? NULL : k.dst, by_id_match, &k, hold_one, &h);
	if (!h.n) {
		reject(smsc, req, ESME_RCANCELFAIL);
		return;
	}
	/* those on their way at this moment stay (4.9: "not yet delivered") */
	respond_after_commit(smsc, req, ESME_ROK, &h);
}

/* replace_sm: new text, registered_delivery, schedule and validity for a
 * message none of whose parts went out yet. An empty schedule or validity
 * keeps the message's; a new one applies, earlier or later. */
static uint32_t replace(struct smsc *smsc, struct sms_mt *mt, const struct smpp_pdu *p)
{
	int64_t now = store_now_ms(), expiry = mt->expiry_ms;
	/* its next attempt as it is: scheduled or waiting, else now */
	int64_t next = mt->next_ms > now ? mt->next_ms : now;
	struct smsc_content c = { .src = &mt->src, .data_coding = mt->data_coding, .dc0 = mt->dc0,
				  .esm_class = mt->esm_class, .protocol_id = mt->protocol_id,
				  .payload = p->short_message, .len = p->sm_length, .max_parts = SMSC_MAX_PARTS,
				  .submit_ms = now };
	if (mt->parts_done)
		return ESME_RREPLACEFAIL;
	switch (smsc_encode(smsc, &c, 0, NULL, NULL)) {
	case SMSC_ENC_DCS: return ESME_RINVDCS;
	case SMSC_ENC_CONTENT: return ESME_RINVMSGLEN;
	case SMSC_ENC_SOURCE: return ESME_RINVSRCADR;
	case SMSC_ENC_NOMEM: return ESME_RSYSERR;
	default: break;
	}
	if (!registered_delivery_ok(p->registered_delivery))
		return ESME_RINVREGDLVFLG;
	if (smpp_time_parse(p->validity_period, now, &expiry) < 0 || expiry <= now)
		return ESME_RINVEXPIRY;
	if (expiry > now + smsc->cfg.max_validity_s * 1000LL)
		expiry = now + smsc->cfg.max_validity_s * 1000LL;
	if (smpp_time_parse(p->schedule_delivery_time, now, &next) < 0 || next >= expiry)
		return ESME_RINVSCHED;
	uint8_t *payload = talloc_size(mt, p->sm_length + 1u);
	if (!payload)
		return ESME_RSYSERR;
	if (smsc_db_message_replace(smsc, mt, p->short_message, p->sm_length, p->registered_delivery, expiry, next) < 0) {
		talloc_free(payload);
		return ESME_RSYSERR;
	}
	memcpy(payload, p->sm_length ? p->short_message : (const uint8_t *)"", p->sm_length);
	payload[p->sm_length] = 0;
	talloc_free(mt->tpdu);
	talloc_free(mt->tpdu_len);
	mt->tpdu = NULL;
	mt->tpdu_len = NULL;
	mt->n_parts = 0;	/* built again from the new text */
	talloc_free(mt->payload);
	mt->payload = payload;
	mt->payload_len = p->sm_length;
	mt->registered_delivery = p->registered_delivery;
	mt->expiry_ms = expiry;
	mt->last_try = false;
	sms_mt_wait(mt, next - now);
	return ESME_ROK;
}

struct replace_ctx {
	struct smsc *smsc;
	const struct smpp_pdu *p;
	uint32_t status;
	unsigned int done;
};

static void replace_one(struct sms_mt *mt, void *data)
{
	struct replace_ctx *r = data;
	if (r->status)
		return;
	if (!sms_mt_idle(mt)) {
		r->status = ESME_RREPLACEFAIL;
		return;
	}
	r->status = replace(r->smsc, mt, r->p);
	r->done += !r->status;
}

static void on_replace(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct by_id k = { p->message_id, &p->source, NULL, "" };
	struct replace_ctx r = { smsc, p, ESME_ROK, 0 };
	if (store_busy(smsc->store) || !p->message_id[0]) {
		reject(smsc, req, ESME_RREPLACEFAIL);
		return;
	}
	each_message(smsc, req->account->system_id, NULL, by_id_match, &k, replace_one, &r);
	if (!r.status && !r.done)
		r.status = ESME_RREPLACEFAIL;
	if (r.status && !r.done)
		reject(smsc, req, r.status);
	else
		respond_after_commit(smsc, req, ESME_ROK, NULL);
}

void smsc_smpp_request(void *priv, const struct smpp_request *req)
{
	struct smsc *smsc = priv;
	switch (req->pdu->command_id) {
	case SMPP_SUBMIT_SM: case SMPP_DATA_SM:
		on_submit(smsc, req);
		break;
	case SMPP_SUBMIT_MULTI:
		on_submit_multi(smsc, req);
		break;
	case SMPP_QUERY_SM:
		on_query(smsc, req);
		break;
	case SMPP_CANCEL_SM:
		on_cancel(smsc, req);
		break;
	case SMPP_REPLACE_SM:
		on_replace(smsc, req);
		break;
	default:
		reject(smsc, req, ESME_RINVCMDID);
		break;
	}
}
