/* The HTTP client: libcurl's multi interface driven by osmo_select.
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION: one
 * osmo_fd each) and when to call it back (CURLMOPT_TIMERFUNCTION: one
 * osmo_timer); we call curl_multi_socket_action() from both and collect
 * finished transfers. One multi handle keeps the connections alive for
 * reuse between requests.
 *
 * A request is cheap to start again: finished requests go to a pool with
 * their easy handle (its buffers and state kept, curl_easy_reset() between
 * uses), their body and answer buffers; the header lists are built once per
 * distinct set (content type + headers) and shared.
 *
 * The limit of connections per host is kept here, not by curl: requests
 * over it wait in a queue per host (scheme://authority of the URL) and go
 * to curl when one of that host's requests ends. curl's own queue costs
 * more: a waiting request is set up for a connection (URL parsed, the
 * cache searched) each time curl looks at it (USSD benchmark with 8
 * connections for 1,000 sessions: sigwayd 190 -> 160 us of user CPU per
 * session, doc/performance.md). */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/common/net_addr.h>
#include <sigway/http/http_client.h>


#define DEFAULT_TIMEOUT_MS	30000
#define DEFAULT_MAX_RESPONSE	(1024 * 1024)
/* finished requests kept for reuse, per client (each ~22 KiB with curl's
 * handle and its receive buffer) */
#define POOL_MAX		256
/* distinct header sets kept, per client */
#define HDR_SETS_MAX		16
/* the longest header set kept (content type and headers, NUL-separated) */
#define HDR_KEY_MAX		1024
/* buffers of a pooled request above this size are freed, not kept */
#define KEEP_BUF_MAX		(64 * 1024)
/* connections kept open by default (curl's own default follows the number of
 * requests in flight, and closes the connections of a burst after it) */
#define DEFAULT_MAX_CONNECTS	256
/* how often requests waiting for a connection are checked for their timeout */
#define QUEUE_CHECK_MS		100

enum http_client_ctr {
	CLI_CTR_SENT,
	CLI_CTR_2XX,
	CLI_CTR_NOT_2XX,
	CLI_CTR_E_CONNECT,
	CLI_CTR_E_TIMEOUT,
	CLI_CTR_E_TOO_LARGE,
	CLI_CTR_E_OTHER,
	CLI_CTR_CANCELLED,
	CLI_CTR_QUEUED,
};

static const struct rate_ctr_desc cli_ctr_desc[] = {
	[CLI_CTR_SENT] = { "req:sent", "requests started" },
	[CLI_CTR_2XX] = { "resp:2xx", "answers 2xx" },
	[CLI_CTR_NOT_2XX] = { "resp:other", "answers other than 2xx" },
	[CLI_CTR_E_CONNECT] = { "err:connect", "no connection" },
	[CLI_CTR_E_TIMEOUT] = { "err:timeout", "no complete answer in time" },
	[CLI_CTR_E_TOO_LARGE] = { "err:too_large", "answers over the size limit" },
	[CLI_CTR_E_OTHER] = { "err:other", "TLS, protocol and other errors" },
	[CLI_CTR_CANCELLED] = { "req:cancelled", "requests cancelled by their owner" },
	[CLI_CTR_QUEUED] = { "req:queued", "requests that waited for a connection to their host" },
};
static const struct rate_ctr_group_desc cli_ctrg_desc = {
	"http_client", "HTTP client", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(cli_ctr_desc), cli_ctr_desc,
};

struct client_sock {
	struct llist_head list;
	struct osmo_fd ofd;
	struct http_client *c;
};

/* One header list for requests with the same content type and headers */
struct hdr_set {
	struct llist_head list;
	struct curl_slist *sl;
	unsigned int users;	/* requests in flight that use it */
	size_t key_len;
	char key[];		/* content type and headers, NUL-separated */
};

/* The requests to one host: at most max_per_host in curl at once */
struct host_q {
	struct llist_head list;
	struct llist_head waiting;	/* http_client_req.qlist, oldest first */
	unsigned int active;		/* in curl */
	size_t key_len;
	char key[];			/* scheme://authority */
};

struct http_client {
	CURLM *multi;
	unsigned int max_per_host;	/* 0: no limit */
	struct llist_head hosts;
	unsigned int n_waiting;
	struct osmo_timer_list queue_timer;
	struct osmo_timer_list timer;
	struct llist_head socks;
	struct llist_head reqs;
	unsigned int n_reqs;
	struct llist_head pool;		/* finished requests to reuse */
	unsigned int n_pool;
	struct llist_head hdr_sets;	/* most recently used first */
	unsigned int n_hdr_sets;
	bool freeing;
	struct rate_ctr_group *ctrg;
};

struct owner_guard {
	struct http_client_req *r;
};

struct http_client_req {
	struct llist_head list;		/* in reqs while in flight, in pool after */
	struct http_client *c;
	CURL *easy;
	struct hdr_set *hdrs;		/* shared, or own_hdrs */
	struct curl_slist *own_hdrs;	/* when the set could not be kept */
	char *body;
	size_t body_cap;
	char *resp;
	size_t resp_len, resp_cap, max_response;
	bool too_large, completing;
	struct owner_guard *guard;
	struct timespec t0;
	unsigned int timeout_ms, connect_timeout_ms;
	struct host_q *host;		/* with a per-host limit */
	struct llist_head qlist;	/* in host->waiting */
	bool waiting;			/* for a connection, not yet in curl */
	char errbuf[CURL_ERROR_SIZE];
	char refused_addr[48];		/* public_only: the address not connected to */
	http_client_cb cb;
	void *data;
};

static unsigned int g_curl_users;

static void ctr_inc(struct http_client *c, enum http_client_ctr n)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(c->ctrg, n));
}

/* ------------------------------------------------------- event loop */

static void check_done(struct http_client *c);

static int sock_fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct http_client *c = ((struct client_sock *)ofd->data)->c;
	int ev = 0, running;

	if (what & OSMO_FD_READ)
		ev |= CURL_CSELECT_IN;
	if (what & OSMO_FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	/* may remove (and free) this very osmo_fd: not touched afterwards */
	curl_multi_socket_action(c->multi, ofd->fd, ev, &running);
	check_done(c);
	return 0;
}

static void sock_free(struct client_sock *s)
{
	if (osmo_fd_is_registered(&s->ofd))
		osmo_fd_unregister(&s->ofd);
	llist_del(&s->list);
	talloc_free(s);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct client_sock *s = socketp;
	unsigned int when = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			curl_multi_assign(c->multi, fd, NULL);
			sock_free(s);
		}
		return 0;
	}
	if (!s) {
		s = talloc_zero(c, struct client_sock);
		s->c = c;
		osmo_fd_setup(&s->ofd, fd, 0, sock_fd_cb, s, 0);
		if (osmo_fd_register(&s->ofd) < 0) {
			talloc_free(s);
			return -1;
		}
		llist_add_tail(&s->list, &c->socks);
		curl_multi_assign(c->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		when |= OSMO_FD_READ;
	if (what & CURL_POLL_OUT)
		when |= OSMO_FD_WRITE;
	osmo_fd_update_when(&s->ofd, 0, when);
	return 0;
}

static void timer_fired(void *data)
{
	struct http_client *c = data;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

/* curl asks to be called back; never call it from in here */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	if (timeout_ms < 0)
		osmo_timer_del(&c->timer);
	else
		osmo_timer_schedule(&c->timer, timeout_ms / 1000, (timeout_ms % 1000) * 1000);
	return 0;
}

/* ---------------------------------------------------------- requests */

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_client_req *r = userdata;
	size_t len = size * nmemb;

	if (r->resp_len + len > r->max_response) {
		r->too_large = true;
		return 0;	/* curl aborts with CURLE_WRITE_ERROR */
	}
	if (r->resp_len + len + 1 > r->resp_cap) {
		size_t cap = r->resp_cap ? r->resp_cap * 2 : 4096;
		if (cap < r->resp_len + len + 1)
			cap = r->resp_len + len + 1;
		char *b = talloc_realloc_size(r, r->resp, cap);
		if (!b)
			return 0;
		r->resp = b;
		r->resp_cap = cap;
	}
	memcpy(r->resp + r->resp_len, ptr, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return len;
}

static enum http_client_error classify(const struct http_client_req *r, CURLcode rc)
{
	if (rc == CURLE_OK)
		return HTTP_CLIENT_OK;
	if (r->too_large || rc == CURLE_FILESIZE_EXCEEDED)
		return HTTP_CLIENT_E_TOO_LARGE;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_CLIENT_E_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_CLIENT_E_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return HTTP_CLIENT_E_TLS;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return HTTP_CLIENT_E_PROTOCOL;
	default:
		return HTTP_CLIENT_E_OTHER;
	}
}

static void count_result(struct http_client *c, const struct http_client_result *res)
{
	switch (res->error) {
	case HTTP_CLIENT_OK:
		ctr_inc(c, res->status / 100 == 2 ? CLI_CTR_2XX : CLI_CTR_NOT_2XX);
		break;
	case HTTP_CLIENT_E_CONNECT:
		ctr_inc(c, CLI_CTR_E_CONNECT);
		break;
	case HTTP_CLIENT_E_TIMEOUT:
		ctr_inc(c, CLI_CTR_E_TIMEOUT);
		break;
	case HTTP_CLIENT_E_TOO_LARGE:
		ctr_inc(c, CLI_CTR_E_TOO_LARGE);
		break;
	default:
		ctr_inc(c, CLI_CTR_E_OTHER);
	}
}

/* ------------------------------------------------------- header sets */

static int hdr_set_destructor(struct hdr_set *hs)
{
	curl_slist_free_all(hs->sl);
	return 0;
}

/* "Expect:" (no 100-continue round trip before a body), the content type,
 * the caller's headers; NULL when out of memory */
static struct curl_slist *headers_build(const struct http_client_opts *o)
{
	struct curl_slist *sl = curl_slist_append(NULL, "Expect:"), *n;

	if (sl && o->content_type) {
		char *ct = talloc_asprintf(NULL, "Content-Type: %s", o->content_type);
		n = ct ? curl_slist_append(sl, ct) : NULL;
		talloc_free(ct);
		if (!n)
			goto fail;
	}
	for (const char *const *h = o->headers; sl && h && *h; h++)
		if (!curl_slist_append(sl, *h))
			goto fail;
	return sl;
fail:
	curl_slist_free_all(sl);
	return NULL;
}

static bool key_add(char *key, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len + n > HDR_KEY_MAX)
		return false;
	memcpy(key + *len, s, n);
	*len += n;
	return true;
}

/* The kept set of these headers, made (and an unused one dropped) if need
 * be; NULL when it cannot be kept */
static struct hdr_set *hdr_set_get(struct http_client *c, const struct http_client_opts *o)
{
	char key[HDR_KEY_MAX];
	size_t len = 0;
	struct hdr_set *hs;

	if (!key_add(key, &len, o->content_type ? o->content_type : ""))
		return NULL;
	for (const char *const *h = o->headers; h && *h; h++)
		if (!key_add(key, &len, *h))
			return NULL;
	llist_for_each_entry(hs, &c->hdr_sets, list) {
		if (hs->key_len == len && !memcmp(hs->key, key, len)) {
			llist_move(&hs->list, &c->hdr_sets);
			return hs;
		}
	}
	if (c->n_hdr_sets >= HDR_SETS_MAX) {
		/* the least recently used that no request in flight uses */
		struct hdr_set *unused = NULL;
		llist_for_each_entry_reverse(hs, &c->hdr_sets, list) {
			if (!hs->users) {
				unused = hs;
				break;
			}
		}
		if (!unused)
			return NULL;
		llist_del(&unused->list);
		talloc_free(unused);
		c->n_hdr_sets--;
	}
	hs = talloc_size(c, sizeof(*hs) + len);
	if (!hs)
		return NULL;
	memset(hs, 0, sizeof(*hs));
	talloc_set_name_const(hs, "struct hdr_set");
	hs->sl = headers_build(o);
	if (!hs->sl) {
		talloc_free(hs);
		return NULL;
	}
	talloc_set_destructor(hs, hdr_set_destructor);
	memcpy(hs->key, key, len);
	hs->key_len = len;
	llist_add(&hs->list, &c->hdr_sets);
	c->n_hdr_sets++;
	return hs;
}

static int req_headers(struct http_client_req *r, const struct http_client_opts *o)
{
	struct curl_slist *sl;

	r->hdrs = hdr_set_get(r->c, o);
	if (r->hdrs) {
		r->hdrs->users++;
		sl = r->hdrs->sl;
	} else {
		sl = r->own_hdrs = headers_build(o);
		if (!sl)
			return -ENOMEM;
	}
	return curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, sl) == CURLE_OK ? 0 : -EINVAL;
}

static void req_headers_release(struct http_client_req *r)
{
	if (r->hdrs)
		r->hdrs->users--;
	r->hdrs = NULL;
	curl_slist_free_all(r->own_hdrs);
	r->own_hdrs = NULL;
}

/* ------------------------------------------------- request life cycle */

static int req_destructor(struct http_client_req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	req_headers_release(r);
	return 0;
}

/* A request to fill in: from the pool (its easy handle reset, its buffers
 * kept) or new */
static struct http_client_req *req_get(struct http_client *c)
{
	struct http_client_req *r;

	if (!llist_empty(&c->pool)) {
		r = llist_first_entry(&c->pool, struct http_client_req, list);
		llist_del(&r->list);
		c->n_pool--;
		curl_easy_reset(r->easy);
	} else {
		r = talloc_zero(c, struct http_client_req);
		if (!r)
			return NULL;
		talloc_set_destructor(r, req_destructor);
		r->c = c;
		r->easy = curl_easy_init();
		if (!r->easy) {
			talloc_free(r);
			return NULL;
		}
	}
	INIT_LLIST_HEAD(&r->list);
	INIT_LLIST_HEAD(&r->qlist);
	r->host = NULL;
	r->waiting = false;
	r->resp_len = 0;
	if (r->resp)
		r->resp[0] = '\0';
	r->too_large = false;
	r->completing = false;
	r->guard = NULL;
	r->errbuf[0] = '\0';
	r->refused_addr[0] = '\0';
	return r;
}

/* A request out of curl's multi and our lists back to the pool (or freed) */
static void req_put(struct http_client_req *r)
{
	struct http_client *c = r->c;

	req_headers_release(r);
	if (c->n_pool >= POOL_MAX) {
		talloc_free(r);
		return;
	}
	if (r->resp_cap > KEEP_BUF_MAX) {
		TALLOC_FREE(r->resp);
		r->resp_cap = 0;
	}
	if (r->body_cap > KEEP_BUF_MAX) {
		TALLOC_FREE(r->body);
		r->body_cap = 0;
	}
	r->cb = NULL;
	r->data = NULL;
	/* the most recent first: its memory is the warmest */
	llist_add(&r->list, &c->pool);
	c->n_pool++;
}

/* ---------------------------------------------------- per-host queue */

static unsigned int ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (unsigned int)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The length of "http://h:p" in "http://h:p/path?q", what a connection is
 * for; 0 when there is none (curl refuses such a URL) */
static size_t host_key_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	return (size_t)(p + strcspn(p, "/?#") - url);
}

static struct host_q *host_get(struct http_client *c, const char *url)
{
	size_t len = host_key_len(url);
	struct host_q *h;

	if (!len)
		return NULL;
	llist_for_each_entry(h, &c->hosts, list)
		if (h->key_len == len && !strncasecmp(h->key, url, len))
			return h;
	h = talloc_size(c, sizeof(*h) + len + 1);
	if (!h)
		return NULL;
	talloc_set_name_const(h, "struct host_q");
	INIT_LLIST_HEAD(&h->waiting);
	h->active = 0;
	h->key_len = len;
	memcpy(h->key, url, len);
	h->key[len] = '\0';
	llist_add(&h->list, &c->hosts);
	return h;
}

static void host_free_if_idle(struct host_q *h)
{
	if (h->active || !llist_empty(&h->waiting))
		return;
	llist_del(&h->list);
	talloc_free(h);
}

/* Into curl, with what is left of the request's timeouts */
static int req_start(struct http_client_req *r)
{
	unsigned int waited = ms_since(&r->t0);

	if (waited) {
		unsigned int left = waited < r->timeout_ms ? r->timeout_ms - waited : 1;
		curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)left);
		curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
				 (long)(r->connect_timeout_ms < left ? r->connect_timeout_ms : left));
	}
	if (curl_multi_add_handle(r->c->multi, r->easy) != CURLM_OK)
		return -EIO;
	if (r->host)
		r->host->active++;
	return 0;
}

/* The host's oldest waiting requests into curl, as far as the limit allows */
static void host_run_queue(struct http_client *c, struct host_q *h)
{
	while ((!c->max_per_host || h->active < c->max_per_host) && !llist_empty(&h->waiting)) {
		struct http_client_req *r = llist_first_entry(&h->waiting, struct http_client_req, qlist);
		if (req_start(r) < 0)
			break;	/* curl refused it now: tried again, or timed out, by the queue timer */
		llist_del(&r->qlist);
		r->waiting = false;
		c->n_waiting--;
	}
}

static void req_wait(struct http_client_req *r)
{
	struct http_client *c = r->c;

	r->waiting = true;
	llist_add_tail(&r->qlist, &r->host->waiting);
	c->n_waiting++;
	ctr_inc(c, CLI_CTR_QUEUED);
	if (!osmo_timer_pending(&c->queue_timer))
		osmo_timer_schedule(&c->queue_timer, 0, QUEUE_CHECK_MS * 1000);
}

/* out of curl's multi (or the queue) and our lists; the guard goes first so
 * that an owner freed from the callback does not cancel what is finishing.
 * The host's next waiting request takes the place. */
static void req_detach(struct http_client_req *r)
{
	struct http_client *c = r->c;
	struct host_q *h = r->host;

	if (r->guard) {
		talloc_set_destructor(r->guard, NULL);
		TALLOC_FREE(r->guard);
	}
	if (r->waiting) {
		llist_del(&r->qlist);
		r->waiting = false;
		c->n_waiting--;
	} else {
		curl_multi_remove_handle(c->multi, r->easy);
		if (h)
			h->active--;
	}
	llist_del(&r->list);
	c->n_reqs--;
	r->host = NULL;
	if (h) {
		if (!c->freeing)
			host_run_queue(c, h);
		host_free_if_idle(h);
	}
}

/* The callback, then the request back to the pool */
static void deliver(struct http_client_req *r, const struct http_client_result *res)
{
	count_result(r->c, res);
	if (res->error != HTTP_CLIENT_OK)
		LOGP(DHTTP, LOGL_INFO, "HTTP client: %s\n", res->error_text);
	req_detach(r);
	r->completing = true;
	r->cb(res, r->data);
	req_put(r);
}

static void finish(struct http_client_req *r, CURLcode rc)
{
	struct http_client_result res = { .error_text = "", .easy_ = r->easy };
	long status = 0;
	char *ctype = NULL;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ctype);
	res.error = classify(r, rc);
	res.error_text = res.error == HTTP_CLIENT_E_TOO_LARGE ? "response too large" :
			 rc != CURLE_OK ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc)) : "";
	if (rc != CURLE_OK && r->refused_addr[0]) {
		snprintf(r->errbuf, sizeof(r->errbuf), "not connected: the host resolved to %s, not a public address",
			 r->refused_addr);
		res.error_text = r->errbuf;
	}
	res.status = res.error == HTTP_CLIENT_OK ? (unsigned int)status : 0;
	res.body = res.error == HTTP_CLIENT_OK && r->resp ? r->resp : "";
	res.body_len = res.error == HTTP_CLIENT_OK ? r->resp_len : 0;
	res.content_type = res.error == HTTP_CLIENT_OK ? ctype : NULL;
	res.elapsed_ms = ms_since(&r->t0);
	deliver(r, &res);
}

/* Requests that waited for a connection longer than their timeout fail
 * as timed out; the others may go now if curl refused them before */
static void queue_timer_cb(void *data)
{
	struct http_client *c = data;
	struct http_client_req *r, *rt;
	struct host_q *h, *ht;
	LLIST_HEAD(expired);

	/* collected first: a callback may cancel any other request */
	llist_for_each_entry(h, &c->hosts, list)
		llist_for_each_entry_safe(r, rt, &h->waiting, qlist)
			if (ms_since(&r->t0) >= r->timeout_ms)
				llist_move_tail(&r->qlist, &expired);
	while (!llist_empty(&expired)) {
		struct http_client_result res = {
			.error = HTTP_CLIENT_E_TIMEOUT, .body = "",
			.error_text = "no connection to the host was free in time",
		};
		r = llist_first_entry(&expired, struct http_client_req, qlist);
		res.elapsed_ms = ms_since(&r->t0);
		deliver(r, &res);
	}
	llist_for_each_entry_safe(h, ht, &c->hosts, list) {
		host_run_queue(c, h);
		host_free_if_idle(h);
	}
	if (c->n_waiting)
		osmo_timer_schedule(&c->queue_timer, 0, QUEUE_CHECK_MS * 1000);
}

const char *http_client_result_header(const struct http_client_result *res, const char *name)
{
	struct curl_header *h;
	if (!res->easy_ || res->error != HTTP_CLIENT_OK ||
	    curl_easy_header(res->easy_, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

static void check_done(struct http_client *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left))) {
		struct http_client_req *r = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			finish(r, msg->data.result);
	}
}

static int guard_destructor(struct owner_guard *g)
{
	g->r->guard = NULL;
	http_client_cancel(g->r);
	return 0;
}

/* The body in the request's own buffer (kept between uses): curl sends it
 * from there without a copy of its own */
static int req_body(struct http_client_req *r, const void *body, size_t len)
{
	if (len + 1 > r->body_cap) {
		size_t cap = len + 1 < 1024 ? 1024 : len + 1;
		char *b = talloc_realloc_size(r, r->body, cap);
		if (!b)
			return -ENOMEM;
		r->body = b;
		r->body_cap = cap;
	}
	if (len)
		memcpy(r->body, body, len);
	r->body[len] = '\0';
	return 0;
}

/* public_only: curl asks for each socket it connects; a non-public
 * address gets none (curl then tries the next, or fails to connect) */
static curl_socket_t open_public_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_client_req *r = data;
	if (purpose != CURLSOCKTYPE_IPCXN || !net_addr_is_public(&a->addr, a->addrlen)) {
		net_addr_str(&a->addr, a->addrlen, r->refused_addr, sizeof(r->refused_addr));
		return CURL_SOCKET_BAD;
	}
	r->refused_addr[0] = '\0';	/* another address of the name is public: not why it fails */
	return socket(a->family, a->socktype, a->protocol);
}

static int set_options(struct http_client_req *r, const char *method, const char *url, const void *body, size_t len,
		       const struct http_client_opts *o)
{
	CURL *e = r->easy;
	int rc = 0;

	rc |= curl_easy_setopt(e, CURLOPT_URL, url);
	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)r->connect_timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max_response);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	if (o->ca_file)
		rc |= curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
	if (o->public_only) {
		rc |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
		rc |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
		/* never through a proxy of the environment (http_proxy, ...):
		 * the address checked would be the proxy's, and the proxy would
		 * go wherever the name leads. "" ignores the variables. */
		rc |= curl_easy_setopt(e, CURLOPT_PROXY, "");
		rc |= curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	}
	if (!strcmp(method, "HEAD"))
		rc |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (body ? strcmp(method, "POST") : strcmp(method, "GET"))
		rc |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		if (req_body(r, body, len) < 0)
			return -ENOMEM;
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	}
	if (rc)
		return -EINVAL;
	return req_headers(r, o);
}

static bool text_ok(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

struct http_client_req *http_client_request(struct http_client *c, const char *method, const char *url,
					    const void *body, size_t len, const struct http_client_opts *opts,
					    http_client_cb cb, void *data)
{
	static const struct http_client_opts none;
	const struct http_client_opts *o = opts ? opts : &none;
	struct http_client_req *r;

	if (!text_ok(method) || !text_ok(url) || !cb || (o->content_type && !text_ok(o->content_type)))
		return NULL;
	for (const char *const *h = o->headers; h && *h; h++)
		if (!text_ok(*h))
			return NULL;
	r = req_get(c);
	if (!r)
		return NULL;
	r->cb = cb;
	r->data = data;
	r->max_response = o->max_response ? o->max_response : DEFAULT_MAX_RESPONSE;
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : r->timeout_ms;
	if (set_options(r, method, url, body, len, o) < 0) {
		req_put(r);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	if (c->max_per_host)
		r->host = host_get(c, url);
	if (r->host && r->host->active >= c->max_per_host) {
		req_wait(r);
	} else if (req_start(r) < 0) {
		if (r->host)
			host_free_if_idle(r->host);
		r->host = NULL;
		req_put(r);
		return NULL;
	}
	llist_add_tail(&r->list, &c->reqs);
	c->n_reqs++;
	if (o->owner) {
		r->guard = talloc_zero(o->owner, struct owner_guard);
		r->guard->r = r;
		talloc_set_destructor(r->guard, guard_destructor);
	}
	ctr_inc(c, CLI_CTR_SENT);
	return r;
}

void http_client_cancel(struct http_client_req *r)
{
	if (!r || r->completing)
		return;
	ctr_inc(r->c, CLI_CTR_CANCELLED);
	req_detach(r);
	req_put(r);
}

unsigned int http_client_in_flight(const struct http_client *c)
{
	return c->n_reqs;
}

/* ------------------------------------------------------------ client */

/* The proxy variables libcurl reads for http and https URLs (HTTP_PROXY in
 * capitals it does not: CGI sets it from a request's header) */
static const char *const proxy_env[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };

/* Says once per process which of them are set, by name only (a proxy URL
 * may carry a password), and what they apply to */
static void log_proxy_env(void)
{
	static bool said;
	char names[80] = "";
	struct osmo_strbuf sb = { .buf = names, .len = sizeof(names) };

	if (said)
		return;
	said = true;
	for (size_t i = 0; i < ARRAY_SIZE(proxy_env); i++) {
		const char *v = getenv(proxy_env[i]);
		if (v && v[0])
			OSMO_STRBUF_PRINTF(sb, "%s%s", names[0] ? ", " : "", proxy_env[i]);
	}
	if (names[0])
		LOGP(DHTTP, LOGL_NOTICE, "proxy set in the environment (%s): used for the URLs of the configuration"
		     " (USSD applications, notify-url prefixes that write an address), never for a host name a client"
		     " chose (notify-url prefixes by name: connected to directly, public addresses only)\n", names);
}

static int client_destructor(struct http_client *c)
{
	struct http_client_req *r, *rt;
	struct client_sock *s, *st;

	c->freeing = true;
	llist_for_each_entry_safe(r, rt, &c->reqs, list) {
		req_detach(r);
		talloc_free(r);
	}
	osmo_timer_del(&c->queue_timer);
	llist_for_each_entry_safe(r, rt, &c->pool, list)
		talloc_free(r);
	while (!llist_empty(&c->hdr_sets)) {
		struct hdr_set *hs = llist_first_entry(&c->hdr_sets, struct hdr_set, list);
		llist_del(&hs->list);
		talloc_free(hs);
	}
	curl_multi_cleanup(c->multi);
	/* sockets curl did not say goodbye to */
	llist_for_each_entry_safe(s, st, &c->socks, list)
		sock_free(s);
	osmo_timer_del(&c->timer);
	rate_ctr_group_free(c->ctrg);
	if (--g_curl_users == 0)
		curl_global_cleanup();
	return 0;
}

struct http_client *http_client_alloc(void *ctx, const char *name)
{
	static unsigned int idx;
	struct http_client *c;

	if (g_curl_users == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	log_proxy_env();
	c = talloc_zero(ctx, struct http_client);
	g_curl_users++;
	INIT_LLIST_HEAD(&c->socks);
	INIT_LLIST_HEAD(&c->reqs);
	INIT_LLIST_HEAD(&c->pool);
	INIT_LLIST_HEAD(&c->hdr_sets);
	INIT_LLIST_HEAD(&c->hosts);
	osmo_timer_setup(&c->queue_timer, queue_timer_cb, c);
	osmo_timer_setup(&c->timer, timer_fired, c);
	c->ctrg = rate_ctr_group_alloc(c, &cli_ctrg_desc, idx++);
	if (name)
		rate_ctr_group_set_name(c->ctrg, name);
	c->multi = curl_multi_init();
	talloc_set_destructor(c, client_destructor);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)DEFAULT_MAX_CONNECTS);
	return c;
}

void http_client_set_limits(struct http_client *c, unsigned int max_per_host, unsigned int max_total)
{
	struct host_q *h, *ht;

	/* ours (the queue per host); curl's the same, as a safety net */
	c->max_per_host = max_per_host;
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_per_host);
	llist_for_each_entry_safe(h, ht, &c->hosts, list) {
		host_run_queue(c, h);
		host_free_if_idle(h);
	}
	/* never fewer than the connections one host may have: a connection
	 * closed after each burst is a new one (and a TIME_WAIT) on the next */
	if (!max_total)
		max_total = max_per_host > DEFAULT_MAX_CONNECTS ? max_per_host : DEFAULT_MAX_CONNECTS;
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)max_total);
}

void http_client_free(struct http_client *c)
{
	talloc_free(c);
}
