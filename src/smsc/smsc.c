/* The SMS core's object: defaults, start-up from the store, and the MAP
 * dialogues the network opens towards the service centre (shortMsgMO-Relay,
 * shortMsgAlert). */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

static const struct rate_ctr_desc smsc_ctr_desc[] = {
	[SMSC_CTR_SUBMIT_ACCEPTED] = { "submit:accepted", "messages stored and acknowledged" },
	[SMSC_CTR_SUBMIT_REJECTED] = { "submit:rejected", "requests refused (validation, store)" },
	[SMSC_CTR_MT_DELIVERED] = { "mt:delivered", "messages the MSC accepted" },
	[SMSC_CTR_MT_RETRY] = { "mt:retry", "attempts that failed for now" },
	[SMSC_CTR_MT_FAILED] = { "mt:failed", "messages failed for good" },
	[SMSC_CTR_MT_EXPIRED] = { "mt:expired", "messages whose validity ran out" },
	[SMSC_CTR_SRI_SENT] = { "map:sri_sent", "SendRoutingInfoForSM sent" },
	[SMSC_CTR_FSM_SENT] = { "map:mt_fsm_sent", "MT-ForwardSM sent (per part)" },
	[SMSC_CTR_REPORT_SENT] = { "map:report_sent", "ReportSM-DeliveryStatus sent" },
	[SMSC_CTR_ALERT_RX] = { "map:alert_rx", "alertServiceCentre received" },
	[SMSC_CTR_MO_ACCEPTED] = { "mo:accepted", "MO messages stored and acknowledged" },
	[SMSC_CTR_MO_REJECTED] = { "mo:rejected", "MO messages refused" },
	[SMSC_CTR_DELIVER_SENT] = { "deliver:sent", "deliver_sm sent (MO, receipts)" },
	[SMSC_CTR_DELIVER_DONE] = { "deliver:done", "deliver_sm the ESME accepted" },
	[SMSC_CTR_MT_HELD] = { "mt:held", "times the queue waited for an operator's throughput limit" },
	[SMSC_CTR_MO_FOREIGN] = { "mo:foreign", "MO-ForwardSM refused: from a GT of no operator's network" },
	[SMSC_CTR_MO_WRONG_SC] = { "mo:wrong_sc", "MO-ForwardSM refused: SM-RP-DA is not our service centre" },
	[SMSC_CTR_ALERT_FOREIGN] = { "alert:foreign", "alertServiceCentre refused: not from the subscriber's operator" },
	[SMSC_CTR_MO_PARTS_FULL] = { "mo:parts_full", "MO parts refused: too many parts waiting for the rest" },
	[SMSC_CTR_MT_DELETED] = { "mt:deleted", "messages their ESME deleted (cancel_sm, replace_if_present)" },
	[SMSC_CTR_MT_REPLACED] = { "mt:replaced", "messages a submit with replace_if_present_flag replaced" },
};
static const struct rate_ctr_group_desc smsc_ctrg_desc = {
	"sms", "SMS core", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(smsc_ctr_desc), smsc_ctr_desc,
};

const struct smpp_server_ops smsc_smpp_ops = {
	.request = smsc_smpp_request,
	.receiver_up = smsc_outbox_receiver_up,
	.deliver_resp = smsc_outbox_deliver_resp,
};

static void pump_timer_cb(void *data)
{
	smsc_pump(data);
}

struct smsc *smsc_alloc(void *ctx)
{
	struct smsc *smsc = talloc_zero(ctx, struct smsc);
	INIT_LLIST_HEAD(&smsc->queue);
	INIT_LLIST_HEAD(&smsc->waiting);
	INIT_LLIST_HEAD(&smsc->outbox_cursors);
	smsc->cfg = (struct smsc_cfg){ .max_in_flight = 200, .retry_min_s = 30, .retry_max_s = 3600,
				       .default_validity_s = 2 * 86400, .max_validity_s = 7 * 86400,
				       .mo_reassembly_timeout_s = 300, .mo_parts_max = 100000, .mo_parts_max_per_src = 200,
				       .outbox_expiry_s = 7 * 86400 };
	smsc->ctrg = rate_ctr_group_alloc(smsc, &smsc_ctrg_desc, 0);
	smsc_lanes_init(smsc);
	osmo_timer_setup(&smsc->pump_timer, pump_timer_cb, smsc);
	return smsc;
}

static void sc_map_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind);
static const struct map_user sc_user = { "sms-sc", sc_map_ind, NULL };

int smsc_start(struct smsc *smsc, struct store *st, struct smpp_server *smpp, struct routing *routing)
{
	smsc->store = st;
	smsc->smpp = smpp;
	smsc->routing = routing;
	struct map_user u = sc_user;
	u.priv = smsc;
	if (map_register(routing_map(routing), MAP_AC_SHORT_MSG_MO_RELAY, 1, 3, &u) < 0 ||
	    map_register(routing_map(routing), MAP_AC_SHORT_MSG_ALERT, 1, 2, &u) < 0 ||
	    map_watch_network(routing_map(routing), smsc_network_available, smsc) < 0)
		return -EINVAL;
	if (billing_init(st) < 0 || smsc_db_init(st) < 0 || smsc_mo_init(smsc) < 0)
		return -EIO;
	smsc_outbox_init(smsc);
	int n = smsc_db_load_pending(smsc);
	LOGP(DSMS, LOGL_NOTICE, "SMS core started: %d messages to deliver from the store\n", n);
	return 0;
}

unsigned int smsc_drain(struct smsc *smsc)
{
	smsc->draining = true;
	return smsc->in_flight;
}

void smsc_set_link_check(struct smsc *smsc, bool (*link_up)(void *data), void *data)
{
	smsc->link_up = link_up;
	smsc->link_data = data;
}

void smsc_free(struct smsc *smsc)
{
	osmo_timer_del(&smsc->outbox_timer);
	osmo_timer_del(&smsc->outbox_fast_timer);
	osmo_timer_del(&smsc->pump_timer);
	/* every message of this core, also those in a dialogue (their cleanup
	 * releases it); the store keeps them for the next start */
	struct osmo_fsm_inst *fi, *tmp;
	llist_for_each_entry_safe(fi, tmp, &sms_mt_fsm.instances, list) {
		struct sms_mt *mt = fi->priv;
		if (mt && mt->smsc == smsc)
			osmo_fsm_inst_term(fi, OSMO_FSM_TERM_REQUEST, NULL);
	}
	rate_ctr_group_free(smsc->ctrg);
	talloc_free(smsc);
}

/* ------------------------------------------------------------ MAP */

/* alertServiceCentre (v2, with a result) or -WithoutResult (v1) from an HLR:
 * taken only from the network of the operator the subscriber routes to, and
 * for us as the service centre; anything else could make us hammer a network */
static void on_alert(struct smsc *smsc, struct map_dialogue *md, const struct map_ind *ind)
{
	const struct map_alert_sc_arg *a = &ind->arg->alert_sc;
	const char *from = map_dialogue_remote_addr(md)->gt.digits;
	struct operator *op = smsc_route(smsc, a->msisdn.digits);
	if (!op || routing_operator_of_gt(smsc->routing, from) != op ||
	    strcmp(a->sc_address.digits, routing_calling(smsc->routing)->gt.digits)) {
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_ALERT_FOREIGN));
		LOGP(DSMS, LOGL_NOTICE, "alertServiceCentre for %s from %s refused: not from its operator's network "
		     "(routing / operator NAME network-gt) or not for our SC address\n",
		     a->msisdn.digits, from);
		if (map_dialogue_version(md) >= 2)
			map_response_error(md, ind->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		map_close(md, false);
		return;
	}
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_ALERT_RX));
	LOGP(DSMS, LOGL_INFO, "alertServiceCentre: %s is reachable again\n", a->msisdn.digits);
	if (map_dialogue_version(md) >= 2)
		map_response(md, ind->invoke_id, MAP_SVC_ALERT_SC, NULL);
	map_close(md, false);
	smsc_alert(smsc, a->msisdn.digits);
}

/* Dialogues the network opens: MO-ForwardSM and alerts */
static void sc_map_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct smsc *smsc = user_priv;
	struct smsc_dlg *d = map_dialogue_priv(md);
	switch (ind->type) {
	case MAP_IND_OPEN:
		if (!smsc->store)
			map_refuse(md, MAP_REFUSE_NO_REASON, 0);
		return;
	case MAP_IND_INVOKE:
		if (ind->svc == MAP_SVC_ALERT_SC)
			on_alert(smsc, md, ind);
		else if (ind->svc == MAP_SVC_MO_FORWARD_SM && !d)
			smsc_mo_forward_sm(smsc, md, ind->invoke_id, ind->svc, &ind->arg->forward_sm);
		return;
	case MAP_IND_DELIMITER:
		/* an MO waits for its commit; otherwise nothing was asked that we
		 * serve (the MAP layer rejected it): the End carries the Reject */
		if (!d)
			map_close(md, false);
		return;
	default:
		/* the MSC gave up before our store committed: nothing to answer */
		if (ind->last && d)
			d->md = NULL;
		return;
	}
}
