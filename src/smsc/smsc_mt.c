/* MT delivery: one osmo_fsm instance per message.
 *
 *   QUEUED --start--> SRI --result--> FORWARD --last part accepted--> (delivered)
 *     ^                |                 |
 *     +-- RETRY_WAIT <-+-- temporary ----+       permanent / expired --> (failed)
 *
 * Every attempt asks the HLR again (SRI-for-SM) and sends MT-ForwardSM
 * from the very calling address the SRI went out with; parts of a
 * concatenated message follow in the same dialogue, more-messages-to-send
 * set on all but the last. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

enum sms_mt_state { MT_ST_QUEUED, MT_ST_SRI, MT_ST_FORWARD, MT_ST_RETRY_WAIT };

#define T_RETRY 1

static const struct value_string mt_event_names[] = {
	{ MT_EV_START, "START" }, { MT_EV_SRI_RESULT, "SRI_RESULT" }, { MT_EV_FSM_RESULT, "FSM_RESULT" },
	{ MT_EV_ERROR, "ERROR" }, { MT_EV_REFUSED, "REFUSED" }, { MT_EV_RETRY, "RETRY" }, { 0, NULL },
};

const char *smsc_cause_name(int cause)
{
	switch (cause) {
	case SMSC_CAUSE_TIMEOUT: return "no answer";
	case SMSC_CAUSE_ABORT: return "dialogue aborted";
	case SMSC_CAUSE_RETURNED: return "returned by SCCP";
	case SMSC_CAUSE_NO_ROUTE: return "no route";
	case SMSC_CAUSE_ENCODE: return "cannot encode";
	case SMSC_CAUSE_PROTOCOL: return "unusable answer";
	case SMSC_CAUSE_MEMORY_FULL: return "memory capacity exceeded";
	case SMSC_CAUSE_EXPIRED: return "validity period expired";
	case SMSC_CAUSE_NO_LINK: return "cannot send (SS7 link)";
	default: return map_error_name(cause);
	}
}

/* 29.002 errors a later attempt may get past; the rest end the message */
bool smsc_error_is_temporary(int cause)
{
	switch (cause) {
	case SMSC_CAUSE_TIMEOUT: case SMSC_CAUSE_ABORT: case SMSC_CAUSE_RETURNED: case SMSC_CAUSE_MEMORY_FULL:
	case SMSC_CAUSE_NO_LINK:
	case MAP_ERR_ABSENT_SUBSCRIBER_SM: case MAP_ERR_ABSENT_SUBSCRIBER: case MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS:
	case MAP_ERR_SYSTEM_FAILURE: case MAP_ERR_UNIDENTIFIED_SUBSCRIBER: case MAP_ERR_MESSAGE_WAITING_LIST_FULL:
		return true;
	default:
		return false;
	}
}

/* the network error code a receipt reports (MAP error; 0 for local causes) */
static int receipt_err(int cause)
{
	if (cause == SMSC_CAUSE_MEMORY_FULL)
		return MAP_ERR_SM_DELIVERY_FAILURE;
	return cause > 0 ? cause : 0;
}

struct smsc_operator *smsc_route(struct smsc *smsc, const char *msisdn)
{
	struct smsc_route *r, *best = NULL;
	llist_for_each_entry(r, &smsc->routes, list)
		if (!strncmp(msisdn, r->prefix, strlen(r->prefix)) && (!best || strlen(r->prefix) > strlen(best->prefix)))
			best = r;
	return best ? best->op : NULL;
}

/* ------------------------------------------------------------ parts */

static int build_parts(struct sms_mt *mt)
{
	struct sms_split_req req;
	uint8_t tp_dcs, scratch[4 * 1200 + 16];
	uint8_t concat[6];
	struct sms_part parts[SMSC_MAX_PARTS];
	bool udhi = mt->esm_class & SMPP_ESM_UDHI;
	if (mt->payload_len > 1200 ||
	    sms_split_req_from_smpp(&req, &tp_dcs, mt->data_coding, udhi, mt->payload, mt->payload_len,
				    scratch, sizeof(scratch)) < 0)
		return -EINVAL;
	if (!udhi && mt->sar_total > 1) {
		/* the ESME split it and said so in sar_* TLVs: that becomes the UDH */
		int n = sms_udh_put_concat(concat, sizeof(concat), mt->sar_ref, mt->sar_ref > 255,
					   mt->sar_total, mt->sar_seq);
		req.user_udh = concat;
		req.user_udh_len = (uint8_t)n;
	}
	req.ref = (uint16_t)(mt->id & 0xff);	/* the same after a restart */
	req.ref16 = false;
	int n = sms_split(parts, SMSC_MAX_PARTS, &req);
	if (n <= 0)
		return -EINVAL;
	struct sms_ts scts;
	sms_ts_from_time(&scts, mt->submit_ms / 1000, 0);
	for (int i = 0; i < n; i++) {
		struct sms_tpdu t = { .type = SMS_DELIVER, .mms = i == n - 1, .pid = mt->protocol_id, .dcs = tp_dcs,
				      .scts = scts };
		t.addr.ton = mt->src.ton == 5 ? SMS_TON_ALPHANUMERIC : mt->src.ton;
		t.addr.npi = mt->src.ton == 5 ? 0 : mt->src.npi;
		snprintf(t.addr.text, sizeof(t.addr.text), "%.47s", mt->src.addr);
		sms_part_to_ud(&t.ud, &parts[i]);
		mt->tpdu[i] = talloc_size(mt, 176);
		int len = sms_tpdu_encode(mt->tpdu[i], 176, &t);
		if (len < 0)
			return -EINVAL;
		mt->tpdu_len[i] = (uint8_t)len;
	}
	mt->n_parts = (uint8_t)n;
	return 0;
}

/* ------------------------------------------------------------ dialogues */

static struct smsc_dlg *dlg_new(struct sms_mt *mt, enum smsc_dlg_kind kind, const char *gt, uint8_t ssn,
				const struct tcap_acn *acn)
{
	struct smsc *smsc = mt->smsc;
	struct sccp_addr called;
	if (sccp_addr_set_e164(&called, gt, ssn) < 0)
		return NULL;
	struct smsc_dlg *d = talloc_zero(smsc, struct smsc_dlg);
	d->kind = kind;
	d->smsc = smsc;
	d->mt = kind == SMSC_DLG_REPORT ? NULL : mt;
	d->dlg = tcap_dialogue_alloc(smsc->tcap, &called, &smsc->own, acn, d);
	if (!d->dlg) {
		talloc_free(d);
		return NULL;
	}
	osmo_strlcpy(d->msg_id, mt->msg_id, sizeof(d->msg_id));
	osmo_strlcpy(d->msisdn, mt->dst.addr, sizeof(d->msisdn));
	osmo_strlcpy(d->calling_gt, tcap_dialogue_local_addr(d->dlg)->gt.digits, sizeof(d->calling_gt));
	osmo_strlcpy(d->called_gt, gt, sizeof(d->called_gt));
	d->otid = tcap_dialogue_local_tid(d->dlg);
	d->start_ms = store_now_ms();
	return d;
}

/* TC-BEGIN of the message's dialogue; when it cannot go out, TCAP has
 * released the dialogue: ours goes with it */
static int begin(struct sms_mt *mt, const uint8_t *ui, size_t uil)
{
	if (tcap_begin(mt->dlg->dlg, ui, uil) == 0)
		return 0;
	talloc_free(mt->dlg);
	mt->dlg = NULL;
	return SMSC_CAUSE_NO_LINK;
}

static int send_sri(struct sms_mt *mt)
{
	uint8_t arg[64];
	struct tcap_acn acn;
	struct map_sri_sm_arg a = { .msisdn = { true, 0x91 }, .sm_rp_pri = false, .sc_address = { true, 0x91 } };
	snprintf(a.msisdn.digits, sizeof(a.msisdn.digits), "%.40s", mt->dst.addr);
	snprintf(a.sc_address.digits, sizeof(a.sc_address.digits), "%s", mt->smsc->own.gt.digits);
	int len = map_enc_sri_sm_arg(arg, sizeof(arg), &a);
	map_acn(&acn, MAP_AC_SHORT_MSG_GATEWAY, mt->version);
	struct smsc_dlg *d = len < 0 ? NULL : dlg_new(mt, SMSC_DLG_SRI, mt->op->hlr_gt, SCCP_SSN_HLR, &acn);
	if (!d)
		return -EINVAL;
	mt->dlg = d;
	tcap_invoke(d->dlg, MAP_OP_SRI_FOR_SM, arg, len, mt->smsc->cfg.sri_timeout_s * 1000, NULL);
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_SRI_SENT));
	return begin(mt, NULL, 0);
}

static int fsm_invoke(struct sms_mt *mt)
{
	uint8_t arg[300];
	unsigned int i = mt->parts_done;
	struct map_forward_sm_arg a = { .da_type = MAP_DA_IMSI, .oa_type = MAP_OA_SC_ADDRESS,
					.oa_address = { true, 0x91 }, .sm_rp_ui = mt->tpdu[i],
					.sm_rp_ui_len = mt->tpdu_len[i], .more_messages_to_send = i + 1 < mt->n_parts };
	snprintf(a.da_imsi, sizeof(a.da_imsi), "%s", mt->sri.imsi);
	snprintf(a.oa_address.digits, sizeof(a.oa_address.digits), "%s", mt->smsc->own.gt.digits);
	int len = map_enc_forward_sm_arg(arg, sizeof(arg), &a, mt->version);
	if (len < 0)
		return -EINVAL;
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_FSM_SENT));
	return tcap_invoke(mt->dlg->dlg, mt->version >= 3 ? MAP_OP_MT_FORWARD_SM : MAP_OP_MO_FORWARD_SM, arg, len,
			   mt->smsc->cfg.mt_timeout_s * 1000, NULL);
}

/* MT-ForwardSM to the MSC the HLR named, from the SRI's own calling address */
static int send_fsm(struct sms_mt *mt)
{
	struct tcap_acn acn;
	if (mt->version >= 2)
		map_acn(&acn, MAP_AC_SHORT_MSG_MT_RELAY, mt->version);
	else
		map_acn(&acn, MAP_AC_SHORT_MSG_MO_RELAY, 1);
	struct smsc_dlg *d = dlg_new(mt, SMSC_DLG_FSM, mt->sri.network_node.digits, SCCP_SSN_MSC, &acn);
	if (!d)
		return -EINVAL;
	mt->dlg = d;
	if (fsm_invoke(mt) < 0) {
		tcap_dialogue_release(d->dlg);
		talloc_free(d);
		mt->dlg = NULL;
		return -EINVAL;
	}
	uint8_t ui[64];
	int uil = 0;
	if (mt->version >= 2) {
		/* MAP-OpenInfo: destination reference the IMSI, origination the SC */
		struct map_open_info oi = { .destination_reference = { true, 0x96 },
					    .origination_reference = { true, 0x91 } };
		snprintf(oi.destination_reference.digits, sizeof(oi.destination_reference.digits), "%s", mt->sri.imsi);
		snprintf(oi.origination_reference.digits, sizeof(oi.origination_reference.digits), "%s",
			 mt->smsc->own.gt.digits);
		uil = map_enc_open_info(ui, sizeof(ui), &oi);
	}
	return begin(mt, ui, uil > 0 ? uil : 0);
}

/* reportSM-DeliveryStatus: the HLR sets message-waiting data and alerts us */
static void send_report(struct sms_mt *mt, enum map_sm_outcome outcome)
{
	uint8_t arg[64];
	struct tcap_acn acn;
	struct map_report_smds_arg a = { .msisdn = { true, 0x91 }, .sc_address = { true, 0x91 }, .outcome = outcome };
	snprintf(a.msisdn.digits, sizeof(a.msisdn.digits), "%.40s", mt->dst.addr);
	snprintf(a.sc_address.digits, sizeof(a.sc_address.digits), "%s", mt->smsc->own.gt.digits);
	int len = map_enc_report_smds_arg(arg, sizeof(arg), &a);
	map_acn(&acn, MAP_AC_SHORT_MSG_GATEWAY, mt->version >= 2 ? mt->version : 2);
	struct smsc_dlg *d = len < 0 ? NULL : dlg_new(mt, SMSC_DLG_REPORT, mt->op->hlr_gt, SCCP_SSN_HLR, &acn);
	if (!d)
		return;
	tcap_invoke(d->dlg, MAP_OP_REPORT_SM_DS, arg, len, mt->smsc->cfg.sri_timeout_s * 1000, NULL);
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_REPORT_SENT));
	tcap_begin(d->dlg, NULL, 0);
}

/* ------------------------------------------------------------ outcomes */

static void release_slot(struct sms_mt *mt)
{
	if (mt->fi->state == MT_ST_SRI || mt->fi->state == MT_ST_FORWARD) {
		mt->smsc->in_flight--;
		smsc_pump(mt->smsc);
	}
}

static void finish(struct sms_mt *mt, uint8_t state, int cause)
{
	struct smsc *smsc = mt->smsc;
	int err = receipt_err(cause);
	smsc_db_message_final(smsc, mt, state, err);
	if (state == SMPP_STATE_DELIVERED) {
		struct billing_event ev = { .kind = BILL_SMS_MT, .account = mt->account, .ref = mt->msg_id,
					    .units = mt->n_parts, .operator = mt->op ? mt->op->name : "",
					    .event_ms = store_now_ms() };
		billing_record(smsc->store, &ev);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_DELIVERED));
	} else {
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, state == SMPP_STATE_EXPIRED ?
						    SMSC_CTR_MT_EXPIRED : SMSC_CTR_MT_FAILED));
	}
	smsc_outbox_receipt(smsc, mt, state, err);
	LOGPFSML(mt->fi, LOGL_INFO, "to %s: %s (%s)\n", mt->dst.addr,
		 state == SMPP_STATE_DELIVERED ? "delivered" : state == SMPP_STATE_EXPIRED ? "expired" : "undeliverable",
		 state == SMPP_STATE_DELIVERED ? "ok" : smsc_cause_name(cause));
	release_slot(mt);
	osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_REGULAR, NULL);
}

static int64_t backoff_ms(const struct smsc *smsc, unsigned int attempts)
{
	int64_t s = smsc->cfg.retry_min_s;
	for (unsigned int i = 1; i < attempts && s < smsc->cfg.retry_max_s; i++)
		s *= 2;
	if (s > smsc->cfg.retry_max_s)
		s = smsc->cfg.retry_max_s;
	return s * 1000;
}

static void failed_attempt(struct sms_mt *mt, int cause)
{
	struct smsc *smsc = mt->smsc;
	if (!smsc_error_is_temporary(cause)) {
		finish(mt, SMPP_STATE_UNDELIVERABLE, cause);
		return;
	}
	/* the HLR named an MSC that could not deliver: tell the HLR, so it
	 * keeps message-waiting data and alerts us when the subscriber is back */
	if (mt->fi->state == MT_ST_FORWARD &&
	    (cause == MAP_ERR_ABSENT_SUBSCRIBER_SM || cause == SMSC_CAUSE_MEMORY_FULL))
		send_report(mt, cause == SMSC_CAUSE_MEMORY_FULL ? MAP_OUTCOME_MEMORY_CAPACITY_EXCEEDED :
			    MAP_OUTCOME_ABSENT_SUBSCRIBER);
	/* the HLR said it keeps our address for this subscriber: its alert
	 * restarts delivery, the timer is only the fallback */
	int64_t wait = mt->hlr_will_alert ? smsc->cfg.retry_max_s * 1000LL : backoff_ms(smsc, mt->attempts);
	int64_t next = store_now_ms() + wait;
	if (next >= mt->expiry_ms) {
		finish(mt, SMPP_STATE_EXPIRED, cause);
		return;
	}
	smsc_db_message_retry(smsc, mt, next, receipt_err(cause));
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_RETRY));
	LOGPFSML(mt->fi, LOGL_INFO, "to %s: %s, next attempt in %lld s\n", mt->dst.addr, smsc_cause_name(cause),
		 (long long)(wait / 1000));
	release_slot(mt);
	sms_mt_wait(mt, wait);
}

/* ------------------------------------------------------------ states */

static void st_queued(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sms_mt *mt = fi->priv;
	if (event != MT_EV_START)
		return;
	llist_del_init(&mt->list);
	mt->smsc->in_flight++;
	osmo_fsm_inst_state_chg(fi, MT_ST_SRI, 0, 0);
	if (store_now_ms() >= mt->expiry_ms) {
		finish(mt, SMPP_STATE_EXPIRED, SMSC_CAUSE_EXPIRED);
		return;
	}
	mt->op = smsc_route(mt->smsc, mt->dst.addr);
	if (!mt->op) {
		finish(mt, SMPP_STATE_UNDELIVERABLE, SMSC_CAUSE_NO_ROUTE);
		return;
	}
	if (!mt->n_parts && build_parts(mt) < 0) {
		finish(mt, SMPP_STATE_UNDELIVERABLE, SMSC_CAUSE_ENCODE);
		return;
	}
	mt->version = mt->op->learned_version ? mt->op->learned_version : mt->op->map_version;
	mt->attempts++;
	int rc = send_sri(mt);
	if (rc < 0)
		failed_attempt(mt, rc == SMSC_CAUSE_NO_LINK ? SMSC_CAUSE_NO_LINK : SMSC_CAUSE_ENCODE);
}

/* the peer refused our application context and proposed an older one */
static bool fall_back(struct sms_mt *mt, uint8_t proposed)
{
	if (!proposed || proposed >= mt->version)
		return false;
	LOGPFSML(mt->fi, LOGL_NOTICE, "operator %s refused MAP v%u, using v%u\n", mt->op->name, mt->version, proposed);
	mt->op->learned_version = proposed;
	mt->version = proposed;
	return true;
}

/* the same step again in the version the peer proposed, or a failed attempt */
static void refused(struct sms_mt *mt, uint8_t proposed, int (*again)(struct sms_mt *mt))
{
	if (fall_back(mt, proposed) && again(mt) == 0)
		return;
	failed_attempt(mt, SMSC_CAUSE_ABORT);
}

static void st_sri(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sms_mt *mt = fi->priv;
	switch (event) {
	case MT_EV_SRI_RESULT: {
		mt->sri = *(const struct map_sri_sm_res *)data;
		osmo_fsm_inst_state_chg(fi, MT_ST_FORWARD, 0, 0);
		int rc = send_fsm(mt);
		if (rc < 0)
			failed_attempt(mt, rc == SMSC_CAUSE_NO_LINK ? SMSC_CAUSE_NO_LINK : SMSC_CAUSE_ENCODE);
		break;
	}
	case MT_EV_REFUSED:
		refused(mt, *(const uint8_t *)data, send_sri);
		break;
	case MT_EV_ERROR:
		failed_attempt(mt, *(const int *)data);
		break;
	}
}

static void st_forward(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sms_mt *mt = fi->priv;
	switch (event) {
	case MT_EV_FSM_RESULT: {
		bool dialogue_open = data != NULL;
		mt->parts_done++;
		if (mt->parts_done >= mt->n_parts) {
			if (dialogue_open) {
				tcap_end(mt->dlg->dlg, false, NULL, 0);
				talloc_free(mt->dlg);
				mt->dlg = NULL;
			}
			finish(mt, SMPP_STATE_DELIVERED, 0);
			return;
		}
		smsc_db_message_progress(mt->smsc, mt);
		if (dialogue_open) {
			/* the next part in the same dialogue */
			if (fsm_invoke(mt) == 0 && tcap_continue(mt->dlg->dlg, NULL, 0) == 0)
				return;
			tcap_dialogue_release(mt->dlg->dlg);
			talloc_free(mt->dlg);
			mt->dlg = NULL;
			failed_attempt(mt, SMSC_CAUSE_NO_LINK);
			return;
		}
		/* the MSC closed the dialogue early: a new attempt, SRI first */
		release_slot(mt);
		sms_mt_wait(mt, 0);
		break;
	}
	case MT_EV_REFUSED:
		refused(mt, *(const uint8_t *)data, send_fsm);
		break;
	case MT_EV_ERROR:
		failed_attempt(mt, *(const int *)data);
		break;
	}
}

static void st_retry_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	if (event == MT_EV_RETRY)
		sms_mt_enqueue(fi->priv);
}

static int mt_timer_cb(struct osmo_fsm_inst *fi)
{
	sms_mt_enqueue(fi->priv);
	return 0;
}

static void mt_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct sms_mt *mt = fi->priv;
	llist_del_init(&mt->list);
	if (mt->dlg) {
		/* shutting down in the middle of a dialogue */
		mt->dlg->mt = NULL;
		tcap_dialogue_release(mt->dlg->dlg);
		talloc_free(mt->dlg);
		mt->dlg = NULL;
	}
}

#define S(x) (1 << (x))
static const struct osmo_fsm_state mt_states[] = {
	[MT_ST_QUEUED] = { .name = "QUEUED", .in_event_mask = S(MT_EV_START),
			   .out_state_mask = S(MT_ST_SRI) | S(MT_ST_RETRY_WAIT), .action = st_queued },
	[MT_ST_SRI] = { .name = "SRI", .in_event_mask = S(MT_EV_SRI_RESULT) | S(MT_EV_ERROR) | S(MT_EV_REFUSED),
			.out_state_mask = S(MT_ST_FORWARD) | S(MT_ST_RETRY_WAIT) | S(MT_ST_QUEUED), .action = st_sri },
	[MT_ST_FORWARD] = { .name = "FORWARD", .in_event_mask = S(MT_EV_FSM_RESULT) | S(MT_EV_ERROR) | S(MT_EV_REFUSED),
			    .out_state_mask = S(MT_ST_RETRY_WAIT) | S(MT_ST_QUEUED), .action = st_forward },
	[MT_ST_RETRY_WAIT] = { .name = "RETRY_WAIT", .in_event_mask = S(MT_EV_RETRY),
			       .out_state_mask = S(MT_ST_QUEUED), .action = st_retry_wait },
};

struct osmo_fsm sms_mt_fsm = {
	.name = "SMS-MT",
	.states = mt_states,
	.num_states = ARRAY_SIZE(mt_states),
	.event_names = mt_event_names,
	.log_subsys = DSMS,
	.timer_cb = mt_timer_cb,
	.cleanup = mt_cleanup,
};

static __attribute__((constructor)) void register_fsm(void)
{
	OSMO_ASSERT(osmo_fsm_register(&sms_mt_fsm) == 0);
}

/* ------------------------------------------------------------ queue */

struct sms_mt *sms_mt_alloc(struct smsc *smsc)
{
	struct osmo_fsm_inst *fi = osmo_fsm_inst_alloc(&sms_mt_fsm, smsc, NULL, LOGL_DEBUG, NULL);
	struct sms_mt *mt = talloc_zero(fi, struct sms_mt);
	fi->priv = mt;
	mt->fi = fi;
	mt->smsc = smsc;
	INIT_LLIST_HEAD(&mt->list);
	return mt;
}

void sms_mt_enqueue(struct sms_mt *mt)
{
	if (mt->fi->state != MT_ST_QUEUED)
		osmo_fsm_inst_state_chg(mt->fi, MT_ST_QUEUED, 0, 0);
	llist_del_init(&mt->list);
	llist_add_tail(&mt->list, &mt->smsc->queue);
	smsc_pump(mt->smsc);
}

void sms_mt_wait(struct sms_mt *mt, int64_t ms)
{
	if (!mt->fi->id)
		osmo_fsm_inst_update_id_f(mt->fi, "%s", mt->msg_id);
	mt->dlg = NULL;
	if (ms <= 0) {
		sms_mt_enqueue(mt);
		return;
	}
	llist_del_init(&mt->list);
	llist_add_tail(&mt->list, &mt->smsc->waiting);
	osmo_fsm_inst_state_chg_ms(mt->fi, MT_ST_RETRY_WAIT, (unsigned long)ms, T_RETRY);
}

/* start queued messages while there are free slots */
/* token bucket of an operator's throughput: 0 when a message may start
 * now (and takes its token), else the ms until one may */
static int64_t operator_wait_ms(struct smsc_operator *op)
{
	if (!op || !op->throughput)
		return 0;
	int64_t now = store_now_ms();
	op->tokens += (now - op->tokens_ms) * op->throughput / 1000.0;
	op->tokens_ms = now;
	if (op->tokens > op->throughput)
		op->tokens = op->throughput;	/* one second of burst */
	if (op->tokens >= 1) {
		op->tokens -= 1;
		return 0;
	}
	return (int64_t)((1 - op->tokens) * 1000 / op->throughput) + 1;
}

static void pump_later(struct smsc *smsc, int64_t ms)
{
	if (!osmo_timer_pending(&smsc->pump_timer))
		osmo_timer_schedule(&smsc->pump_timer, ms / 1000, (ms % 1000) * 1000);
}

/* Start queued messages while there are free slots, the SS7 link is up and
 * the head's operator takes more (the queue keeps its order: a throttled
 * operator holds the head until its next token) */
void smsc_pump(struct smsc *smsc)
{
	if (smsc->draining)
		return;
	if (smsc->link_up && !smsc->link_up(smsc->link_data)) {
		if (!llist_empty(&smsc->queue))
			pump_later(smsc, 200);
		return;
	}
	while (smsc->in_flight < smsc->cfg.max_in_flight && !llist_empty(&smsc->queue)) {
		struct sms_mt *mt = llist_first_entry(&smsc->queue, struct sms_mt, list);
		int64_t wait = operator_wait_ms(smsc_route(smsc, mt->dst.addr));
		if (wait > 0) {
			rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_HELD));
			pump_later(smsc, wait);
			return;
		}
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_START, NULL);
	}
}

/* alertServiceCentre: every message waiting for this subscriber goes now */
void smsc_alert(struct smsc *smsc, const char *msisdn)
{
	struct sms_mt *mt, *tmp;
	llist_for_each_entry_safe(mt, tmp, &smsc->waiting, list)
		if (!strcmp(mt->dst.addr, msisdn))
			osmo_fsm_inst_dispatch(mt->fi, MT_EV_RETRY, NULL);
}

/* ------------------------------------------------------------ TCAP */

static const struct tcap_component *find_comp(const struct tcap_ind *ind, enum tcap_comp_type type)
{
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == type)
			return &ind->comp[i];
	return NULL;
}

static void fill_dtid(struct smsc_dlg *d)
{
	uint8_t tid[TCAP_TID_MAX];
	uint8_t n = tcap_dialogue_remote_tid(d->dlg, tid);
	for (unsigned int i = 0; i < n && 2 * i + 2 < sizeof(d->dtid); i++)
		snprintf(d->dtid + 2 * i, 3, "%02x", tid[i]);
}

/* the error of an answer: a MAP error code, or the local cause */
static int answer_error(const struct tcap_ind *ind, const struct tcap_component **err_out)
{
	const struct tcap_component *err = find_comp(ind, TCAP_COMP_ERROR);
	*err_out = err;
	if (err) {
		struct map_error_param ep;
		if (err->error_code == MAP_ERR_SM_DELIVERY_FAILURE &&
		    map_dec_error_param(&ep, MAP_ERR_SM_DELIVERY_FAILURE, err->param, err->param_len) == 0 &&
		    ep.failure_cause_present && ep.failure_cause == MAP_SMF_MEMORY_CAPACITY_EXCEEDED)
			return SMSC_CAUSE_MEMORY_FULL;
		return err->error_code;
	}
	if (find_comp(ind, TCAP_COMP_REJECT))
		return SMSC_CAUSE_PROTOCOL;
	switch (ind->type) {
	case TCAP_IND_NOTICE: return SMSC_CAUSE_RETURNED;
	case TCAP_IND_U_ABORT: case TCAP_IND_P_ABORT: return SMSC_CAUSE_ABORT;
	default: return 0;
	}
}

/* informServiceCentre with an SRI-for-SM answer: the message waiting data the
 * HLR keeps. MW-Status bit 0 is sc-AddressNotIncluded; mnrf, mcef, mnrg follow. */
static void inform_sc(struct sms_mt *mt, const struct tcap_ind *ind)
{
	struct map_inform_sc_arg a;
	mt->hlr_will_alert = false;
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type != TCAP_COMP_INVOKE || c->opcode != MAP_OP_INFORM_SC ||
		    map_dec_inform_sc_arg(&a, c->param, c->param_len) < 0 || !a.mw_status_present)
			continue;
		mt->hlr_will_alert = !(a.mw_status & 0x01) && (a.mw_status & 0x0e);
		LOGPFSML(mt->fi, LOGL_INFO, "informServiceCentre: MW-Status 0x%02x%s\n", a.mw_status,
			 mt->hlr_will_alert ? ", the HLR will alert us" : "");
	}
}

static bool dialogue_over(const struct tcap_ind *ind)
{
	return ind->type != TCAP_IND_CONTINUE && ind->type != TCAP_IND_BEGIN;
}

/* an indication of an SRI, MT-ForwardSM or reportSM-DS dialogue of ours */
void smsc_mt_tcap_ind(struct smsc_dlg *d, const struct tcap_ind *ind)
{
	struct sms_mt *mt = d->mt;
	const char *step = d->kind == SMSC_DLG_SRI ? "sri-for-sm" : d->kind == SMSC_DLG_FSM ? "mt-forward-sm" :
			   "report-sm-ds";
	char outcome[120];
	const struct tcap_component *err;
	int cause = answer_error(ind, &err);
	fill_dtid(d);
	if (ind->type == TCAP_IND_NOTICE) {
		/* returned by SCCP: the dialogue will not get an answer */
		tcap_dialogue_release(d->dlg);
	}
	bool over = dialogue_over(ind);
	const struct tcap_component *res = find_comp(ind, TCAP_COMP_RESULT_LAST);
	uint8_t proposed = 0;
	if (ind->type == TCAP_IND_U_ABORT && ind->acn_not_supported && ind->acn)
		proposed = ind->acn->oid[ind->acn->len - 1];

	if (d->kind == SMSC_DLG_REPORT || !mt) {
		snprintf(outcome, sizeof(outcome), "%s", cause ? smsc_cause_name(cause) : "ok");
		if (over) {
			smsc_db_audit(d->smsc, d, step, outcome);
			talloc_free(d);
		}
		return;
	}
	if (d->kind == SMSC_DLG_SRI) {
		struct map_sri_sm_res sri;
		inform_sc(mt, ind);
		if (!cause && res && map_dec_sri_sm_res(&sri, res->param, res->param_len) == 0 &&
		    sri.network_node.digits[0]) {
			snprintf(outcome, sizeof(outcome), "ok imsi %s msc %s", sri.imsi, sri.network_node.digits);
			smsc_db_audit(d->smsc, d, step, outcome);
			if (!over)
				tcap_end(d->dlg, false, NULL, 0);
			mt->dlg = NULL;
			talloc_free(d);
			osmo_fsm_inst_dispatch(mt->fi, MT_EV_SRI_RESULT, &sri);
			return;
		}
	} else if (!cause && res) {
		snprintf(outcome, sizeof(outcome), "ok part %u/%u", mt->parts_done + 1, mt->n_parts);
		smsc_db_audit(d->smsc, d, step, outcome);
		if (over) {
			mt->dlg = NULL;
			talloc_free(d);
		}
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_FSM_RESULT, over ? NULL : d);
		return;
	}
	if (!cause && !over)
		return;		/* e.g. an empty Continue: wait for more */
	if (!cause)
		cause = SMSC_CAUSE_PROTOCOL;
	if (proposed)
		snprintf(outcome, sizeof(outcome), "refused, v%u proposed", proposed);
	else
		snprintf(outcome, sizeof(outcome), "%s%s", smsc_cause_name(cause),
			 d->kind == SMSC_DLG_SRI && mt->hlr_will_alert ? " (informServiceCentre: MWD set, alert expected)" : "");
	smsc_db_audit(d->smsc, d, step, outcome);
	if (!over)
		tcap_end(d->dlg, false, NULL, 0);
	mt->dlg = NULL;
	talloc_free(d);
	if (proposed)
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_REFUSED, &proposed);
	else
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_ERROR, &cause);
}

void smsc_mt_l_cancel(struct smsc_dlg *d)
{
	struct sms_mt *mt = d->mt;
	enum smsc_dlg_kind kind = d->kind;
	int cause = SMSC_CAUSE_TIMEOUT;
	fill_dtid(d);
	smsc_db_audit(d->smsc, d, kind == SMSC_DLG_SRI ? "sri-for-sm" : kind == SMSC_DLG_FSM ?
		      "mt-forward-sm" : "report-sm-ds", smsc_cause_name(cause));
	tcap_dialogue_release(d->dlg);
	if (mt && kind != SMSC_DLG_REPORT)
		mt->dlg = NULL;
	talloc_free(d);
	if (mt && kind != SMSC_DLG_REPORT)
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_ERROR, &cause);
}
