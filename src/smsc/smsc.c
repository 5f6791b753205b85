/* The SMS core's object: defaults, start-up from the store, and the TCAP
 * dialogues the network opens towards the service centre. */

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
	INIT_LLIST_HEAD(&smsc->operators);
	INIT_LLIST_HEAD(&smsc->routes);
	INIT_LLIST_HEAD(&smsc->queue);
	INIT_LLIST_HEAD(&smsc->waiting);
	INIT_LLIST_HEAD(&smsc->outbox_busy);
	INIT_LLIST_HEAD(&smsc->outbox_cursors);
	smsc->cfg = (struct smsc_cfg){ .max_in_flight = 200, .retry_min_s = 30, .retry_max_s = 3600,
				       .default_validity_s = 2 * 86400, .max_validity_s = 7 * 86400,
				       .sri_timeout_s = 10, .mt_timeout_s = 30, .mo_reassembly_timeout_s = 300,
				       .outbox_expiry_s = 7 * 86400 };
	smsc->ctrg = rate_ctr_group_alloc(smsc, &smsc_ctrg_desc, 0);
	osmo_timer_setup(&smsc->pump_timer, pump_timer_cb, smsc);
	return smsc;
}

int smsc_start(struct smsc *smsc, struct store *st, struct smpp_server *smpp, struct tcap_instance *tcap,
	       const char *own_gt)
{
	smsc->store = st;
	smsc->smpp = smpp;
	smsc->tcap = tcap;
	if (sccp_addr_set_e164(&smsc->own, own_gt, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	if (billing_init(st) < 0 || smsc_db_init(st) < 0)
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

/* ------------------------------------------------------------ TCAP */

static void on_alert(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_alert_sc_arg a;
	if (map_dec_alert_sc_arg(&a, c->param, c->param_len) < 0) {
		tcap_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_MISTYPED_PARAMETER);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_ALERT_RX));
	LOGP(DSMS, LOGL_INFO, "alertServiceCentre: %s is reachable again\n", a.msisdn.digits);
	if (c->opcode == MAP_OP_ALERT_SC)
		tcap_result(dlg, c->invoke_id, true, c->opcode, NULL, 0);
	tcap_end(dlg, false, NULL, 0);
	smsc_alert(smsc, a.msisdn.digits);
}

bool smsc_tcap_begin(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!smsc->store)
		return false;
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type != TCAP_COMP_INVOKE)
			continue;
		if (c->opcode == MAP_OP_ALERT_SC || c->opcode == MAP_OP_ALERT_SC_WITHOUT_RESULT) {
			on_alert(smsc, dlg, c);
			return true;
		}
		if (c->opcode == MAP_OP_MO_FORWARD_SM) {
			smsc_mo_forward_sm(smsc, dlg, c);
			return true;
		}
	}
	return false;
}

bool smsc_tcap_owns(struct smsc *smsc, void *dlg_priv)
{
	return dlg_priv && talloc_check_name(dlg_priv, "struct smsc_dlg");
}

void smsc_tcap_ind(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct smsc_dlg *d = tcap_dialogue_priv(dlg);
	if (d->kind == SMSC_DLG_MO) {
		/* the MSC gave up before our store committed: nothing to answer */
		if (ind->type != TCAP_IND_CONTINUE)
			d->dlg = NULL;
		return;
	}
	smsc_mt_tcap_ind(d, ind);
}

void smsc_tcap_l_cancel(struct smsc *smsc, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode)
{
	struct smsc_dlg *d = tcap_dialogue_priv(dlg);
	if (d->kind == SMSC_DLG_MO)
		return;
	smsc_mt_l_cancel(d);
}
