/* The network leg of USSD sessions over GSUP: sigwayd as External USSD
 * Entity of an OsmoHLR (src/gsup, doc/gsup-euse.md). The HLR routes a
 * subscriber's code to us with the IMSI only (no MSISDN); the same
 * applications serve those sessions. The GSUP transport's session guard
 * timer is the subscriber's time to answer a menu on this path. OsmoHLR 1.5
 * offers no network-initiated USSD to an EUSE: push goes over MAP only. */

#include <errno.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/protocol/gsm_04_80.h>
#include <sigway/common/logging.h>
#include <sigway/gsup/euse.h>
#include "ussdgw_int.h"

/* ------------------------------------------------------------ from the HLR */

static int session_begin(void *priv, const char *imsi, uint32_t id, const struct ussd_component *c,
			 void **sess_priv)
{
	struct ussdgw *gw = priv;
	if (gw->stopping)
		return -EBUSY;
	struct ussdgw_session *s = ussdgw_session_alloc(gw, false, UGW_NET_GSUP);
	if (!s)
		return -ENOMEM;
	ussdgw_ctr_inc(gw, UGW_CTR_PULL_GSUP);
	clock_gettime(CLOCK_MONOTONIC, &s->t_net_in);
	/* the transport forgets this session if we end it before returning */
	*sess_priv = s;
	s->net_open = true;
	OSMO_STRLCPY_ARRAY(s->gsup_imsi, imsi);
	OSMO_STRLCPY_ARRAY(s->imsi, imsi);
	s->gsup_id = id;
	s->puss_pending = true;
	OSMO_STRLCPY_ARRAY(s->calling_gt, "gsup");
	if (ussdgw_decode_text(s->dialled, sizeof(s->dialled), c->dcs, c->string, c->string_len, s->language) < 0) {
		ussdgw_ctr_inc(gw, UGW_CTR_REFUSED_CODING);
		ussdgw_session_refuse(s, USSDGW_ST_BAD_REQUEST, NULL, GSM0480_ERR_CODE_UNKNOWN_ALPHABET,
				      "the USSD string cannot be decoded");
		return 0;
	}
	s->dialled_dcs = c->dcs;
	ussdgw_session_pull(s);
	return 0;
}

static void session_continue(void *priv, void *sess_priv, const char *imsi, uint32_t id,
			     const struct ussd_component *c)
{
	struct ussdgw_session *s = sess_priv;
	struct ugw_end e;
	char text[USSD_APP_TEXT_MAX + 1] = "";
	if (!s)
		return;
	switch (c->type) {
	case USSD_COMP_RETURN_RESULT:
		if (s->fi->state == UGW_S_NOTIFY_WAIT) {
			osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_NOTIFIED, NULL);
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &s->t_net_in);
		if (!c->has_ussd || ussdgw_decode_text(text, sizeof(text), c->dcs, c->string, c->string_len, NULL) < 0)
			text[0] = '\0';
		struct ugw_text t = { .utf8 = text, .dcs = c->dcs };
		osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_TEXT, &t);
		return;
	case USSD_COMP_RETURN_ERROR:
		ussdgw_end_set(&e, USSD_APP_EXIT_MAP_ERROR, USSDGW_ST_NONE, "the handset answered error %u",
			       c->error_code);
		e.map_error = c->error_code;
		break;
	default:
		ussdgw_end_set(&e, USSD_APP_EXIT_PROVIDER_ABORT, USSDGW_ST_NONE, "the network rejected our message");
		e.p_abort = USSD_APP_PA_INVALID_PDU;
		break;
	}
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_END, &e);
}

static void session_end(void *priv, void *sess_priv, const char *imsi, uint32_t id,
			const struct ussd_component *c)
{
	struct ussdgw_session *s = sess_priv;
	struct ugw_end e;
	if (!s)
		return;
	s->net_open = false;
	if (c && c->type == USSD_COMP_RETURN_RESULT && s->fi->state == UGW_S_NOTIFY_WAIT)
		ussdgw_end_set(&e, USSD_APP_EXIT_SUCCESS, USSDGW_ST_NONE, NULL);
	else
		ussdgw_end_set(&e, USSD_APP_EXIT_USER_ABORT, USSDGW_ST_NONE, "the subscriber ended the session");
	e.net_gone = true;
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_END, &e);
}

static void session_abort(void *priv, void *sess_priv, const char *imsi, uint32_t id, enum euse_abort_cause cause)
{
	struct ussdgw_session *s = sess_priv;
	struct ugw_end e;
	if (!s)
		return;
	s->net_open = false;
	bool subscribers_turn = s->fi->state == UGW_S_USER_WAIT || s->fi->state == UGW_S_NOTIFY_WAIT;
	switch (cause) {
	case EUSE_ABORT_TIMEOUT:
		if (subscribers_turn)
			ussdgw_end_set(&e, USSD_APP_EXIT_USER_TIMEOUT, USSDGW_ST_NONE,
				       "the subscriber did not answer (GSUP session guard timer)");
		else
			ussdgw_end_set(&e, USSD_APP_EXIT_PROVIDER_ABORT, USSDGW_ST_NONE,
				       "the GSUP session guard timer expired");
		break;
	case EUSE_ABORT_SHUTDOWN:
		ussdgw_end_set(&e, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, "the gateway is shutting down");
		break;
	default:
		ussdgw_end_set(&e, USSD_APP_EXIT_PROVIDER_ABORT, USSDGW_ST_NONE, "GSUP: %s",
			       get_value_string(euse_abort_cause_names, cause));
		e.p_abort = USSD_APP_PA_PROVIDER_MALFUNCTION;
		break;
	}
	e.net_gone = true;
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_NET_END, &e);
}

static void link_changed(void *priv, bool up)
{
	LOGP(DUSSD, LOGL_NOTICE, "USSD over GSUP: the HLR link is %s\n", up ? "up" : "down");
}

static const struct euse_ops ugw_euse_ops = {
	.session_begin = session_begin,
	.session_continue = session_continue,
	.session_end = session_end,
	.session_abort = session_abort,
	.link_changed = link_changed,
};

int ussdgw_start_gsup(struct ussdgw *gw, const struct euse_cfg *cfg)
{
	gw->euse = euse_start(gw, cfg, &ugw_euse_ops, gw);
	if (!gw->euse) {
		LOGP(DUSSD, LOGL_ERROR, "cannot start the GSUP transport\n");
		return -1;
	}
	euse_vty_set_instance(gw->euse);
	return 0;
}

void ussdgw_gsup_stop(struct ussdgw *gw)
{
	if (!gw->euse)
		return;
	euse_vty_set_instance(NULL);
	euse_stop(gw->euse);
	gw->euse = NULL;
}

/* ------------------------------------------------------------ to the HLR */

static int set_text(struct ussd_component *c, const struct ussd_app_text *t)
{
	int n = ussd_app_text_encode(c->string, sizeof(c->string), t);
	if (n <= 0)
		return -EINVAL;
	c->has_ussd = true;
	c->dcs = t->dcs;
	c->string_len = (uint8_t)n;
	return 0;
}

int ussdgw_gsup_send_menu(struct ussdgw_session *s, const struct ussd_app_text *t, bool notify)
{
	struct ussd_component c = { .type = USSD_COMP_INVOKE, .has_opcode = true,
				    .opcode = notify ? USSD_OP_USS_NOTIFY : USSD_OP_USS_REQ };
	if (!s->gw->euse || !s->net_open || set_text(&c, t) < 0)
		return -EINVAL;
	int rc = euse_send(s->gw->euse, s->gsup_imsi, s->gsup_id, EUSE_CONTINUE, &c);
	s->invoke_id = 0;
	return rc;
}

int ussdgw_gsup_end(struct ussdgw_session *s, enum ugw_net_end how, const struct ussd_app_text *t,
		    uint8_t map_error)
{
	struct ussd_component c = { .type = USSD_COMP_RETURN_RESULT };
	if (!s->gw->euse)
		return -ENOTCONN;
	s->puss_pending = false;
	switch (how) {
	case UGW_NET_TEXT:
		c.has_opcode = true;
		c.opcode = USSD_OP_PROCESS_USS_REQ;
		if (!t || set_text(&c, t) < 0)
			return euse_send_error(s->gw->euse, s->gsup_imsi, s->gsup_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
		return euse_send(s->gw->euse, s->gsup_imsi, s->gsup_id, EUSE_END, &c);
	case UGW_NET_ERROR:
		return euse_send_error(s->gw->euse, s->gsup_imsi, s->gsup_id,
				       map_error ? map_error : GSM0480_ERR_CODE_SYSTEM_FAILURE);
	case UGW_NET_CLOSE:
	case UGW_NET_PREARRANGED:
		/* an end without a text: a ReturnResult without result */
		return euse_send(s->gw->euse, s->gsup_imsi, s->gsup_id, EUSE_END, &c);
	default:
		return euse_send_error(s->gw->euse, s->gsup_imsi, s->gsup_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	}
}
