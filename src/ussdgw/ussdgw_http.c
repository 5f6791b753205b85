/* The application leg of USSD sessions, over the shared HTTP client and
 * server (src/http): one libcurl multi client for every application
 * (connections kept alive per host), and the push resource POST /ussd/push
 * on sigwayd's HTTP server.
 *
 * Each application answers in its flavour (ussd_app.h): JSON calls go to
 * {url}/session/{id}/start|response|end, XML documents are POSTed to {url}
 * and the answer is the response body. An XML push has no URL of ours to
 * call: the application's own POST to /ussd/push waits (a "later" answer)
 * until the network answered, and its next POST carries the session id.
 *
 * The push resource authenticates by the application's push key, sent in
 * the HTTP server's API key header or as "Authorization: Bearer KEY"; the
 * key names the application, whose flavour reads the body. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/http/http_client.h>
#include "ussdgw_int.h"

#define PUSH_PATH "/ussd/push"

int ussdgw_http_start(struct ussdgw *gw)
{
	gw->http = http_client_alloc(gw, "ussd-apps");
	if (!gw->http)
		return -ENOMEM;
	http_client_set_limits(gw->http, gw->http_conns_per_host, 0);
	return 0;
}

void ussdgw_http_stop(struct ussdgw *gw)
{
	if (gw->http)
		http_client_free(gw->http);
	gw->http = NULL;
}

/* ------------------------------------------------------------ events to the application */

void ussdgw_event_init(struct ussd_app_event *ev, const struct ussdgw_session *s, enum ussd_app_event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	OSMO_STRLCPY_ARRAY(ev->session_id, s->id);
	OSMO_STRLCPY_ARRAY(ev->msisdn, s->msisdn);
	if (s->app && s->app->pass_imsi)
		OSMO_STRLCPY_ARRAY(ev->imsi, s->imsi);
	if (!s->push) {
		OSMO_STRLCPY_ARRAY(ev->service_code, s->service_code);
		OSMO_STRLCPY_ARRAY(ev->params, s->params);
	}
	OSMO_STRLCPY_ARRAY(ev->language, s->language);
	OSMO_STRLCPY_ARRAY(ev->gw_id, s->gw->gw_id);
	OSMO_STRLCPY_ARRAY(ev->app_ref, s->app_ref);
	ev->invoke_id = s->invoke_id;
	ev->dialog = s->dialog;
	/* the IMSI only where the operator allows it */
	if (!(s->app && s->app->pass_imsi) && ev->dialog.dest_ref.npi == 6)
		ev->dialog.dest_ref.present = false;
	if (type == USSD_APP_EV_START)
		ev->invoke_id = s->puss_invoke >= 0 ? s->puss_invoke : 0;
}

void ussdgw_app_cancel(struct ussdgw_session *s)
{
	if (s->req)
		http_client_cancel(s->req);
	s->req = NULL;
}

static void fail(struct ussdgw_session *s, enum ussdgw_ctr ctr, enum ussd_app_exit exit, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct ussdgw_session *s, enum ussdgw_ctr ctr, enum ussd_app_exit exit, const char *fmt, ...)
{
	struct ugw_end e;
	va_list ap;
	ussdgw_ctr_inc(s->gw, ctr);
	ussdgw_end_set(&e, exit, USSDGW_ST_NONE, NULL);
	va_start(ap, fmt);
	vsnprintf(e.reason, sizeof(e.reason), fmt, ap);
	va_end(ap);
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_APP_FAIL, &e);
}

static enum ussd_app_json_req json_req_of(const struct ussdgw_session *s)
{
	return s->req_kind;
}

static void app_answered(const struct http_client_result *res, void *data)
{
	struct ussdgw_session *s = data;
	struct ussd_app_answer a;
	char err[USSD_APP_ERR_MAX];
	int rc;
	s->req = NULL;
	clock_gettime(CLOCK_MONOTONIC, &s->t_app_in);
	if (s->fi->state == UGW_S_END) {
		osmo_fsm_inst_dispatch(s->fi, UGW_EV_APP_ACKED, NULL);
		return;
	}
	switch (res->error) {
	case HTTP_CLIENT_OK:
		break;
	case HTTP_CLIENT_E_TIMEOUT:
		return fail(s, UGW_CTR_APP_TIMEOUT, USSD_APP_EXIT_APP_TIMEOUT,
			    "the application did not answer within %u ms", ussdgw_app_timeout_ms(s));
	case HTTP_CLIENT_E_CONNECT:
		return fail(s, UGW_CTR_APP_CONNECT, USSD_APP_EXIT_APP_ERROR, "cannot reach the application: %s",
			    res->error_text);
	case HTTP_CLIENT_E_TOO_LARGE:
		return fail(s, UGW_CTR_APP_BAD_ANSWER, USSD_APP_EXIT_APP_ERROR,
			    "the answer is larger than %d bytes", USSD_APP_MAX_BODY);
	default:
		return fail(s, UGW_CTR_APP_CONNECT, USSD_APP_EXIT_APP_ERROR, "HTTP exchange failed: %s",
			    res->error_text);
	}
	if (res->status != 200)
		return fail(s, UGW_CTR_APP_HTTP_ERROR, USSD_APP_EXIT_APP_ERROR, "the application answered HTTP %u",
			    res->status);
	if (s->app->flavour == USSDGW_JSON)
		rc = ussd_app_json_parse_answer(&a, res->body, res->body_len, json_req_of(s), ussdgw_limits(s),
						err, sizeof(err));
	else
		rc = ussd_app_xml_parse(&a, res->body, res->body_len, ussdgw_limits(s), err, sizeof(err));
	if (rc < 0)
		return fail(s, rc == -USSD_APP_ERR_TEXT_TOO_LONG ? UGW_CTR_APP_TEXT_TOO_LONG : UGW_CTR_APP_BAD_ANSWER,
			    USSD_APP_EXIT_APP_ERROR, "%s", err);
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_APP_ANSWER, &a);
}

/* XML push: the event is the answer to the application's waiting request */
static int answer_later(struct ussdgw_session *s, const struct ussd_app_event *ev)
{
	char doc[USSD_APP_DOC_MAX];
	struct http_request *req = http_later_get(s->later);
	s->later.id = 0;
	if (!req)
		return 0;	/* it left: it learns nothing, its timeout ends the session */
	int n = ussd_app_xml_write_event(doc, sizeof(doc), ev);
	if (n < 0) {
		http_respond_error(req, 500, "cannot write the document (%d)", n);
		return 0;
	}
	http_respond(req, 200, "text/xml; charset=utf-8", doc, (size_t)n);
	return 0;
}

int ussdgw_app_send(struct ussdgw_session *s, const struct ussd_app_event *ev)
{
	struct ussdgw_app *app = s->app;
	char body[USSD_APP_DOC_MAX], url[USSDGW_URL_MAX + USSD_APP_SESSION_ID_MAX + 32];
	const char *method = "POST", *headers[3] = { NULL };
	int n, h = 0;
	if (!app)
		return -EINVAL;
	if (app->flavour == USSDGW_XML && s->push)
		return answer_later(s, ev);
	if (app->flavour == USSDGW_JSON) {
		char path[USSD_APP_SESSION_ID_MAX + 32];
		if (ev->type == USSD_APP_EV_NOTIFY_DONE)
			return -EINVAL;
		if (ussd_app_json_path(path, sizeof(path), ev, &method) < 0)
			return -EINVAL;
		snprintf(url, sizeof(url), "%s%s", app->url, path);
		n = ussd_app_json_write_event(body, sizeof(body), ev);
		s->req_kind = ev->type == USSD_APP_EV_START ? USSD_APP_JSON_START :
			      ev->type == USSD_APP_EV_END ? USSD_APP_JSON_END : USSD_APP_JSON_RESPONSE;
		headers[h++] = "Accept: application/json";
	} else {
		OSMO_STRLCPY_ARRAY(url, app->url);
		n = ussd_app_xml_write_event(body, sizeof(body), ev);
		headers[h++] = "Accept: text/xml";
	}
	if (n < 0)
		return -EINVAL;
	if (app->auth_header[0])
		headers[h++] = app->auth_header;
	struct http_client_opts o = {
		.timeout_ms = ussdgw_app_timeout_ms(s),
		/* one byte more than a document may have: a larger one is refused as such */
		.max_response = USSD_APP_MAX_BODY + 1,
		.content_type = app->flavour == USSDGW_JSON ? "application/json" : "text/xml; charset=utf-8",
		.headers = headers,
		.owner = s,
	};
	ussdgw_app_cancel(s);
	s->req = http_client_request(s->gw->http, method, url, body, (size_t)n, &o, app_answered, s);
	if (!s->req)
		return -ENOMEM;
	ussdgw_ctr_inc(s->gw, UGW_CTR_APP_REQ);
	return 1;
}

/* ------------------------------------------------------------ the push resource */

static struct ussdgw_session *session_by_id(struct ussdgw *gw, const char *id)
{
	struct ussdgw_session *s;
	llist_for_each_entry(s, &gw->sessions, list)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

static void respond_json_error(struct http_request *req, unsigned int status, const char *msg)
{
	char body[USSD_APP_ERR_MAX + 128];
	int n = ussd_app_json_write_error(body, sizeof(body), (int)status, msg);
	if (status == 503 || status == 429)
		http_req_add_header(req, "Retry-After", "1");
	if (n < 0)
		http_respond_error(req, status, "%s", msg);
	else
		http_respond(req, status, "application/json", body, (size_t)n);
}

static void respond_xml_error(struct http_request *req, unsigned int status, enum ussd_app_exit exit,
			      const char *session_id, const char *msg)
{
	struct ussd_app_event ev = { .type = USSD_APP_EV_END, .exit = exit };
	char doc[USSD_APP_DOC_MAX];
	if (session_id && ussd_app_session_id_valid(session_id))
		OSMO_STRLCPY_ARRAY(ev.session_id, session_id);
	snprintf(ev.reason, sizeof(ev.reason), "%s", msg);
	int n = ussd_app_xml_write_event(doc, sizeof(doc), &ev);
	if (status == 503 || status == 429)
		http_req_add_header(req, "Retry-After", "1");
	if (n < 0)
		http_respond_error(req, status, "%s", msg);
	else
		http_respond(req, status, "text/xml; charset=utf-8", doc, (size_t)n);
}

static void refuse_push(struct http_request *req, struct ussdgw_app *app, unsigned int status,
			enum ussd_app_exit exit, const char *msg)
{
	LOGP(DUSSD, LOGL_NOTICE, "push of application %s refused (%u): %s\n", app->name, status, msg);
	if (app->flavour == USSDGW_JSON)
		respond_json_error(req, status, msg);
	else
		respond_xml_error(req, status, exit, NULL, msg);
}

static unsigned int push_status(int rc)
{
	switch (rc) {
	case -EAGAIN: return 429;
	case -ENOTCONN: case -ENOMEM: case -EBUSY: return 503;
	default: return 400;
	}
}

/* Opens a push session; NULL with *status and err when it cannot start */
static struct ussdgw_session *start_push(struct ussdgw *gw, struct ussdgw_app *app, const struct ussd_app_push *p,
					 unsigned int *status, char *err, size_t errlen)
{
	if (gw->stopping || !ussdgw_room_for(gw, app, 1)) {
		*status = 503;
		snprintf(err, errlen, "busy: %u sessions, application %s has %u of its %u", gw->n_sessions, app->name,
			 app->n_sessions, app->max_sessions);
		return NULL;
	}
	struct ussdgw_session *s = ussdgw_session_alloc(gw, true, UGW_NET_MAP);
	if (!s) {
		*status = 503;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ussdgw_session_set_app(s, app);
	s->app_contacted = true;
	OSMO_STRLCPY_ARRAY(s->msisdn, p->msisdn);
	if (p->has_app_ref)
		OSMO_STRLCPY_ARRAY(s->app_ref, p->app_ref);
	s->push_type = p->type;
	s->push_text = p->text;
	s->push_has_alerting = p->has_alerting_pattern;
	s->push_alerting = p->alerting_pattern;
	s->next_user_timeout_ms = p->invoke_timeout_ms;
	/* JSON tells no confirmation of a notification: a USSN push ends with it */
	s->close_after_notify = p->type == USSD_APP_PUSH_USSN && app->flavour == USSDGW_JSON;
	int rc = ussdgw_map_push(s, err, errlen);
	if (rc < 0) {
		*status = push_status(rc);
		s->no_log = true;	/* the network never saw it: no session */
		osmo_fsm_inst_term(s->fi, OSMO_FSM_TERM_REGULAR, NULL);
		ussdgw_ctr_inc(gw, UGW_CTR_PUSH_REFUSED);
		return NULL;
	}
	ussdgw_ctr_inc(gw, UGW_CTR_PUSH);
	LOGPFSML(s->fi, LOGL_INFO, "push %s to %s by application %s\n", p->type == USSD_APP_PUSH_USSR ? "USSR" : "USSN",
		 s->msisdn, app->name);
	return s;
}

static void push_json(struct ussdgw *gw, struct ussdgw_app *app, struct http_request *req, const char *body,
		      size_t len)
{
	struct ussd_app_push p;
	char err[USSD_APP_ERR_MAX], out[256];
	unsigned int status;
	if (ussd_app_json_parse_push(&p, body, len, NULL, err, sizeof(err)) < 0) {
		ussdgw_ctr_inc(gw, UGW_CTR_PUSH_REFUSED);
		return refuse_push(req, app, 400, USSD_APP_EXIT_APP_ERROR, err);
	}
	struct ussdgw_session *s = start_push(gw, app, &p, &status, err, sizeof(err));
	if (!s)
		return refuse_push(req, app, status, USSD_APP_EXIT_SYSTEM_FAILURE, err);
	int n = ussd_app_json_write_push_answer(out, sizeof(out), s->id);
	http_respond(req, 200, "application/json", out, n > 0 ? (size_t)n : 0);
}

static void later_gone(void *data, enum http_gone_reason why)
{
	struct ussdgw_session *s = data;
	LOGPFSML(s->fi, LOGL_NOTICE, "the application's waiting request ended: %s\n",
		 get_value_string(http_gone_reason_names, why));
	s->later.id = 0;
}

/* The next document of an XML push session */
static void push_xml_next(struct ussdgw *gw, struct ussdgw_app *app, struct http_request *req, const char *body,
			  size_t len, const char *id)
{
	struct ussd_app_answer a;
	char err[USSD_APP_ERR_MAX];
	struct ussdgw_session *s = session_by_id(gw, id);
	if (!s || !s->push || s->app != app)
		return respond_xml_error(req, 404, USSD_APP_EXIT_APP_ERROR, id, "no push session of yours has this id");
	if (s->fi->state != UGW_S_APP_WAIT || s->later.id)
		return respond_xml_error(req, 409, USSD_APP_EXIT_APP_ERROR, id,
					 "the session is not waiting for your document now");
	/* again, with the limits of the subscriber's operator */
	if (ussd_app_xml_parse(&a, body, len, ussdgw_limits(s), err, sizeof(err)) < 0) {
		struct ugw_end e;
		respond_xml_error(req, 400, USSD_APP_EXIT_APP_ERROR, id, err);
		ussdgw_end_set(&e, USSD_APP_EXIT_APP_ERROR, USSDGW_ST_NONE, "%s", err);
		ussdgw_ctr_inc(gw, UGW_CTR_APP_BAD_ANSWER);
		osmo_fsm_inst_dispatch(s->fi, UGW_EV_APP_FAIL, &e);
		return;
	}
	struct http_later h = http_req_later(req);
	if (!h.id)
		return;		/* too many waiting: answered 503 */
	s->later = h;
	http_req_on_gone(req, later_gone, s);
	clock_gettime(CLOCK_MONOTONIC, &s->t_app_in);
	osmo_fsm_inst_dispatch(s->fi, UGW_EV_APP_ANSWER, &a);
}

static void push_xml(struct ussdgw *gw, struct ussdgw_app *app, struct http_request *req, const char *body,
		     size_t len)
{
	struct ussd_app_answer a;
	struct ussd_app_push p;
	char err[USSD_APP_ERR_MAX];
	unsigned int status;
	if (ussd_app_xml_parse(&a, body, len, NULL, err, sizeof(err)) < 0) {
		ussdgw_ctr_inc(gw, UGW_CTR_PUSH_REFUSED);
		return refuse_push(req, app, 400, USSD_APP_EXIT_APP_ERROR, err);
	}
	if (a.session_id[0])
		return push_xml_next(gw, app, req, body, len, a.session_id);
	if (ussd_app_answer_to_push(&p, &a, err, sizeof(err)) < 0) {
		ussdgw_ctr_inc(gw, UGW_CTR_PUSH_REFUSED);
		return refuse_push(req, app, 400, USSD_APP_EXIT_APP_ERROR, err);
	}
	/* the answer is the network's: this request waits for it */
	struct http_later h = http_req_later(req);
	if (!h.id)
		return;
	struct ussdgw_session *s = start_push(gw, app, &p, &status, err, sizeof(err));
	if (!s)
		return refuse_push(http_later_get(h), app, status, USSD_APP_EXIT_SYSTEM_FAILURE, err);
	s->later = h;
	http_req_on_gone(http_later_get(h), later_gone, s);
}

/* The application whose push key the request carries; answers 401 itself */
static struct ussdgw_app *push_auth(struct ussdgw *gw, struct http_request *req)
{
	const char *hdr = http_server_cfg(gw->srv)->api_key_header;
	const char *key = http_req_header(req, hdr[0] ? hdr : "X-API-Key");
	const char *auth = http_req_header(req, "Authorization");
	if ((!key || !*key) && auth && !strncasecmp(auth, "Bearer ", 7))
		key = auth + 7;
	struct ussdgw_app *app = ussdgw_app_by_key(gw, key);
	if (!app) {
		http_req_add_header(req, "WWW-Authenticate", "Bearer realm=\"sigway-ussd\"");
		http_respond_error(req, 401, key && *key ? "unknown push key" : "a push key is needed (%s or "
				   "Authorization: Bearer)", hdr[0] ? hdr : "X-API-Key");
	}
	return app;
}

static void push_handler(struct http_request *req, void *data)
{
	struct ussdgw *gw = data;
	size_t len = 0;
	if (!gw->started || gw->stopping) {
		http_respond_retry(req, 503, 5, "the USSD gateway is not running");
		return;
	}
	struct ussdgw_app *app = push_auth(gw, req);
	if (!app)
		return;
	const char *body = http_req_body(req, &len);
	if (app->flavour == USSDGW_JSON)
		push_json(gw, app, req, body, len);
	else
		push_xml(gw, app, req, body, len);
}

int ussdgw_http_register(struct ussdgw *gw, struct http_server *srv)
{
	/* public for the server: the push key is checked here, it names the application */
	struct http_route_opts o = { .max_body = USSD_APP_MAX_BODY, .public = true };
	gw->srv = srv;
	return http_server_route(srv, HTTP_POST, PUSH_PATH, &o, push_handler, gw);
}
