/* The USSD gateway service object: configuration lookups (applications,
 * routes by service code, per-operator settings), timers, counters, the
 * latency histograms, start and stop. See sigway/ussdgw/ussdgw.h. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/gsup/euse.h>
#include <sigway/store/store.h>
#include <sigway/ussd/ussd_string.h>
#include "ussdgw_int.h"

static const struct rate_ctr_desc ugw_ctr_desc[] = {
	[UGW_CTR_PULL] = { "session:pull", "sessions the network opened over MAP" },
	[UGW_CTR_PULL_GSUP] = { "session:pull_gsup", "sessions an OsmoHLR opened over GSUP" },
	[UGW_CTR_PUSH] = { "session:push", "push sessions applications opened" },
	[UGW_CTR_REFUSED_FOREIGN] = { "refused:foreign", "dialogues refused: from a GT of no operator's network" },
	[UGW_CTR_REFUSED_NO_ROUTE] = { "refused:no_route", "sessions refused: no route for the code" },
	[UGW_CTR_REFUSED_OVERLOAD] = { "refused:overload", "sessions refused: max sessions (busy text)" },
	[UGW_CTR_REFUSED_CODING] = { "refused:coding", "sessions refused: string not decodable" },
	[UGW_CTR_PUSH_REFUSED] = { "push:refused", "push requests refused before the network" },
	[UGW_CTR_APP_REQ] = { "app:request", "requests to applications" },
	[UGW_CTR_APP_TIMEOUT] = { "app:timeout", "applications that did not answer in time" },
	[UGW_CTR_APP_HTTP_ERROR] = { "app:http_error", "application answers with an HTTP status other than 200" },
	[UGW_CTR_APP_CONNECT] = { "app:connect", "applications that could not be reached" },
	[UGW_CTR_APP_BAD_ANSWER] = { "app:bad_answer", "application answers that could not be used" },
	[UGW_CTR_APP_TEXT_TOO_LONG] = { "app:text_too_long", "application texts refused as too long" },
	[UGW_CTR_USER_TIMEOUT] = { "user:timeout", "subscribers who did not answer a menu in time" },
	[UGW_CTR_BILLED] = { "billed", "sessions billed" },
	[UGW_CTR_ENDED] = { "ended", "sessions ended" },
};
static const struct rate_ctr_group_desc ugw_ctrg_desc = {
	"ussd", "USSD gateway", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(ugw_ctr_desc), ugw_ctr_desc,
};

static const struct osmo_tdef ugw_tdefs_default[] = {
	{ .T = -UGW_T_APP, .default_val = 10, .unit = OSMO_TDEF_S,
	  .desc = "an application's answer (then the subscriber gets the timeout text)" },
	{ .T = -UGW_T_SESSION, .default_val = 180, .unit = OSMO_TDEF_S,
	  .desc = "the longest USSD session" },
	{}
};

static const char *const status_names[_USSDGW_ST_COUNT] = {
	[USSDGW_ST_NO_ROUTE] = "no_route",
	[USSDGW_ST_OVERLOAD] = "overload",
	[USSDGW_ST_BAD_REQUEST] = "bad_request",
	[USSDGW_ST_APP_REFUSED] = "app_refused",
	[USSDGW_ST_APP_ABORT] = "app_abort",
	[USSDGW_ST_V1_NO_ROUNDS] = "v1_no_rounds",
};

const char *ussdgw_status_name(int st)
{
	if (st >= 0 && st < _USSD_APP_EXIT_COUNT)
		return ussd_app_exit_name((enum ussd_app_exit)st);
	if (st >= 0 && st < _USSDGW_ST_COUNT)
		return status_names[st];
	return "open";
}

struct ussdgw *g_ussdgw;

static void lat_timer_cb(void *data);

/* how often the session log's retention is applied; a full batch comes
 * back at once (a backlog after a long stop goes in a few minutes) */
#define USSDGW_PURGE_S		10

static void purge_timer_cb(void *data)
{
	struct ussdgw *gw = data;
	int n = 0;
	if (gw->log_retention_days && !store_busy(gw->st))
		n = ussdgw_db_purge(gw->st, gw->log_retention_days);
	osmo_timer_schedule(&gw->purge_timer, n >= USSDGW_PURGE_BATCH ? 0 : USSDGW_PURGE_S, 0);
}

struct ussdgw *ussdgw_alloc(void *ctx)
{
	struct ussdgw *gw = talloc_zero(ctx, struct ussdgw);
	if (!gw)
		return NULL;
	gw->ctx = ctx;
	INIT_LLIST_HEAD(&gw->apps);
	INIT_LLIST_HEAD(&gw->routes);
	INIT_LLIST_HEAD(&gw->opcfgs);
	INIT_LLIST_HEAD(&gw->sessions);
	gw->tdefs = talloc_memdup(gw, ugw_tdefs_default, sizeof(ugw_tdefs_default));
	osmo_tdefs_reset(gw->tdefs);
	OSMO_STRLCPY_ARRAY(gw->gw_id, "sigway");
	gw->max_sessions = 10000;
	gw->accept = USSDGW_ACCEPT_OPERATORS;
	gw->http_conns_per_host = 256;
	gw->ssn = SCCP_SSN_MSC;
	gw->log_retention_days = 90;
	/* OsmoHLR 1.5 cannot parse a component with a long-form BER length (over
	 * 127 octets) and drops the EUSE's link: 112 octets of string at most */
	gw->gsup_lim = (struct ussd_app_limits){ .max_gsm7 = 128, .max_ucs2 = 56 };
	OSMO_STRLCPY_ARRAY(gw->text_busy, "The service is busy. Please try again later.");
	OSMO_STRLCPY_ARRAY(gw->text_error, "The service is not available. Please try again later.");
	OSMO_STRLCPY_ARRAY(gw->text_timeout, "The service did not answer in time. Please try again later.");
	OSMO_STRLCPY_ARRAY(gw->text_no_route, "Unknown service code.");
	osmo_timer_setup(&gw->lat_timer, lat_timer_cb, gw);
	osmo_timer_setup(&gw->purge_timer, purge_timer_cb, gw);
	gw->ctrg = rate_ctr_group_alloc(gw, &ugw_ctrg_desc, 0);
	if (!gw->ctrg || !gw->tdefs) {
		talloc_free(gw);
		return NULL;
	}
	g_ussdgw = gw;
	return gw;
}

bool ussdgw_configured(const struct ussdgw *gw)
{
	return gw && gw->configured;
}

uint8_t ussdgw_ssn(const struct ussdgw *gw)
{
	return gw->ssn;
}

bool ussdgw_also_msc_ssn(const struct ussdgw *gw)
{
	return gw->also_msc_ssn;
}

void ussdgw_ctr_inc(struct ussdgw *gw, enum ussdgw_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(gw->ctrg, c));
}

int64_t ussdgw_now_ms(void)
{
	return store_now_ms();
}

uint64_t ussdgw_elapsed_us(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t us = (int64_t)(now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_nsec - t0->tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* ------------------------------------------------------------ lookups */

struct ussdgw_app *ussdgw_app_find(struct ussdgw *gw, const char *name)
{
	struct ussdgw_app *a;
	llist_for_each_entry(a, &gw->apps, list)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* Compares all of both keys, so the time does not tell how much matched */
static bool key_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
	unsigned char diff = la != lb;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(i < la ? a[i] : 0) ^ (unsigned char)(i < lb ? b[i] : 0);
	return diff == 0;
}

struct ussdgw_app *ussdgw_app_by_key(struct ussdgw *gw, const char *key)
{
	struct ussdgw_app *a, *found = NULL;
	if (!key || !*key)
		return NULL;
	llist_for_each_entry(a, &gw->apps, list)
		if (a->push_key[0] && key_equal(a->push_key, key))
			found = a;
	return found;
}

struct ussdgw_opcfg *ussdgw_opcfg_find(struct ussdgw *gw, const char *name)
{
	struct ussdgw_opcfg *o;
	llist_for_each_entry(o, &gw->opcfgs, list)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

bool ussdgw_code_key(char *key, size_t len, const char *code)
{
	size_t n = strlen(code);
	if (n && code[n - 1] == '#')
		n--;
	if (n == 0 || n >= len || strspn(code, "0123456789*#") != strlen(code) ||
	    (code[0] != '*' && code[0] != '#'))
		return false;
	memcpy(key, code, n);
	key[n] = '\0';
	return true;
}

/* "*123*4*55#" on key "*123": matches, params "4*55". A key matches when the
 * dialled string continues after it with '*', '#' or nothing. */
static bool key_matches(const char *key, const char *dialled)
{
	size_t n = strlen(key);
	return !strncmp(dialled, key, n) && (dialled[n] == '\0' || dialled[n] == '*' || dialled[n] == '#');
}

struct ussdgw_app *ussdgw_route(struct ussdgw *gw, const char *dialled, char *code, size_t code_len,
				char *params, size_t params_len)
{
	struct ussdgw_route *r, *best = NULL, *def = NULL;
	llist_for_each_entry(r, &gw->routes, list) {
		if (!r->key[0]) {
			def = r;
			continue;
		}
		if (key_matches(r->key, dialled) && (!best || strlen(r->key) > strlen(best->key)))
			best = r;
	}
	params[0] = '\0';
	code[0] = '\0';
	if (!best) {
		r = def;
		if (!r)
			return NULL;
		/* the default route takes what it gets: the whole string is the code */
		snprintf(code, code_len, "%s", dialled);
		return ussdgw_app_find(gw, r->app);
	}
	snprintf(code, code_len, "%s", best->code);
	const char *rest = dialled + strlen(best->key);
	if (*rest == '*')
		rest++;
	size_t n = strcspn(rest, "#");
	if (n >= params_len)
		n = params_len - 1;
	memcpy(params, rest, n);
	params[n] = '\0';
	return ussdgw_app_find(gw, best->app);
}

unsigned int ussdgw_app_timeout_ms(const struct ussdgw_session *s)
{
	if (s->app && s->app->timeout_ms)
		return s->app->timeout_ms;
	return (unsigned int)osmo_tdef_get(s->gw->tdefs, -UGW_T_APP, OSMO_TDEF_MS, 10000);
}

unsigned int ussdgw_user_timeout_ms(const struct ussdgw_session *s)
{
	if (s->next_user_timeout_ms)
		return s->next_user_timeout_ms;
	if (s->app && s->app->user_timeout_s)
		return s->app->user_timeout_s * 1000;
	return map_service_timeout_ms(MAP_SVC_USSR);
}

const struct ussd_app_limits *ussdgw_limits(const struct ussdgw_session *s)
{
	static const struct ussd_app_limits none;
	if (s->net == UGW_NET_GSUP)
		return &s->gw->gsup_lim;
	return s->opcfg ? &s->opcfg->lim : &none;
}

/* 23.038 5, groups 0000 and 0010: languages coded in the DCS itself */
static const struct {
	uint8_t dcs;
	char lang[3];
} dcs_langs[] = {
	{ 0x00, "de" }, { 0x01, "en" }, { 0x02, "it" }, { 0x03, "fr" }, { 0x04, "es" },
	{ 0x05, "nl" }, { 0x06, "sv" }, { 0x07, "da" }, { 0x08, "pt" }, { 0x09, "fi" },
	{ 0x0a, "no" }, { 0x0b, "el" }, { 0x0c, "tr" }, { 0x0d, "hu" }, { 0x0e, "pl" },
	{ 0x20, "cs" }, { 0x21, "he" }, { 0x22, "ar" }, { 0x23, "ru" }, { 0x24, "is" },
};

void ussdgw_dcs_language(char out[USSD_APP_LANG_MAX + 1], uint8_t dcs, const char *lang_prefix)
{
	out[0] = '\0';
	if (lang_prefix && lang_prefix[0] >= 'a' && lang_prefix[0] <= 'z' && lang_prefix[1] >= 'a' &&
	    lang_prefix[1] <= 'z') {
		memcpy(out, lang_prefix, 2);
		out[2] = '\0';
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dcs_langs); i++)
		if (dcs_langs[i].dcs == dcs)
			memcpy(out, dcs_langs[i].lang, 3);
}

int ussdgw_decode_text(char *out, size_t len, uint8_t dcs, const uint8_t *s, size_t n,
		       char lang[USSD_APP_LANG_MAX + 1])
{
	struct ussd_dcs d;
	char prefix[3] = "";
	ussd_dcs_parse(&d, dcs);
	if (d.compressed || d.charset == USSD_CHARSET_8BIT || n == 0)
		return -EINVAL;
	int rc = ussd_string_decode(out, len, dcs, s, n, prefix);
	if (rc < 0)
		return rc;
	/* what a handset cannot type: control characters other than line ends */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\r')
			*p = ' ';
	if (lang)
		ussdgw_dcs_language(lang, dcs, d.lang_prefix ? prefix : NULL);
	return rc;
}

/* ------------------------------------------------------------ latency */

/* Buckets: 0..15 us one each, then 16 per doubling (about 4.4 % wide) */
static unsigned int lat_bucket(uint64_t us)
{
	if (us < 16)
		return (unsigned int)us;
	unsigned int e = 63 - __builtin_clzll(us);	/* >= 4 */
	unsigned int b = 16 + (e - 4) * 16 + (unsigned int)((us >> (e - 4)) & 15);
	return b < UGW_LAT_BUCKETS ? b : UGW_LAT_BUCKETS - 1;
}

static uint64_t lat_bucket_top(unsigned int b)
{
	if (b < 16)
		return b;
	unsigned int e = (b - 16) / 16 + 4;
	return ((uint64_t)(16 + (b - 16) % 16 + 1) << (e - 4)) - 1;
}

void ussdgw_latency_add(struct ussdgw_latency *l, uint64_t us)
{
	l->bucket[lat_bucket(us)]++;
	l->n++;
	if (us > l->max_us)
		l->max_us = us;
}

static void lat_timer_cb(void *data)
{
	struct ussdgw *gw = data;
	for (unsigned int i = 0; i < gw->n_lat_pending; i++)
		ussdgw_latency_add(gw->lat_pending[i].l, ussdgw_elapsed_us(&gw->lat_pending[i].t0));
	gw->n_lat_pending = 0;
}

void ussdgw_latency_defer(struct ussdgw *gw, struct ussdgw_latency *l, const struct timespec *t0)
{
	/* a timer of 0 set after the HTTP client's own (curl's next step) fires
	 * after it, in the timer phase of the next turn; the SS7 link's queued
	 * writes follow in that turn's fd phase */
	if (gw->n_lat_pending == ARRAY_SIZE(gw->lat_pending))
		return;		/* a sample less, never a wrong one */
	gw->lat_pending[gw->n_lat_pending].l = l;
	gw->lat_pending[gw->n_lat_pending].t0 = *t0;
	gw->n_lat_pending++;
	if (!osmo_timer_pending(&gw->lat_timer))
		osmo_timer_schedule(&gw->lat_timer, 0, 0);
}

uint64_t ussdgw_latency_quantile(const struct ussdgw_latency *l, double q)
{
	if (!l->n)
		return 0;
	uint64_t want = (uint64_t)(q * (double)l->n + 0.999999), seen = 0;
	if (want < 1)
		want = 1;
	for (unsigned int b = 0; b < UGW_LAT_BUCKETS; b++) {
		seen += l->bucket[b];
		/* the last bucket holds everything beyond: its top is the maximum */
		if (seen >= want)
			return b < UGW_LAT_BUCKETS - 1 && lat_bucket_top(b) < l->max_us ? lat_bucket_top(b) : l->max_us;
	}
	return l->max_us;
}

/* ------------------------------------------------------------ start, stop */

int ussdgw_start(struct ussdgw *gw, struct map_instance *mi, struct routing *rt, struct store *st)
{
	if (!st) {
		LOGP(DUSSD, LOGL_ERROR, "the USSD gateway needs the store ('gateway' / 'database') for billing\n");
		return -1;
	}
	gw->mi = mi;
	gw->rt = rt;
	gw->st = st;
	gw->id_epoch = (uint64_t)ussdgw_now_ms();
	struct ussdgw_route *r;
	llist_for_each_entry(r, &gw->routes, list)
		if (!ussdgw_app_find(gw, r->app))
			LOGP(DUSSD, LOGL_ERROR, "route %s names application %s, which is not configured\n",
			     r->key[0] ? r->code : "default", r->app);
	if (ussdgw_db_init(st) < 0 || ussdgw_http_start(gw) < 0) {
		LOGP(DUSSD, LOGL_ERROR, "cannot start the USSD gateway (store or HTTP client)\n");
		return -1;
	}
	if (mi && ussdgw_map_start(gw) < 0) {
		LOGP(DUSSD, LOGL_ERROR, "cannot serve networkUnstructuredSsContext on the MAP instance\n");
		return -1;
	}
	gw->started = true;
	osmo_timer_schedule(&gw->purge_timer, USSDGW_PURGE_S, 0);
	LOGP(DUSSD, LOGL_NOTICE, "USSD gateway %s started: %s%u routes\n", gw->gw_id,
	     mi ? "MAP networkUnstructuredSsContext v2, " : "", (unsigned int)llist_count(&gw->routes));
	return 0;
}

unsigned int ussdgw_drain(struct ussdgw *gw)
{
	struct ussdgw_session *s, *tmp;
	if (!gw->stopping) {
		gw->stopping = true;
		llist_for_each_entry_safe(s, tmp, &gw->sessions, list)
			if (s->fi->state != UGW_S_END)
				osmo_fsm_inst_dispatch(s->fi, UGW_EV_SHUTDOWN, NULL);
	}
	return gw->n_sessions;
}

void ussdgw_free(struct ussdgw *gw)
{
	struct ussdgw_session *s, *tmp;
	if (!gw)
		return;
	gw->stopping = true;
	/* the EUSE first: its sessions' aborts reach ours while they exist */
	ussdgw_gsup_stop(gw);
	llist_for_each_entry_safe(s, tmp, &gw->sessions, list)
		osmo_fsm_inst_term(s->fi, OSMO_FSM_TERM_REQUEST, NULL);
	ussdgw_http_stop(gw);
	osmo_timer_del(&gw->lat_timer);
	osmo_timer_del(&gw->purge_timer);
	if (g_ussdgw == gw)
		g_ussdgw = NULL;
	rate_ctr_group_free(gw->ctrg);
	gw->ctrg = NULL;
	talloc_free(gw);
}
