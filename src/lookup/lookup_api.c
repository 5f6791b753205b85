/* The lookup API on sigwayd's HTTP server (doc/lookup-api.yaml):
 *   GET  /v1/lookup/{number}          one number, answered when the network answered
 *   POST /v1/lookup                   {"to": [...]}: up to max-numbers, in one answer
 *   POST /v1/lookup/jobs              a bulk job (lookup_job.c), and its resources
 *   GET  /v1/lookup/log               the account's lookups of a period
 * The request's account comes from the API-key hook. Input is checked
 * whole before anything is sent: a bad request is never billed. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/common/utc_time.h>
#include <sigway/http/http_server.h>
#include <sigway/numbering/numbering.h>
#include <sigway/store/store.h>
#include "lookup_int.h"

#define LOG_PAGE_MAX 1000

/* One synchronous request: its numbers, answered together */
struct sync_req {
	struct lookup_svc *svc;
	struct http_later h;
	struct account *acct;
	bool single;			/* GET /v1/lookup/{number}: the result object itself */
	unsigned int n, pending;
	struct sync_slot {
		struct sync_req *sr;
		const char *input;
		const char *e164;
		struct lookup_item *it;	/* while its lookup runs */
		int same_as;		/* the earlier slot with the same number, -1: none */
		const char *text;	/* its result as JSON, with its input (talloc child) */
	} *slots;
};

/* ------------------------------------------------------------ helpers */

static struct account *account_of(struct http_request *req)
{
	return http_req_principal(req);
}

/* 403 when the account may not look numbers up */
static bool permitted(struct http_request *req, struct account *a)
{
	if (a && !a->lookup.denied)
		return true;
	http_respond_error(req, 403, "this account may not look numbers up");
	return false;
}

static struct lookup_parse_opts parse_opts(struct lookup_svc *svc, bool job)
{
	return (struct lookup_parse_opts){ .norm = numbering_norm_defaults(svc->d.numbering),
					   .max_numbers = job ? svc->cfg.job_max_numbers : svc->cfg.max_numbers,
					   .job = job, .max_notify_batch = svc->cfg.notify_batch_max };
}

bool lookup_api_refuse_parse(struct lookup_svc *svc, struct http_request *req, int rc,
			     const struct lookup_request *lr, const char *why)
{
	char msg[512];	/* never cut: a cut could split a UTF-8 sequence */
	if (rc == LOOKUP_PARSE_OK)
		return false;
	lookup_ctr_inc(svc, LOOKUP_CTR_REFUSED_INPUT);
	switch (rc) {
	case LOOKUP_PARSE_TOO_MANY:
		http_respond_error(req, 413, "%s", why);
		return true;
	case LOOKUP_PARSE_EMPTY:
		http_respond_error(req, 400, "no numbers to look up");
		return true;
	case LOOKUP_PARSE_BAD_NUMBERS:
		break;
	default:
		http_respond_error(req, 400, "%s", why[0] ? why : "the request cannot be read");
		return true;
	}
	if (lr->n_bad == 1)
		snprintf(msg, sizeof(msg), "'%s' is not a phone number: %s", lr->bad[0].input, lr->bad[0].reason);
	else
		snprintf(msg, sizeof(msg), "%u numbers cannot be understood (the first: '%s': %s); nothing was looked up",
			 lr->n_bad, lr->bad[0].input, lr->bad[0].reason);
	json_t *body = http_error_body(400, msg);
	json_t *err = json_object_get(body, "error");
	json_t *list = json_array();
	for (unsigned int i = 0; i < lr->n_bad_reported; i++)
		json_array_append_new(list, json_pack("{s:i,s:s,s:s}", "index", lr->bad[i].index, "input",
						      lr->bad[i].input, "reason", lr->bad[i].reason));
	json_object_set_new(err, "invalid", list);
	json_object_set_new(err, "invalidCount", json_integer(lr->n_bad));
	http_respond_json(req, 400, body);
	return true;
}

bool lookup_api_rate_refused(struct lookup_svc *svc, struct http_request *req, struct account *a, unsigned int n)
{
	int64_t wait = account_lookup_rate_take(a, n, store_now_ms());
	if (!wait)
		return false;
	lookup_ctr_inc(svc, LOOKUP_CTR_RATE_LIMITED);
	http_respond_retry(req, 429, (unsigned int)((wait + 999) / 1000),
			   "the account may look up %u numbers per second", a->lookup.rate);
	return true;
}

/* ------------------------------------------------------------ synchronous */

/* {"results":[...]} of the slots' texts, in their order */
static char *results_text(struct sync_req *sr, size_t *len)
{
	size_t n = sizeof("{\"results\":[]}");
	for (unsigned int i = 0; i < sr->n; i++)
		n += strlen(sr->slots[i].text) + 1;
	char *out = talloc_size(sr, n);
	if (!out)
		return NULL;
	char *p = out + sprintf(out, "{\"results\":[");
	for (unsigned int i = 0; i < sr->n; i++) {
		size_t l = strlen(sr->slots[i].text);
		if (i)
			*p++ = ',';
		memcpy(p, sr->slots[i].text, l);
		p += l;
	}
	p += sprintf(p, "]}");
	*len = (size_t)(p - out);
	return out;
}

static void sync_answer(struct sync_req *sr)
{
	struct http_request *req = http_later_get(sr->h);
	size_t len = 0;
	if (req) {
		const char *text = sr->single ? sr->slots[0].text : results_text(sr, &len);
		if (!text)
			http_respond_error(req, 500, "out of memory");
		else
			http_respond(req, 200, "application/json", text, sr->single ? strlen(text) : len);
	}
	talloc_free(sr);
}

/* the text of slot i and of its repeats, each with its own input; the IMSI
 * masked unless the account may see it */
static void slots_render(struct sync_req *sr, unsigned int i, const struct lookup_result *r, const char *text)
{
	for (unsigned int j = i; j < sr->n; j++) {
		struct sync_slot *s = &sr->slots[j];
		if (j != i && s->same_as != (int)i)
			continue;
		/* from the log row's text when there is one: not rendered twice */
		s->text = text ? lookup_result_text_from(sr, text, r, sr->acct->lookup.imsi_full, s->input) :
				 lookup_result_text(sr, r, sr->acct->lookup.imsi_full, s->input);
		if (!s->text) {
			/* no memory, or an input that is not UTF-8 (the parser lets none through) */
			json_t *o = json_pack("{s:s,s:s}", "to", r->to, "status", lookup_status_name(r->status));
			char *t = o ? json_dumps(o, JSON_COMPACT) : NULL;
			s->text = t ? talloc_strdup(sr, t) : NULL;
			free(t);
			json_decref(o);
			if (!s->text)
				s->text = "{}";
		}
	}
}

static void slot_done(void *priv, const struct lookup_result *r, const char *text)
{
	struct sync_slot *s = priv;
	struct sync_req *sr = s->sr;
	s->it = NULL;
	slots_render(sr, (unsigned int)(s - sr->slots), r, text);
	if (--sr->pending == 0)
		sync_answer(sr);
}

static int sync_destructor(struct sync_req *sr)
{
	for (unsigned int i = 0; i < sr->n; i++) {
		if (sr->slots[i].it)
			lookup_item_cancel(sr->slots[i].it);
	}
	return 0;
}

/* the client left, or the server gave up waiting: the numbers not sent yet are dropped */
static void sync_gone(void *data, enum http_gone_reason why)
{
	talloc_free(data);
}

/* what a request would send to the network: its numbers not in the cache */
static unsigned int network_numbers(struct lookup_svc *svc, struct sync_req *sr)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < sr->n; i++) {
		struct routing_sri_result sri;
		char op[32];
		int64_t age;
		const struct account_lookup *l = &sr->acct->lookup;
		if (sr->slots[i].same_as >= 0)
			continue;
		if (l->cache_ttl_s && !lookup_cache_get(svc->cache, sr->acct, sr->slots[i].e164, l->cache_ttl_s * 1000LL,
							store_now_ms(), &sri, &age, op, sizeof(op)))
			continue;
		n++;
	}
	return n;
}

/* Checks that the service can take the numbers now: 503/429 answered when not */
static bool admit(struct lookup_svc *svc, struct http_request *req, struct sync_req *sr)
{
	unsigned int unique = 0;
	for (unsigned int i = 0; i < sr->n; i++)
		unique += sr->slots[i].same_as < 0;
	unsigned int need = network_numbers(svc, sr);
	if (svc->stopping) {
		http_respond_retry(req, 503, 5, "the gateway is stopping");
		return false;
	}
	if (need && !lookup_link_up(svc)) {
		http_respond_retry(req, 503, 5, "the SS7 link is down: nothing can be looked up now");
		return false;
	}
	if (svc->queued + need > svc->cfg.max_queued) {
		http_respond_retry(req, 503, 1, "too many lookups are waiting: try again");
		return false;
	}
	if (need > lookup_quota_left(svc, sr->acct)) {
		lookup_ctr_inc(svc, LOOKUP_CTR_QUOTA_EXCEEDED);
		http_respond_retry(req, 429, lookup_secs_to_midnight(),
				   "the account's daily quota of %u lookups has %u left", sr->acct->lookup.daily_quota,
				   lookup_quota_left(svc, sr->acct));
		return false;
	}
	return !lookup_api_rate_refused(svc, req, sr->acct, unique);
}

static void sync_start(struct lookup_svc *svc, struct http_request *req, struct account *a,
		       const struct lookup_request *lr, bool single, void *ctx)
{
	struct sync_req *sr = talloc_zero(NULL, struct sync_req);
	if (!sr) {
		http_respond_error(req, 500, "out of memory");
		return;
	}
	talloc_steal(sr, ctx);
	sr->svc = svc;
	sr->acct = a;
	sr->single = single;
	sr->n = lr->n;
	sr->slots = talloc_zero_array(sr, struct sync_slot, lr->n);
	if (!sr->slots) {
		talloc_free(sr);
		http_respond_error(req, 500, "out of memory");
		return;
	}
	for (unsigned int i = 0; i < lr->n; i++) {
		struct sync_slot *s = &sr->slots[i];
		s->sr = sr;
		s->input = lr->numbers[i].input;
		s->e164 = lr->numbers[i].e164;
		s->same_as = -1;
		for (unsigned int j = 0; j < i && s->same_as < 0; j++)
			if (!strcmp(sr->slots[j].e164, s->e164) && sr->slots[j].same_as < 0)
				s->same_as = (int)j;
	}
	talloc_set_destructor(sr, sync_destructor);
	lookup_ctr_inc(svc, LOOKUP_CTR_REQUESTS);
	rate_ctr_add(rate_ctr_group_get_ctr(svc->ctrg, LOOKUP_CTR_NUMBERS), lr->n);
	if (!admit(svc, req, sr)) {
		talloc_free(sr);
		return;
	}
	sr->h = http_req_later(req);
	if (!sr->h.id) {
		talloc_free(sr);
		return;
	}
	http_req_on_gone(req, sync_gone, sr);
	for (unsigned int i = 0; i < sr->n; i++) {
		struct sync_slot *s = &sr->slots[i];
		if (s->same_as >= 0)
			continue;
		sr->pending++;
		s->it = lookup_item_start(svc, a, s->e164, NULL, 0, slot_done, s);
		if (!s->it) {
			/* out of memory: this one is not sent */
			struct lookup_result r = { .request_ms = store_now_ms() };
			osmo_strlcpy(r.to, s->e164, sizeof(r.to));
			lookup_derive_unsent(&r, svc->d.numbering, LOOKUP_ERR_NOT_SENT);
			slots_render(sr, i, &r, NULL);
			sr->pending--;
		}
	}
	if (!sr->pending)
		sync_answer(sr);
}

static void get_one(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	struct lookup_request lr;
	struct lookup_parse_opts o = parse_opts(svc, false);
	if (!permitted(req, a))
		return;
	void *ctx = talloc_new(NULL);
	int rc = lookup_request_parse_one(ctx, http_req_param(req, "number"), &o, &lr);
	if (rc == LOOKUP_PARSE_BAD_NUMBERS) {
		json_t *body = http_error_body(400, "");
		json_t *err = json_object_get(body, "error");
		char msg[512];
		snprintf(msg, sizeof(msg), "'%s' is not a phone number: %s", lr.bad[0].input, lr.bad[0].reason);
		json_object_set_new(err, "message", json_string(msg));
		json_object_set_new(err, "input", json_string(lr.bad[0].input));
		json_object_set_new(err, "reason", json_string(lr.bad[0].reason));
		lookup_ctr_inc(svc, LOOKUP_CTR_REFUSED_INPUT);
		http_respond_json(req, 400, body);
		talloc_free(ctx);
		return;
	}
	if (lookup_api_refuse_parse(svc, req, rc, &lr, "")) {
		talloc_free(ctx);
		return;
	}
	sync_start(svc, req, a, &lr, true, ctx);
}

static void post_many(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	struct lookup_request lr;
	struct lookup_parse_opts o = parse_opts(svc, false);
	char why[200];
	size_t len;
	if (!permitted(req, a))
		return;
	const char *body = http_req_body(req, &len);
	void *ctx = talloc_new(NULL);
	int rc = lookup_request_parse_json(ctx, body ? body : "", body ? len : 0, &o, &lr, why, sizeof(why));
	if (lookup_api_refuse_parse(svc, req, rc, &lr, why)) {
		talloc_free(ctx);
		return;
	}
	sync_start(svc, req, a, &lr, false, ctx);
}

/* ------------------------------------------------------------ the log */

static bool time_arg(struct http_request *req, const char *name, int64_t *out)
{
	const char *s = http_req_query(req, name);
	if (!s)
		return true;
	if (sigway_utc_parse(s, out) == 0)
		return true;
	http_respond_error(req, 400, "%s: a time as YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (UTC) or milliseconds", name);
	return false;
}

static bool uint_arg(struct http_request *req, const char *name, long long max, long long *out)
{
	const char *s = http_req_query(req, name);
	char *end;
	if (!s)
		return true;
	long long v = strtoll(s, &end, 10);
	if (*s && !*end && v >= 0 && v <= max) {
		*out = v;
		return true;
	}
	http_respond_error(req, 400, "%s: an integer from 0 to %lld", name, max);
	return false;
}

/* the log's cursor: "<request_ms>-<id>" of the last row of the page before */
static bool cursor_arg(struct http_request *req, int64_t *ms, int64_t *id)
{
	const char *s = http_req_query(req, "after");
	long long a, b;
	char tail;
	if (!s)
		return true;
	if (sscanf(s, "%lld-%lld%c", &a, &b, &tail) == 2 && a >= 0 && b >= 0) {
		*ms = a;
		*id = b;
		return true;
	}
	http_respond_error(req, 400, "after: the \"next\" of the page before");
	return false;
}

static void get_log(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	int64_t from = 0, to = INT64_MAX, after_ms = -1, after_id = 0;
	long long limit = 100;
	if (!permitted(req, a) || !time_arg(req, "from", &from) || !time_arg(req, "to", &to) ||
	    !uint_arg(req, "limit", LOG_PAGE_MAX, &limit) || !cursor_arg(req, &after_ms, &after_id))
		return;
	/* in the order of the (account, request_ms) index; the cursor goes on after a row */
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT id, request_ms, result FROM lookups WHERE account = ?1"
				     " AND request_ms >= ?2 AND request_ms < ?3"
				     " AND (request_ms > ?4 OR (request_ms = ?4 AND id > ?5))"
				     " ORDER BY account, request_ms, id LIMIT ?6");
	if (!s) {
		http_respond_error(req, 500, "the log cannot be read");
		return;
	}
	sqlite3_bind_text(s, 1, a->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	sqlite3_bind_int64(s, 4, after_ms);
	sqlite3_bind_int64(s, 5, after_id);
	sqlite3_bind_int64(s, 6, limit ? limit : 1);
	json_t *list = json_array();
	long long last_id = 0, last_ms = 0;
	int n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *r = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);
		last_id = sqlite3_column_int64(s, 0);
		last_ms = sqlite3_column_int64(s, 1);
		n++;
		if (!r)
			continue;
		if (!a->lookup.imsi_full)
			lookup_json_mask_imsi(r);
		json_array_append_new(list, r);
	}
	sqlite3_reset(s);
	char next[48];
	snprintf(next, sizeof(next), "%lld-%lld", last_ms, last_id);
	http_respond_json(req, 200, json_pack("{s:o,s:o}", "lookups", list, "next",
					      n && n == limit ? json_string(next) : json_null()));
}

/* ------------------------------------------------------------ jobs */

static void post_job(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	if (permitted(req, a))
		lookup_job_create(svc, req, a);
}

static void get_job(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	if (permitted(req, a))
		lookup_job_status(svc, req, a, http_req_param(req, "id"));
}

static void get_job_results(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	if (permitted(req, a))
		lookup_job_results(svc, req, a, http_req_param(req, "id"));
}

static void delete_job(struct http_request *req, void *data)
{
	struct lookup_svc *svc = data;
	struct account *a = account_of(req);
	if (permitted(req, a))
		lookup_job_cancel(svc, req, a, http_req_param(req, "id"));
}

int lookup_api_register(struct lookup_svc *svc)
{
	struct http_server *srv = svc->d.http;
	/* a number of 64 characters in JSON is at most 6 * 64 + 4 bytes */
	struct http_route_opts sync_opts = { .max_body = 4096 + (size_t)svc->cfg.max_numbers * 400 };
	struct http_route_opts job_opts = { .max_body = svc->cfg.job_max_body };
	if (!srv)
		return 0;
	int rc = http_server_route(srv, HTTP_GET, "/v1/lookup/{number}", NULL, get_one, svc);
	rc |= http_server_route(srv, HTTP_POST, "/v1/lookup", &sync_opts, post_many, svc);
	rc |= http_server_route(srv, HTTP_GET, "/v1/lookup/log", NULL, get_log, svc);
	rc |= http_server_route(srv, HTTP_POST, "/v1/lookup/jobs", &job_opts, post_job, svc);
	rc |= http_server_route(srv, HTTP_GET, "/v1/lookup/jobs/{id}", NULL, get_job, svc);
	rc |= http_server_route(srv, HTTP_DELETE, "/v1/lookup/jobs/{id}", NULL, delete_job, svc);
	rc |= http_server_route(srv, HTTP_GET, "/v1/lookup/jobs/{id}/results", NULL, get_job_results, svc);
	return rc ? -EINVAL : 0;
}
