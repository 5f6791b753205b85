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
#include <osmocom/core/timer.h>
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
	osmo_strlcpy(sub->msisdn, msisdn, sizeof(sub->msisdn));
	snprintf(sub->imsi, sizeof(sub->imsi), "%s%s", netsim_cfg.imsi_prefix, msisdn + (n > 10 ? n - 10 : 0));
	snprintf(sub->msc_gt, sizeof(sub->msc_gt), "%s", netsim_cfg.msc_gt);
	sub->state = SUB_ATTACHED;
}

/* the subscriber the HLR answers for: the table's, or an implicit one
 * (the table empty, or the number under the implicit prefix) */
static struct netsim_sub *sri_subscriber(const char *msisdn, struct netsim_sub *implicit)
{
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	const char *pfx = netsim_cfg.implicit_prefix;
	if (!sub && (llist_empty(&netsim_subscribers) || (pfx[0] && !strncmp(msisdn, pfx, strlen(pfx))))) {
		implicit_subscriber(implicit, msisdn);
		sub = implicit;
	}
	return sub;
}

static const struct value_string sri_error_names[] = {
	{ MAP_ERR_UNKNOWN_SUBSCRIBER, "unknown-subscriber" },
	{ MAP_ERR_UNIDENTIFIED_SUBSCRIBER, "unidentified-subscriber" },
	{ MAP_ERR_ABSENT_SUBSCRIBER_SM, "absent-subscriber-sm" },
	{ MAP_ERR_ILLEGAL_SUBSCRIBER, "illegal-subscriber" },
	{ MAP_ERR_TELESERVICE_NOT_PROVISIONED, "teleservice-not-provisioned" },
	{ MAP_ERR_ILLEGAL_EQUIPMENT, "illegal-equipment" },
	{ MAP_ERR_CALL_BARRED, "call-barred" },
	{ MAP_ERR_FACILITY_NOT_SUPPORTED, "facility-not-supported" },
	{ MAP_ERR_ABSENT_SUBSCRIBER, "absent-subscriber" },
	{ MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS, "subscriber-busy-for-mt-sms" },
	{ MAP_ERR_SM_DELIVERY_FAILURE, "sm-delivery-failure" },
	{ MAP_ERR_MESSAGE_WAITING_LIST_FULL, "message-waiting-list-full" },
	{ MAP_ERR_SYSTEM_FAILURE, "system-failure" },
	{ MAP_ERR_DATA_MISSING, "data-missing" },
	{ MAP_ERR_UNEXPECTED_DATA_VALUE, "unexpected-data-value" },
	{ 0, NULL }
};

int netsim_sri_error_from_name(const char *name)
{
	return get_string_value(sri_error_names, name);
}

const char *netsim_sri_error_to_name(uint8_t code)
{
	return get_value_string(sri_error_names, code);
}

/* the error a subscriber is configured to get, with its diagnostic */
static void answer_configured_error(struct map_dialogue *md, int8_t invoke_id, const struct netsim_sub *sub)
{
	struct map_error_param e = { .code = sub->sri_error };
	if (sub->sri_diag_present && sub->sri_error == MAP_ERR_ABSENT_SUBSCRIBER_SM) {
		e.absent_diag_present = true;
		e.absent_diag = sub->sri_diag;
	} else if (sub->sri_diag_present && sub->sri_error == MAP_ERR_SM_DELIVERY_FAILURE) {
		e.failure_cause_present = true;
		e.failure_cause = sub->sri_diag;
	}
	answer_error(md, invoke_id, &e);
}

/* The answer to an SRI-for-SM for this subscriber, now */
static void answer_sri_now(struct map_dialogue *md, int8_t invoke_id, const struct netsim_sub *sub,
			   const char *sc_address)
{
	union map_res res = { .sri_sm = { .network_node = { true, 0x91 } } };
	if (!sub || sub->state == SUB_UNKNOWN) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		return;
	}
	if (sub->sri_answer == NETSIM_SRI_ERROR) {
		answer_configured_error(md, invoke_id, sub);
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
		struct netsim_sub *stored = netsim_sub_find_msisdn(sub->msisdn);
		if (stored)
			snprintf(stored->waiting_sc, sizeof(stored->waiting_sc), "%.32s", sc_address);
		union map_arg inf = { .inform_sc = { .mw_status_present = true, .mw_status = 1u << 1 /* mnrf */ } };
		map_request(md, MAP_SVC_INFORM_SC, &inf, NULL);
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_ABSENT_SUBSCRIBER_SM,
			     .absent_diag_present = true, .absent_diag = 1 /* IMSI detached */ });
		return;
	}
	if (sub->router_gt[0]) {
		/* SMS home routing: the router's address and a correlation ID */
		osmo_strlcpy(res.sri_sm.imsi, sub->correlation_id, sizeof(res.sri_sm.imsi));
		osmo_strlcpy(res.sri_sm.network_node.digits, sub->router_gt, sizeof(res.sri_sm.network_node.digits));
	} else {
		osmo_strlcpy(res.sri_sm.imsi, sub->imsi, sizeof(res.sri_sm.imsi));
		osmo_strlcpy(res.sri_sm.network_node.digits, sub->msc_gt, sizeof(res.sri_sm.network_node.digits));
	}
	map_response(md, invoke_id, MAP_SVC_SRI_FOR_SM, &res);
	map_close(md, false);
}

/* An SRI-for-SM the HLR answers late (sri-delay) or never (sri-answer
 * none): the dialogue's priv while it waits */
struct held_sri {
	struct llist_head list;
	struct map_dialogue *md;
	int8_t invoke_id;
	char msisdn[MAP_DIGITS_MAX + 1];
	char sc_address[MAP_DIGITS_MAX + 1];
	struct osmo_timer_list timer;
};

static LLIST_HEAD(held_sris);
static unsigned int n_held;

unsigned int netsim_hlr_held(void)
{
	return n_held;
}

static void held_free(struct held_sri *h)
{
	osmo_timer_del(&h->timer);
	llist_del(&h->list);
	n_held--;
	talloc_free(h);
}

static void held_answer_cb(void *data)
{
	struct held_sri *h = data;
	struct netsim_sub implicit;
	struct map_dialogue *md = h->md;
	/* the subscriber as it is now (the VTY may have changed it meanwhile) */
	const struct netsim_sub *sub = sri_subscriber(h->msisdn, &implicit);
	int8_t invoke_id = h->invoke_id;
	char sc[MAP_DIGITS_MAX + 1];
	osmo_strlcpy(sc, h->sc_address, sizeof(sc));
	map_dialogue_set_priv(md, NULL);
	held_free(h);
	answer_sri_now(md, invoke_id, sub, sc);
}

static void hold_sri(struct map_dialogue *md, int8_t invoke_id, const struct map_sri_sm_arg *arg,
		     unsigned int delay_ms)
{
	struct held_sri *h = talloc_zero(hlr_map, struct held_sri);
	if (!h)
		return;
	h->md = md;
	h->invoke_id = invoke_id;
	osmo_strlcpy(h->msisdn, arg->msisdn.digits, sizeof(h->msisdn));
	osmo_strlcpy(h->sc_address, arg->sc_address.digits, sizeof(h->sc_address));
	osmo_timer_setup(&h->timer, held_answer_cb, h);
	llist_add_tail(&h->list, &held_sris);
	n_held++;
	map_dialogue_set_priv(md, h);
	if (delay_ms)
		osmo_timer_schedule(&h->timer, delay_ms / 1000, (delay_ms % 1000) * 1000);
}

static void answer_sri_sm(struct map_dialogue *md, int8_t invoke_id, const struct map_sri_sm_arg *arg)
{
	struct netsim_sub implicit, *sub;
	if (strlen(arg->msisdn.digits) < 5) {
		answer_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	char tid[12];
	netsim_attack_sri_seen(map_dialogue_remote_addr(md), map_dialogue_remote_tid_hex(md, tid, sizeof(tid)));
	sub = sri_subscriber(arg->msisdn.digits, &implicit);
	if (sub && sub->sri_answer == NETSIM_SRI_SILENT) {
		LOGP(DNETSIM, LOGL_INFO, "HLR: SRI-for-SM for %s left unanswered\n", sub->msisdn);
		hold_sri(md, invoke_id, arg, 0);
		return;
	}
	if (sub && sub->sri_delay_ms) {
		hold_sri(md, invoke_id, arg, sub->sri_delay_ms);
		return;
	}
	answer_sri_now(md, invoke_id, sub, arg->sc_address.digits);
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

static void hlr_ind_dispatch(struct map_dialogue *md, const struct map_ind *ind);

/* A held SRI-for-SM whose dialogue ends (the TCAP guard, an abort) is dropped */
static void hlr_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	hlr_ind_dispatch(md, ind);
	if (ind->last && map_dialogue_ac(md) == MAP_AC_SHORT_MSG_GATEWAY && map_dialogue_priv(md)) {
		held_free(map_dialogue_priv(md));
		map_dialogue_set_priv(md, NULL);
	}
}

static void hlr_ind_dispatch(struct map_dialogue *md, const struct map_ind *ind)
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
		/* a message with nothing we answer (e.g. only rejected invokes);
		 * an SRI-for-SM held for later keeps its dialogue */
		if (map_dialogue_ac(md) == MAP_AC_SHORT_MSG_GATEWAY && !map_dialogue_priv(md))
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
	struct held_sri *h, *tmp;
	llist_for_each_entry_safe(h, tmp, &held_sris, list) {
		map_dialogue_set_priv(h->md, NULL);
		held_free(h);
	}
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
