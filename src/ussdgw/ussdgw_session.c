/* One USSD session: an osmo_fsm between its network leg (a MAP dialogue or
 * a GSUP session, ussdgw_map.c / ussdgw_gsup.c) and its application leg
 * (HTTP, ussdgw_http.c). Whose turn it is is the state:
 *
 *   NEW ------------ pull request ----------> APP_WAIT
 *   SRI (push via SRI) -- MSC known --> USER_WAIT / NOTIFY_WAIT
 *   APP_WAIT -- menu --> USER_WAIT -- answer --> APP_WAIT
 *   APP_WAIT -- notification --> NOTIFY_WAIT -- confirmed --> APP_WAIT (XML) or end
 *   APP_WAIT -- final text, release, abort, error --> (end)
 *   anything -- network end, timeouts, shutdown --> (end)
 *   (end): the network leg is closed as the outcome calls for, then END while
 *   the application hears how it ended (JSON /end, XML's last document), then
 *   the session is gone: its session log row is written.
 *
 * The outcome (status, exit code, reason) is decided once, by the first
 * thing that ends the session; later events do not change it. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include "ussdgw_int.h"

#define LOGS(s, level, fmt, args...) LOGPFSML((s)->fi, level, fmt, ## args)

static const struct value_string ugw_event_names[] = {
	{ UGW_EV_APP_ANSWER, "APP_ANSWER" },
	{ UGW_EV_APP_FAIL, "APP_FAIL" },
	{ UGW_EV_NET_TEXT, "NET_TEXT" },
	{ UGW_EV_NET_NOTIFIED, "NET_NOTIFIED" },
	{ UGW_EV_NET_END, "NET_END" },
	{ UGW_EV_NET_READY, "NET_READY" },
	{ UGW_EV_APP_ACKED, "APP_ACKED" },
	{ UGW_EV_SESSION_TIMEOUT, "SESSION_TIMEOUT" },
	{ UGW_EV_SHUTDOWN, "SHUTDOWN" },
	{ 0, NULL }
};

/* ------------------------------------------------------------ outcome */

void ussdgw_end_set(struct ugw_end *e, enum ussd_app_exit exit, int status, const char *fmt, ...)
{
	va_list ap;
	memset(e, 0, sizeof(*e));
	e->exit = exit;
	e->status = status;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
		va_end(ap);
	}
}

static enum ussd_app_pabort pabort_of(enum map_provider_abort_reason r, enum map_abort_source src)
{
	switch (r) {
	case MAP_PA_DIALOGUE_RELEASED: return USSD_APP_PA_DIALOGUE_RELEASED;
	case MAP_PA_RESOURCE_LIMITATION: return USSD_APP_PA_RESOURCE_LIMITATION;
	case MAP_PA_MAINTENANCE_ACTIVITY: return USSD_APP_PA_MAINTENANCE_ACTIVITY;
	case MAP_PA_VERSION_INCOMPATIBILITY: return USSD_APP_PA_VERSION_INCOMPATIBILITY;
	case MAP_PA_ABNORMAL_DIALOGUE:
		return src == MAP_SRC_MAP_PROBLEM ? USSD_APP_PA_ABNORMAL_LOCAL : USSD_APP_PA_ABNORMAL_PEER;
	default: return USSD_APP_PA_PROVIDER_MALFUNCTION;
	}
}

void ussdgw_end_from_map_err(struct ugw_end *e, const struct map_err *err, const char *what)
{
	char buf[96];
	const char *txt = map_err_str(err, buf, sizeof(buf));
	switch (err->kind) {
	case MAP_EK_USER:
		switch (err->user.code) {
		case MAP_ERR_ABSENT_SUBSCRIBER: case MAP_ERR_ABSENT_SUBSCRIBER_SM:
			ussdgw_end_set(e, USSD_APP_EXIT_ABSENT_SUBSCRIBER, USSDGW_ST_NONE, "%s: %s", what, txt);
			break;
		case MAP_ERR_UNKNOWN_SUBSCRIBER:
			ussdgw_end_set(e, USSD_APP_EXIT_UNKNOWN_SUBSCRIBER, USSDGW_ST_NONE, "%s: %s", what, txt);
			break;
		case MAP_ERR_ILLEGAL_SUBSCRIBER: case MAP_ERR_CALL_BARRED:
			ussdgw_end_set(e, USSD_APP_EXIT_ILLEGAL_SUBSCRIBER, USSDGW_ST_NONE, "%s: %s", what, txt);
			break;
		case MAP_ERR_USSD_BUSY:
			ussdgw_end_set(e, USSD_APP_EXIT_USSD_BUSY, USSDGW_ST_NONE, "%s: %s", what, txt);
			break;
		default:
			ussdgw_end_set(e, USSD_APP_EXIT_MAP_ERROR, USSDGW_ST_NONE, "%s: %s", what, txt);
			break;
		}
		e->map_error = (uint8_t)err->user.code;
		break;
	case MAP_EK_PROVIDER:
		if (err->provider == MAP_PE_NO_RESPONSE)
			ussdgw_end_set(e, USSD_APP_EXIT_USER_TIMEOUT, USSDGW_ST_NONE, "%s: no answer in time", what);
		else
			ussdgw_end_set(e, USSD_APP_EXIT_PROVIDER_ABORT, USSDGW_ST_NONE, "%s: %s", what, txt);
		e->p_abort = USSD_APP_PA_INVALID_PDU;
		break;
	case MAP_EK_REFUSED:
		ussdgw_end_set(e, USSD_APP_EXIT_REFUSED, USSDGW_ST_NONE, "%s: %s", what, txt);
		e->refuse = (enum ussd_app_refuse)err->refuse;
		break;
	case MAP_EK_U_ABORT:
		ussdgw_end_set(e, USSD_APP_EXIT_USER_ABORT, USSDGW_ST_NONE, "%s: %s", what, txt);
		e->u_abort = (enum ussd_app_uabort)err->u_abort;
		e->u_abort_diag = err->u_abort_diag;
		break;
	case MAP_EK_P_ABORT:
		ussdgw_end_set(e, USSD_APP_EXIT_PROVIDER_ABORT, USSDGW_ST_NONE, "%s: %s", what, txt);
		e->p_abort = pabort_of(err->p_abort, err->p_abort_source);
		break;
	default:
		ussdgw_end_set(e, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, "%s", what);
		break;
	}
}

/* The first outcome stays */
static void decide(struct ussdgw_session *s, const struct ugw_end *e)
{
	if (s->status != USSDGW_ST_NONE)
		return;
	s->end = *e;
	s->status = e->status != USSDGW_ST_NONE ? e->status : (int)e->exit;
	if (!s->end.reason[0])
		OSMO_STRLCPY_ARRAY(s->end.reason, ussd_app_exit_text(e->exit));
	LOGS(s, LOGL_INFO, "ends: %s (%s)\n", ussdgw_status_name(s->status), s->end.reason);
}

static void decide_simple(struct ussdgw_session *s, enum ussd_app_exit exit, int status, const char *reason)
{
	struct ugw_end e;
	ussdgw_end_set(&e, exit, status, "%s", reason ? reason : "");
	decide(s, &e);
}

/* ------------------------------------------------------------ the network leg */

/* A configured text as a USSD text for this session; false if it does not fit */
static bool cfg_text(struct ussdgw_session *s, struct ussd_app_text *t, const char *text)
{
	char err[USSD_APP_ERR_MAX];
	if (!text || !*text)
		return false;
	if (ussd_app_text_set(t, text, strlen(text), -1, NULL, ussdgw_limits(s), "text", err, sizeof(err)) < 0) {
		LOGS(s, LOGL_ERROR, "a configured text cannot be sent: %s\n", err);
		return false;
	}
	return true;
}

static int net_menu(struct ussdgw_session *s, const struct ussd_app_text *t, uint32_t timeout_ms)
{
	if (s->net == UGW_NET_GSUP)
		return ussdgw_gsup_send_menu(s, t, false);
	return ussdgw_map_send_menu(s, t, timeout_ms);
}

static int net_notify(struct ussdgw_session *s, const struct ussd_app_text *t)
{
	if (s->net == UGW_NET_GSUP)
		return ussdgw_gsup_send_menu(s, t, true);
	return ussdgw_map_send_notify(s, t);
}

static void net_end(struct ussdgw_session *s, enum ugw_net_end how, const struct ussd_app_text *t,
		    uint8_t map_error)
{
	if (!s->net_open || how == UGW_NET_NONE) {
		s->net_open = false;
		return;
	}
	if (s->net == UGW_NET_GSUP)
		ussdgw_gsup_end(s, how, t, map_error);
	else
		ussdgw_map_end(s, how, t, map_error, &s->end);
	s->net_open = false;
}

/* ------------------------------------------------------------ the application leg */

/* The states that wait for the application have its timeout, in ms: a timer
 * of our own (libosmocore 1.7 cuts FSM state timeouts to whole seconds) */
static void state_chg(struct ussdgw_session *s, enum ugw_state st)
{
	osmo_timer_del(&s->state_timer);
	osmo_fsm_inst_state_chg(s->fi, st, 0, 0);
	switch (st) {
	case UGW_S_APP_WAIT:
	case UGW_S_END:
	case UGW_S_NEW: {
		unsigned int ms = ussdgw_app_timeout_ms(s);
		osmo_timer_schedule(&s->state_timer, ms / 1000, (ms % 1000) * 1000);
		break;
	}
	default:
		break;
	}
}

static void terminate(struct ussdgw_session *s)
{
	osmo_fsm_inst_term(s->fi, OSMO_FSM_TERM_REGULAR, NULL);
}

/* Does the application hear how the session ended? */
static bool app_told(const struct ussdgw_session *s)
{
	if (!s->app || !s->app_contacted)
		return false;
	if (s->app->flavour == USSDGW_JSON)
		return true;	/* /end always */
	if (s->push)
		return s->later.id != 0;	/* the request it waits with gets the last document */
	return !s->app_ended;
}

/* The network leg is over: the application hears of it, then the session goes */
static void tell_app_end(struct ussdgw_session *s)
{
	struct ussd_app_event ev;
	ussdgw_app_cancel(s);
	if (!app_told(s)) {
		terminate(s);
		return;
	}
	ussdgw_event_init(&ev, s, USSD_APP_EV_END);
	ev.exit = s->end.exit;
	OSMO_STRLCPY_ARRAY(ev.reason, s->end.reason);
	ev.map_error = s->end.map_error;
	ev.u_abort = s->end.u_abort;
	ev.u_abort_diag = s->end.u_abort_diag;
	ev.p_abort = s->end.p_abort;
	ev.refuse = s->end.refuse;
	osmo_timer_del(&s->max_timer);
	if (ussdgw_app_send(s, &ev) <= 0) {
		terminate(s);	/* nothing to wait for */
		return;
	}
	state_chg(s, UGW_S_END);
}

/* Ends the network leg as `how` says (a push shows a text by a
 * notification first), then tells the application */
static void finish(struct ussdgw_session *s, enum ugw_net_end how, const char *text, uint8_t map_error)
{
	struct ussd_app_text t;
	ussdgw_app_cancel(s);
	if (s->sri) {
		routing_sri_cancel(s->sri);
		s->sri = NULL;
	}
	if (how == UGW_NET_TEXT && !cfg_text(s, &t, text))
		how = UGW_NET_CLOSE;
	if (how == UGW_NET_TEXT && s->push && s->net_open) {
		/* nothing of the subscriber's to answer: a notification, then the end */
		if (net_notify(s, &t) == 0) {
			s->close_after_notify = true;
			state_chg(s, UGW_S_NOTIFY_WAIT);
			return;
		}
		how = UGW_NET_CLOSE;
	}
	net_end(s, how, how == UGW_NET_TEXT ? &t : NULL, map_error);
	tell_app_end(s);
}

/* Asks the application; an event it could not be sent is an application error */
static void ask_app(struct ussdgw_session *s, enum ussd_app_event_type type, const struct ugw_text *t)
{
	struct ussd_app_event ev;
	ussdgw_event_init(&ev, s, type);
	if (t) {
		snprintf(ev.text, sizeof(ev.text), "%s", t->utf8);
		ev.dcs = t->dcs;
	}
	s->app_contacted = true;
	int rc = ussdgw_app_send(s, &ev);
	if (s->t_net_in.tv_sec) {
		if (rc > 0)
			ussdgw_latency_defer(s->gw, &s->gw->lat_to_app, &s->t_net_in);
		s->t_net_in.tv_sec = 0;
	}
	if (rc < 0) {
		decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, "cannot send the request to the application");
		finish(s, UGW_NET_TEXT, s->gw->text_error, 0);
		return;
	}
	state_chg(s, UGW_S_APP_WAIT);
}

/* ------------------------------------------------------------ starting */

static void state_timer_cb(void *data);

static void max_timer_cb(void *data)
{
	struct ussdgw_session *s = data;
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_SESSION_TIMEOUT, NULL);
}

struct ussdgw_session *ussdgw_session_alloc(struct ussdgw *gw, bool push, enum ussdgw_net net)
{
	struct osmo_fsm_inst *fi = osmo_fsm_inst_alloc(&ussdgw_session_fsm, gw, NULL, LOGL_DEBUG, NULL);
	if (!fi)
		return NULL;
	struct ussdgw_session *s = talloc_zero(fi, struct ussdgw_session);
	if (!s) {
		osmo_fsm_inst_free(fi);
		return NULL;
	}
	fi->priv = s;
	s->fi = fi;
	s->gw = gw;
	s->push = push;
	s->net = net;
	s->status = USSDGW_ST_NONE;
	s->puss_invoke = -1;
	/* the epoch makes ids unique across restarts: billing refs are unique */
	snprintf(s->id, sizeof(s->id), "%" PRIx64 "-%" PRIx64, gw->id_epoch, ++gw->next_id);
	osmo_fsm_inst_update_id(fi, s->id);
	s->start_ms = ussdgw_now_ms();
	llist_add_tail(&s->list, &gw->sessions);
	gw->n_sessions++;
	osmo_timer_setup(&s->max_timer, max_timer_cb, s);
	osmo_timer_setup(&s->state_timer, state_timer_cb, s);
	return s;
}

static void arm_max_timer(struct ussdgw_session *s)
{
	unsigned long sec = osmo_tdef_get(s->gw->tdefs, -UGW_T_SESSION, OSMO_TDEF_S, 180);
	osmo_timer_schedule(&s->max_timer, sec, 0);
}

void ussdgw_session_expect_request(struct ussdgw_session *s)
{
	state_chg(s, UGW_S_NEW);
}

bool ussdgw_room_for(struct ussdgw *gw, struct ussdgw_app *app, unsigned int extra)
{
	if (gw->max_sessions && gw->n_sessions + extra > gw->max_sessions)
		return false;
	return !app || !app->max_sessions || app->n_sessions < app->max_sessions;
}

void ussdgw_session_set_app(struct ussdgw_session *s, struct ussdgw_app *app)
{
	s->app = app;
	if (app && !s->app_counted) {
		app->n_sessions++;
		app->started++;
		s->app_counted = true;
	}
}

void ussdgw_session_refuse(struct ussdgw_session *s, int status, const char *text, uint8_t map_error,
			   const char *reason)
{
	decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, status, reason);
	arm_max_timer(s);
	finish(s, text ? UGW_NET_TEXT : UGW_NET_ERROR, text, map_error);
}

void ussdgw_session_pull(struct ussdgw_session *s)
{
	struct ussdgw *gw = s->gw;
	struct ugw_text t = { .utf8 = s->dialled, .dcs = s->dialled_dcs };
	char why[USSD_APP_REASON_MAX + 1];
	struct ussdgw_app *app = ussdgw_route(gw, s->dialled, s->service_code, sizeof(s->service_code),
					      s->params, sizeof(s->params));
	if (!app) {
		ussdgw_ctr_inc(gw, UGW_CTR_REFUSED_NO_ROUTE);
		snprintf(why, sizeof(why), "no route for %.100s", s->dialled);
		ussdgw_session_refuse(s, USSDGW_ST_NO_ROUTE, gw->text_no_route, 0, why);
		return;
	}
	if (gw->stopping || !ussdgw_room_for(gw, app, 0)) {
		ussdgw_ctr_inc(gw, UGW_CTR_REFUSED_OVERLOAD);
		snprintf(why, sizeof(why), "busy: %u sessions, application %s has %u", gw->n_sessions, app->name,
			 app->n_sessions);
		ussdgw_session_refuse(s, USSDGW_ST_OVERLOAD, gw->text_busy, 0, why);
		return;
	}
	ussdgw_session_set_app(s, app);
	arm_max_timer(s);
	LOGS(s, LOGL_INFO, "%s%s dialled %s: application %s (code %s)\n", s->msisdn[0] ? s->msisdn : "IMSI ",
	     s->msisdn[0] ? "" : s->imsi, s->dialled, app->name, s->service_code);
	ask_app(s, USSD_APP_EV_START, &t);
}

void ussdgw_session_push_sent(struct ussdgw_session *s, bool notify)
{
	if (!osmo_timer_pending(&s->max_timer))
		arm_max_timer(s);
	s->net_open = true;
	s->rounds++;
	state_chg(s, notify ? UGW_S_NOTIFY_WAIT : UGW_S_USER_WAIT);
}

void ussdgw_session_bill(struct ussdgw_session *s)
{
	if (s->billed)
		return;
	if (ussdgw_db_bill(s) < 0)
		LOGS(s, LOGL_ERROR, "the billing record could not be written\n");
	s->billed = true;
	if (s->app)
		s->app->billed++;
	ussdgw_ctr_inc(s->gw, UGW_CTR_BILLED);
}

/* ------------------------------------------------------------ the application's answers */

static bool answer_accepts(const struct ussd_app_answer *a)
{
	return a->type == USSD_APP_ANS_MENU || a->type == USSD_APP_ANS_FINAL || a->type == USSD_APP_ANS_NOTIFY ||
	       a->type == USSD_APP_ANS_RELEASE;
}

static void record_net_latency(struct ussdgw_session *s, const struct timespec *t0)
{
	if (t0 && t0->tv_sec)
		ussdgw_latency_defer(s->gw, &s->gw->lat_to_net, t0);
}

/* A send to the network that failed ends the session */
static void net_send_failed(struct ussdgw_session *s, const char *what)
{
	decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, what);
	finish(s, UGW_NET_ABORT, NULL, 0);
}

static void answer_error(struct ussdgw_session *s, const struct ussd_app_answer *a)
{
	struct ugw_end e;
	if (s->app->flavour == USSDGW_JSON) {
		/* the application refused the request: the subscriber gets the error text */
		ussdgw_end_set(&e, USSD_APP_EXIT_APP_ERROR, s->accepted || s->push ? USSDGW_ST_NONE : USSDGW_ST_APP_REFUSED,
			       "the application answered responseExitCode %d%s%s", a->exit_code,
			       a->message[0] ? ": " : "", a->message);
		decide(s, &e);
		finish(s, UGW_NET_TEXT, s->gw->text_error, 0);
		return;
	}
	/* XML: its own MAP error on the subscriber's request */
	s->app_ended = true;
	ussdgw_end_set(&e, USSD_APP_EXIT_APP_ERROR, s->accepted ? USSDGW_ST_NONE : USSDGW_ST_APP_REFUSED,
		       "the application answered MAP error %u", a->map_error);
	decide(s, &e);
	finish(s, UGW_NET_ERROR, NULL, a->map_error);
}

/* MAP v1 has no further rounds: the menu is the final text, the
 * application hears why its session ended */
static void v1_last_round(struct ussdgw_session *s, const struct ussd_app_answer *a, const struct timespec *t0,
			  const struct ugw_end *e)
{
	s->rounds++;
	decide(s, e);
	net_end(s, UGW_NET_TEXT, &a->text, 0);
	record_net_latency(s, t0);
	tell_app_end(s);
}

static void on_app_answer(struct ussdgw_session *s, const struct ussd_app_answer *a, const struct timespec *t0)
{
	struct ugw_end v1;
	int rc;
	if (a->has_app_ref)
		OSMO_STRLCPY_ARRAY(s->app_ref, a->app_ref);
	if (!ussdgw_v1_answer_ok(s, a, &v1)) {
		decide(s, &v1);
		finish(s, UGW_NET_TEXT, s->gw->text_error, 0);
		return;
	}
	if (!s->push && !s->accepted && answer_accepts(a)) {
		s->accepted = true;
		ussdgw_session_bill(s);
	}
	if (ussdgw_v1_no_rounds(s, a, &v1))
		return v1_last_round(s, a, t0, &v1);
	s->next_user_timeout_ms = a->invoke_timeout_ms;
	switch (a->type) {
	case USSD_APP_ANS_MENU:
		s->rounds++;
		rc = net_menu(s, &a->text, ussdgw_user_timeout_ms(s));
		record_net_latency(s, t0);
		if (rc < 0)
			return net_send_failed(s, "the menu could not be sent");
		state_chg(s, UGW_S_USER_WAIT);
		return;
	case USSD_APP_ANS_NOTIFY:
		s->rounds++;
		rc = net_notify(s, &a->text);
		record_net_latency(s, t0);
		if (rc < 0)
			return net_send_failed(s, "the notification could not be sent");
		/* JSON has no confirmation of a notification to tell: it ends the session */
		s->close_after_notify = a->close || s->app->flavour == USSDGW_JSON;
		if (s->close_after_notify)
			s->app_ended = true;
		state_chg(s, UGW_S_NOTIFY_WAIT);
		return;
	case USSD_APP_ANS_FINAL:
		s->rounds++;
		s->app_ended = true;
		if (s->push) {
			/* the final text of a push is a notification, then the end */
			rc = net_notify(s, &a->text);
			record_net_latency(s, t0);
			if (rc < 0)
				return net_send_failed(s, "the final text could not be sent");
			s->close_after_notify = true;
			state_chg(s, UGW_S_NOTIFY_WAIT);
			return;
		}
		decide_simple(s, USSD_APP_EXIT_SUCCESS, USSDGW_ST_NONE, NULL);
		net_end(s, UGW_NET_TEXT, &a->text, 0);
		record_net_latency(s, t0);
		tell_app_end(s);
		return;
	case USSD_APP_ANS_RELEASE:
		s->app_ended = true;
		decide_simple(s, USSD_APP_EXIT_SUCCESS, USSDGW_ST_NONE, "the application released the session");
		finish(s, a->prearranged ? UGW_NET_PREARRANGED : UGW_NET_CLOSE, NULL, 0);
		return;
	case USSD_APP_ANS_ABORT: {
		struct ugw_end e;
		s->app_ended = true;
		ussdgw_end_set(&e, USSD_APP_EXIT_APP_ERROR, USSDGW_ST_APP_ABORT, "the application aborted the session");
		e.u_abort = a->u_abort;
		e.u_abort_diag = a->u_abort_diag;
		decide(s, &e);
		finish(s, UGW_NET_ABORT, NULL, 0);
		return;
	}
	case USSD_APP_ANS_ERROR:
		answer_error(s, a);
		return;
	case USSD_APP_ANS_ACK:
	default: {
		struct ugw_end e;
		ussdgw_end_set(&e, USSD_APP_EXIT_APP_ERROR, USSDGW_ST_NONE, "the application's answer is no menu or text");
		decide(s, &e);
		finish(s, UGW_NET_TEXT, s->gw->text_error, 0);
		return;
	}
	}
}

/* An unusable answer, an HTTP error, no answer */
static void on_app_fail(struct ussdgw_session *s, const struct ugw_end *e)
{
	LOGS(s, LOGL_NOTICE, "application %s: %s\n", s->app->name, e->reason);
	decide(s, e);
	finish(s, UGW_NET_TEXT, e->exit == USSD_APP_EXIT_APP_TIMEOUT ? s->gw->text_timeout : s->gw->text_error, 0);
}

/* ------------------------------------------------------------ the FSM */

static void net_end_ev(struct ussdgw_session *s, const struct ugw_end *e)
{
	if (e->net_gone)
		s->net_open = false;
	if (e->exit == USSD_APP_EXIT_USER_TIMEOUT)
		ussdgw_ctr_inc(s->gw, UGW_CTR_USER_TIMEOUT);
	decide(s, e);
	finish(s, UGW_NET_ABORT, NULL, 0);
}

static void common_ev(struct ussdgw_session *s, uint32_t event, void *data)
{
	switch (event) {
	case UGW_EV_NET_END:
		net_end_ev(s, data);
		return;
	case UGW_EV_SESSION_TIMEOUT:
		decide_simple(s, USSD_APP_EXIT_SESSION_TIMEOUT, USSDGW_ST_NONE, NULL);
		if (s->fi->state == UGW_S_APP_WAIT || s->fi->state == UGW_S_NEW)
			finish(s, UGW_NET_TEXT, s->gw->text_timeout, 0);
		else
			finish(s, UGW_NET_ABORT, NULL, 0);
		return;
	case UGW_EV_SHUTDOWN:
		decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, "the gateway is shutting down");
		if (s->fi->state == UGW_S_APP_WAIT || s->fi->state == UGW_S_NEW)
			finish(s, UGW_NET_TEXT, s->gw->text_error, 0);
		else
			finish(s, UGW_NET_ABORT, NULL, 0);
		return;
	}
}

static void st_new(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	common_ev(fi->priv, event, data);
}

static void st_sri(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct ussdgw_session *s = fi->priv;
	if (event != UGW_EV_NET_READY) {
		common_ev(s, event, data);
		return;
	}
	/* the SRI answered: the open towards the MSC/VLR reports itself */
	if (ussdgw_map_push_after_sri(s) < 0)
		net_send_failed(s, "cannot open the dialogue to the serving MSC/VLR");
}

static void st_app_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct ussdgw_session *s = fi->priv;
	switch (event) {
	case UGW_EV_APP_ANSWER: {
		const struct ussd_app_answer *a = data;
		struct timespec t0 = s->t_app_in;	/* when the answer arrived */
		s->t_app_in.tv_sec = 0;
		on_app_answer(s, a, &t0);
		return;
	}
	case UGW_EV_APP_FAIL:
		on_app_fail(s, data);
		return;
	default:
		common_ev(s, event, data);
	}
}

static void st_user_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct ussdgw_session *s = fi->priv;
	if (event != UGW_EV_NET_TEXT) {
		common_ev(s, event, data);
		return;
	}
	ask_app(s, USSD_APP_EV_RESPONSE, data);
}

static void st_notify_wait(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	struct ussdgw_session *s = fi->priv;
	if (event == UGW_EV_NET_END && s->close_after_notify) {
		const struct ugw_end *e = data;
		/* the last notification was shown, or the network ended it itself */
		if (e->net_gone)
			s->net_open = false;
		decide(s, e);
		finish(s, UGW_NET_CLOSE, NULL, 0);
		return;
	}
	if (event != UGW_EV_NET_NOTIFIED) {
		common_ev(s, event, data);
		return;
	}
	if (s->close_after_notify) {
		decide_simple(s, USSD_APP_EXIT_SUCCESS, USSDGW_ST_NONE, NULL);
		finish(s, UGW_NET_CLOSE, NULL, 0);
		return;
	}
	ask_app(s, USSD_APP_EV_NOTIFY_DONE, NULL);
}

static void st_end(struct osmo_fsm_inst *fi, uint32_t event, void *data)
{
	/* the application answered the end notice (whatever it said) */
	if (event == UGW_EV_APP_ACKED || event == UGW_EV_APP_ANSWER || event == UGW_EV_APP_FAIL)
		terminate(fi->priv);
}

static void state_timer_cb(void *data)
{
	struct ussdgw_session *s = data;
	struct ugw_end e;
	switch (s->fi->state) {
	case UGW_S_APP_WAIT:
		ussdgw_ctr_inc(s->gw, UGW_CTR_APP_TIMEOUT);
		ussdgw_end_set(&e, USSD_APP_EXIT_APP_TIMEOUT, USSDGW_ST_NONE,
			       "the application did not answer within %u ms", ussdgw_app_timeout_ms(s));
		on_app_fail(s, &e);
		return;
	case UGW_S_NEW:
		decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_BAD_REQUEST, "no USSD request came");
		finish(s, UGW_NET_CLOSE, NULL, 0);
		return;
	default:
		terminate(s);	/* END: the application did not answer the end notice; done */
		return;
	}
}

/* Whatever ends the session, this runs last: what is still open is closed,
 * the session log row is written */
static void cleanup(struct osmo_fsm_inst *fi, enum osmo_fsm_term_cause cause)
{
	struct ussdgw_session *s = fi->priv;
	struct ussdgw *gw = s->gw;
	osmo_timer_del(&s->max_timer);
	osmo_timer_del(&s->state_timer);
	if (s->sri) {
		routing_sri_cancel(s->sri);
		s->sri = NULL;
	}
	if (s->status == USSDGW_ST_NONE)
		decide_simple(s, USSD_APP_EXIT_SYSTEM_FAILURE, USSDGW_ST_NONE, "the session was dropped");
	if (s->net_open)
		net_end(s, UGW_NET_ABORT, NULL, 0);
	if (s->net == UGW_NET_MAP)
		ussdgw_map_detach(s);
	ussdgw_app_cancel(s);
	if (s->later.id) {
		/* the application's request still waits: it learns the end */
		struct http_request *req = http_later_get(s->later);
		s->later.id = 0;
		if (req)
			http_respond_error(req, 503, "the session ended: %s", s->end.reason);
	}
	ussdgw_db_log(s, ussdgw_now_ms());
	if (s->app_counted)
		s->app->n_sessions--;
	if (s->status >= 0 && s->status < _USSDGW_ST_COUNT)
		gw->status_count[s->status]++;
	ussdgw_ctr_inc(gw, UGW_CTR_ENDED);
	llist_del(&s->list);
	gw->n_sessions--;
}

#define S(x) (1 << (x))
#define COMMON_EV (S(UGW_EV_NET_END) | S(UGW_EV_SESSION_TIMEOUT) | S(UGW_EV_SHUTDOWN))
#define ALL_STATES (S(UGW_S_NEW) | S(UGW_S_SRI) | S(UGW_S_APP_WAIT) | S(UGW_S_USER_WAIT) | \
		    S(UGW_S_NOTIFY_WAIT) | S(UGW_S_END))

static const struct osmo_fsm_state ugw_states[] = {
	[UGW_S_NEW] = {
		.name = "NEW", .in_event_mask = COMMON_EV, .out_state_mask = ALL_STATES, .action = st_new,
	},
	[UGW_S_SRI] = {
		.name = "SRI", .in_event_mask = COMMON_EV | S(UGW_EV_NET_READY), .out_state_mask = ALL_STATES,
		.action = st_sri,
	},
	[UGW_S_APP_WAIT] = {
		.name = "APP_WAIT", .in_event_mask = COMMON_EV | S(UGW_EV_APP_ANSWER) | S(UGW_EV_APP_FAIL),
		.out_state_mask = ALL_STATES, .action = st_app_wait,
	},
	[UGW_S_USER_WAIT] = {
		.name = "USER_WAIT", .in_event_mask = COMMON_EV | S(UGW_EV_NET_TEXT), .out_state_mask = ALL_STATES,
		.action = st_user_wait,
	},
	[UGW_S_NOTIFY_WAIT] = {
		.name = "NOTIFY_WAIT", .in_event_mask = COMMON_EV | S(UGW_EV_NET_NOTIFIED),
		.out_state_mask = ALL_STATES, .action = st_notify_wait,
	},
	[UGW_S_END] = {
		.name = "END", .in_event_mask = S(UGW_EV_APP_ACKED) | S(UGW_EV_APP_ANSWER) | S(UGW_EV_APP_FAIL),
		.out_state_mask = S(UGW_S_END), .action = st_end,
	},
};

struct osmo_fsm ussdgw_session_fsm = {
	.name = "USSD_SESSION",
	.states = ugw_states,
	.num_states = ARRAY_SIZE(ugw_states),
	.event_names = ugw_event_names,
	.cleanup = cleanup,
	.log_subsys = DUSSD,
};

static __attribute__((constructor)) void ussdgw_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&ussdgw_session_fsm) == 0);
}
