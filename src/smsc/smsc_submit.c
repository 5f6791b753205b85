/* What bound ESMEs ask: submit_sm, data_sm and submit_multi are validated,
 * stored, and answered with their message_id only once the store committed
 * them; query_sm and cancel_sm look at the store. A message that fails
 * validation gets its SMPP error status and leaves no trace (no row, no
 * billing record). Beyond `max-queued` messages not final, and while
 * another process holds the store's lock, submits are refused at once
 * with ESME_RMSGQFUL (the ESME tries again later). */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/log_guard.h>
#include <sigway/common/logging.h>
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

static uint32_t check_dest(const struct smpp_address *a)
{
	/* international numbers; national ones would need a country to route */
	if (a->ton != 0 && a->ton != 1)
		return ESME_RINVDSTTON;
	if (a->npi != 0 && a->npi != 1)
		return ESME_RINVDSTNPI;
	return all_digits(a->addr, 1, 15) ? ESME_ROK : ESME_RINVDSTADR;
}

static uint32_t check_source(const struct smpp_address *a)
{
	if (a->ton == 5) {	/* alphanumeric: 11 characters in 7 bits */
		size_t n = strlen(a->addr);
		return n >= 1 && n <= 11 ? ESME_ROK : ESME_RINVSRCADR;
	}
	if (a->ton > 6)
		return ESME_RINVSRCTON;
	if (a->npi != 0 && a->npi != 1)
		return ESME_RINVSRCNPI;
	return all_digits(a->addr, 1, 20) ? ESME_ROK : ESME_RINVSRCADR;
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

static uint32_t check_content(const struct smpp_pdu *p)
{
	const uint8_t *data;
	size_t len;
	struct sms_split_req req;
	uint8_t tp_dcs;
	if ((p->tlv.present & SMPP_TLV_MESSAGE_PAYLOAD) && p->sm_length)
		return ESME_RINVMSGLEN;		/* SMPP 3.4 5.3.2.32: one or the other */
	payload_of(p, &data, &len);
	if (len > 1200)
		return ESME_RINVMSGLEN;
	uint8_t scratch[4 * 1200 + 16];
	struct sms_part parts[SMSC_MAX_PARTS];
	int rc = sms_split_req_from_smpp(&req, &tp_dcs, p->data_coding, p->esm_class & SMPP_ESM_UDHI, data, len,
					 scratch, sizeof(scratch));
	if (rc == -ENOTSUP)
		return ESME_RINVDCS;
	if (rc < 0 || sms_split(parts, SMSC_MAX_PARTS, &req) <= 0)
		return ESME_RINVMSGLEN;
	return ESME_ROK;
}

static uint32_t check_flags(const struct smpp_pdu *p)
{
	if (p->esm_class & SMPP_ESM_TYPE_MASK)
		return ESME_RINVESMCLASS;	/* an ESME submits plain messages */
	if (p->priority_flag > 3)
		return ESME_RINVPRTFLG;
	if ((p->registered_delivery & 0x03) == 0x03)
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
	uint32_t status;
	int64_t next_ms, expiry_ms;
};

/* everything but the destination, which submit_multi has several of */
static uint32_t validate(struct smsc *smsc, const struct smpp_request *req, struct accepted *acc)
{
	const struct smpp_pdu *p = req->pdu;
	uint32_t st;
	int64_t now = store_now_ms();
	if ((st = check_source(&p->source)) || (st = check_flags(p)) || (st = check_content(p)))
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
				  const struct smpp_address *dest)
{
	uint32_t st = check_dest(dest);
	if (st)
		return st;
	if (!smpp_account_may_send_to(req->account, dest->addr))
		return ESME_RINVDSTADR;
	return smsc_route(smsc, dest->addr) ? ESME_ROK : ESME_RINVDSTADR;
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
};

static struct sms_mt *store_message(struct smsc *smsc, const struct smpp_request *req, const struct smpp_pdu *p,
				    const struct smpp_address *dest, const struct accepted *acc)
{
	const uint8_t *data;
	size_t len;
	payload_of(p, &data, &len);
	struct smpp_pdu copy = *p;
	copy.dest = *dest;
	uint8_t *payload = talloc_size(smsc, len + 1);
	if (!payload)
		return NULL;
	memcpy(payload, len ? data : (const uint8_t *)"", len);
	payload[len] = 0;
	int64_t id = smsc_db_insert_message(smsc->store, req->account->system_id, &copy, data, len,
					    store_now_ms(), acc->expiry_ms, acc->next_ms);
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
	snprintf(mt->msg_id, sizeof(mt->msg_id), "%lld", (long long)id);
	snprintf(mt->account, sizeof(mt->account), "%s", req->account->system_id);
	mt->src = p->source;
	mt->dst = *dest;
	mt->data_coding = p->data_coding;
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
	return mt;
}

static void committed(void *data, bool ok)
{
	struct pending *pd = data;
	struct smsc *smsc = pd->smsc;
	struct smpp_pdu resp = { .command_status = ok ? ESME_ROK : ESME_RSYSERR };
	if (ok && pd->n_mt)
		snprintf(resp.message_id, sizeof(resp.message_id), "%s", pd->mt[0]->msg_id);
	resp.no_unsuccess = (uint8_t)pd->n_unsuccess;
	resp.unsuccess = pd->unsuccess;
	smpp_server_respond(smsc->smpp, pd->session_id, pd->command_id, pd->seq, &resp);
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

static void reject(struct smsc *smsc, const struct smpp_request *req, uint32_t status)
{
	/* SMPP 3.4 has no code for an unsupported data_coding: 5.0's for 5.0
	 * binds, 3.4's generic "submit failed" for the others */
	if (status == ESME_RINVDCS && req->interface_version < 0x50)
		status = ESME_RSUBMITFAIL;
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

/* Room for n more messages: 0 when the store is busy or max-queued is
 * reached (the ESME gets ESME_RMSGQFUL and tries again) */
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
	if (!queue_room(smsc, 1)) {
		reject(smsc, req, ESME_RMSGQFUL);
		return;
	}
	uint32_t st = validate(smsc, req, &acc);
	if (!st)
		st = check_dest_routed(smsc, req, &p->dest);
	if (st) {
		reject(smsc, req, st);
		return;
	}
	struct pending *pd = pending_new(smsc, req);
	if (pd)
		pd->mt[0] = store_message(smsc, req, p, &p->dest, &acc);
	if (!pd || !pd->mt[0]) {
		talloc_free(pd);
		reject(smsc, req, store_busy(smsc->store) ? ESME_RMSGQFUL : ESME_RSYSERR);
		return;
	}
	pd->n_mt = 1;
	store_after_commit(smsc->store, committed, pd);
}

/* one message per SME address; distribution lists are not kept here. Each
 * destination counts like a submit_sm: the SMPP server lets the first
 * req->max_dests through (window, throughput), the queue may take fewer;
 * the others are refused one by one in the answer. */
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
		talloc_free(pd);
		reject(smsc, req, ESME_RSYSERR);
		return;
	}
	for (unsigned int i = 0; i < p->number_of_dests; i++) {
		const struct smpp_multi_dest *d = &p->dests[i];
		uint32_t dst_st = d->dest_flag == 1 ? check_dest_routed(smsc, req, &d->addr) : ESME_RINVDLNAME;
		if (!dst_st && i >= room)
			dst_st = i < req->max_dests ? ESME_RMSGQFUL : req->over_status;
		struct sms_mt *mt = dst_st ? NULL : store_message(smsc, req, p, &d->addr, &acc);
		if (mt) {
			pd->mt[pd->n_mt++] = mt;
			continue;
		}
		struct smpp_unsuccess_sme *u = &pd->unsuccess[pd->n_unsuccess++];
		u->addr = d->addr;
		u->error_status_code = dst_st ? dst_st : ESME_RSYSERR;
	}
	if (!pd->n_mt) {
		talloc_free(pd);
		reject(smsc, req, ESME_RINVDSTADR);
		return;
	}
	store_after_commit(smsc->store, committed, pd);
}

/* ------------------------------------------------------------ query, cancel */

static void on_query(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct smpp_pdu resp = { .command_status = ESME_RQUERYFAIL };
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT state, err, done_ms FROM messages WHERE id = ? AND account = ?");
	char *end;
	long long id = strtoll(p->message_id, &end, 10);
	if (s && p->message_id[0] && !*end) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_text(s, 2, req->account->system_id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			resp.command_status = ESME_ROK;
			snprintf(resp.message_id, sizeof(resp.message_id), "%s", p->message_id);
			resp.message_state = (uint8_t)sqlite3_column_int(s, 0);
			resp.error_code = (uint8_t)sqlite3_column_int(s, 1);
			if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
				time_t t = (time_t)(sqlite3_column_int64(s, 2) / 1000);
				struct tm tm;
				gmtime_r(&t, &tm);
				strftime(resp.final_date, sizeof(resp.final_date), "%y%m%d%H%M%S000+", &tm);
			}
		}
	}
	smpp_server_respond(smsc->smpp, req->session_id, p->command_id, p->sequence_number, &resp);
}

/* an answer that waits for the commit of what it reports */
struct later_resp {
	struct smsc *smsc;
	uint32_t session_id, command_id, seq, status;
};

static void later_resp_cb(void *data, bool ok)
{
	struct later_resp *l = data;
	struct smpp_pdu resp = { .command_status = ok ? l->status : ESME_RSYSERR };
	smpp_server_respond(l->smsc->smpp, l->session_id, l->command_id, l->seq, &resp);
	talloc_free(l);
}

static void respond_after_commit(struct smsc *smsc, const struct smpp_request *req, uint32_t status)
{
	struct later_resp *l = talloc_zero(smsc, struct later_resp);
	if (!l) {
		/* the change commits all the same: the ESME may query it */
		struct smpp_pdu resp = { .command_status = ESME_RSYSERR };
		smpp_server_respond(smsc->smpp, req->session_id, req->pdu->command_id, req->pdu->sequence_number, &resp);
		return;
	}
	*l = (struct later_resp){ smsc, req->session_id, req->pdu->command_id, req->pdu->sequence_number, status };
	store_after_commit(smsc->store, later_resp_cb, l);
}

/* The account's message by id, when it is not in a MAP dialogue right now
 * (queued or waiting): only such a message can be cancelled or replaced */
static struct sms_mt *idle_message(struct smsc *smsc, const struct smpp_request *req)
{
	const struct smpp_pdu *p = req->pdu;
	struct llist_head *lists[] = { &smsc->waiting, &smsc->queue };
	struct sms_mt *mt;
	for (unsigned int i = 0; i < 2; i++)
		llist_for_each_entry(mt, lists[i], list)
			if (!strcmp(mt->msg_id, p->message_id) && !strcmp(mt->account, req->account->system_id) &&
			    (!p->source.addr[0] || !strcmp(p->source.addr, mt->src.addr)))
				return mt;
	return NULL;
}

static void on_cancel(struct smsc *smsc, const struct smpp_request *req)
{
	/* its answer would wait for a commit: not while the store is busy */
	if (store_busy(smsc->store)) {
		reject(smsc, req, ESME_RCANCELFAIL);
		return;
	}
	struct sms_mt *mt = idle_message(smsc, req);
	if (!mt) {
		reject(smsc, req, ESME_RCANCELFAIL);
		return;
	}
	smsc_db_message_final(smsc, mt, SMPP_STATE_DELETED, 0);
	osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_REGULAR, NULL);
	respond_after_commit(smsc, req, ESME_ROK);
}

/* replace_sm: new text, registered_delivery, schedule and validity for a
 * message none of whose parts went out yet */
static uint32_t replace(struct smsc *smsc, struct sms_mt *mt, const struct smpp_pdu *p)
{
	struct smpp_pdu probe = *p;
	int64_t now = store_now_ms(), expiry = mt->expiry_ms, next = now;
	uint32_t st;
	probe.data_coding = mt->data_coding;
	probe.esm_class = mt->esm_class;
	if (mt->parts_done)
		return ESME_RREPLACEFAIL;
	if ((st = check_content(&probe)))
		return st;
	if ((p->registered_delivery & 0x03) == 0x03)
		return ESME_RINVREGDLVFLG;
	if (smpp_time_parse(p->validity_period, now, &expiry) < 0 || expiry <= now)
		return ESME_RINVEXPIRY;
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
	for (unsigned int i = 0; i < mt->n_parts; i++)
		talloc_free(mt->tpdu[i]);
	mt->n_parts = 0;	/* built again from the new text */
	talloc_free(mt->payload);
	mt->payload = payload;
	mt->payload_len = p->sm_length;
	mt->registered_delivery = p->registered_delivery;
	mt->expiry_ms = expiry;
	sms_mt_wait(mt, next - now);
	return ESME_ROK;
}

static void on_replace(struct smsc *smsc, const struct smpp_request *req)
{
	if (store_busy(smsc->store)) {
		reject(smsc, req, ESME_RREPLACEFAIL);
		return;
	}
	struct sms_mt *mt = idle_message(smsc, req);
	uint32_t st = mt ? replace(smsc, mt, req->pdu) : ESME_RREPLACEFAIL;
	if (st)
		reject(smsc, req, st);
	else
		respond_after_commit(smsc, req, ESME_ROK);
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
