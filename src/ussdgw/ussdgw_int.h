/* Internals of the USSD gateway (see sigway/ussdgw/ussdgw.h): the
 * configuration, the session object and the interfaces between its parts:
 *   ussdgw.c          service object, routes, limits, ids, counters, latency
 *   ussdgw_session.c  the session FSM: what happens between network and app
 *   ussdgw_map.c      the network leg over MAP (pull and push)
 *   ussdgw_v1.c       pull from MAP v1 peers (processUnstructuredSS-Data)
 *   ussdgw_gsup.c     the network leg over GSUP (OsmoHLR EUSE, pull)
 *   ussdgw_http.c     the application leg: HTTP client calls, push resource
 *   ussdgw_db.c       billing record and session log
 *   ussdgw_vty.c      the "ussd" node and show commands */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <osmocom/core/fsm.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/timer.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/http/http_server.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/routing/routing.h>
#include <sigway/ussdgw/ussd_app.h>
#include <sigway/ussdgw/ussdgw.h>

#define USSDGW_NAME_MAX		31
#define USSDGW_URL_MAX		255
#define USSDGW_HEADER_MAX	255
#define USSDGW_KEY_MAX		127
#define USSDGW_TEXT_CFG_MAX	USSD_APP_TEXT_MAX

enum ussdgw_flavour {
	USSDGW_JSON,
	USSDGW_XML,
};

/* An application the gateway bridges sessions to */
struct ussdgw_app {
	struct llist_head list;
	char name[USSDGW_NAME_MAX + 1];
	char url[USSDGW_URL_MAX + 1];
	enum ussdgw_flavour flavour;
	unsigned int timeout_ms;		/* its answers; 0: timer ussd X1 */
	unsigned int user_timeout_s;		/* the subscriber's answer; 0: timer map X8 */
	unsigned int max_sessions;		/* concurrent; 0: no limit of its own */
	char auth_header[USSDGW_HEADER_MAX + 1];/* "Name: value" sent with every request */
	char push_key[USSDGW_KEY_MAX + 1];	/* API key of its push requests; "": no push */
	bool pass_imsi;				/* the IMSI may be told to it */
	unsigned int n_sessions;
	uint64_t started, billed;
};

/* A service code and the application it goes to */
struct ussdgw_route {
	struct llist_head list;
	char code[USSD_APP_CODE_MAX + 1];	/* as configured, "*123#"; "" for the default */
	char key[USSD_APP_CODE_MAX + 1];	/* matched part: "*123" */
	char app[USSDGW_NAME_MAX + 1];
};

enum ussdgw_push_via {
	USSDGW_PUSH_HLR,	/* to the operator's HLR with MAP-OpenInfo */
	USSDGW_PUSH_SRI,	/* SRI-for-SM first, then the serving MSC/VLR */
};

/* USSD settings of a routing operator */
struct ussdgw_opcfg {
	struct llist_head list;
	char name[USSDGW_NAME_MAX + 1];
	enum ussdgw_push_via push_via;
	struct ussd_app_limits lim;
};

/* Where pull sessions may come from */
enum ussdgw_accept {
	USSDGW_ACCEPT_OPERATORS,	/* a GT of a routing operator's network */
	USSDGW_ACCEPT_ANY,
};

/* The session log's final statuses: the exit codes the application gets
 * (same names), then the refusals before any application was asked, and
 * the application's own abort */
enum ussdgw_status {
	USSDGW_ST_NONE = -1,
	/* 0.._USSD_APP_EXIT_COUNT-1: enum ussd_app_exit */
	USSDGW_ST_NO_ROUTE = _USSD_APP_EXIT_COUNT,	/* no route for the code */
	USSDGW_ST_OVERLOAD,		/* max sessions (overall or the application's) */
	USSDGW_ST_BAD_REQUEST,		/* undecodable string, not a USSD request, foreign GT */
	USSDGW_ST_APP_REFUSED,		/* the application refused the session at its start */
	USSDGW_ST_APP_ABORT,		/* the application aborted the MAP dialogue */
	USSDGW_ST_V1_NO_ROUNDS,		/* MAP v1: the application's menu went as the final text */
	_USSDGW_ST_COUNT
};
const char *ussdgw_status_name(int st);

enum ussdgw_ctr {
	UGW_CTR_PULL,
	UGW_CTR_PULL_GSUP,
	UGW_CTR_PUSH,
	UGW_CTR_REFUSED_FOREIGN,
	UGW_CTR_REFUSED_NO_ROUTE,
	UGW_CTR_REFUSED_OVERLOAD,
	UGW_CTR_REFUSED_CODING,
	UGW_CTR_PUSH_REFUSED,
	UGW_CTR_APP_REQ,
	UGW_CTR_APP_TIMEOUT,
	UGW_CTR_APP_HTTP_ERROR,
	UGW_CTR_APP_CONNECT,
	UGW_CTR_APP_BAD_ANSWER,
	UGW_CTR_APP_TEXT_TOO_LONG,
	UGW_CTR_USER_TIMEOUT,
	UGW_CTR_BILLED,
	UGW_CTR_ENDED,
};

/* A latency histogram: log-linear buckets of microseconds */
#define UGW_LAT_BUCKETS 400	/* up to 2^28 us */
struct ussdgw_latency {
	uint64_t n;
	uint64_t bucket[UGW_LAT_BUCKETS];
	uint64_t max_us;
};
void ussdgw_latency_add(struct ussdgw_latency *l, uint64_t us);
/* A round's time from t0 until the loop's next turn: what the HTTP client
 * or the SS7 link sends goes out at the start of that turn */
void ussdgw_latency_defer(struct ussdgw *gw, struct ussdgw_latency *l, const struct timespec *t0);
/* The value below which q (0..1) of the samples lie, in microseconds */
uint64_t ussdgw_latency_quantile(const struct ussdgw_latency *l, double q);

struct ussdgw {
	void *ctx;
	bool configured;
	/* configuration */
	char gw_id[USSD_APP_GW_ID_MAX + 1];
	unsigned int max_sessions;		/* overall; 0: no limit */
	enum ussdgw_accept accept;
	char text_busy[USSDGW_TEXT_CFG_MAX + 1];
	char text_error[USSDGW_TEXT_CFG_MAX + 1];
	char text_timeout[USSDGW_TEXT_CFG_MAX + 1];
	char text_no_route[USSDGW_TEXT_CFG_MAX + 1];
	unsigned int http_conns_per_host;
	uint8_t ssn;				/* served on (pull) and sent from (push) */
	bool also_msc_ssn;			/* pulls on SSN 8 too (ssn ... also-8) */
	unsigned int log_retention_days;	/* session log rows kept; 0: for ever */
	struct ussd_app_limits gsup_lim;	/* texts on the GSUP path (OsmoHLR's parser) */
	struct llist_head apps;
	struct llist_head routes;
	struct llist_head opcfgs;
	struct osmo_tdef *tdefs;		/* the "ussd" timers */
	/* running */
	bool started, stopping;
	struct map_instance *mi;
	struct routing *rt;
	struct store *st;
	struct http_client *http;
	struct http_server *srv;
	struct euse *euse;
	struct llist_head sessions;
	unsigned int n_sessions;
	uint64_t id_epoch;			/* ms at start: session ids stay unique across restarts */
	uint64_t next_id;
	struct rate_ctr_group *ctrg;
	uint64_t status_count[_USSDGW_ST_COUNT];
	/* the gateway's own time per round: MAP in -> HTTP out, HTTP in -> MAP out */
	struct ussdgw_latency lat_to_app, lat_to_net;
	struct osmo_timer_list lat_timer;	/* the loop's next turn */
	struct osmo_timer_list purge_timer;	/* the session log's retention */
	struct {
		struct ussdgw_latency *l;
		struct timespec t0;
	} lat_pending[1024];
	unsigned int n_lat_pending;
};

/* The "ussd" timers (osmo_tdef, VTY "timer ussd X1 10") */
enum {
	UGW_T_APP = 1,		/* X1: the application's answer, s */
	UGW_T_SESSION = 2,	/* X2: the longest session, s */
	UGW_T_PUSH_NET = 3,	/* X3: the network's first answer to a push, s */
};

/* ---- sessions ---------------------------------------------------------------- */

enum ussdgw_net {
	UGW_NET_MAP,
	UGW_NET_GSUP,
};

/* How the network leg ends when the session does */
enum ugw_net_end {
	UGW_NET_NONE,		/* it is gone already */
	UGW_NET_TEXT,		/* the subscriber gets a text (pull: the final result) */
	UGW_NET_CLOSE,		/* End without anything */
	UGW_NET_PREARRANGED,	/* local end */
	UGW_NET_ABORT,		/* U-ABORT */
	UGW_NET_ERROR,		/* pull: an error on the subscriber's request */
};

enum ugw_state {
	UGW_S_NEW,		/* pull: the dialogue is open, no request yet */
	UGW_S_SRI,		/* push via SRI: the SRI-for-SM is out */
	UGW_S_APP_WAIT,		/* the application's answer is awaited */
	UGW_S_USER_WAIT,	/* an unstructuredSS-Request is at the subscriber */
	UGW_S_NOTIFY_WAIT,	/* an unstructuredSS-Notify is at the subscriber */
	UGW_S_END,		/* over at the network; the application hears how */
};

enum ugw_event {
	UGW_EV_APP_ANSWER,	/* const struct ussd_app_answer * */
	UGW_EV_APP_FAIL,	/* const struct ugw_end * (application-side failure) */
	UGW_EV_NET_TEXT,	/* const struct ugw_text *: the subscriber's answer */
	UGW_EV_NET_NOTIFIED,	/* the handset confirmed a notification */
	UGW_EV_NET_END,		/* const struct ugw_end *: the network leg is over */
	UGW_EV_NET_READY,	/* push: the network leg is open (SRI answered) */
	UGW_EV_APP_ACKED,	/* the application answered the end notice */
	UGW_EV_SESSION_TIMEOUT,
	UGW_EV_SHUTDOWN,
};

/* Why a session ends */
struct ugw_end {
	enum ussd_app_exit exit;
	int status;			/* enum ussdgw_status; USSDGW_ST_NONE: the exit's */
	char reason[USSD_APP_REASON_MAX + 1];
	uint8_t map_error;
	enum ussd_app_uabort u_abort;
	uint8_t u_abort_diag;
	enum ussd_app_pabort p_abort;
	enum ussd_app_refuse refuse;
	bool net_gone;			/* UGW_EV_NET_END: nothing more can be sent */
};

/* A text from the subscriber */
struct ugw_text {
	const char *utf8;
	uint8_t dcs;
};

struct ussdgw_session {
	struct llist_head list;
	struct ussdgw *gw;
	struct osmo_fsm_inst *fi;
	char id[USSD_APP_SESSION_ID_MAX + 1];
	bool push;
	enum ussdgw_net net;
	bool net_open;			/* the network leg can still be sent on */
	/* MAP */
	struct map_dialogue *md;
	bool map_v1;			/* processUnstructuredSS-Data: one request, one answer */
	int8_t puss_invoke;		/* pull: the subscriber's processUSS-Request */
	bool puss_pending;
	bool answered_in_msg;		/* an answer came in the message being read */
	struct ugw_end pending_err;	/* an error to act on at the end of the message */
	bool has_pending_err;
	bool notify_done_in_msg;
	bool push_accepted;		/* push: the network took the opening (billing) */
	bool push_open_error;		/* push: the opening operation failed */
	struct operator *op;
	struct ussdgw_opcfg *opcfg;
	struct routing_sri *sri;
	char serving_msc[33];		/* push via SRI: the MSC/VLR the HLR named */
	enum ussd_app_push_type push_type;
	struct ussd_app_text push_text;	/* push: the opening text */
	bool push_has_alerting;		/* push: the application's alertingPattern */
	uint8_t push_alerting;
	bool no_log;			/* a push refused before the network: no session */
	struct ussd_app_dialog dialog;	/* what the XML flavour shows of the dialogue */
	char calling_gt[33], called_gt[33];
	/* GSUP */
	char gsup_imsi[16];
	uint32_t gsup_id;
	/* subscriber and code */
	char msisdn[USSD_APP_DIGITS_MAX + 1];
	char imsi[USSD_APP_DIGITS_MAX + 1];
	char dialled[USSD_APP_TEXT_MAX + 1];
	uint8_t dialled_dcs;
	char language[USSD_APP_LANG_MAX + 1];
	char service_code[USSD_APP_CODE_MAX + 1];
	char params[USSD_APP_TEXT_MAX + 1];
	/* application */
	struct ussdgw_app *app;
	bool app_counted;
	bool app_contacted;		/* it got a request of this session */
	bool app_ended;			/* it ended the session itself (final, release, abort, error) */
	bool accepted;			/* pull: it accepted the session (billing) */
	struct http_client_req *req;
	enum ussd_app_json_req req_kind;	/* JSON: what the request in flight was */
	struct http_later later;	/* XML push: the application's request waiting for our document */
	char app_ref[USSD_APP_REF_MAX + 1];
	int8_t invoke_id;		/* of the operation the XML flavour is shown */
	uint32_t next_user_timeout_ms;	/* XML customInvokeTimeout for the next menu */
	bool close_after_notify;	/* the notification is the last thing sent */
	char pending_end_text[USSD_APP_TEXT_MAX + 1];	/* push: the error text to notify */
	/* accounting */
	int64_t start_ms;
	unsigned int rounds;
	bool billed;
	int status;			/* enum ussdgw_status, USSDGW_ST_NONE while open */
	struct ugw_end end;
	struct osmo_timer_list max_timer;	/* the longest session */
	struct osmo_timer_list state_timer;	/* the application's answer (ms) */
	struct timespec t_net_in;	/* latency: when the network's message came */
	struct timespec t_app_in;	/* latency: when the application's answer came */
};

extern struct osmo_fsm ussdgw_session_fsm;

/* ussdgw.c */
void ussdgw_ctr_inc(struct ussdgw *gw, enum ussdgw_ctr c);
struct ussdgw_app *ussdgw_app_find(struct ussdgw *gw, const char *name);
struct ussdgw_app *ussdgw_app_by_key(struct ussdgw *gw, const char *key);
struct ussdgw_opcfg *ussdgw_opcfg_find(struct ussdgw *gw, const char *name);
/* The route of a dialled string: the application and the code's parts */
struct ussdgw_app *ussdgw_route(struct ussdgw *gw, const char *dialled, char *code, size_t code_len,
				char *params, size_t params_len);
/* "*123#" -> "*123"; false if it is not a service code */
bool ussdgw_code_key(char *key, size_t len, const char *code);
unsigned int ussdgw_app_timeout_ms(const struct ussdgw_session *s);
unsigned int ussdgw_user_timeout_ms(const struct ussdgw_session *s);
/* The limits of the texts of a session (its operator's) */
const struct ussd_app_limits *ussdgw_limits(const struct ussdgw_session *s);
/* A language code for a DCS of the 23.038 language groups, "" if none */
void ussdgw_dcs_language(char out[USSD_APP_LANG_MAX + 1], uint8_t dcs, const char *lang_prefix);
/* The UTF-8 text of a USSD string; < 0 when it cannot be decoded */
int ussdgw_decode_text(char *out, size_t len, uint8_t dcs, const uint8_t *s, size_t n,
		       char lang[USSD_APP_LANG_MAX + 1]);
int64_t ussdgw_now_ms(void);
uint64_t ussdgw_elapsed_us(const struct timespec *t0);

/* ussdgw_session.c */
struct ussdgw_session *ussdgw_session_alloc(struct ussdgw *gw, bool push, enum ussdgw_net net);
/* Room for a session of app (NULL: any)? extra: sessions not counted yet
 * (1 for one about to be made, 0 for one that exists). false: overload */
bool ussdgw_room_for(struct ussdgw *gw, struct ussdgw_app *app, unsigned int extra);
/* The application takes the session: counted in its sessions */
void ussdgw_session_set_app(struct ussdgw_session *s, struct ussdgw_app *app);
/* Pull: the dialogue is open, the request must come within the application timeout */
void ussdgw_session_expect_request(struct ussdgw_session *s);
/* Pull: the subscriber's request is in s (dialled, dialled_dcs): routes it
 * by its code and asks the application, or refuses it (no route, busy) */
void ussdgw_session_pull(struct ussdgw_session *s);
/* Push: the network leg opened (the opening operation sent) */
void ussdgw_session_push_sent(struct ussdgw_session *s, bool notify);
/* A refusal before the application: the subscriber gets text (NULL: an
 * error component err), the session ends with status */
void ussdgw_session_refuse(struct ussdgw_session *s, int status, const char *text, uint8_t map_error,
			   const char *reason);
/* The end info of a MAP failure */
void ussdgw_end_from_map_err(struct ugw_end *e, const struct map_err *err, const char *what);
void ussdgw_end_set(struct ugw_end *e, enum ussd_app_exit exit, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The push network leg succeeded for billing purposes */
void ussdgw_session_bill(struct ussdgw_session *s);

/* ussdgw_map.c: the network leg over MAP */
int ussdgw_map_start(struct ussdgw *gw);
/* Push: opens the dialogue (to the HLR, or SRI first) with s->push_type and
 * s->push_text to s->msisdn; < 0 and a sentence when it cannot start */
int ussdgw_map_push(struct ussdgw_session *s, char *err, size_t errlen);
int ussdgw_map_send_menu(struct ussdgw_session *s, const struct ussd_app_text *t, uint32_t timeout_ms);
int ussdgw_map_send_notify(struct ussdgw_session *s, const struct ussd_app_text *t);
int ussdgw_map_end(struct ussdgw_session *s, enum ugw_net_end how, const struct ussd_app_text *t,
		   uint8_t map_error, const struct ugw_end *why);
/* push via SRI: the serving MSC is known, open towards it */
int ussdgw_map_push_after_sri(struct ussdgw_session *s);
void ussdgw_map_detach(struct ussdgw_session *s);

/* ussdgw_v1.c: pull from MAP v1 peers */
int ussdgw_v1_start(struct map_instance *mi, const struct map_user *user);
void ussdgw_v1_open(struct ussdgw_session *s, const struct map_open_ind *o);
/* The subscriber's processUnstructuredSS-Data: routed like a v2 request */
void ussdgw_v1_request(struct ussdgw_session *s, int8_t invoke_id, const struct map_ss_user_data *d);
/* false (and why in e): the answer's text cannot go in v1 */
bool ussdgw_v1_answer_ok(struct ussdgw_session *s, const struct ussd_app_answer *a, struct ugw_end *e);
/* true (and the outcome in e): the answer wants another round, which v1 has not */
bool ussdgw_v1_no_rounds(struct ussdgw_session *s, const struct ussd_app_answer *a, struct ugw_end *e);
/* The final text as the result (systemFailure if it is no IA5 text) */
int ussdgw_v1_result(struct map_dialogue *md, int8_t invoke_id, const struct ussd_app_text *t);
/* An error code processUnstructuredSS-Data may return */
enum map_error ussdgw_v1_error(uint8_t code);

/* ussdgw_gsup.c: the network leg over GSUP */
int ussdgw_gsup_send_menu(struct ussdgw_session *s, const struct ussd_app_text *t, bool notify);
int ussdgw_gsup_end(struct ussdgw_session *s, enum ugw_net_end how, const struct ussd_app_text *t,
		    uint8_t map_error);
void ussdgw_gsup_stop(struct ussdgw *gw);

/* ussdgw_http.c: the application leg */
int ussdgw_http_start(struct ussdgw *gw);
void ussdgw_http_stop(struct ussdgw *gw);
/* Sends ev to the application; its answer comes as UGW_EV_APP_ANSWER or
 * UGW_EV_APP_FAIL (END: UGW_EV_APP_ACKED). 0, or < 0 when nothing could be
 * sent (then no event comes). */
int ussdgw_app_send(struct ussdgw_session *s, const struct ussd_app_event *ev);
/* Fills the common fields of an event for s */
void ussdgw_event_init(struct ussd_app_event *ev, const struct ussdgw_session *s,
		       enum ussd_app_event_type type);
void ussdgw_app_cancel(struct ussdgw_session *s);

/* ussdgw_db.c */
int ussdgw_db_init(struct store *st);
int ussdgw_db_bill(struct ussdgw_session *s);
void ussdgw_db_log(struct ussdgw_session *s, int64_t end_ms);
#define USSDGW_PURGE_BATCH	500
/* Session log rows that started more than the retention ago, a batch at a
 * time; returns how many went (the billing records stay: append-only) */
int ussdgw_db_purge(struct store *st, unsigned int retention_days);

/* ussdgw_vty.c */
extern struct ussdgw *g_ussdgw;
