/* The simulated HLR (SSN 6): answers SRI-for-SM from the subscriber table
 * (IMSI and serving MSC, or the error the subscriber's state calls for),
 * refuses shortMsgGateway versions above its configured maximum (proposing
 * its own), alerts the service centre when an absent subscriber with a
 * message waiting attaches, and plays a one-question USSD menu:
 * processUSS-Request -> unstructuredSS-Request prompt -> answer -> result.
 * It speaks MAP through the MAP dialogue layer, like the gateway. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_codec.h>
#include "netsim.h"

static struct map_instance *hlr_map;

static void answer_error(struct map_dialogue *md, int8_t invoke_id, const struct map_error_param *e)
{
	map_response_error(md, invoke_id, e);
	map_close(md, false);
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

static void answer_sri_sm(struct map_dialogue *md, int8_t invoke_id, const struct map_sri_sm_arg *arg)
{
	union map_res res = { .sri_sm = { .network_node = { true, 0x91 } } };
	struct netsim_sub implicit, *sub;
	if (strlen(arg->msisdn.digits) < 5) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	char tid[12];
	netsim_attack_sri_seen(map_dialogue_remote_addr(md), map_dialogue_remote_tid_hex(md, tid, sizeof(tid)));
	if (llist_empty(&netsim_subscribers)) {
		implicit_subscriber(&implicit, arg->msisdn.digits);
		sub = &implicit;
	} else {
		sub = netsim_sub_find_msisdn(arg->msisdn.digits);
	}
	if (!sub || sub->state == SUB_UNKNOWN) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		return;
	}
	if (sub->state == SUB_BARRED) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_CALL_BARRED });
		return;
	}
	if (sub->state == SUB_ABSENT) {
		/* message waiting: remember whom to alert (29.002 MWD), and say so
		 * with informServiceCentre in the same TC-END (mnrf set, SC address
		 * stored) */
		snprintf(sub->waiting_sc, sizeof(sub->waiting_sc), "%.32s", arg->sc_address.digits);
		union map_arg inf = { .inform_sc = { .mw_status_present = true, .mw_status = 1u << 1 /* mnrf */ } };
		map_request(md, MAP_SVC_INFORM_SC, &inf, NULL);
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_ABSENT_SUBSCRIBER_SM,
			     .absent_diag_present = true, .absent_diag = 1 /* IMSI detached */ });
		return;
	}
	osmo_strlcpy(res.sri_sm.imsi, sub->imsi, sizeof(res.sri_sm.imsi));
	osmo_strlcpy(res.sri_sm.network_node.digits, sub->msc_gt, sizeof(res.sri_sm.network_node.digits));
	map_response(md, invoke_id, MAP_SVC_SRI_FOR_SM, &res);
	map_close(md, false);
}

/* reportSM-DeliveryStatus: the MSC could not deliver (absent, memory
 * full); keep message-waiting data so the SC is alerted when it can */
static void answer_report_smds(struct map_dialogue *md, int8_t invoke_id, const struct map_report_smds_arg *arg)
{
	struct netsim_sub *sub = netsim_sub_find_msisdn(arg->msisdn.digits);
	if (!sub) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		return;
	}
	if (arg->outcome != MAP_OUTCOME_SUCCESSFUL_TRANSFER)
		snprintf(sub->waiting_sc, sizeof(sub->waiting_sc), "%.32s", arg->sc_address.digits);
	LOGP(DNETSIM, LOGL_INFO, "HLR: reportSM-DeliveryStatus for %s, outcome %d\n", sub->msisdn, arg->outcome);
	map_response(md, invoke_id, MAP_SVC_REPORT_SM_DS, NULL);
	map_close(md, false);
}

static void alert_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	char why[96];
	if (ind->type == MAP_IND_ERROR || ind->type == MAP_IND_REFUSE || ind->type == MAP_IND_U_ABORT ||
	    ind->type == MAP_IND_P_ABORT)
		LOGP(DNETSIM, LOGL_NOTICE, "HLR: alertServiceCentre to %s: %s\n", map_dialogue_remote_addr(md)->gt.digits,
		     map_err_str(&ind->err, why, sizeof(why)));
	if (ind->type == MAP_IND_DELIMITER || (ind->type == MAP_IND_ERROR && !ind->last))
		map_close(md, false);
}

static const struct map_user alert_user = { "hlr-alert", alert_ind, NULL };

int netsim_hlr_alert_sc_from(const char *msisdn, const char *sc, const char *from_gt)
{
	struct sccp_addr called, calling;
	union map_arg a = { .alert_sc = { .msisdn = { true, 0x91 }, .sc_address = { true, 0x91 } } };
	if (!hlr_map || sccp_addr_set_e164(&called, sc, SCCP_SSN_MSC) < 0 ||
	    sccp_addr_set_e164(&calling, from_gt, SCCP_SSN_HLR) < 0)
		return -EINVAL;
	osmo_strlcpy(a.alert_sc.msisdn.digits, msisdn, sizeof(a.alert_sc.msisdn.digits));
	osmo_strlcpy(a.alert_sc.sc_address.digits, sc, sizeof(a.alert_sc.sc_address.digits));
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_ALERT, .called = &called, .calling = &calling,
				    .user = &alert_user };
	struct map_dialogue *md = map_open(hlr_map, &req);
	if (!md)
		return -ENOMEM;
	if (map_request(md, MAP_SVC_ALERT_SC, &a, NULL) < 0) {
		map_close(md, true);
		return -EINVAL;
	}
	return map_delimit(md);
}

/* alertServiceCentre (shortMsgAlert) from the HLR's GT to the waiting SC */
void netsim_hlr_alert_sc(const struct netsim_sub *sub)
{
	if (!sub->waiting_sc[0] || netsim_hlr_alert_sc_from(sub->msisdn, sub->waiting_sc, netsim_cfg.hlr_gt) < 0)
		return;
	LOGP(DNETSIM, LOGL_NOTICE, "HLR: alertServiceCentre for %s to %s\n", sub->msisdn, sub->waiting_sc);
}

/* ------------------------------------------------------------ USSD */

/* per USSD dialogue the HLR plays the menu: the invoke ID of the
 * subscriber's processUSS-Request (+1, so that 0 is "none") */
static void ussd_menu(struct map_dialogue *md, int8_t invoke_id)
{
	uint8_t buf[64];
	union map_arg a;
	map_ussd_from_text(&a.ussd, buf, sizeof(buf), "Balance 5 EUR. 1: top up");
	map_dialogue_set_priv(md, (void *)(intptr_t)(invoke_id + 1));
	map_request(md, MAP_SVC_USSR, &a, NULL);
	map_delimit(md);
}

static void ussd_menu_answered(struct map_dialogue *md)
{
	uint8_t buf[64];
	union map_res r;
	intptr_t puss = (intptr_t)map_dialogue_priv(md);
	if (!puss)
		return;
	map_ussd_from_text(&r.ussd, buf, sizeof(buf), "Thank you");
	map_response(md, (int8_t)(puss - 1), MAP_SVC_PROCESS_USS, &r);
	map_close(md, false);
}

/* Network-initiated USSD: the HLR relays to the subscriber named in the
 * USSD-Arg (the gateway's push): unknown, barred or absent subscribers get
 * the error, the others' handsets answer (netsim_ussd.c). Without a
 * subscriber named, the handset answers from ussd-answers. */
static void network_initiated_ussd(struct map_dialogue *md, const struct map_ind *ind)
{
	const struct map_ussd *u = &ind->arg->ussd;
	const char *msisdn = u->msisdn.present && u->msisdn.digits[0] ? u->msisdn.digits : NULL;
	struct netsim_sub *sub = msisdn ? netsim_sub_find_msisdn(msisdn) : NULL;
	enum map_error err = 0;
	if (msisdn && !llist_empty(&netsim_subscribers)) {
		if (!sub || sub->state == SUB_UNKNOWN)
			err = MAP_ERR_UNKNOWN_SUBSCRIBER;
		else if (sub->state == SUB_BARRED)
			err = MAP_ERR_ILLEGAL_SUBSCRIBER;
		else if (sub->state == SUB_ABSENT || sub->state == SUB_UNREACHABLE)
			err = MAP_ERR_ABSENT_SUBSCRIBER;
	}
	if (err) {
		netsim_ussd_log("%s: network-initiated USSD refused by the HLR: %s", msisdn, map_error_name(err));
		answer_error(md, ind->invoke_id, &(struct map_error_param){ .code = err });
		return;
	}
	netsim_handset_ussd(md, ind, msisdn ? msisdn : "handset");
}

static void hlr_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	switch (ind->type) {
	case MAP_IND_OPEN:
		if (ind->open->ac == MAP_AC_SHORT_MSG_GATEWAY && ind->open->version > netsim_cfg.sms_gw_max_version)
			map_refuse(md, MAP_REFUSE_ACN_NOT_SUPPORTED, (uint8_t)netsim_cfg.sms_gw_max_version);
		return;
	case MAP_IND_INVOKE:
		switch (ind->svc) {
		case MAP_SVC_SRI_FOR_SM: answer_sri_sm(md, ind->invoke_id, &ind->arg->sri_sm); return;
		case MAP_SVC_REPORT_SM_DS: answer_report_smds(md, ind->invoke_id, &ind->arg->report_sm_ds); return;
		case MAP_SVC_PROCESS_USS: ussd_menu(md, ind->invoke_id); return;
		case MAP_SVC_USSR: case MAP_SVC_USSN: network_initiated_ussd(md, ind); return;
		default: return;
		}
	case MAP_IND_RESULT:
		if (ind->svc == MAP_SVC_USSR)
			ussd_menu_answered(md);
		return;
	case MAP_IND_ERROR:
		/* a USSD prompt unanswered */
		if (!ind->last)
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
		return;
	case MAP_IND_DELIMITER:
		/* a message with nothing we answer (e.g. only rejected invokes) */
		if (map_dialogue_ac(md) == MAP_AC_SHORT_MSG_GATEWAY)
			map_close(md, false);
		return;
	default:
		return;
	}
}

static const struct map_user hlr_user = { "hlr", hlr_ind, NULL };

int netsim_hlr_start(void *ctx, struct ss7_stack *stack)
{
	hlr_map = map_instance_start(ctx, stack->sccp, SCCP_SSN_HLR);
	if (!hlr_map || map_register(hlr_map, MAP_AC_SHORT_MSG_GATEWAY, 1, 3, &hlr_user) < 0 ||
	    map_register(hlr_map, MAP_AC_NETWORK_USSD, 2, 2, &hlr_user) < 0)
		return -EBUSY;
	map_vty_add_instance("hlr", hlr_map);
	return 0;
}

void netsim_hlr_stop(void)
{
	if (hlr_map)
		map_instance_free(hlr_map);
	hlr_map = NULL;
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
