/* The simulated HLR (SSN 6): answers SRI-for-SM from the subscriber table
 * (IMSI and serving MSC, or the error the subscriber's state calls for),
 * refuses shortMsgGateway versions above its configured maximum (proposing
 * its own), alerts the service centre when an absent subscriber with a
 * message waiting attaches, and plays a one-question USSD menu:
 * processUSS-Request -> unstructuredSS-Request prompt -> answer -> result. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/map/map_sm.h>
#include <sigway/common/logging.h>
#include <sigway/tcap/tcap.h>
#include <sigway/tcap/tcap_vty.h>
#include "netsim.h"

#define USSD_TIMEOUT_MS 30000

/* the MAP application context of a dialogue; version 0 when none/unknown */
static enum map_ac dialogue_ac(const struct tcap_acn *acn, uint8_t *version)
{
	enum map_ac ac = 0;
	*version = 0;
	if (!acn || map_acn_parse(acn, &ac, version) < 0)
		return 0;
	return ac;
}

static struct tcap_instance *hlr_tcap;

static void answer_error(struct tcap_dialogue *dlg, int8_t invoke_id, const struct map_error_param *e)
{
	uint8_t buf[64];
	int len = map_enc_error_param(buf, sizeof(buf), e);
	tcap_error(dlg, invoke_id, e->code, len > 0 ? buf : NULL, len > 0 ? len : 0);
	tcap_end(dlg, false, NULL, 0);
}

/* Without a subscriber table every MSISDN is an attached subscriber of ours:
 * a stable IMSI per MSISDN (MCC+MNC, then its last 10 digits) */
static void implicit_subscriber(struct netsim_sub *sub, const char *msisdn)
{
	size_t n = strlen(msisdn);
	memset(sub, 0, sizeof(*sub));
	snprintf(sub->imsi, sizeof(sub->imsi), "%s%s", netsim_cfg.imsi_prefix, msisdn + (n > 10 ? n - 10 : 0));
	snprintf(sub->msc_gt, sizeof(sub->msc_gt), "%s", netsim_cfg.msc_gt);
	sub->state = SUB_ATTACHED;
}

static void answer_sri_sm(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_sri_sm_arg arg;
	struct map_sri_sm_res res = { .network_node = { true, 0x91 } };
	struct netsim_sub implicit, *sub;
	uint8_t buf[64];
	if (map_dec_sri_sm_arg(&arg, c->param, c->param_len) < 0 || strlen(arg.msisdn.digits) < 5) {
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	if (llist_empty(&netsim_subscribers)) {
		implicit_subscriber(&implicit, arg.msisdn.digits);
		sub = &implicit;
	} else {
		sub = netsim_sub_find_msisdn(arg.msisdn.digits);
	}
	if (!sub || sub->state == SUB_UNKNOWN) {
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		return;
	}
	if (sub->state == SUB_BARRED) {
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_CALL_BARRED });
		return;
	}
	if (sub->state == SUB_ABSENT) {
		/* message waiting: remember whom to alert (29.002 MWD), and say so
		 * with informServiceCentre in the same TC-END (mnrf set, SC address
		 * stored) */
		snprintf(sub->waiting_sc, sizeof(sub->waiting_sc), "%.32s", arg.sc_address.digits);
		struct map_inform_sc_arg inf = { .mw_status_present = true, .mw_status = 1u << 1 /* mnrf */ };
		int ilen = map_enc_inform_sc_arg(buf, sizeof(buf), &inf);
		if (ilen > 0)
			tcap_invoke(dlg, MAP_OP_INFORM_SC, buf, ilen, 0, NULL);
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_ABSENT_SUBSCRIBER_SM,
			     .absent_diag_present = true, .absent_diag = 1 /* IMSI detached */ });
		return;
	}
	snprintf(res.imsi, sizeof(res.imsi), "%s", sub->imsi);
	snprintf(res.network_node.digits, sizeof(res.network_node.digits), "%s", sub->msc_gt);
	int len = map_enc_sri_sm_res(buf, sizeof(buf), &res);
	tcap_result(dlg, c->invoke_id, true, MAP_OP_SRI_FOR_SM, buf, len);
	tcap_end(dlg, false, NULL, 0);
}

/* reportSM-DeliveryStatus: the MSC could not deliver (absent, memory
 * full); keep message-waiting data so the SC is alerted when it can */
static void answer_report_smds(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_report_smds_arg arg;
	if (map_dec_report_smds_arg(&arg, c->param, c->param_len) < 0) {
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	struct netsim_sub *sub = netsim_sub_find_msisdn(arg.msisdn.digits);
	if (!sub) {
		answer_error(dlg, c->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		return;
	}
	if (arg.outcome != MAP_OUTCOME_SUCCESSFUL_TRANSFER)
		snprintf(sub->waiting_sc, sizeof(sub->waiting_sc), "%.32s", arg.sc_address.digits);
	LOGP(DNETSIM, LOGL_INFO, "HLR: reportSM-DeliveryStatus for %s, outcome %d\n", sub->msisdn, arg.outcome);
	tcap_result(dlg, c->invoke_id, true, MAP_OP_REPORT_SM_DS, NULL, 0);
	tcap_end(dlg, false, NULL, 0);
}

/* alertServiceCentre (shortMsgAlert v2) from the HLR's GT to the waiting SC */
void netsim_hlr_alert_sc(const struct netsim_sub *sub)
{
	struct sccp_addr called, calling;
	struct tcap_acn acn;
	uint8_t buf[64];
	struct map_alert_sc_arg a = { .msisdn = { true, 0x91 }, .sc_address = { true, 0x91 } };
	if (!hlr_tcap || !sub->waiting_sc[0] || sccp_addr_set_e164(&called, sub->waiting_sc, SCCP_SSN_MSC) < 0 ||
	    sccp_addr_set_e164(&calling, netsim_cfg.hlr_gt, SCCP_SSN_HLR) < 0)
		return;
	snprintf(a.msisdn.digits, sizeof(a.msisdn.digits), "%s", sub->msisdn);
	snprintf(a.sc_address.digits, sizeof(a.sc_address.digits), "%s", sub->waiting_sc);
	map_acn(&acn, MAP_AC_SHORT_MSG_ALERT, 2);
	struct tcap_dialogue *dlg = tcap_dialogue_alloc(hlr_tcap, &called, &calling, &acn, NULL);
	int len = map_enc_alert_sc_arg(buf, sizeof(buf), &a);
	if (!dlg || len < 0)
		return;
	tcap_invoke(dlg, MAP_OP_ALERT_SC, buf, len, 15000, NULL);
	if (tcap_begin(dlg, NULL, 0) == 0)
		LOGP(DNETSIM, LOGL_NOTICE, "HLR: alertServiceCentre for %s to %s\n", sub->msisdn, sub->waiting_sc);
}

/* per USSD dialogue: the invoke ID of the subscriber's processUSS-Request */
struct ussd_session {
	int8_t puss_invoke;
};

static void ussd_begin(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	uint8_t arg[64];
	struct ussd_session *s = talloc_zero(dlg, struct ussd_session);
	s->puss_invoke = c->invoke_id;
	tcap_dialogue_set_priv(dlg, s);
	int len = map_enc_ussd_text(arg, sizeof(arg), "Balance 5 EUR. 1: top up");
	tcap_invoke(dlg, MAP_OP_USSR, arg, len, USSD_TIMEOUT_MS, NULL);
	tcap_continue(dlg, NULL, 0);
}

static void ussd_continue(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct ussd_session *s = tcap_dialogue_priv(dlg);
	uint8_t res[64];
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		if (ind->comp[i].type != TCAP_COMP_RESULT_LAST || !s)
			continue;
		int len = map_enc_ussd_text(res, sizeof(res), "Thank you");
		tcap_result(dlg, s->puss_invoke, true, MAP_OP_PROCESS_USS, res, len);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
}

/* Network-initiated USSD: the HLR relays to the subscriber, whose handset
 * answers a USSR from the script and acknowledges a USSN */
static void network_initiated_ussd(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	char text[400];
	uint8_t res[200];
	map_dec_ussd_text(c->param, c->param_len, text, sizeof(text));
	if (c->opcode == MAP_OP_USSN) {
		netsim_ussd_log("network notifies '%s'", text);
		tcap_result(dlg, c->invoke_id, true, MAP_OP_USSN, NULL, 0);
	} else {
		const char *answer = netsim_ussd_answer();
		netsim_ussd_log("network asks '%s', handset answers '%s'", text, answer);
		int len = map_enc_ussd_text(res, sizeof(res), answer);
		tcap_result(dlg, c->invoke_id, true, MAP_OP_USSR, res, len);
	}
	tcap_continue(dlg, NULL, 0);
}

static void hlr_begin(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	uint8_t version;
	enum map_ac ac = dialogue_ac(ind->acn, &version);
	if (ac == MAP_AC_SHORT_MSG_GATEWAY && version > netsim_cfg.sms_gw_max_version) {
		struct tcap_acn proposed = *ind->acn;
		proposed.oid[6] = (uint8_t)netsim_cfg.sms_gw_max_version;
		tcap_refuse_acn(dlg, &proposed);
		return;
	}
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type != TCAP_COMP_INVOKE)
			continue;
		if (c->opcode == MAP_OP_SRI_FOR_SM) {
			answer_sri_sm(dlg, c);
			return;
		}
		if (c->opcode == MAP_OP_REPORT_SM_DS) {
			answer_report_smds(dlg, c);
			return;
		}
		if (c->opcode == MAP_OP_PROCESS_USS && (!ind->acn || ac == MAP_AC_NETWORK_USSD)) {
			ussd_begin(dlg, c);
			return;
		}
		if ((c->opcode == MAP_OP_USSR || c->opcode == MAP_OP_USSN) && ac == MAP_AC_NETWORK_USSD) {
			network_initiated_ussd(dlg, c);
			return;
		}
		tcap_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_UNRECOGNIZED_OPERATION);
	}
	tcap_end(dlg, false, NULL, 0);
}

static void hlr_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!dlg)
		return;
	switch (ind->type) {
	case TCAP_IND_BEGIN:
		hlr_begin(dlg, ind);
		break;
	case TCAP_IND_CONTINUE:
		ussd_continue(dlg, ind);
		break;
	default:
		break;	/* END/ABORT: the dialogue (and its session) is gone */
	}
}

static void hlr_l_cancel(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	/* a USSD prompt unanswered, or an alert the SC did not acknowledge */
	tcap_u_abort(dlg, NULL, 0);
}

static const struct tcap_user_ops hlr_ops = {
	.dialogue_ind = hlr_dialogue_ind,
	.l_cancel_ind = hlr_l_cancel,
};

int netsim_hlr_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user *u = sccp_user_bind(stack->sccp, SCCP_SSN_HLR, &tcap_sccp_user_ops, NULL);
	if (!u)
		return -EBUSY;
	struct sccp_sap_down down = sccp_user_sap_down(u);
	hlr_tcap = tcap_instance_alloc(ctx, &down, &hlr_ops, NULL);
	sccp_user_set_priv(u, hlr_tcap);
	return tcap_vty_add_instance("hlr", hlr_tcap);
}

/* ------------------------------------------------------------------ echo */

static void echo_unitdata_ind(void *priv, const struct sccp_unitdata *ud)
{
	struct sccp_user *u = *(struct sccp_user **)priv;
	struct sccp_unitdata back = *ud;
	back.called = ud->calling;
	back.calling = ud->called;
	back.return_on_error = false;
	sccp_user_unitdata_req(u, &back);
}

static const struct sccp_user_ops echo_ops = { .unitdata_ind = echo_unitdata_ind };

int netsim_echo_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user **holder = talloc_zero(ctx, struct sccp_user *);
	*holder = sccp_user_bind(stack->sccp, NETSIM_ECHO_SSN, &echo_ops, holder);
	return *holder ? 0 : -EBUSY;
}
