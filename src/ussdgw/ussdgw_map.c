/* The network leg of USSD sessions over MAP: networkUnstructuredSsContext
 * v2 on the gateway's MAP instance.
 *
 * Pull: a Begin with processUnstructuredSS-Request (MAP-OpenInfo: the
 * subscriber's IMSI as destination reference, the MSISDN as origination
 * reference; the MSISDN may also be in the USSD-Arg). Menus go as
 * unstructuredSS-Request in a Continue, the final text as the
 * processUnstructuredSS-Request result in the End.
 *
 * Push: towards the subscriber's HLR (MAP-OpenInfo: destination reference
 * the MSISDN, origination reference the gateway's GT), or, for an operator
 * configured so, SRI-for-SM first (the shared routing step) and then the
 * serving MSC/VLR (SSN 7, destination reference the IMSI).
 *
 * What an indication asks of the network is done at the end of the message
 * it came in (DELIMITER) or not at all (CLOSE): a message that ends the
 * dialogue must not be answered. Only the invoke timer's error comes alone. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/ussd/ussd_string.h>
#include "ussdgw_int.h"

#define TON_NPI_E164	0x91	/* international, ISDN/telephony */
#define TON_NPI_E212	0x96	/* international, land mobile (IMSI) */

static void ind_cb(void *user_priv, struct map_dialogue *md, const struct map_ind *ind);
static struct map_user ugw_map_user = { "ussd-gateway", ind_cb, NULL };

/* USSD dialogues to mi (v2, and v1 where the peer asks) are the gateway's */
int ussdgw_map_serve(struct ussdgw *gw, struct map_instance *mi)
{
	ugw_map_user.priv = gw;
	if (map_register(mi, MAP_AC_NETWORK_USSD, 2, 2, &ugw_map_user) < 0)
		return -1;
	return ussdgw_v1_start(mi, &ugw_map_user);
}

int ussdgw_map_start(struct ussdgw *gw)
{
	return ussdgw_map_serve(gw, gw->mi);
}

/* ------------------------------------------------------------ what the XML flavour shows */

static void sccp_to_app(struct ussd_app_sccp_addr *out, const struct sccp_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->present = true;
	out->ai = (a->pc_present ? 0x01 : 0) | (a->ssn_present ? 0x02 : 0) | ((a->gti & 0x0f) << 2) |
		  (a->ri == SCCP_RI_SSN_PC ? 0x40 : 0) | (a->national ? 0x80 : 0);
	out->pc = a->pc;
	out->ssn = a->ssn;
	out->gti = a->gti;
	out->tt = a->gt.tt;
	out->np = a->gt.np;
	out->nai = a->gt.nai;
	out->es = strlen(a->gt.digits) % 2 ? 1 : 2;
	OSMO_STRLCPY_ARRAY(out->digits, a->gt.digits);
}

static void addr_to_app(struct ussd_app_addr_string *out, const struct map_address *a)
{
	memset(out, 0, sizeof(*out));
	if (!a->present || !a->digits[0])
		return;
	out->present = true;
	out->nai = (a->ton_npi >> 4) & 7;
	out->npi = a->ton_npi & 0x0f;
	OSMO_STRLCPY_ARRAY(out->digits, a->digits);
}

static void fill_dialog(struct ussdgw_session *s, struct map_dialogue *md)
{
	struct ussd_app_dialog *d = &s->dialog;
	char tid[12] = "";
	d->has_ids = true;
	d->local_id = map_dialogue_local_tid(md);
	map_dialogue_remote_tid_hex(md, tid, sizeof(tid));
	d->remote_id = (uint32_t)strtoul(tid, NULL, 16);
	d->map_version = map_dialogue_version(md);
	sccp_to_app(&d->local, map_dialogue_local_addr(md));
	sccp_to_app(&d->remote, map_dialogue_remote_addr(md));
	OSMO_STRLCPY_ARRAY(s->calling_gt, map_dialogue_remote_addr(md)->gt.digits);
	OSMO_STRLCPY_ARRAY(s->called_gt, map_dialogue_local_addr(md)->gt.digits);
	if (s->push) {
		/* ours, as we sent them: the local address calls */
		OSMO_STRLCPY_ARRAY(s->calling_gt, map_dialogue_local_addr(md)->gt.digits);
		OSMO_STRLCPY_ARRAY(s->called_gt, map_dialogue_remote_addr(md)->gt.digits);
	}
}

static bool digits_only(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n && n <= max && strspn(s, "0123456789") == n;
}

/* ------------------------------------------------------------ pull */

static void pull_open(struct ussdgw *gw, struct map_dialogue *md, const struct map_open_ind *o)
{
	const char *from = o->calling->gt.digits;
	struct operator *op = gw->rt ? routing_operator_of_gt(gw->rt, from) : NULL;
	if (!op && gw->accept == USSDGW_ACCEPT_OPERATORS) {
		ussdgw_ctr_inc(gw, UGW_CTR_REFUSED_FOREIGN);
		LOGP(DUSSD, LOGL_NOTICE, "USSD dialogue from %s refused: a GT of no operator's network\n", from);
		map_refuse(md, MAP_REFUSE_NO_REASON, 0);
		return;
	}
	struct ussdgw_session *s = ussdgw_session_alloc(gw, false, UGW_NET_MAP);
	if (!s) {
		map_u_abort(md, MAP_UA_RESOURCE_UNAVAILABLE, 0);
		return;
	}
	ussdgw_ctr_inc(gw, UGW_CTR_PULL);
	s->md = md;
	s->net_open = true;
	map_dialogue_set_priv(md, s);
	ussdgw_v1_open(s, o);
	s->op = op;
	s->opcfg = op ? ussdgw_opcfg_find(gw, op->name) : NULL;
	fill_dialog(s, md);
	addr_to_app(&s->dialog.dest_ref, &o->refs.destination_reference);
	addr_to_app(&s->dialog.orig_ref, &o->refs.origination_reference);
	const struct map_address *dst = &o->refs.destination_reference, *org = &o->refs.origination_reference;
	if (dst->present && (dst->ton_npi & 0x0f) == 6 && digits_only(dst->digits, USSD_APP_DIGITS_MAX))
		OSMO_STRLCPY_ARRAY(s->imsi, dst->digits);
	if (org->present && (org->ton_npi & 0x0f) == 1 && digits_only(org->digits, USSD_APP_DIGITS_MAX))
		OSMO_STRLCPY_ARRAY(s->msisdn, org->digits);
	/* a request must follow: within the application timeout */
	ussdgw_session_expect_request(s);
}

static void pull_request(struct ussdgw_session *s, int8_t invoke_id, const struct map_ussd *u)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t_net_in);
	s->puss_invoke = invoke_id;
	s->puss_pending = true;
	if (u->msisdn.present && digits_only(u->msisdn.digits, USSD_APP_DIGITS_MAX))
		OSMO_STRLCPY_ARRAY(s->msisdn, u->msisdn.digits);
	if (ussdgw_decode_text(s->dialled, sizeof(s->dialled), u->dcs, u->string, u->string_len, s->language) < 0) {
		ussdgw_ctr_inc(s->gw, UGW_CTR_REFUSED_CODING);
		ussdgw_session_refuse(s, USSDGW_ST_BAD_REQUEST, NULL, MAP_ERR_UNKNOWN_ALPHABET,
				      "the USSD string cannot be decoded");
		return;
	}
	s->dialled_dcs = u->dcs;
	ussdgw_session_pull(s);
}

/* ------------------------------------------------------------ push */

static void push_open(struct ussdgw_session *s, const char *gt, uint8_t ssn, const char *dest_ref,
		      uint8_t dest_ton_npi, struct map_peer *peer, int *rc)
{
	struct ussdgw *gw = s->gw;
	struct sccp_addr called;
	uint8_t buf[USSD_MAX_OCTETS];
	int8_t invoke;
	*rc = -EINVAL;
	if (!gw->mi || !gw->rt || sccp_addr_set_e164(&called, gt, ssn) < 0)
		return;
	/* from the gateway's GT, on the SSN USSD is served on (answers come back there) */
	struct sccp_addr calling_ssn = *routing_calling(gw->rt);
	const struct sccp_addr *calling = &calling_ssn;
	calling_ssn.ssn = gw->ssn;
	struct map_open_info refs = { .destination_reference = { true, dest_ton_npi },
				      .origination_reference = { true, TON_NPI_E164 } };
	OSMO_STRLCPY_ARRAY(refs.destination_reference.digits, dest_ref);
	OSMO_STRLCPY_ARRAY(refs.origination_reference.digits, calling->gt.digits);
	struct map_open_req req = { .ac = MAP_AC_NETWORK_USSD, .max_version = 2, .peer = peer, .called = &called,
				    .calling = calling, .refs = &refs, .user = &ugw_map_user, .priv = s };
	int len = ussd_app_text_encode(buf, sizeof(buf), &s->push_text);
	if (len <= 0)
		return;
	union map_arg a = { .ussd = { .dcs = s->push_text.dcs, .string = buf, .string_len = (size_t)len,
				      .msisdn = { true, TON_NPI_E164 } } };
	OSMO_STRLCPY_ARRAY(a.ussd.msisdn.digits, s->msisdn);
	a.ussd.has_alerting_pattern = s->push_has_alerting;
	a.ussd.alerting_pattern = s->push_alerting;
	struct map_dialogue *md = map_open(gw->mi, &req);
	if (!md) {
		*rc = -ENOMEM;
		return;
	}
	bool notify = s->push_type == USSD_APP_PUSH_USSN;
	if (map_request_timeout(md, notify ? MAP_SVC_USSN : MAP_SVC_USSR, &a, notify ? 0 : ussdgw_user_timeout_ms(s),
				&invoke) < 0) {
		map_close(md, true);
		return;
	}
	s->md = md;
	s->invoke_id = invoke;
	fill_dialog(s, md);
	addr_to_app(&s->dialog.dest_ref, &refs.destination_reference);
	addr_to_app(&s->dialog.orig_ref, &refs.origination_reference);
	ussdgw_session_push_sent(s, notify);
	map_delimit(md);	/* a send failure comes back as a P-ABORT from the loop */
	*rc = 0;
}

static void sri_done(void *priv, const struct routing_sri_result *r)
{
	struct ussdgw_session *s = priv;
	s->sri = NULL;
	if (r->err.kind != MAP_EK_NONE) {
		struct ugw_end e;
		ussdgw_end_from_map_err(&e, &r->err, "SRI-for-SM");
		e.net_gone = true;
		osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_END, &e);
		return;
	}
	OSMO_STRLCPY_ARRAY(s->imsi, r->res.imsi);
	OSMO_STRLCPY_ARRAY(s->serving_msc, r->res.network_node.digits);
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_READY, NULL);
}

int ussdgw_map_push_after_sri(struct ussdgw_session *s)
{
	int rc;
	if (!digits_only(s->imsi, USSD_APP_DIGITS_MAX) || !s->serving_msc[0])
		return -EINVAL;
	push_open(s, s->serving_msc, SCCP_SSN_VLR, s->imsi, TON_NPI_E212, NULL, &rc);
	return rc;
}

int ussdgw_map_push(struct ussdgw_session *s, char *err, size_t errlen)
{
	struct ussdgw *gw = s->gw;
	struct ussd_app_text checked;
	int rc;
	if (!gw->mi || !gw->rt) {
		snprintf(err, errlen, "the gateway has no SS7 network");
		return -ENOTCONN;
	}
	s->op = routing_route(gw->rt, s->msisdn);
	if (!s->op) {
		snprintf(err, errlen, "no operator's route for msisdn %s", s->msisdn);
		return -ENOENT;
	}
	s->opcfg = ussdgw_opcfg_find(gw, s->op->name);
	/* the operator's own limit on the text */
	rc = ussd_app_text_set(&checked, s->push_text.utf8, s->push_text.len, s->push_text.dcs,
			       s->push_text.lang[0] ? s->push_text.lang : NULL, ussdgw_limits(s), "text", err, errlen);
	if (rc < 0)
		return -EMSGSIZE;
	/* SMS first: while it waits, pushes get their share of the throughput */
	if (operator_wait_ms_for(s->op, ROUTING_CLASS_USSD_PUSH, ussdgw_now_ms()) > 0) {
		snprintf(err, errlen, "operator %s: its throughput limit is reached, try again in a second",
			 s->op->name);
		return -EAGAIN;
	}
	if (s->opcfg && s->opcfg->push_via == USSDGW_PUSH_SRI) {
		s->sri = routing_sri_sm(gw->rt, s->op, s->msisdn, 0, sri_done, s);
		if (!s->sri) {
			snprintf(err, errlen, "cannot start the SRI-for-SM");
			return -ENOMEM;
		}
		osmo_fsm_inst_state_chg(s->fi, UGW_S_SRI, 0, 0);
		return 0;
	}
	push_open(s, s->op->hlr_gt, SCCP_SSN_HLR, s->msisdn, TON_NPI_E164, s->op->peer, &rc);
	if (rc < 0)
		snprintf(err, errlen, "cannot open the dialogue to the HLR");
	return rc;
}

/* ------------------------------------------------------------ sending */

/* USSD-Arg / USSD-Res of a text (buf holds the string) */
static int text_ussd(struct map_ussd *u, uint8_t *buf, size_t len, const struct ussd_app_text *t)
{
	int n = ussd_app_text_encode(buf, len, t);
	if (n <= 0)
		return -EINVAL;
	*u = (struct map_ussd){ .dcs = t->dcs, .string = buf, .string_len = (size_t)n };
	return 0;
}

static int send_invoke(struct ussdgw_session *s, enum map_service svc, const struct ussd_app_text *t,
		       uint32_t timeout_ms)
{
	uint8_t buf[USSD_MAX_OCTETS];
	union map_arg a;
	int8_t invoke;
	if (!s->md || !s->net_open || text_ussd(&a.ussd, buf, sizeof(buf), t) < 0)
		return -EINVAL;
	if (s->push) {
		/* every operation of a push names the subscriber, as the first did */
		a.ussd.msisdn = (struct map_address){ true, TON_NPI_E164 };
		OSMO_STRLCPY_ARRAY(a.ussd.msisdn.digits, s->msisdn);
	}
	int rc = map_request_timeout(s->md, svc, &a, timeout_ms, &invoke);
	if (rc < 0)
		return rc;
	s->invoke_id = invoke;
	return map_delimit(s->md);
}

int ussdgw_map_send_menu(struct ussdgw_session *s, const struct ussd_app_text *t, uint32_t timeout_ms)
{
	return send_invoke(s, MAP_SVC_USSR, t, timeout_ms);
}

int ussdgw_map_send_notify(struct ussdgw_session *s, const struct ussd_app_text *t)
{
	return send_invoke(s, MAP_SVC_USSN, t, 0);
}

/* processUnstructuredSS-Request's errors (29.002 11.9.1) */
static enum map_error puss_error(uint8_t code)
{
	switch (code) {
	case MAP_ERR_SYSTEM_FAILURE: case MAP_ERR_DATA_MISSING: case MAP_ERR_UNEXPECTED_DATA_VALUE:
	case MAP_ERR_UNKNOWN_ALPHABET: case MAP_ERR_CALL_BARRED:
		return (enum map_error)code;
	default:
		return MAP_ERR_SYSTEM_FAILURE;
	}
}

int ussdgw_map_end(struct ussdgw_session *s, enum ugw_net_end how, const struct ussd_app_text *t,
		   uint8_t map_error, const struct ugw_end *why)
{
	struct map_dialogue *md = s->md;
	uint8_t buf[USSD_MAX_OCTETS];
	union map_res r;
	if (!md)
		return -ENOENT;
	s->md = NULL;
	map_dialogue_set_priv(md, NULL);
	switch (how) {
	case UGW_NET_TEXT:
		if (s->puss_pending && t && s->map_v1)
			ussdgw_v1_result(md, s->puss_invoke, t);
		else if (s->puss_pending && t && text_ussd(&r.ussd, buf, sizeof(buf), t) == 0)
			map_response(md, s->puss_invoke, MAP_SVC_PROCESS_USS, &r);
		s->puss_pending = false;
		return map_close(md, false);
	case UGW_NET_ERROR:
		if (s->puss_pending) {
			struct map_error_param e = { .code = s->map_v1 ? ussdgw_v1_error(map_error) : puss_error(map_error) };
			map_response_error(md, s->puss_invoke, &e);
		}
		s->puss_pending = false;
		return map_close(md, false);
	case UGW_NET_PREARRANGED:
		return map_close(md, true);
	case UGW_NET_ABORT:
		if (s->status == USSDGW_ST_APP_ABORT)
			return map_u_abort(md, (enum map_user_abort_reason)why->u_abort, why->u_abort_diag);
		return map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
	case UGW_NET_CLOSE:
	default:
		return map_close(md, false);
	}
}

void ussdgw_map_detach(struct ussdgw_session *s)
{
	if (!s->md)
		return;
	map_dialogue_set_priv(s->md, NULL);
	map_release(s->md);
	s->md = NULL;
}

/* ------------------------------------------------------------ indications */

static void net_end(struct ussdgw_session *s, struct ugw_end *e, bool gone)
{
	e->net_gone = gone;
	if (gone) {
		s->md = NULL;
		s->net_open = false;
	}
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_END, e);
}

static void on_result(struct ussdgw_session *s, const struct map_ind *ind)
{
	if (s->push)
		s->push_accepted = true;
	if (ind->svc == MAP_SVC_USSN) {
		s->notify_done_in_msg = true;
		return;
	}
	if (ind->svc != MAP_SVC_USSR || s->fi->state != UGW_S_USER_WAIT)
		return;
	char text[USSD_APP_TEXT_MAX + 1] = "";
	const struct map_ussd *u = &ind->res->ussd;
	clock_gettime(CLOCK_MONOTONIC, &s->t_net_in);
	/* an answer in an alphabet we cannot read is still an answer: empty */
	if (ussdgw_decode_text(text, sizeof(text), u->dcs, u->string, u->string_len, NULL) < 0)
		text[0] = '\0';
	struct ugw_text t = { .utf8 = text, .dcs = u->dcs };
	if (s->push && !s->billed)
		ussdgw_session_bill(s);
	s->answered_in_msg = true;
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_TEXT, &t);
}

static void on_error(struct ussdgw_session *s, const struct map_ind *ind)
{
	struct ugw_end e;
	ussdgw_end_from_map_err(&e, &ind->err, map_service_name(ind->svc));
	if (s->push && ind->err.kind == MAP_EK_USER && !s->billed)
		s->push_open_error = true;
	if (ind->err.kind == MAP_EK_PROVIDER && ind->err.provider == MAP_PE_NO_RESPONSE) {
		/* the invoke timer: it comes alone, the dialogue may still be open */
		net_end(s, &e, ind->last);
		return;
	}
	s->pending_err = e;
	s->has_pending_err = true;
}

/* The end of a message that leaves the dialogue open: act on it */
static void on_delimiter(struct ussdgw_session *s, struct map_dialogue *md)
{
	if (s->push && s->push_accepted && !s->push_open_error && !s->billed)
		ussdgw_session_bill(s);
	if (s->has_pending_err) {
		s->has_pending_err = false;
		net_end(s, &s->pending_err, false);
		return;
	}
	if (s->notify_done_in_msg) {
		s->notify_done_in_msg = false;
		osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_NOTIFIED, NULL);
		return;
	}
	/* 29.002's large-message procedure: a Begin without the request, which
	 * follows in a Continue once we accepted */
	if (s->fi->state == UGW_S_NEW && !s->puss_pending)
		map_delimit(md);
}

static void on_close(struct ussdgw_session *s)
{
	struct ugw_end e;
	if (s->has_pending_err) {
		e = s->pending_err;
	} else if (s->notify_done_in_msg) {
		/* the notification was shown and the network ended the session */
		if (s->push && !s->billed)
			ussdgw_session_bill(s);
		ussdgw_end_set(&e, USSD_APP_EXIT_SUCCESS, USSDGW_ST_NONE, NULL);
	} else {
		ussdgw_end_set(&e, USSD_APP_EXIT_USER_ABORT, USSDGW_ST_NONE, "the network closed the dialogue");
	}
	net_end(s, &e, true);
}

static void ind_cb(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct ussdgw *gw = user_priv;
	struct ussdgw_session *s = map_dialogue_priv(md);
	struct ugw_end e;
	if (ind->type == MAP_IND_OPEN) {
		if (gw->stopping)
			map_refuse(md, MAP_REFUSE_NO_REASON, 0);
		else
			pull_open(gw, md, ind->open);
		return;
	}
	if (!s)
		return;		/* refused above; TCAP ends it */
	switch (ind->type) {
	case MAP_IND_INVOKE:
		if (ind->svc == MAP_SVC_PROCESS_USS && !s->push && s->fi->state == UGW_S_NEW && !s->puss_pending)
			pull_request(s, ind->invoke_id, &ind->arg->ussd);
		else if (ind->svc == MAP_SVC_PROCESS_USS_DATA && s->fi->state == UGW_S_NEW && !s->puss_pending)
			ussdgw_v1_request(s, ind->invoke_id, &ind->arg->ss_data);
		else
			LOGPFSML(s->fi, LOGL_NOTICE, "%s from the network ignored\n", map_service_name(ind->svc));
		break;
	case MAP_IND_ACCEPT:
		if (s->push) {
			s->push_accepted = true;
			fill_dialog(s, md);
		}
		break;
	case MAP_IND_RESULT:
		on_result(s, ind);
		break;
	case MAP_IND_ERROR:
		on_error(s, ind);
		break;
	case MAP_IND_DELIMITER:
		on_delimiter(s, md);
		break;
	case MAP_IND_CLOSE:
		on_close(s);
		break;
	case MAP_IND_REFUSE: case MAP_IND_U_ABORT: case MAP_IND_P_ABORT:
		ussdgw_end_from_map_err(&e, &ind->err, "the dialogue");
		net_end(s, &e, true);
		break;
	case MAP_IND_NOTICE:
		LOGPFSML(s->fi, LOGL_NOTICE, "a message of the dialogue was returned or rejected\n");
		break;
	default:
		break;
	}
}
