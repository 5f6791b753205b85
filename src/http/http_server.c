/* The HTTP server: GNU libmicrohttpd with an external event loop. MHD's
 * epoll fd is one osmo_fd, MHD_get_timeout() drives an osmo_timer, and
 * MHD_run() does the work; nothing runs in another thread. A request
 * whose answer comes from the network is suspended (MHD stops watching
 * its socket) and resumed when answered. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include "http_int.h"

/* what a request body may exceed the limit by while we read it to its
 * end (no Content-Length) before we close instead of answering 413 */
#define HTTP_DISCARD_MAX	(1 << 20)

struct http_header {
	struct llist_head list;
	char *name, *value;
};

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const struct http_route *route;
	char method[16];
	char *path;
	struct {
		unsigned int n;
		const char *name[HTTP_PARAMS_MAX];
		char *value[HTTP_PARAMS_MAX];
	} params;
	char *rest;
	unsigned int n_query;
	char **query_key, **query_value;
	char client_ip[INET6_ADDRSTRLEN];
	void *principal;

	/* body */
	char *body;
	size_t body_len, body_cap, body_max, discarded;
	bool body_too_large;

	/* the answer */
	unsigned int status;
	char *resp;
	size_t resp_len;
	char *content_type;
	struct llist_head resp_headers;
	bool answered, handled;

	/* answered later */
	uint64_t id;			/* 0: not pending */
	struct hlist_node pending_node;	/* in g_pending */
	struct llist_head pending_list;	/* in srv->pending */
	bool suspended, gone;
	int watch_fd;			/* the client's socket while MHD does not look at it; -1: not watched */
	struct osmo_timer_list deadline;
	void (*gone_cb)(void *data, enum http_gone_reason why);
	void *gone_data;
};

static const struct rate_ctr_desc http_ctr_desc[] = {
	[HTTP_CTR_CONN_ACCEPTED] = { "conn:accepted", "connections accepted" },
	[HTTP_CTR_REQ] = { "req:rx", "requests received" },
	[HTTP_CTR_RESP_2XX] = { "resp:2xx", "answers 2xx" },
	[HTTP_CTR_RESP_3XX] = { "resp:3xx", "answers 3xx" },
	[HTTP_CTR_RESP_4XX] = { "resp:4xx", "answers 4xx" },
	[HTTP_CTR_RESP_5XX] = { "resp:5xx", "answers 5xx" },
	[HTTP_CTR_AUTH_REFUSED] = { "auth:refused", "requests refused by the API key check" },
	[HTTP_CTR_BODY_TOO_LARGE] = { "req:body_too_large", "requests answered 413" },
	[HTTP_CTR_CONN_REFUSED_IP] = { "conn:refused_per_ip", "connections refused: per-address limit" },
	[HTTP_CTR_PENDING_REFUSED] = { "pending:refused", "later answers refused: too many waiting (503)" },
	[HTTP_CTR_PENDING_CLIENT_LEFT] = { "pending:client_left", "clients that left before their later answer" },
	[HTTP_CTR_PENDING_TIMEOUT] = { "pending:timeout", "later answers not given in time (503)" },
};
static const struct rate_ctr_group_desc http_ctrg_desc = {
	"http", "HTTP server", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(http_ctr_desc), http_ctr_desc,
};
osmo_static_assert(ARRAY_SIZE(http_ctr_desc) == _HTTP_CTR_COUNT, http_ctr_desc_complete);

static const struct osmo_stat_item_desc http_stat_desc[] = {
	[HTTP_STAT_CONNECTIONS] = { "connections", "open connections", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
	[HTTP_STAT_PENDING] = { "pending", "requests waiting for a later answer", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
};
static const struct osmo_stat_item_group_desc http_statg_desc = {
	"http", "HTTP server", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(http_stat_desc), http_stat_desc,
};

const struct value_string http_gone_reason_names[] = {
	{ HTTP_GONE_CLIENT_LEFT, "client left" },
	{ HTTP_GONE_TIMEOUT, "timeout" },
	{ HTTP_GONE_SHUTDOWN, "shutdown" },
	{ 0, NULL }
};

/* Requests waiting for a later answer, by id, for all servers: a handle
 * is looked up here without touching a server that may be gone */
static DECLARE_HASHTABLE(g_pending, HTTP_PENDING_HASH_BITS);
static uint64_t g_next_id;

static void schedule_run(struct http_server *srv, unsigned long ms);

static void stat_set(struct http_server *srv, enum http_stat s, int32_t v)
{
	osmo_stat_item_set(osmo_stat_item_group_get_item(srv->statg, s), v);
}

const char *http_status_text(unsigned int status)
{
	return MHD_get_reason_phrase_for(status);
}

/* ------------------------------------------------------------ answers */

/* "Not Found" -> "not_found": the machine-readable code of an error */
static void status_code_name(unsigned int status, char *out, size_t len)
{
	const char *s = http_status_text(status);
	size_t i;
	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' :
			 ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')) ? s[i] : '_';
	out[i] = '\0';
}

json_t *http_error_body(unsigned int status, const char *message)
{
	char code[64];
	status_code_name(status, code, sizeof(code));
	return json_pack("{s:{s:i, s:s, s:s}}", "error", "status", (int)status, "code", code,
			 "message", message ? message : "");
}

static bool header_text_ok(const char *s)
{
	return !strpbrk(s, "\r\n");
}

int http_req_add_header(struct http_request *req, const char *name, const char *value)
{
	if (!header_text_ok(name) || !header_text_ok(value) || !name[0] || strchr(name, ':'))
		return -EINVAL;
	struct http_header *h = talloc_zero(req, struct http_header);
	h->name = talloc_strdup(h, name);
	h->value = talloc_strdup(h, value);
	llist_add_tail(&h->list, &req->resp_headers);
	return 0;
}

static bool has_resp_header(const struct http_request *req, const char *name)
{
	struct http_header *h;
	llist_for_each_entry(h, &req->resp_headers, list)
		if (!strcasecmp(h->name, name))
			return true;
	return false;
}

static void pending_forget(struct http_request *req);

/* MHD processes the connection again (calls the access handler) */
static void resume(struct http_request *req)
{
	if (req->suspended) {
		req->suspended = false;
		MHD_resume_connection(req->conn);
	}
	schedule_run(req->srv, 0);
}

int http_respond(struct http_request *req, unsigned int status, const char *content_type, const void *body,
		 size_t len)
{
	if (req->answered || req->gone)
		return -EALREADY;
	if (status < 100 || status > 999 || (content_type && !header_text_ok(content_type)))
		return -EINVAL;
	req->answered = true;
	req->status = status;
	req->resp = talloc_memdup(req, body ? body : "", len ? len : 1);
	req->resp_len = len;
	req->content_type = content_type ? talloc_strdup(req, content_type) : NULL;
	if (req->id) {
		/* answered later: MHD processes the connection again, queues the
		 * answer from our access handler */
		pending_forget(req);
		resume(req);
	}
	return 0;
}

int http_respond_json(struct http_request *req, unsigned int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	json_decref(body);
	if (!text) {
		static const char fallback[] = "{\"error\":{\"status\":500,\"code\":\"internal_server_error\","
					       "\"message\":\"answer not representable as JSON\"}}";
		LOGP(DHTTP, LOGL_ERROR, "%s %s: answer not representable as JSON\n", req->method, req->path);
		return http_respond(req, 500, "application/json", fallback, sizeof(fallback) - 1);
	}
	rc = http_respond(req, status, "application/json", text, strlen(text));
	free(text);
	return rc;
}

static int respond_error_v(struct http_request *req, unsigned int status, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	LOGP(DHTTP, status >= 500 ? LOGL_NOTICE : LOGL_INFO, "%s %s from %s: %u %s\n", req->method, req->path,
	     req->client_ip, status, msg);
	return http_respond_json(req, status, http_error_body(status, msg));
}

int http_respond_error(struct http_request *req, unsigned int status, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = respond_error_v(req, status, fmt, ap);
	va_end(ap);
	return rc;
}

int http_respond_retry(struct http_request *req, unsigned int status, unsigned int retry_after_s, const char *fmt,
		       ...)
{
	char secs[16];
	va_list ap;
	int rc;

	if (!req->answered && !has_resp_header(req, "Retry-After")) {
		snprintf(secs, sizeof(secs), "%u", retry_after_s);
		http_req_add_header(req, "Retry-After", secs);
	}
	va_start(ap, fmt);
	rc = respond_error_v(req, status, fmt, ap);
	va_end(ap);
	return rc;
}

/* hands the stored answer to MHD (from the access handler only) */
static enum MHD_Result queue_answer(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct MHD_Response *r;
	struct http_header *h;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(req->resp_len, req->resp, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (req->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	llist_for_each_entry(h, &req->resp_headers, list)
		MHD_add_response_header(r, h->name, h->value);
	rc = MHD_queue_response(req->conn, req->status, r);
	MHD_destroy_response(r);
	TALLOC_FREE(req->resp);
	switch (req->status / 100) {
	case 2: http_ctr_inc(srv, HTTP_CTR_RESP_2XX); break;
	case 3: http_ctr_inc(srv, HTTP_CTR_RESP_3XX); break;
	case 4: http_ctr_inc(srv, HTTP_CTR_RESP_4XX); break;
	case 5: http_ctr_inc(srv, HTTP_CTR_RESP_5XX); break;
	}
	LOGP(DHTTP, LOGL_DEBUG, "%s %s from %s: %u\n", req->method, req->path, req->client_ip, req->status);
	return rc;
}

/* ------------------------------------------------------ later answers */

static void watch_stop(struct http_request *req)
{
	req->watch_fd = -1;
}

/* out of the table: the handle no longer finds it */
static void pending_forget(struct http_request *req)
{
	if (!req->id)
		return;
	hash_del(&req->pending_node);
	llist_del(&req->pending_list);
	req->id = 0;
	req->srv->n_pending--;
	stat_set(req->srv, HTTP_STAT_PENDING, req->srv->n_pending);
	watch_stop(req);
	osmo_timer_del(&req->deadline);
}

/* a later request ends without its owner's answer */
static void pending_end(struct http_request *req, enum http_gone_reason why)
{
	void (*cb)(void *, enum http_gone_reason) = req->gone_cb;
	void *data = req->gone_data;

	req->gone_cb = NULL;
	if (why == HTTP_GONE_CLIENT_LEFT) {
		pending_forget(req);
		req->gone = true;	/* the access handler closes the connection */
		resume(req);
	} else {
		http_respond_retry(req, 503, 1, why == HTTP_GONE_TIMEOUT ? "the service did not answer in time" :
				   "the server is stopping");
	}
	if (cb)
		cb(data, why);
}

/* The client's socket while MHD does not watch it: end of stream or an
 * error means the client left. Data (a pipelined request, TLS records)
 * tells nothing: stop looking, the answer will find out. */
static void watch_one(struct http_request *req)
{
	char c;
	ssize_t n = recv(req->watch_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n > 0) {
		watch_stop(req);
		return;
	}
	LOGP(DHTTP, LOGL_INFO, "%s %s from %s: the client left before the answer\n", req->method, req->path,
	     req->client_ip);
	http_ctr_inc(req->srv, HTTP_CTR_PENDING_CLIENT_LEFT);
	pending_end(req, HTTP_GONE_CLIENT_LEFT);
}

static void watch_timer_cb(void *data)
{
	struct http_server *srv = data;
	struct http_request *req, *tmp;
	llist_for_each_entry_safe(req, tmp, &srv->pending, pending_list)
		if (req->watch_fd >= 0)
			watch_one(req);
	if (srv->n_pending)
		osmo_timer_schedule(&srv->watch_timer, 0, HTTP_WATCH_MS * 1000);
}

static void deadline_cb(void *data)
{
	struct http_request *req = data;
	http_ctr_inc(req->srv, HTTP_CTR_PENDING_TIMEOUT);
	pending_end(req, HTTP_GONE_TIMEOUT);
}

struct http_later http_req_later(struct http_request *req)
{
	struct http_server *srv = req->srv;

	if (req->answered || req->gone)
		return (struct http_later){ 0 };
	if (req->id)
		return (struct http_later){ req->id };
	if (srv->n_pending >= srv->cfg.max_pending) {
		http_ctr_inc(srv, HTTP_CTR_PENDING_REFUSED);
		http_respond_retry(req, 503, 1, "too many requests in progress");
		return (struct http_later){ 0 };
	}
	req->id = ++g_next_id;
	hash_add(g_pending, &req->pending_node, req->id);
	llist_add_tail(&req->pending_list, &srv->pending);
	srv->n_pending++;
	stat_set(srv, HTTP_STAT_PENDING, srv->n_pending);
	osmo_timer_setup(&req->deadline, deadline_cb, req);
	osmo_timer_schedule(&req->deadline, srv->cfg.pending_timeout_s, 0);
	if (!osmo_timer_pending(&srv->watch_timer))
		osmo_timer_schedule(&srv->watch_timer, 0, HTTP_WATCH_MS * 1000);
	return (struct http_later){ req->id };
}

struct http_request *http_later_get(struct http_later h)
{
	struct http_request *req;
	if (!h.id)
		return NULL;
	hash_for_each_possible(g_pending, req, pending_node, h.id)
		if (req->id == h.id)
			return req;
	return NULL;
}

void http_req_on_gone(struct http_request *req, void (*cb)(void *data, enum http_gone_reason why), void *data)
{
	req->gone_cb = cb;
	req->gone_data = data;
}

/* suspends a pending request (from the access handler) and watches its socket */
static void suspend(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;

	MHD_suspend_connection(req->conn);
	req->suspended = true;
	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	req->watch_fd = ci ? ci->connect_fd : -1;
}

/* ----------------------------------------------------------- requests */

const char *http_req_method(const struct http_request *req)
{
	return req->method;
}

const char *http_req_path(const struct http_request *req)
{
	return req->path;
}

const char *http_req_param(const struct http_request *req, const char *name)
{
	for (unsigned int i = 0; i < req->params.n; i++)
		if (!strcmp(req->params.name[i], name))
			return req->params.value[i];
	return NULL;
}

const char *http_req_rest(const struct http_request *req)
{
	return req->rest;
}

const char *http_req_query(const struct http_request *req, const char *name)
{
	for (unsigned int i = 0; i < req->n_query; i++)
		if (req->query_key[i] && !strcmp(req->query_key[i], name))
			return req->query_value[i];
	return NULL;
}

const char *http_req_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_client_ip(const struct http_request *req)
{
	return req->client_ip;
}

const char *http_req_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body_len;
	return req->body ? req->body : "";
}

json_t *http_req_json(struct http_request *req)
{
	json_error_t err;
	json_t *j;

	if (!req->body_len) {
		http_respond_error(req, 400, "a JSON body is required");
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		http_respond_error(req, 400, "invalid JSON: %s (line %d, column %d)", err.text, err.line, err.column);
	return j;
}

void http_req_set_principal(struct http_request *req, void *principal)
{
	req->principal = principal;
}

void *http_req_principal(const struct http_request *req)
{
	return req->principal;
}

/* MHD leaves the query arguments undecoded (our unescape callback), so
 * a "%26" in a value is not a separator; we decode them here */
static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(*(unsigned int *)cls)++;
	return MHD_YES;
}

static enum MHD_Result store_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct http_request *req = cls;
	unsigned int i = req->n_query++;
	char *k = talloc_strdup(req, key ? key : "");
	char *v = talloc_strdup(req, value ? value : "");

	/* an undecodable argument is absent for the handler */
	req->query_key[i] = http_pct_decode(k, true) < 0 ? NULL : k;
	req->query_value[i] = http_pct_decode(v, true) < 0 ? NULL : v;
	if (!req->query_value[i])
		req->query_key[i] = NULL;
	return MHD_YES;
}

static void parse_query(struct http_request *req)
{
	unsigned int n = 0;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, count_arg, &n);
	if (!n)
		return;
	req->query_key = talloc_zero_array(req, char *, n);
	req->query_value = talloc_zero_array(req, char *, n);
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, store_arg, req);
}

static unsigned int method_bit(const char *m)
{
	static const struct { const char *name; unsigned int bit; } map[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST }, { "PUT", HTTP_PUT },
		{ "DELETE", HTTP_DELETE }, { "PATCH", HTTP_PATCH }, { "OPTIONS", HTTP_OPTIONS },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, m))
			return map[i].bit;
	return 0;
}

static bool route_allows(const struct http_route *r, unsigned int bit)
{
	return (r->methods & bit) || (bit == HTTP_HEAD && (r->methods & HTTP_GET));
}

static void allow_header(struct http_request *req, unsigned int methods)
{
	static const char *names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };
	char allow[64] = "";
	if (methods & HTTP_GET)
		methods |= HTTP_HEAD;
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if (methods & (1u << i))
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s", allow[0] ? ", " : "",
				 names[i]);
	http_req_add_header(req, "Allow", allow);
}

/* finds the route; answers 400/404/405/414 itself */
static bool route_request(struct http_request *req)
{
	struct http_server *srv = req->srv;
	struct http_path *path = talloc(req, struct http_path);
	struct http_match m, best_m;
	const struct http_route *r, *best = NULL;
	unsigned int bit = method_bit(req->method), other_methods = 0;
	long best_score = -1;
	int rc = http_path_split(path, req->path);

	if (rc < 0) {
		if (rc == -E2BIG)
			http_respond_error(req, 414, "the path is too long or has too many segments");
		else
			http_respond_error(req, 400, "malformed path");
		talloc_free(path);
		return false;
	}
	llist_for_each_entry(r, &srv->routes, list) {
		long score = http_pattern_match(&r->pat, path, &m);
		if (score < 0)
			continue;
		if (!route_allows(r, bit)) {
			other_methods |= r->methods;
			continue;
		}
		if (score > best_score) {
			best_score = score;
			best = r;
			best_m = m;
		}
	}
	if (!best) {
		if (other_methods) {
			allow_header(req, other_methods);
			http_respond_error(req, 405, "%s is not allowed here", req->method);
		} else {
			http_respond_error(req, 404, "no such resource");
		}
		talloc_free(path);
		return false;
	}
	req->route = best;
	req->params.n = best_m.n_params;
	for (unsigned int i = 0; i < best_m.n_params; i++) {
		req->params.name[i] = best_m.param[i].name;	/* into the route: lives as long */
		req->params.value[i] = talloc_strdup(req, best_m.param[i].value);
	}
	if (best_m.rest)
		req->rest = talloc_strdup(req, best_m.rest);
	talloc_free(path);
	return true;
}

static const char *api_key(struct http_request *req)
{
	const char *key = http_req_header(req, req->srv->cfg.api_key_header);
	const char *auth;

	if (key)
		return key;
	auth = http_req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		return auth + 7;
	return NULL;
}

static bool authenticate(struct http_request *req)
{
	struct http_server *srv = req->srv;
	const char *key;
	int rc;

	if (req->route->opts.public)
		return true;
	key = api_key(req);
	rc = srv->auth_cb ? srv->auth_cb(req, key, srv->auth_data) : 401;
	if (rc == 0 && !req->answered)
		return true;
	http_ctr_inc(srv, HTTP_CTR_AUTH_REFUSED);
	if (req->answered)
		return false;
	switch (rc) {
	case 401:
		http_req_add_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"sigway\"");
		http_respond_error(req, 401, key ? "unknown API key" : "an API key is required (header %s)",
				   srv->cfg.api_key_header);
		break;
	case 403:
		http_respond_error(req, 403, "this API key may not do this");
		break;
	case 429:
		http_respond_retry(req, 429, 1, "too many requests for this API key");
		break;
	default:
		http_respond_error(req, rc >= 400 && rc <= 599 ? (unsigned int)rc : 500, "refused");
	}
	return false;
}

/* what can be decided from the headers alone: route, key, declared length */
static void admit(struct http_request *req)
{
	const char *cl;

	parse_query(req);
	if (!route_request(req) || !authenticate(req))
		return;
	req->body_max = req->route->opts.max_body ? req->route->opts.max_body : req->srv->cfg.max_body_bytes;
	cl = http_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > req->body_max) {
		http_ctr_inc(req->srv, HTTP_CTR_BODY_TOO_LARGE);
		http_respond_error(req, 413, "the body is larger than %zu bytes", req->body_max);
	}
}

/* 0, or -1 when the client sends far more than allowed: close */
static int body_append(struct http_request *req, const char *data, size_t len)
{
	if (req->answered || req->body_too_large || req->body_len + len > req->body_max) {
		req->body_too_large = true;
		req->discarded += len;
		TALLOC_FREE(req->body);
		req->body_len = 0;
		return req->discarded > HTTP_DISCARD_MAX ? -1 : 0;
	}
	if (req->body_len + len + 1 > req->body_cap) {
		/* doubling, at most the limit (+ the NUL) */
		size_t cap = req->body_cap ? req->body_cap * 2 : 4096;
		if (cap < req->body_len + len + 1)
			cap = req->body_len + len + 1;
		if (cap > req->body_max + 1)
			cap = req->body_max + 1;
		char *b = talloc_realloc_size(req, req->body, cap);
		if (!b)
			return -1;
		req->body = b;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
	return 0;
}

static void dispatch(struct http_request *req)
{
	req->handled = true;
	if (req->body_too_large) {
		http_ctr_inc(req->srv, HTTP_CTR_BODY_TOO_LARGE);
		http_respond_error(req, 413, "the body is larger than %zu bytes", req->body_max);
		return;
	}
	req->route->cb(req, req->route->data);
	if (!req->answered && !req->id && !req->gone) {
		LOGP(DHTTP, LOGL_ERROR, "%s %s: the handler gave no answer\n", req->method, req->path);
		http_respond_error(req, 500, "the handler gave no answer");
	}
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, len);
}

static struct http_request *request_new(struct http_server *srv, struct MHD_Connection *conn, const char *url,
					const char *method)
{
	struct http_request *req = talloc_zero(srv, struct http_request);
	if (!req)
		return NULL;
	req->srv = srv;
	req->conn = conn;
	req->watch_fd = -1;
	INIT_LLIST_HEAD(&req->resp_headers);
	snprintf(req->method, sizeof(req->method), "%s", method);
	req->path = talloc_strdup(req, url);
	client_ip(conn, req->client_ip, sizeof(req->client_ip));
	http_ctr_inc(srv, HTTP_CTR_REQ);
	return req;
}

static bool has_body(struct http_request *req)
{
	const char *cl = http_req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	return (cl && strtoull(cl, NULL, 10) > 0) || http_req_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* MHD calls this once with the headers, once per piece of body, once at
 * the end, and once more after each resume */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;

	if (!req) {
		req = request_new(srv, conn, url, method);
		if (!req)
			return MHD_NO;
		*con_cls = req;
		admit(req);
		/* refused from the headers: a body is not read (MHD closes the
		 * connection then); without one, the answer goes with the next
		 * call and the connection stays open */
		return req->answered && has_body(req) ? queue_answer(req) : MHD_YES;
	}
	if (*upload_data_size) {
		int rc = body_append(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return rc < 0 ? MHD_NO : MHD_YES;
	}
	if (req->gone)
		return MHD_NO;
	if (!req->handled && !req->answered)
		dispatch(req);
	if (req->answered)
		return queue_answer(req);
	if (req->gone)
		return MHD_NO;
	if (!req->suspended)
		suspend(req);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *con_cls;

	if (!req)
		return;
	*con_cls = NULL;
	if (req->id) {
		/* MHD ends it while waiting (the server stops) */
		req->suspended = false;
		pending_end(req, HTTP_GONE_CLIENT_LEFT);
	}
	talloc_free(req);
}

/* ------------------------------------------------ per-address limits */

struct ip_count {
	struct hlist_node node;
	uint32_t key;
	unsigned int n;
	char ip[INET6_ADDRSTRLEN];
};

static uint32_t ip_key(const char *ip)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (; *ip; ip++)
		h = (h ^ (uint8_t)*ip) * 16777619u;
	return h;
}

static struct ip_count *ip_find(struct http_server *srv, const char *ip)
{
	struct ip_count *e;
	uint32_t key = ip_key(ip);
	hash_for_each_possible(srv->per_ip, e, node, key)
		if (e->key == key && !strcmp(e->ip, ip))
			return e;
	return NULL;
}

static void sockaddr_ip(const struct sockaddr *sa, char *out, size_t len)
{
	snprintf(out, len, "?");
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, len);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_server *srv = cls;
	char ip[INET6_ADDRSTRLEN];
	struct ip_count *e;

	if (!srv->cfg.max_per_ip)
		return MHD_YES;
	sockaddr_ip(addr, ip, sizeof(ip));
	e = ip_find(srv, ip);
	if (e && e->n >= srv->cfg.max_per_ip) {
		http_ctr_inc(srv, HTTP_CTR_CONN_REFUSED_IP);
		LOGP(DHTTP, LOGL_INFO, "connection from %s refused: %u open already\n", ip, e->n);
		return MHD_NO;
	}
	return MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *srv = cls;
	struct ip_count *e = *socket_context;
	char ip[INET6_ADDRSTRLEN];

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		client_ip(conn, ip, sizeof(ip));
		e = ip_find(srv, ip);
		if (!e) {
			e = talloc_zero(srv, struct ip_count);
			snprintf(e->ip, sizeof(e->ip), "%s", ip);
			e->key = ip_key(ip);
			hash_add(srv->per_ip, &e->node, e->key);
		}
		e->n++;
		*socket_context = e;
		http_ctr_inc(srv, HTTP_CTR_CONN_ACCEPTED);
		srv->n_connections++;
	} else if (e) {
		*socket_context = NULL;
		srv->n_connections--;
		if (--e->n == 0) {
			hash_del(&e->node);
			talloc_free(e);
		}
	}
	stat_set(srv, HTTP_STAT_CONNECTIONS, srv->n_connections);
}

/* --------------------------------------------------------- event loop */

static void run(struct http_server *srv)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!srv->mhd)
		return;
	MHD_run(srv->mhd);
	/* MHD says 0 when a connection has data it has not processed yet;
	 * ignoring its timeout stalls requests */
	if (MHD_get_timeout(srv->mhd, &t) == MHD_YES)
		schedule_run(srv, t);
	else
		osmo_timer_del(&srv->run_timer);
}

static void schedule_run(struct http_server *srv, unsigned long ms)
{
	if (!srv->mhd)
		return;
	if (osmo_timer_pending(&srv->run_timer)) {
		struct timeval left;
		if (osmo_timer_remaining(&srv->run_timer, NULL, &left) == 0 &&
		    (unsigned long)left.tv_sec * 1000 + left.tv_usec / 1000 <= ms)
			return;
	}
	osmo_timer_schedule(&srv->run_timer, ms / 1000, (ms % 1000) * 1000);
}

static void run_timer_cb(void *data)
{
	run(data);
}

static int epoll_cb(struct osmo_fd *ofd, unsigned int what)
{
	run(ofd->data);
	return 0;
}

/* MHD's own messages into our log */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	LOGP(DHTTP, LOGL_INFO, "libmicrohttpd: %s\n", msg);
}

/* paths and query arguments reach us undecoded: we split, then decode */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* ------------------------------------------------------------ server */

void http_cfg_defaults(struct http_server_cfg *cfg)
{
	*cfg = (struct http_server_cfg){
		.local_port = HTTP_DEFAULT_PORT,
		.max_connections = 1000,
		.max_per_ip = 100,
		.conn_timeout_s = 30,
		.max_header_bytes = 32 * 1024,
		.max_body_bytes = 1024 * 1024,
		.max_pending = 10000,
		.pending_timeout_s = 120,
	};
	snprintf(cfg->local_ip, sizeof(cfg->local_ip), "127.0.0.1");
	snprintf(cfg->api_key_header, sizeof(cfg->api_key_header), "X-API-Key");
}

static int server_destructor(struct http_server *srv)
{
	http_server_stop(srv);
	rate_ctr_group_free(srv->ctrg);
	osmo_stat_item_group_free(srv->statg);
	return 0;
}

struct http_server *http_server_alloc(void *ctx)
{
	static unsigned int idx;
	struct http_server *srv = talloc_zero(ctx, struct http_server);

	if (!srv)
		return NULL;
	http_cfg_defaults(&srv->cfg);
	INIT_LLIST_HEAD(&srv->routes);
	INIT_LLIST_HEAD(&srv->health_checks);
	INIT_LLIST_HEAD(&srv->pending);
	hash_init(srv->per_ip);
	osmo_timer_setup(&srv->run_timer, run_timer_cb, srv);
	osmo_timer_setup(&srv->watch_timer, watch_timer_cb, srv);
	srv->ctrg = rate_ctr_group_alloc(srv, &http_ctrg_desc, idx);
	srv->statg = osmo_stat_item_group_alloc(srv, &http_statg_desc, idx);
	idx++;
	srv->started = time(NULL);
	talloc_set_destructor(srv, server_destructor);
	return srv;
}

struct http_server_cfg *http_server_cfg(struct http_server *srv)
{
	return &srv->cfg;
}

bool http_server_configured(const struct http_server *srv)
{
	return srv->cfg.enabled;
}

uint16_t http_server_port(const struct http_server *srv)
{
	return srv->port;
}

int http_server_route(struct http_server *srv, unsigned int methods, const char *pattern,
		      const struct http_route_opts *opts, http_handler_cb cb, void *data)
{
	struct http_route *r = talloc_zero(srv, struct http_route);
	if (!methods || !cb || http_pattern_compile(&r->pat, pattern) < 0) {
		LOGP(DHTTP, LOGL_ERROR, "bad route pattern '%s'\n", pattern);
		talloc_free(r);
		return -EINVAL;
	}
	r->methods = methods;
	r->pattern = talloc_strdup(r, pattern);
	if (opts)
		r->opts = *opts;
	r->cb = cb;
	r->data = data;
	llist_add_tail(&r->list, &srv->routes);
	return 0;
}

void http_server_set_auth(struct http_server *srv, http_auth_cb cb, void *data)
{
	srv->auth_cb = cb;
	srv->auth_data = data;
}

static char *read_file(void *ctx, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || len > 1024 * 1024 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return NULL;
	}
	buf = talloc_size(ctx, len + 1);
	if (fread(buf, 1, len, f) != (size_t)len) {
		talloc_free(buf);
		buf = NULL;
	} else {
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

static int load_tls(struct http_server *srv)
{
	srv->tls = srv->cfg.tls_cert[0] && srv->cfg.tls_key[0];
	if (!srv->tls)
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		LOGP(DHTTP, LOGL_ERROR, "this libmicrohttpd has no TLS\n");
		return -1;
	}
	srv->tls_cert_pem = read_file(srv, srv->cfg.tls_cert);
	srv->tls_key_pem = read_file(srv, srv->cfg.tls_key);
	if (!srv->tls_cert_pem || !srv->tls_key_pem) {
		LOGP(DHTTP, LOGL_ERROR, "cannot read the TLS certificate %s or key %s\n", srv->cfg.tls_cert,
		     srv->cfg.tls_key);
		return -1;
	}
	return 0;
}

static int bind_sockaddr(const struct http_server *srv, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, srv->cfg.local_ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(srv->cfg.local_port);
		return 0;
	}
	if (inet_pton(AF_INET6, srv->cfg.local_ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(srv->cfg.local_port);
		return 0;
	}
	return -1;
}

int http_server_start(struct http_server *srv)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const struct http_server_cfg *c = &srv->cfg;

	if (srv->mhd)
		return 0;
	if (bind_sockaddr(srv, &ss) < 0) {
		LOGP(DHTTP, LOGL_ERROR, "bad bind address '%s'\n", c->local_ip);
		return -1;
	}
	if (load_tls(srv) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (srv->tls)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_opts[] = {
		{ srv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, srv->tls_cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem },
		{ MHD_OPTION_END, 0, NULL },
	};
	srv->mhd = MHD_start_daemon(flags, 0, on_accept, srv, on_request, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->conn_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->max_header_bytes,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
		MHD_OPTION_ARRAY, tls_opts,
		MHD_OPTION_END);
	if (!srv->mhd) {
		LOGP(DHTTP, LOGL_ERROR, "cannot listen on %s port %u\n", c->local_ip, c->local_port);
		return -1;
	}
	di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	osmo_fd_setup(&srv->epoll_ofd, di->epoll_fd, OSMO_FD_READ, epoll_cb, srv, 0);
	if (osmo_fd_register(&srv->epoll_ofd) < 0) {
		MHD_stop_daemon(srv->mhd);
		srv->mhd = NULL;
		return -1;
	}
	di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : c->local_port;
	LOGP(DHTTP, LOGL_NOTICE, "HTTP%s server on %s port %u\n", srv->tls ? "S" : "", c->local_ip, srv->port);
	schedule_run(srv, 0);
	return 0;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv->mhd)
		return;
	/* MHD must not stop with suspended connections: answer them all (each
	 * leaves the list; an owner told may answer others) */
	while (!llist_empty(&srv->pending))
		pending_end(llist_first_entry(&srv->pending, struct http_request, pending_list), HTTP_GONE_SHUTDOWN);
	/* a chance for those answers to leave */
	MHD_run(srv->mhd);
	MHD_run(srv->mhd);
	osmo_fd_unregister(&srv->epoll_ofd);
	osmo_timer_del(&srv->run_timer);
	osmo_timer_del(&srv->watch_timer);
	MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
	TALLOC_FREE(srv->tls_cert_pem);
	TALLOC_FREE(srv->tls_key_pem);
	LOGP(DHTTP, LOGL_NOTICE, "HTTP server stopped\n");
}

void http_server_free(struct http_server *srv)
{
	talloc_free(srv);
}
