/* MT delivery: one osmo_fsm instance per message.
 *
 *   BEHIND --its turn--> QUEUED --start--> SRI --result--> FORWARD --last part--> (delivered)
 *     ^                                     |                 |
 *     +--- due --- RETRY_WAIT <-- temporary +-----------------+   permanent / expired --> (failed)
 *
 * The messages of one destination go one at a time, in submission order
 * (smsc_lane.c): a message that is due waits BEHIND the first of its
 * destination's lane. After a temporary error the next attempt waits the
 * back-off (or the HLR's alert); when that falls after the end of the
 * validity period, the message waits until that end (an alert still
 * restarts it) for a last attempt, and expires only if that fails too.
 *
 * Every attempt asks the HLR again (the shared SRI-for-SM step) and sends
 * MT-ForwardSM from the very calling address the SRI went out with (the
 * routing's one address); parts of a concatenated message follow in the same
 * dialogue, more-messages-to-send set on all but the last. All of it is MAP:
 * versions, refusals and timers are the MAP layer's. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/audit/audit.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

enum sms_mt_state { MT_ST_QUEUED, MT_ST_SRI, MT_ST_FORWARD, MT_ST_RETRY_WAIT, MT_ST_BEHIND };

#define T_RETRY 1	/* its next attempt (schedule, back-off) */
#define T_EXPIRE 2	/* behind another message: the end of its validity */

static const struct value_string mt_event_names[] = {
	{ MT_EV_START, "START" }, { MT_EV_SRI_RESULT, "SRI_RESULT" }, { MT_EV_FSM_RESULT, "FSM_RESULT" },
	{ MT_EV_ERROR, "ERROR" }, { MT_EV_RETRY, "RETRY" }, { 0, NULL },
};

static const char *const reason_names[] = {
	[SMSC_R_NO_ROUTE] = "no route", [SMSC_R_ENCODE] = "cannot encode", [SMSC_R_PROTOCOL] = "unusable answer",
	[SMSC_R_EXPIRED] = "validity period expired", [SMSC_R_NO_LINK] = "cannot send (SS7 link)",
};

/* sm-DeliveryFailure with memoryCapacityExceeded: the handset is full */
static bool memory_full(const struct smsc_fail *f)
{
	return f->reason == SMSC_R_MAP && f->map.kind == MAP_EK_USER && f->map.user.code == MAP_ERR_SM_DELIVERY_FAILURE &&
	       f->map.user.failure_cause_present && f->map.user.failure_cause == MAP_SMF_MEMORY_CAPACITY_EXCEEDED;
}

const char *smsc_fail_str(const struct smsc_fail *f, char *buf, size_t len)
{
	if (memory_full(f))
		snprintf(buf, len, "memory capacity exceeded");
	else if (f->reason == SMSC_R_MAP)
		map_err_str(&f->map, buf, len);
	else
		snprintf(buf, len, "%s", reason_names[f->reason]);
	return buf;
}

/* 29.002 errors a later attempt may get past; the rest end the message.
 * Whatever is not a final answer of the network (no answer, abort, refusal,
 * a message that could not go out) is worth another attempt too. */
bool smsc_fail_temporary(const struct smsc_fail *f)
{
	switch (f->reason) {
	case SMSC_R_NO_LINK: return true;
	case SMSC_R_MAP: break;
	default: return false;
	}
	if (f->map.kind != MAP_EK_USER)
		return true;
	switch (f->map.user.code) {
	case MAP_ERR_ABSENT_SUBSCRIBER_SM: case MAP_ERR_ABSENT_SUBSCRIBER: case MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS:
	case MAP_ERR_SYSTEM_FAILURE: case MAP_ERR_UNIDENTIFIED_SUBSCRIBER: case MAP_ERR_MESSAGE_WAITING_LIST_FULL:
		return true;
	case MAP_ERR_SM_DELIVERY_FAILURE:
		return memory_full(f);
	default:
		return false;
	}
}

/* the network error code a receipt reports (MAP error; 0 for other causes) */
int smsc_fail_network_error(const struct smsc_fail *f)
{
	return f->reason == SMSC_R_MAP && f->map.kind == MAP_EK_USER ? (int)f->map.user.code : 0;
}

static struct smsc_fail fail_of(enum smsc_reason r)
{
	return (struct smsc_fail){ .reason = r };
}

struct operator *smsc_route(struct smsc *smsc, const char *msisdn)
{
	return routing_route(smsc->routing, msisdn);
}

/* ------------------------------------------------------------ parts */

static void content_of(const struct sms_mt *mt, struct smsc_content *c)
{
	*c = (struct smsc_content){ .src = &mt->src, .data_coding = mt->data_coding, .dc0 = mt->dc0,
				    .esm_class = mt->esm_class, .protocol_id = mt->protocol_id, .payload = mt->payload,
				    .len = mt->payload_len, .sar_ref = mt->sar_ref, .sar_total = mt->sar_total,
				    .sar_seq = mt->sar_seq, .max_parts = SMSC_MAX_PARTS, .submit_ms = mt->submit_ms };
}

/* The TPDUs, once per message; a concatenation reference of the
 * destination's, kept in the store so that a restart reuses it */
static int build_parts(struct sms_mt *mt)
{
	struct smsc_content c;
	bool new_ref = mt->concat_ref < 0;
	if (new_ref)
		mt->concat_ref = mt->dest->next_ref++;
	content_of(mt, &c);
	int n = smsc_encode(mt, &c, (uint16_t)mt->concat_ref, &mt->tpdu, &mt->tpdu_len);
	if (n <= 0)
		return -EINVAL;
	mt->n_parts = (uint8_t)n;
	if (new_ref && n > 1)
		smsc_db_message_ref(mt->smsc, mt);
	return 0;
}

/* ------------------------------------------------------------ dialogues */

static const char *step_name(enum smsc_dlg_kind kind)
{
	return kind == SMSC_DLG_FSM ? "mt-forward-sm" : "report-sm-ds";
}

static void dlg_audit(struct smsc_dlg *d, const char *outcome)
{
	if (d->md) {
		if (!d->dtid[0])
			map_dialogue_remote_tid_hex(d->md, d->dtid, sizeof(d->dtid));
	}
	smsc_db_audit(d->smsc, d, step_name(d->kind), outcome);
}

/* The peer refused the dialogue's version and the MAP layer sent it again
 * in a lower one: the refused Begin gets its audit row now, and the
 * dialogue's row names the new Begin */
static void mt_map_reopened(void *user_priv, struct map_dialogue *md)
{
	struct smsc_dlg *d = map_dialogue_priv(md);
	smsc_db_audit(d->smsc, d, step_name(d->kind), AUDIT_OUTCOME_VERSION_REFUSED);
	d->otid = map_dialogue_local_tid(md);
	d->start_ms = store_now_ms();
}

static void mt_map_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind);
static const struct map_user mt_user = { "sms-mt", mt_map_ind, NULL, mt_map_reopened };

/* A dialogue of the message towards gt, from the routing's calling address */
static struct smsc_dlg *dlg_open(struct sms_mt *mt, enum smsc_dlg_kind kind, const char *gt, uint8_t ssn,
				 enum map_ac ac, const struct map_open_info *refs)
{
	struct smsc *smsc = mt->smsc;
	struct sccp_addr called;
	if (sccp_addr_set_e164(&called, gt, ssn) < 0)
		return NULL;
	struct smsc_dlg *d = talloc_zero(smsc, struct smsc_dlg);
	if (!d)
		return NULL;
	d->kind = kind;
	d->smsc = smsc;
	d->mt = kind == SMSC_DLG_REPORT ? NULL : mt;
	struct map_open_req req = { .ac = ac, .max_version = mt->version, .peer = mt->op->peer, .called = &called,
				    .calling = routing_calling(smsc->routing), .refs = refs, .user = &mt_user,
				    .priv = d };
	d->md = map_open(routing_map(smsc->routing), &req);
	if (!d->md) {
		talloc_free(d);
		return NULL;
	}
	osmo_strlcpy(d->msg_id, mt->msg_id, sizeof(d->msg_id));
	osmo_strlcpy(d->msisdn, mt->dst.addr, sizeof(d->msisdn));
	osmo_strlcpy(d->calling_gt, map_dialogue_local_addr(d->md)->gt.digits, sizeof(d->calling_gt));
	osmo_strlcpy(d->called_gt, gt, sizeof(d->called_gt));
	d->otid = map_dialogue_local_tid(d->md);
	d->start_ms = store_now_ms();
	return d;
}

/* The dialogue is over for the core: its record goes, the MAP side is
 * ended (close) unless it already is */
static void dlg_done(struct smsc_dlg *d, bool close)
{
	if (d->md && close)
		map_close(d->md, false);
	if (d->mt && d->mt->dlg == d)
		d->mt->dlg = NULL;
	talloc_free(d);
}

static int fsm_request(struct sms_mt *mt)
{
	unsigned int i = mt->parts_done;
	union map_arg a = { .forward_sm = { .da_type = MAP_DA_IMSI, .oa_type = MAP_OA_SC_ADDRESS,
					    .oa_address = { true, 0x91 }, .sm_rp_ui = mt->tpdu[i],
					    .sm_rp_ui_len = mt->tpdu_len[i],
					    .more_messages_to_send = i + 1 < mt->n_parts } };
	osmo_strlcpy(a.forward_sm.da_imsi, mt->sri.imsi, sizeof(a.forward_sm.da_imsi));
	osmo_strlcpy(a.forward_sm.oa_address.digits, routing_calling(mt->smsc->routing)->gt.digits,
		     sizeof(a.forward_sm.oa_address.digits));
	mt->dlg->part_ok = false;
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_FSM_SENT));
	return map_request(mt->dlg->md, MAP_SVC_MT_FORWARD_SM, &a, NULL);
}

/* MT-ForwardSM to the MSC the HLR named, from the SRI's own calling address,
 * in at most the version the SRI ended in. MAP-OpenInfo: destination
 * reference the IMSI, origination the SC. */
static int send_fsm(struct sms_mt *mt)
{
	struct map_open_info refs = { .destination_reference = { true, 0x96 }, .origination_reference = { true, 0x91 } };
	osmo_strlcpy(refs.destination_reference.digits, mt->sri.imsi, sizeof(refs.destination_reference.digits));
	osmo_strlcpy(refs.origination_reference.digits, routing_calling(mt->smsc->routing)->gt.digits,
		     sizeof(refs.origination_reference.digits));
	mt->dlg = dlg_open(mt, SMSC_DLG_FSM, mt->sri.network_node.digits, SCCP_SSN_MSC, MAP_AC_SHORT_MSG_MT_RELAY,
			   &refs);
	if (!mt->dlg)
		return -ENOMEM;
	if (fsm_request(mt) < 0) {
		map_close(mt->dlg->md, true);
		dlg_done(mt->dlg, false);
		return -EINVAL;
	}
	return map_delimit(mt->dlg->md);	/* a send failure comes back as a P-ABORT */
}

/* reportSM-DeliveryStatus: the HLR sets message-waiting data and alerts us */
static void send_report(struct sms_mt *mt, enum map_sm_outcome outcome)
{
	union map_arg a = { .report_sm_ds = { .msisdn = { true, 0x91 }, .sc_address = { true, 0x91 }, .outcome = outcome } };
	osmo_strlcpy(a.report_sm_ds.msisdn.digits, mt->dst.addr, sizeof(a.report_sm_ds.msisdn.digits));
	osmo_strlcpy(a.report_sm_ds.sc_address.digits, routing_calling(mt->smsc->routing)->gt.digits,
		     sizeof(a.report_sm_ds.sc_address.digits));
	struct smsc_dlg *d = dlg_open(mt, SMSC_DLG_REPORT, mt->op->hlr_gt, SCCP_SSN_HLR, MAP_AC_SHORT_MSG_GATEWAY, NULL);
	if (!d)
		return;
	if (map_request(d->md, MAP_SVC_REPORT_SM_DS, &a, NULL) < 0) {
		map_close(d->md, true);
		dlg_done(d, false);
		return;
	}
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_REPORT_SENT));
	map_delimit(d->md);
}

/* ------------------------------------------------------------ outcomes */

static void release_slot(struct sms_mt *mt)
{
	if (mt->fi->state == MT_ST_SRI || mt->fi->state == MT_ST_FORWARD) {
		mt->smsc->in_flight--;
		smsc_pump(mt->smsc);
	}
}

static void finish(struct sms_mt *mt, uint8_t state, const struct smsc_fail *f)
{
	struct smsc *smsc = mt->smsc;
	char why[96] = "ok";
	int err = f ? smsc_fail_network_error(f) : 0;
	/* expired waiting: the error of its last attempt */
	if (f && f->reason == SMSC_R_EXPIRED)
		err = mt->last_err;
	smsc_db_message_final(smsc, mt, state, err);
	if (state == SMPP_STATE_DELIVERED) {
		struct billing_event ev = { .kind = BILL_SMS_MT, .account = mt->account, .ref = mt->bill_ref,
					    .units = mt->n_parts, .operator = mt->op ? mt->op->name : "",
					    .event_ms = store_now_ms() };
		billing_record(smsc->store, &ev);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_DELIVERED));
	} else {
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, state == SMPP_STATE_EXPIRED ?
						    SMSC_CTR_MT_EXPIRED : SMSC_CTR_MT_FAILED));
	}
	smsc_outbox_receipt(smsc, mt, state, err);
	if (f)
		smsc_fail_str(f, why, sizeof(why));
	LOGPFSML(mt->fi, LOGL_INFO, "to %s: %s (%s)\n", mt->dst.addr,
		 state == SMPP_STATE_DELIVERED ? "delivered" : state == SMPP_STATE_EXPIRED ? "expired" : "undeliverable",
		 why);
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

static bool subscriber_absent(const struct smsc_fail *f)
{
	return f->reason == SMSC_R_MAP && f->map.kind == MAP_EK_USER && f->map.user.code == MAP_ERR_ABSENT_SUBSCRIBER_SM;
}

/* the network could not take it: no route, a paused point code, a
 * prohibited subsystem (refused here, or the message came back) */
static bool not_sent(const struct smsc_fail *f)
{
	if (f->reason == SMSC_R_NO_LINK)
		return true;
	if (f->reason != SMSC_R_MAP)
		return false;
	return (f->map.kind == MAP_EK_P_ABORT && f->map.p_abort_source == MAP_SRC_NETWORK_SERVICE_PROBLEM) ||
	       (f->map.kind == MAP_EK_REFUSED && f->map.refuse == MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE);
}

static void failed_attempt(struct sms_mt *mt, const struct smsc_fail *f)
{
	struct smsc *smsc = mt->smsc;
	char why[96];
	mt->held_by_network = not_sent(f);
	if (!smsc_fail_temporary(f)) {
		finish(mt, SMPP_STATE_UNDELIVERABLE, f);
		return;
	}
	mt->last_err = smsc_fail_network_error(f);
	/* the HLR named an MSC that could not deliver: tell the HLR, so it
	 * keeps message-waiting data and alerts us when the subscriber is back */
	if (mt->fi->state == MT_ST_FORWARD && (subscriber_absent(f) || memory_full(f)))
		send_report(mt, memory_full(f) ? MAP_OUTCOME_MEMORY_CAPACITY_EXCEEDED : MAP_OUTCOME_ABSENT_SUBSCRIBER);
	int64_t now = store_now_ms();
	if (mt->last_try || now >= mt->expiry_ms) {
		finish(mt, SMPP_STATE_EXPIRED, f);
		return;
	}
	/* the HLR said it keeps our address for this subscriber: its alert
	 * restarts delivery, the timer is only the fallback */
	int64_t wait = mt->hlr_will_alert ? smsc->cfg.retry_max_s * 1000LL : backoff_ms(smsc, mt->attempts);
	if (now + wait >= mt->expiry_ms) {
		/* not before the validity ends: the alert, or a last attempt then */
		wait = mt->expiry_ms - now;
		mt->last_try = true;
	}
	smsc_db_message_retry(smsc, mt, now + wait, mt->last_err);
	smsc_outbox_intermediate(smsc, mt, mt->last_err);
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_RETRY));
	LOGPFSML(mt->fi, LOGL_INFO, "to %s: %s, next attempt in %lld s%s\n", mt->dst.addr,
		 smsc_fail_str(f, why, sizeof(why)), (long long)(wait / 1000),
		 mt->last_try ? " (the last: the validity ends then)" : "");
	release_slot(mt);
	sms_mt_wait(mt, wait);
}

/* ------------------------------------------------------------ SRI-for-SM */

/* The shared SRI step answered: an audit row per Begin (the ones refused
 * for their version first), then the FSM goes on */
static void sri_done(void *priv, const struct routing_sri_result *r)
{
	struct sms_mt *mt = priv;
	char outcome[160], why[96];
	mt->sri_q = NULL;
	mt->hlr_will_alert = r->hlr_will_alert;
	if (r->inform_sc)
		LOGPFSML(mt->fi, LOGL_INFO, "informServiceCentre: MW-Status 0x%02x%s\n", r->mw_status,
			 r->hlr_will_alert ? ", the HLR will alert us" : "");
	if (r->err.kind == MAP_EK_NONE) {
		snprintf(outcome, sizeof(outcome), "ok imsi %s msc %s", r->res.imsi, r->res.network_node.digits);
		routing_trace_audit(mt->smsc->store, &r->trace, mt->msg_id, mt->dst.addr, store_now_ms(), outcome);
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_SRI_RESULT, (void *)r);
		return;
	}
	struct smsc_fail f = { .reason = SMSC_R_MAP, .map = r->err };
	snprintf(outcome, sizeof(outcome), "%s%s", map_err_str(&r->err, why, sizeof(why)),
		 r->hlr_will_alert ? " (informServiceCentre: MWD set, alert expected)" : "");
	routing_trace_audit(mt->smsc->store, &r->trace, mt->msg_id, mt->dst.addr, store_now_ms(), outcome);
	osmo_fsm_inst_dispatch(mt->fi, MT_EV_ERROR, &f);
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
	struct smsc_fail f;
	/* the attempt at the validity end still goes; none after it */
	if (store_now_ms() >= mt->expiry_ms && !mt->last_try) {
		f = fail_of(SMSC_R_EXPIRED);
		finish(mt, SMPP_STATE_EXPIRED, &f);
		return;
	}
	mt->op = smsc_route(mt->smsc, mt->dst.addr);
	if (!mt->op) {
		f = fail_of(SMSC_R_NO_ROUTE);
		finish(mt, SMPP_STATE_UNDELIVERABLE, &f);
		return;
	}
	if (!mt->n_parts && build_parts(mt) < 0) {
		f = fail_of(SMSC_R_ENCODE);
		finish(mt, SMPP_STATE_UNDELIVERABLE, &f);
		return;
	}
	mt->attempts++;
	mt->version = 0;
	mt->sri_q = routing_sri_sm(mt->smsc->routing, mt->op, mt->dst.addr, 0, sri_done, mt);
	if (!mt->sri_q) {
		f = fail_of(SMSC_R_NO_LINK);
		failed_attempt(mt, &f);
		return;
	}
	rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_SRI_SENT));
}

static void st_sri(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct sms_mt *mt = fi->priv;
	switch (event) {
	case MT_EV_SRI_RESULT: {
		const struct routing_sri_result *r = data;
		mt->sri = r->res;
		mt->version = r->version;
		osmo_fsm_inst_state_chg(fi, MT_ST_FORWARD, 0, 0);
		if (send_fsm(mt) < 0) {
			struct smsc_fail f = fail_of(SMSC_R_NO_LINK);
			failed_attempt(mt, &f);
		}
		break;
	}
	case MT_EV_ERROR:
		failed_attempt(mt, data);
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
			if (dialogue_open)
				dlg_done(mt->dlg, true);
			finish(mt, SMPP_STATE_DELIVERED, NULL);
			return;
		}
		smsc_db_message_progress(mt->smsc, mt);
		if (dialogue_open) {
			/* the next part in the same dialogue */
			if (fsm_request(mt) == 0 && map_delimit(mt->dlg->md) == 0)
				return;
			map_u_abort(mt->dlg->md, MAP_UA_USER_SPECIFIC, 0);
			dlg_done(mt->dlg, false);
			struct smsc_fail f = fail_of(SMSC_R_NO_LINK);
			failed_attempt(mt, &f);
			return;
		}
		/* the MSC closed the dialogue early: a new attempt, SRI first */
		release_slot(mt);
		sms_mt_wait(mt, 0);
		break;
	}
	case MT_EV_ERROR:
		failed_attempt(mt, data);
		break;
	}
}

static void st_retry_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	if (event == MT_EV_RETRY)
		sms_mt_wait(fi->priv, 0);
}

static void mt_timer_cb(void *data)
{
	struct sms_mt *mt = data;
	if (mt->timer_kind == T_EXPIRE) {
		/* its validity ended while it waited behind another message */
		struct smsc_fail f = fail_of(SMSC_R_EXPIRED);
		finish(mt, SMPP_STATE_EXPIRED, &f);
		return;
	}
	sms_mt_wait(mt, 0);
}

static void lane_kick(struct smsc_dest *d);

/* out of the queue or the waiting list (its timer stopped); the turn of
 * its destination is free */
static void unlist(struct sms_mt *mt)
{
	osmo_timer_del(&mt->timer);
	llist_del_init(&mt->list);
	if (mt->dest && mt->dest->busy == mt)
		mt->dest->busy = NULL;
}

static void mt_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct sms_mt *mt = fi->priv;
	struct smsc_dest *d = mt->dest;
	unlist(mt);
	smsc_lane_leave(mt);
	/* shutting down in the middle of a dialogue */
	if (mt->sri_q) {
		routing_sri_cancel(mt->sri_q);
		mt->sri_q = NULL;
	}
	if (mt->dlg) {
		map_release(mt->dlg->md);
		mt->dlg->md = NULL;
		dlg_done(mt->dlg, false);
	}
	if (d) {
		mt->dest = NULL;
		llist_del_init(&mt->dest_entry);
		if (!mt->smsc->draining && cause != OSMO_FSM_TERM_REQUEST)
			lane_kick(d);
		smsc_dest_put(d);
	}
}

#define S(x) (1 << (x))
static const struct osmo_fsm_state mt_states[] = {
	[MT_ST_QUEUED] = { .name = "QUEUED", .in_event_mask = S(MT_EV_START),
			   .out_state_mask = S(MT_ST_SRI) | S(MT_ST_RETRY_WAIT) | S(MT_ST_BEHIND),
			   .action = st_queued },
	[MT_ST_SRI] = { .name = "SRI", .in_event_mask = S(MT_EV_SRI_RESULT) | S(MT_EV_ERROR),
			.out_state_mask = S(MT_ST_FORWARD) | S(MT_ST_RETRY_WAIT) | S(MT_ST_QUEUED) | S(MT_ST_BEHIND),
			.action = st_sri },
	[MT_ST_FORWARD] = { .name = "FORWARD", .in_event_mask = S(MT_EV_FSM_RESULT) | S(MT_EV_ERROR),
			    .out_state_mask = S(MT_ST_RETRY_WAIT) | S(MT_ST_QUEUED) | S(MT_ST_BEHIND),
			    .action = st_forward },
	[MT_ST_RETRY_WAIT] = { .name = "RETRY_WAIT", .in_event_mask = S(MT_EV_RETRY),
			       .out_state_mask = S(MT_ST_QUEUED) | S(MT_ST_BEHIND) | S(MT_ST_RETRY_WAIT),
			       .action = st_retry_wait },
	[MT_ST_BEHIND] = { .name = "BEHIND", .in_event_mask = 0,
			   .out_state_mask = S(MT_ST_QUEUED) | S(MT_ST_BEHIND) | S(MT_ST_RETRY_WAIT) },
};

struct osmo_fsm sms_mt_fsm = {
	.name = "SMS-MT",
	.states = mt_states,
	.num_states = ARRAY_SIZE(mt_states),
	.event_names = mt_event_names,
	.log_subsys = DSMS,
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
	mt->concat_ref = -1;
	INIT_LLIST_HEAD(&mt->list);
	INIT_LLIST_HEAD(&mt->lane);
	INIT_LLIST_HEAD(&mt->dest_entry);
	osmo_timer_setup(&mt->timer, mt_timer_cb, mt);
	return mt;
}

int sms_mt_set_dest(struct sms_mt *mt)
{
	mt->dest = smsc_dest_get(mt->smsc, mt->dst.addr);
	if (!mt->dest)
		return -ENOMEM;
	llist_add_tail(&mt->dest_entry, &mt->dest->msgs);
	return 0;
}

bool sms_mt_idle(const struct sms_mt *mt)
{
	switch (mt->fi->state) {
	case MT_ST_QUEUED: case MT_ST_RETRY_WAIT: case MT_ST_BEHIND:
		return !mt->held;
	default:
		return false;
	}
}

static void pump_later(struct smsc *smsc, int64_t ms);

/* A waiting state with its own timer: libosmocore 1.7's
 * osmo_fsm_inst_state_chg_ms() drops the milliseconds of a timeout (1960 ms
 * runs out after 1 s), and the end of a validity period must not come early */
static void state_ms(struct sms_mt *mt, uint32_t state, int64_t ms, int T)
{
	osmo_fsm_inst_state_chg(mt->fi, state, 0, 0);
	mt->timer_kind = T;
	if (ms < 1)
		ms = 1;
	osmo_timer_schedule(&mt->timer, ms / 1000, (ms % 1000) * 1000);
}

/* the first of the lane goes when nothing of its destination is under way;
 * one waiting for its retry or an alert holds the others back */
static void lane_kick(struct smsc_dest *d)
{
	struct sms_mt *first = smsc_lane_first(d);
	if (d->busy || !first || first->held || first->fi->state != MT_ST_BEHIND)
		return;
	unlist(first);
	osmo_fsm_inst_state_chg(first->fi, MT_ST_QUEUED, 0, 0);
	llist_add_tail(&first->list, &first->smsc->queue);
	d->busy = first;
	/* on the next round of the loop: a message that ends at once (expired)
	 * hands the turn on without the stack growing per message */
	pump_later(first->smsc, 0);
}

/* an attempt well before the validity end (an alert, a replace) is not the last */
#define LAST_TRY_MARGIN_MS	1000

/* due now: behind the first of its destination, or first itself */
static void sms_mt_ready(struct sms_mt *mt)
{
	struct smsc_dest *d = mt->dest;
	unlist(mt);
	smsc_lane_join(mt);
	mt->next_ms = store_now_ms();
	if (mt->next_ms < mt->expiry_ms - LAST_TRY_MARGIN_MS)
		mt->last_try = false;
	state_ms(mt, MT_ST_BEHIND, mt->expiry_ms - mt->next_ms, T_EXPIRE);
	llist_add_tail(&mt->list, &mt->smsc->waiting);
	lane_kick(d);
}

void sms_mt_wait(struct sms_mt *mt, int64_t ms)
{
	struct smsc_dest *d = mt->dest;
	if (!mt->fi->id)
		osmo_fsm_inst_update_id_f(mt->fi, "%s", mt->msg_id);
	mt->dlg = NULL;
	if (mt->held)
		return;
	if (ms <= 0) {
		sms_mt_ready(mt);
		return;
	}
	unlist(mt);
	/* attempted: it keeps its place in the order; scheduled for later: not yet */
	if (mt->attempts)
		smsc_lane_join(mt);
	else
		smsc_lane_leave(mt);
	mt->next_ms = store_now_ms() + ms;
	state_ms(mt, MT_ST_RETRY_WAIT, ms, T_RETRY);
	llist_add_tail(&mt->list, &mt->smsc->waiting);
	lane_kick(d);
}

void sms_mt_hold(struct sms_mt *mt)
{
	struct smsc_dest *d = mt->dest;
	mt->held = true;
	unlist(mt);
	smsc_lane_leave(mt);
	/* no timer: it waits for the commit of the request */
	osmo_fsm_inst_state_chg(mt->fi, MT_ST_RETRY_WAIT, 0, 0);
	osmo_timer_del(&mt->timer);
	llist_add_tail(&mt->list, &mt->smsc->waiting);
	lane_kick(d);
}

void sms_mt_held_done(struct sms_mt *mt, bool deleted)
{
	mt->held = false;
	if (deleted) {
		rate_ctr_inc(rate_ctr_group_get_ctr(mt->smsc->ctrg, SMSC_CTR_MT_DELETED));
		smsc_outbox_receipt(mt->smsc, mt, SMPP_STATE_DELETED, mt->last_err);
		LOGPFSML(mt->fi, LOGL_INFO, "to %s: deleted by its ESME\n", mt->dst.addr);
		osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_REGULAR, NULL);
		return;
	}
	int64_t wait = mt->next_ms - store_now_ms();
	sms_mt_wait(mt, wait);
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
		int64_t wait = operator_wait_ms(smsc_route(smsc, mt->dst.addr), store_now_ms());
		if (wait > 0) {
			rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MT_HELD));
			pump_later(smsc, wait);
			return;
		}
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_START, NULL);
	}
}

void smsc_network_available(void *priv)
{
	struct smsc *smsc = priv;
	struct sms_mt *mt, *tmp;
	llist_for_each_entry_safe(mt, tmp, &smsc->waiting, list) {
		if (!mt->held_by_network)
			continue;
		mt->held_by_network = false;
		osmo_fsm_inst_dispatch(mt->fi, MT_EV_RETRY, NULL);
	}
}

/* alertServiceCentre: the subscriber's messages waiting for a retry go now,
 * in their order (those scheduled for later keep their time) */
void smsc_alert(struct smsc *smsc, const char *msisdn)
{
	struct smsc_dest *d = smsc_dest_find(smsc, msisdn);
	struct sms_mt *mt, *tmp;
	if (!d)
		return;
	int64_t now = store_now_ms();
	/* due now, all of them; the first goes (nothing is freed meanwhile) */
	llist_for_each_entry_safe(mt, tmp, &d->lane, lane) {
		if (mt->fi->state != MT_ST_RETRY_WAIT || mt->held)
			continue;
		unlist(mt);
		mt->next_ms = now;
		if (now < mt->expiry_ms - LAST_TRY_MARGIN_MS)
			mt->last_try = false;
		state_ms(mt, MT_ST_BEHIND, mt->expiry_ms - now, T_EXPIRE);
		llist_add_tail(&mt->list, &smsc->waiting);
	}
	lane_kick(d);
}

/* ------------------------------------------------------------ MAP */

/* a part accepted: the FSM goes on when the message ended (Continue or End) */
static void fsm_part_ok(struct smsc_dlg *d)
{
	char outcome[48];
	struct sms_mt *mt = d->mt;
	d->part_ok = true;
	snprintf(outcome, sizeof(outcome), "ok part %u/%u", mt->parts_done + 1, mt->n_parts);
	dlg_audit(d, outcome);
}

/* An MT-ForwardSM or reportSM-DS dialogue of ours */
static void mt_map_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct smsc_dlg *d = map_dialogue_priv(md);
	struct sms_mt *mt = d->mt;
	char why[96];
	if (ind->type == MAP_IND_ACCEPT) {
		if (!d->dtid[0])
			map_dialogue_remote_tid_hex(md, d->dtid, sizeof(d->dtid));
		osmo_strlcpy(d->answer_gt, map_dialogue_remote_addr(md)->gt.digits, sizeof(d->answer_gt));
	}
	if (d->kind == SMSC_DLG_REPORT || !mt) {
		/* nobody waits for it: the audit row, and an End if the HLR left it open */
		if (ind->type == MAP_IND_ERROR || ind->type == MAP_IND_REFUSE || ind->type == MAP_IND_U_ABORT ||
		    ind->type == MAP_IND_P_ABORT)
			d->fail = (struct smsc_fail){ .reason = SMSC_R_MAP, .map = ind->err };
		if (ind->last || ind->type == MAP_IND_DELIMITER) {
			dlg_audit(d, d->fail.map.kind ? smsc_fail_str(&d->fail, why, sizeof(why)) : "ok");
			if (ind->last)
				d->md = NULL;
			dlg_done(d, !ind->last);
		}
		return;
	}
	switch (ind->type) {
	case MAP_IND_RESULT:
		fsm_part_ok(d);
		return;
	case MAP_IND_ERROR: case MAP_IND_REFUSE: case MAP_IND_U_ABORT: case MAP_IND_P_ABORT:
		d->fail = (struct smsc_fail){ .reason = SMSC_R_MAP, .map = ind->err };
		if (ind->type == MAP_IND_ERROR && ind->err.kind == MAP_EK_PROVIDER &&
		    ind->err.provider == MAP_PE_NO_RESPONSE && !ind->last) {
			/* a timer, not a message: nothing follows; the MSC is told we gave up */
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
			d->md = NULL;
			struct smsc_fail f = d->fail;
			dlg_audit(d, smsc_fail_str(&f, why, sizeof(why)));
			dlg_done(d, false);
			osmo_fsm_inst_dispatch(mt->fi, MT_EV_ERROR, &f);
			return;
		}
		break;
	case MAP_IND_DELIMITER:
		if (d->part_ok) {
			osmo_fsm_inst_dispatch(mt->fi, MT_EV_FSM_RESULT, d);
			return;
		}
		if (d->fail.map.kind == MAP_EK_NONE)
			return;		/* e.g. an empty Continue: wait for more */
		break;
	case MAP_IND_CLOSE:
		if (d->part_ok) {
			d->md = NULL;
			dlg_done(d, false);
			osmo_fsm_inst_dispatch(mt->fi, MT_EV_FSM_RESULT, NULL);
			return;
		}
		if (d->fail.map.kind == MAP_EK_NONE)
			d->fail = fail_of(SMSC_R_PROTOCOL);
		break;
	default:
		return;
	}
	if (!ind->last && ind->type != MAP_IND_DELIMITER && ind->type != MAP_IND_CLOSE)
		return;		/* an error: its message's end follows */
	struct smsc_fail f = d->fail;
	dlg_audit(d, smsc_fail_str(&f, why, sizeof(why)));
	if (ind->last)
		d->md = NULL;
	dlg_done(d, !ind->last);
	osmo_fsm_inst_dispatch(mt->fi, MT_EV_ERROR, &f);
}
