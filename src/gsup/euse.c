/* External USSD Entity sessions over GSUP (see sigway/gsup/euse.h).
 *
 * OsmoHLR 1.5 behaviour this follows (its hlr_ussd.c):
 * - A subscriber's USSD arrives as the MSC sent it: PROC_SS_REQUEST with the
 *   MSC's session id, BEGIN, and SS_INFO = the processUnstructuredSS-Request
 *   Invoke. What we send back is relayed to the MSC as a response to that
 *   request: it must carry the MSC's message class; an END also ends the
 *   HLR's session.
 * - A component with a USSD operation (our USSR / USSN Invoke, the final
 *   ReturnResult) passes unchanged. A ReturnError or Reject has no
 *   operation code: OsmoHLR takes it for structured SS and answers the MSC
 *   ReturnError facilityNotSupported instead. The session still ends with
 *   an error at the subscriber; the core's own error texts go as a final
 *   ReturnResult.
 * - PROC_SS_ERROR from an EUSE is only logged by the HLR: an error the
 *   subscriber must see goes as a component in an END.
 * - An END without SS_INFO ends the HLR's session without telling anyone,
 *   so a subscriber's silent release never reaches us: each session has a
 *   guard timer like the HLR's (ncss-guard-timeout, 30 s).
 * - The HLR begins a session only when it has none with that IMSI and id,
 *   so a BEGIN for a session we still hold means ours is stale.
 * One osmo_fsm instance per session: whose turn it is, and the guard timer. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/protocol/gsm_04_08_gprs.h>
#include <osmocom/gsm/protocol/gsm_04_80.h>
#include <sigway/common/logging.h>
#include "gsup_internal.h"

#define LOGSESS(s, level, fmt, args...) \
	LOGP(DGSUP, level, "%s/0x%08x: " fmt, (s)->imsi, (s)->id, ## args)

static const struct rate_ctr_desc euse_ctr_desc[] = {
	[EUSE_CTR_LINK_UP] = { "link:up", "HLR accepted us" },
	[EUSE_CTR_LINK_DOWN] = { "link:down", "connection to the HLR lost" },
	[EUSE_CTR_CONNECT_FAIL] = { "link:connect_fail", "connection attempts that failed" },
	[EUSE_CTR_REJECTED] = { "link:rejected", "HLR closed before accepting our identity" },
	[EUSE_CTR_RX_FRAME_TOO_LONG] = { "rx:frame_too_long", "IPA frames over the limit (link dropped)" },
	[EUSE_CTR_RX_IPA_UNKNOWN] = { "rx:ipa_unknown", "IPA messages neither CCM nor GSUP" },
	[EUSE_CTR_RX_MSG] = { "rx:msg", "GSUP messages received" },
	[EUSE_CTR_RX_MALFORMED] = { "rx:malformed", "GSUP messages that did not decode" },
	[EUSE_CTR_RX_UNEXPECTED] = { "rx:unexpected", "GSUP messages an EUSE does not take" },
	[EUSE_CTR_RX_BAD_SS_INFO] = { "rx:bad_ss_info", "SS_INFO that is not one USSD component" },
	[EUSE_CTR_RX_UNKNOWN_SESSION] = { "rx:unknown_session", "messages for a session we do not have" },
	[EUSE_CTR_RX_HLR_ERROR] = { "rx:hlr_error", "PROC_SS_ERROR from the HLR" },
	[EUSE_CTR_TX_MSG] = { "tx:msg", "GSUP messages sent" },
	[EUSE_CTR_TX_FAILED] = { "tx:failed", "GSUP messages that could not be sent" },
	[EUSE_CTR_SESS_BEGIN] = { "session:begin", "sessions handed to the USSD core" },
	[EUSE_CTR_SESS_REFUSED_LIMIT] = { "session:refused_limit", "sessions refused: max-sessions" },
	[EUSE_CTR_SESS_REFUSED_CORE] = { "session:refused_core", "sessions the USSD core refused" },
	[EUSE_CTR_SESS_END_APP] = { "session:end_app", "sessions ended by us" },
	[EUSE_CTR_SESS_END_NET] = { "session:end_net", "sessions ended by the network" },
	[EUSE_CTR_SESS_ABORT] = { "session:abort", "sessions aborted (any reason)" },
	[EUSE_CTR_SESS_TIMEOUT] = { "session:timeout", "sessions dropped by the guard timer" },
};
static const struct rate_ctr_group_desc euse_ctrg_desc = {
	"euse", "External USSD Entity (GSUP)", OSMO_STATS_CLASS_GLOBAL,
	ARRAY_SIZE(euse_ctr_desc), euse_ctr_desc,
};

const struct value_string euse_abort_cause_names[] = {
	{ EUSE_ABORT_LINK_DOWN, "link down" },
	{ EUSE_ABORT_TIMEOUT, "guard timeout" },
	{ EUSE_ABORT_HLR_ERROR, "HLR error" },
	{ EUSE_ABORT_PROTOCOL, "protocol error" },
	{ EUSE_ABORT_REPLACED, "replaced by a new session" },
	{ EUSE_ABORT_SHUTDOWN, "shutdown" },
	{ 0, NULL }
};

void euse_cfg_defaults(struct euse_cfg *cfg)
{
	*cfg = (struct euse_cfg) {
		.remote_ip = "127.0.0.1",
		.remote_port = 4222,
		.name = "sigway",
		.max_sessions = 1000,
		.guard_timeout_s = 30,
		.reconnect_min_s = 1,
		.reconnect_max_s = 30,
		.ping_interval_s = 20,
		.pong_timeout_s = 10,
	};
}

static void ctr_inc(struct euse *e, enum euse_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(e->ctrg, c));
}

/* ------------------------------------------------------------ sessions */

/* Where a message goes: the session, and the GSUP message class the MSC
 * used, which OsmoHLR wants back ("Invalid response" otherwise). */
struct ss_dest {
	char imsi[OSMO_IMSI_BUF_SIZE];
	uint32_t id;
	enum osmo_gsup_message_class cls;
};

struct euse_session {
	struct llist_head list;
	struct euse *euse;
	struct osmo_fsm_inst *fi;
	struct ss_dest dest;
	const char *imsi;		/* dest.imsi */
	uint32_t id;			/* dest.id */
	uint8_t request_invoke_id;	/* the subscriber's processUnstructuredSS-Request */
	uint8_t next_invoke_id;
	void *app;			/* the core's, from session_begin */
	bool core_knows;		/* session_begin accepted: the core hears how it ends */
	enum euse_abort_cause abort_cause;
	bool abort;			/* terminating: tell the core abort_cause */
};

enum sess_state {
	SESS_ST_WAIT_APP,	/* the subscriber spoke; the core answers */
	SESS_ST_WAIT_MS,	/* we asked; the subscriber answers */
};

enum sess_event {
	SESS_EV_APP_CONTINUE,
	SESS_EV_MS_CONTINUE,
};

static const struct value_string sess_event_names[] = {
	{ SESS_EV_APP_CONTINUE, "APP_CONTINUE" },
	{ SESS_EV_MS_CONTINUE, "MS_CONTINUE" },
	{ 0, NULL }
};

static void sess_state_chg(struct euse_session *s, enum sess_state st)
{
	osmo_fsm_inst_state_chg(s->fi, st, s->euse->cfg.guard_timeout_s, 1);
}

static void st_wait_app(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	sess_state_chg(fi->priv, SESS_ST_WAIT_MS);
}

static void st_wait_ms(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	sess_state_chg(fi->priv, SESS_ST_WAIT_APP);
}

static int send_component(struct euse *e, const struct ss_dest *d, enum osmo_gsup_session_state st,
			  const struct ussd_component *c);
static void send_ss_error(struct euse *e, const struct ss_dest *d, uint8_t invoke_id, uint8_t code);

static int sess_timer_cb(struct osmo_fsm_inst *fi)
{
	struct euse_session *s = fi->priv;
	struct euse *e = s->euse;
	LOGSESS(s, LOGL_NOTICE, "no %s within %u s, dropping the session\n",
		fi->state == SESS_ST_WAIT_APP ? "answer from the USSD core" : "answer from the subscriber",
		e->cfg.guard_timeout_s);
	/* the subscriber still waits for us: tell it (the HLR may have given up already) */
	if (fi->state == SESS_ST_WAIT_APP)
		send_ss_error(e, &s->dest, s->request_invoke_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	ctr_inc(e, EUSE_CTR_SESS_TIMEOUT);
	s->abort = true;
	s->abort_cause = EUSE_ABORT_TIMEOUT;
	return 1;
}

/* Out of the list before the core hears of it: whatever the core does in
 * its callback, it cannot reach this session any more. */
static void sess_cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct euse_session *s = fi->priv;
	struct euse *e = s->euse;
	llist_del(&s->list);
	e->n_sessions--;
	if (s->abort)
		ctr_inc(e, EUSE_CTR_SESS_ABORT);
	if (s->abort && s->core_knows && e->ops->session_abort)
		e->ops->session_abort(e->priv, s->app, s->imsi, s->id, s->abort_cause);
}

#define S(x) (1 << (x))
static const struct osmo_fsm_state sess_states[] = {
	[SESS_ST_WAIT_APP] = {
		.name = "WAIT_APP",
		.in_event_mask = S(SESS_EV_APP_CONTINUE),
		.out_state_mask = S(SESS_ST_WAIT_APP) | S(SESS_ST_WAIT_MS),
		.action = st_wait_app,
	},
	[SESS_ST_WAIT_MS] = {
		.name = "WAIT_MS",
		.in_event_mask = S(SESS_EV_MS_CONTINUE),
		.out_state_mask = S(SESS_ST_WAIT_APP),
		.action = st_wait_ms,
	},
};

static struct osmo_fsm euse_session_fsm = {
	.name = "EUSE_SESSION",
	.states = sess_states,
	.num_states = ARRAY_SIZE(sess_states),
	.event_names = sess_event_names,
	.timer_cb = sess_timer_cb,
	.cleanup = sess_cleanup,
	.log_subsys = DGSUP,
};

static __attribute__((constructor)) void euse_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&euse_session_fsm) == 0);
}

static struct euse_session *sess_find(struct euse *e, const char *imsi, uint32_t id)
{
	struct euse_session *s;
	llist_for_each_entry(s, &e->sessions, list)
		if (s->id == id && !strcmp(s->imsi, imsi))
			return s;
	return NULL;
}

static struct euse_session *sess_alloc(struct euse *e, const struct ss_dest *d, uint8_t invoke_id)
{
	struct osmo_fsm_inst *fi = osmo_fsm_inst_alloc(&euse_session_fsm, e, NULL, LOGL_DEBUG, NULL);
	if (!fi)
		return NULL;
	osmo_fsm_inst_update_id_f_sanitize(fi, '-', "%s-%08x", d->imsi, d->id);
	struct euse_session *s = talloc_zero(fi, struct euse_session);
	fi->priv = s;
	s->fi = fi;
	s->euse = e;
	s->dest = *d;
	s->imsi = s->dest.imsi;
	s->id = d->id;
	s->request_invoke_id = invoke_id;
	s->next_invoke_id = invoke_id + 1;
	llist_add_tail(&s->list, &e->sessions);
	e->n_sessions++;
	osmo_fsm_inst_state_chg(fi, SESS_ST_WAIT_APP, e->cfg.guard_timeout_s, 1);
	return s;
}

static void sess_abort(struct euse_session *s, enum euse_abort_cause cause)
{
	s->abort = true;
	s->abort_cause = cause;
	osmo_fsm_inst_term(s->fi, OSMO_FSM_TERM_ERROR, NULL);
}

/* ended by us or by the network: no abort for the core */
static void sess_done(struct euse_session *s)
{
	osmo_fsm_inst_term(s->fi, OSMO_FSM_TERM_REGULAR, NULL);
}

/* ------------------------------------------------------------ sending */

static int send_gsup(struct euse *e, const struct osmo_gsup_message *gsup)
{
	struct msgb *msg = msgb_alloc(IPA_MAX_PAYLOAD, "GSUP tx");
	if (!msg)
		return -ENOMEM;
	int rc = osmo_gsup_encode(msg, gsup);
	if (rc == 0)
		rc = e->tx(e->tx_priv, msgb_data(msg), msgb_length(msg));
	msgb_free(msg);
	if (rc < 0) {
		ctr_inc(e, EUSE_CTR_TX_FAILED);
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: cannot send %s: %s\n", gsup->imsi, gsup->session_id,
		     osmo_gsup_message_type_name(gsup->message_type), strerror(-rc));
		return rc;
	}
	ctr_inc(e, EUSE_CTR_TX_MSG);
	return 0;
}

/* PROC_SS_RESULT, also for an Invoke (our USSR), as OsmoHLR's own USSD
 * handlers and osmo-euse-demo send: the HLR relays it to the MSC as a
 * response to the MSC's PROC_SS_REQUEST. */
static int send_component(struct euse *e, const struct ss_dest *d, enum osmo_gsup_session_state st,
			  const struct ussd_component *c)
{
	uint8_t ss_info[EUSE_SS_INFO_MAX];
	int len = ussd_component_encode(ss_info, sizeof(ss_info), c);
	/* OsmoHLR 1.5 (libosmocore's 04.80 parser) reads no long-form BER
	 * length and drops the link of an EUSE whose component it cannot
	 * parse: a component is 2 + 127 octets at most (112 of USSD string) */
	if (len == -ENOSPC || len > EUSE_COMPONENT_MAX)
		return -EMSGSIZE;
	if (len < 0)
		return -EINVAL;
	struct osmo_gsup_message gsup = {
		.message_type = OSMO_GSUP_MSGT_PROC_SS_RESULT,
		.session_state = st,
		.session_id = d->id,
		.ss_info = ss_info,
		.ss_info_len = (size_t)len,
		.message_class = d->cls,
	};
	OSMO_STRLCPY_ARRAY(gsup.imsi, d->imsi);
	return send_gsup(e, &gsup);
}

/* END with a ReturnError: the protocol-correct "no" that reaches the subscriber */
static void send_ss_error(struct euse *e, const struct ss_dest *d, uint8_t invoke_id, uint8_t code)
{
	struct ussd_component c = {
		.type = USSD_COMP_RETURN_ERROR,
		.has_invoke_id = true,
		.invoke_id = invoke_id,
		.error_code = code,
	};
	send_component(e, d, OSMO_GSUP_SESSION_STATE_END, &c);
}

/* END with a Reject: the component itself was wrong (04.80 3.6.7) */
static void send_reject(struct euse *e, const struct ss_dest *d, const struct ussd_component *bad,
			uint8_t problem_tag, uint8_t problem_code)
{
	struct ussd_component c = {
		.type = USSD_COMP_REJECT,
		.has_invoke_id = bad && bad->has_invoke_id,
		.invoke_id = bad ? bad->invoke_id : 0,
		.problem_tag = problem_tag,
		.problem_code = problem_code,
	};
	send_component(e, d, OSMO_GSUP_SESSION_STATE_END, &c);
}

/* A GSUP-level error, the way the HLR answers what it cannot place */
static void send_proc_ss_error(struct euse *e, const struct osmo_gsup_message *in, enum gsm48_gmm_cause cause)
{
	struct osmo_gsup_message gsup = {
		.message_type = OSMO_GSUP_TO_MSGT_ERROR(in->message_type),
		.cause = cause,
		.session_state = OSMO_GSUP_SESSION_STATE_END,
		.session_id = in->session_id,
		.message_class = in->message_class,
	};
	OSMO_STRLCPY_ARRAY(gsup.imsi, in->imsi);
	if (!gsup.imsi[0])
		return;		/* the HLR could not place it either */
	send_gsup(e, &gsup);
}

static uint8_t next_invoke_id(struct euse_session *s)
{
	uint8_t id = s->next_invoke_id++;
	if (id == s->request_invoke_id)
		id = s->next_invoke_id++;
	return id;
}

int euse_send(struct euse *e, const char *imsi, uint32_t session_id, enum euse_state state,
	      const struct ussd_component *c)
{
	struct euse_session *s = sess_find(e, imsi, session_id);
	if (!s)
		return -ENOENT;
	if (!c)
		return -EINVAL;
	struct ussd_component out = *c;
	switch (c->type) {
	case USSD_COMP_INVOKE:
		if (state != EUSE_CONTINUE || !c->has_opcode ||
		    (c->opcode != USSD_OP_USS_REQ && c->opcode != USSD_OP_USS_NOTIFY))
			return -EINVAL;
		if (s->fi->state != SESS_ST_WAIT_APP)
			return -EBUSY;
		out.has_invoke_id = true;
		out.invoke_id = next_invoke_id(s);
		break;
	case USSD_COMP_RETURN_RESULT:
	case USSD_COMP_RETURN_ERROR:
		if (state != EUSE_END)
			return -EINVAL;
		out.has_invoke_id = true;
		out.invoke_id = s->request_invoke_id;
		break;
	case USSD_COMP_REJECT:
		if (state != EUSE_END)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	int rc = send_component(e, &s->dest, state == EUSE_END ? OSMO_GSUP_SESSION_STATE_END
							       : OSMO_GSUP_SESSION_STATE_CONTINUE, &out);
	if (rc == -EINVAL || rc == -EMSGSIZE)
		return rc;	/* nothing went out: the session stays as it was */
	if (state == EUSE_END) {
		ctr_inc(e, EUSE_CTR_SESS_END_APP);
		sess_done(s);	/* the core asked for the end: sent or not, it is over */
		return rc;
	}
	if (rc == 0)
		osmo_fsm_inst_dispatch(s->fi, SESS_EV_APP_CONTINUE, NULL);
	return rc;
}

int euse_send_error(struct euse *e, const char *imsi, uint32_t session_id, uint8_t error_code)
{
	struct ussd_component c = { .type = USSD_COMP_RETURN_ERROR, .error_code = error_code };
	return euse_send(e, imsi, session_id, EUSE_END, &c);
}

/* ------------------------------------------------------------ receiving */

static void dest_of(struct ss_dest *d, const struct osmo_gsup_message *gsup)
{
	OSMO_STRLCPY_ARRAY(d->imsi, gsup->imsi);
	d->id = gsup->session_id;
	d->cls = gsup->message_class;
}

static void rx_begin(struct euse *e, const struct ss_dest *d, const struct ussd_component *c)
{
	struct euse_session *old = sess_find(e, d->imsi, d->id);
	if (old) {
		LOGSESS(old, LOGL_NOTICE, "the HLR begins this session anew: dropping ours\n");
		sess_abort(old, EUSE_ABORT_REPLACED);
	}
	if (c->type != USSD_COMP_INVOKE) {
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: BEGIN without an Invoke\n", d->imsi, d->id);
		send_reject(e, d, c, GSM_0480_PROBLEM_CODE_TAG_GENERAL, GSM_0480_GEN_PROB_CODE_UNRECOGNISED);
		return;
	}
	if (c->opcode != USSD_OP_PROCESS_USS_REQ || !c->has_ussd) {
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: BEGIN with operation %u, not a USSD request\n",
		     d->imsi, d->id, c->opcode);
		send_reject(e, d, c, GSM_0480_PROBLEM_CODE_TAG_INVOKE,
			    GSM_0480_INVOKE_PROB_CODE_UNRECOGNISED_OPERATION);
		return;
	}
	if (e->n_sessions >= e->cfg.max_sessions) {
		ctr_inc(e, EUSE_CTR_SESS_REFUSED_LIMIT);
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: %u sessions already, refusing\n", d->imsi, d->id,
		     e->n_sessions);
		send_ss_error(e, d, c->invoke_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
		return;
	}
	struct euse_session *s = sess_alloc(e, d, c->invoke_id);
	if (!s) {
		send_ss_error(e, d, c->invoke_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
		return;
	}
	LOGSESS(s, LOGL_INFO, "begins\n");
	ctr_inc(e, EUSE_CTR_SESS_BEGIN);
	void *app = NULL;
	int rc = e->ops->session_begin(e->priv, d->imsi, d->id, c, &app);
	/* the core may have ended the session already (euse_send END) */
	s = sess_find(e, d->imsi, d->id);
	if (!s)
		return;
	if (rc < 0) {
		ctr_inc(e, EUSE_CTR_SESS_REFUSED_CORE);
		LOGSESS(s, LOGL_NOTICE, "the USSD core refused the session (%d)\n", rc);
		send_ss_error(e, &s->dest, s->request_invoke_id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
		sess_done(s);
		return;
	}
	s->app = app;
	s->core_knows = true;
}

static void rx_continue(struct euse *e, struct euse_session *s, const struct ussd_component *c)
{
	if (s->fi->state != SESS_ST_WAIT_MS) {
		/* the subscriber speaks out of turn: the session is broken */
		LOGSESS(s, LOGL_NOTICE, "CONTINUE from the network while it is our turn\n");
		send_reject(e, &s->dest, c, GSM_0480_PROBLEM_CODE_TAG_GENERAL,
			    GSM_0480_GEN_PROB_CODE_UNRECOGNISED);
		sess_abort(s, EUSE_ABORT_PROTOCOL);
		return;
	}
	/* a copy: the core may end the session (and free s) while it answers */
	struct ss_dest d = s->dest;
	osmo_fsm_inst_dispatch(s->fi, SESS_EV_MS_CONTINUE, NULL);
	if (e->ops->session_continue)
		e->ops->session_continue(e->priv, s->app, d.imsi, d.id, c);
}

static void rx_end(struct euse *e, struct euse_session *s, const struct ussd_component *c)
{
	char imsi[OSMO_IMSI_BUF_SIZE];
	uint32_t id = s->id;
	void *app = s->app;
	bool tell = s->core_knows;
	OSMO_STRLCPY_ARRAY(imsi, s->imsi);
	LOGSESS(s, LOGL_INFO, "ended by the network\n");
	ctr_inc(e, EUSE_CTR_SESS_END_NET);
	sess_done(s);
	if (tell && e->ops->session_end)
		e->ops->session_end(e->priv, app, imsi, id, c);
}

static void rx_hlr_error(struct euse *e, const struct osmo_gsup_message *gsup)
{
	ctr_inc(e, EUSE_CTR_RX_HLR_ERROR);
	LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: the HLR refused our message: %s\n", gsup->imsi, gsup->session_id,
	     get_value_string(gsm48_gmm_cause_names, gsup->cause));
	struct euse_session *s = sess_find(e, gsup->imsi, gsup->session_id);
	if (s)
		sess_abort(s, EUSE_ABORT_HLR_ERROR);
}

static void rx_ss(struct euse *e, const struct osmo_gsup_message *gsup)
{
	struct ussd_component c = { 0 };
	struct ss_dest d;
	bool has_c = gsup->ss_info && gsup->ss_info_len;
	struct euse_session *s = sess_find(e, gsup->imsi, gsup->session_id);

	dest_of(&d, gsup);

	if (!has_c && gsup->session_state != OSMO_GSUP_SESSION_STATE_END) {
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: %s without SS_INFO\n", gsup->imsi, gsup->session_id,
		     osmo_gsup_session_state_name(gsup->session_state));
		send_proc_ss_error(e, gsup, GMM_CAUSE_INV_MAND_INFO);
		if (s)
			sess_abort(s, EUSE_ABORT_PROTOCOL);
		return;
	}
	if (has_c) {
		int rc = ussd_component_decode(&c, gsup->ss_info, gsup->ss_info_len);
		if (rc < 0) {
			ctr_inc(e, EUSE_CTR_RX_BAD_SS_INFO);
			LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: SS_INFO: %s\n", gsup->imsi, gsup->session_id,
			     ussd_err_str(-rc));
			if (gsup->session_state != OSMO_GSUP_SESSION_STATE_END)
				send_reject(e, &d, NULL, GSM_0480_PROBLEM_CODE_TAG_GENERAL,
					    GSM_0480_GEN_PROB_CODE_BAD_STRUCTURE);
			if (s)
				sess_abort(s, EUSE_ABORT_PROTOCOL);
			return;
		}
	}
	if (gsup->session_state == OSMO_GSUP_SESSION_STATE_BEGIN) {
		rx_begin(e, &d, &c);
		return;
	}
	if (!s) {
		ctr_inc(e, EUSE_CTR_RX_UNKNOWN_SESSION);
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: %s for a session we do not have\n", gsup->imsi,
		     gsup->session_id, osmo_gsup_session_state_name(gsup->session_state));
		/* as the HLR answers a CONTINUE it cannot place; an END needs no answer */
		if (gsup->session_state == OSMO_GSUP_SESSION_STATE_CONTINUE)
			send_proc_ss_error(e, gsup, GMM_CAUSE_INV_MAND_INFO);
		return;
	}
	if (gsup->session_state == OSMO_GSUP_SESSION_STATE_CONTINUE)
		rx_continue(e, s, &c);
	else
		rx_end(e, s, has_c ? &c : NULL);
}

static bool imsi_valid(const char *imsi)
{
	size_t n = strlen(imsi);
	return n >= 5 && n <= GSM23003_IMSI_MAX_DIGITS && strspn(imsi, "0123456789") == n;
}

void euse_rx_gsup(struct euse *e, const uint8_t *data, size_t len)
{
	struct osmo_gsup_message gsup;

	ctr_inc(e, EUSE_CTR_RX_MSG);
	if (len > IPA_MAX_PAYLOAD || osmo_gsup_decode(data, len, &gsup) < 0) {
		ctr_inc(e, EUSE_CTR_RX_MALFORMED);
		LOGP(DGSUP, LOGL_NOTICE, "GSUP message that does not decode: %s\n",
		     osmo_hexdump_nospc(data, OSMO_MIN(len, 64)));
		return;
	}
	switch (gsup.message_type) {
	case OSMO_GSUP_MSGT_PROC_SS_REQUEST:
	case OSMO_GSUP_MSGT_PROC_SS_RESULT:
		break;
	case OSMO_GSUP_MSGT_PROC_SS_ERROR:
		rx_hlr_error(e, &gsup);
		return;
	default:
		ctr_inc(e, EUSE_CTR_RX_UNEXPECTED);
		LOGP(DGSUP, LOGL_NOTICE, "%s: %s is not for an EUSE\n", gsup.imsi,
		     osmo_gsup_message_type_name(gsup.message_type));
		if (OSMO_GSUP_IS_MSGT_REQUEST(gsup.message_type) && gsup.imsi[0]) {
			struct osmo_gsup_message err = {
				.message_type = OSMO_GSUP_TO_MSGT_ERROR(gsup.message_type),
				.cause = GMM_CAUSE_MSGT_NOTEXIST_NOTIMPL,
			};
			OSMO_STRLCPY_ARRAY(err.imsi, gsup.imsi);
			send_gsup(e, &err);
		}
		return;
	}
	if (!imsi_valid(gsup.imsi) || gsup.session_state == OSMO_GSUP_SESSION_STATE_NONE ||
	    gsup.session_state > OSMO_GSUP_SESSION_STATE_END) {
		ctr_inc(e, EUSE_CTR_RX_MALFORMED);
		LOGP(DGSUP, LOGL_NOTICE, "%s/0x%08x: %s without a valid IMSI or session state\n", gsup.imsi,
		     gsup.session_id, osmo_gsup_message_type_name(gsup.message_type));
		send_proc_ss_error(e, &gsup, GMM_CAUSE_INV_MAND_INFO);
		return;
	}
	rx_ss(e, &gsup);
}

/* ------------------------------------------------------------ life */

static void abort_all(struct euse *e, enum euse_abort_cause cause)
{
	while (!llist_empty(&e->sessions))
		sess_abort(llist_first_entry(&e->sessions, struct euse_session, list), cause);
}

void euse_link_down(struct euse *e)
{
	e->up = false;
	if (!llist_empty(&e->sessions))
		LOGP(DGSUP, LOGL_NOTICE, "link down: aborting %u sessions\n", e->n_sessions);
	abort_all(e, EUSE_ABORT_LINK_DOWN);
	if (e->ops->link_changed)
		e->ops->link_changed(e->priv, false);
}

static void link_up_cb(void *priv)
{
	struct euse *e = priv;
	e->up = true;
	if (e->ops->link_changed)
		e->ops->link_changed(e->priv, true);
}

static void link_down_cb(void *priv)
{
	euse_link_down(priv);
}

static void link_rx_cb(void *priv, const uint8_t *data, size_t len)
{
	euse_rx_gsup(priv, data, len);
}

static const struct ipa_client_ops euse_link_ops = {
	.up = link_up_cb,
	.down = link_down_cb,
	.rx_gsup = link_rx_cb,
};

static int link_tx(void *tx_priv, const uint8_t *data, size_t len)
{
	return ipa_client_send_gsup(tx_priv, data, len);
}

/* Freed without euse_stop() (a parent context going): the sessions end
 * without callbacks, the counters leave the global list. */
static int euse_destructor(struct euse *e)
{
	static const struct euse_ops silent = { 0 };
	e->ops = &silent;
	abort_all(e, EUSE_ABORT_SHUTDOWN);
	rate_ctr_group_free(e->ctrg);
	return 0;
}

static struct euse *euse_alloc(void *ctx, const struct euse_cfg *cfg, const struct euse_ops *ops, void *priv)
{
	OSMO_ASSERT(ops && ops->session_begin);
	struct euse *e = talloc_zero(ctx, struct euse);
	if (!e)
		return NULL;
	e->cfg = *cfg;
	if (!e->cfg.guard_timeout_s)
		e->cfg.guard_timeout_s = 30;
	e->ops = ops;
	e->priv = priv;
	INIT_LLIST_HEAD(&e->sessions);
	e->ctrg = rate_ctr_group_alloc(e, &euse_ctrg_desc, 0);
	if (!e->ctrg) {
		talloc_free(e);
		return NULL;
	}
	talloc_set_destructor(e, euse_destructor);
	return e;
}

struct euse *euse_alloc_with_tx(void *ctx, const struct euse_cfg *cfg, const struct euse_ops *ops,
				void *priv, euse_tx_fn tx, void *tx_priv)
{
	struct euse *e = euse_alloc(ctx, cfg, ops, priv);
	if (!e)
		return NULL;
	e->tx = tx;
	e->tx_priv = tx_priv;
	e->up = true;
	return e;
}

/* "sigway" and "sigway-00-00-00-00-00-00" both name the HLR's
 * `euse sigway-00-00-00-00-00-00` */
static void unit_name(char *out, size_t outlen, const char *name)
{
	size_t n = strlen(name), sl = strlen(EUSE_NAME_SUFFIX);
	if (n > sl && !strcmp(name + n - sl, EUSE_NAME_SUFFIX))
		snprintf(out, outlen, "EUSE-%s", name);
	else
		snprintf(out, outlen, "EUSE-%s%s", name, EUSE_NAME_SUFFIX);
}

struct euse *euse_start(void *ctx, const struct euse_cfg *cfg, const struct euse_ops *ops, void *priv)
{
	struct euse *e = euse_alloc(ctx, cfg, ops, priv);
	if (!e)
		return NULL;
	struct ipa_client_cfg lc = {
		.remote_port = cfg->remote_port,
		.backoff_min_s = cfg->reconnect_min_s,
		.backoff_max_s = cfg->reconnect_max_s,
		.ping_interval_s = cfg->ping_interval_s,
		.pong_timeout_s = cfg->pong_timeout_s,
	};
	OSMO_STRLCPY_ARRAY(lc.remote_ip, cfg->remote_ip);
	unit_name(lc.unit_name, sizeof(lc.unit_name), cfg->name);
	e->link = ipa_client_alloc(e, &lc, &euse_link_ops, e, e->ctrg);
	if (!e->link) {
		talloc_free(e);
		return NULL;
	}
	e->tx = link_tx;
	e->tx_priv = e->link;
	return e;
}

void euse_stop(struct euse *e)
{
	if (!e)
		return;
	abort_all(e, EUSE_ABORT_SHUTDOWN);
	euse_vty_forget(e);
	talloc_free(e);		/* the link with it */
}

bool euse_link_up(const struct euse *e)
{
	return e && e->up;
}

unsigned int euse_sessions(const struct euse *e)
{
	return e ? e->n_sessions : 0;
}
