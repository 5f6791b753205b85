/* The HTTP server (libmicrohttpd) and the HTTP client (libcurl multi) on
 * one osmo_select loop, talking over loopback TCP: routing, limits,
 * authentication, later answers, clients that leave, timeouts, keep-alive,
 * TLS, /metrics and /health. Raw sockets play the clients curl cannot be
 * (chunked oversize bodies, huge headers, idle connections). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/common/net_addr.h>
#include <sigway/http/http_client.h>
#include <sigway/http/http_metrics.h>
#include <sigway/http/http_server.h>
#include "http_int.h"

static void *ctx;
static struct http_server *srv;
static struct http_client *cli;
static char base[64];

/* ------------------------------------------------------------ the loop */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tick_cb(void *data)
{
}

/* runs the loop until *flag or ms passed; returns *flag */
static bool run_until(const bool *flag, long ms)
{
	struct osmo_timer_list tick = { 0 };
	long end = now_ms() + ms;

	osmo_timer_setup(&tick, tick_cb, NULL);
	while (!*flag && now_ms() < end) {
		osmo_timer_schedule(&tick, 0, 10000);
		osmo_select_main(0);
	}
	osmo_timer_del(&tick);
	return *flag;
}

static void run_for(long ms)
{
	bool never = false;
	run_until(&never, ms);
}

static uint64_t ctr(enum http_ctr c)
{
	return rate_ctr_group_get_ctr(srv->ctrg, c)->current;
}

/* ------------------------------------------------------ client results */

struct result {
	bool done;
	int calls;
	enum http_client_error error;
	unsigned int status;
	char body[8192];
	size_t body_len;
	char content_type[64];
	char allow[64], retry_after[16], www_auth[64];
	char error_text[160];
	unsigned int elapsed_ms;
};

static void copy_header(const struct http_client_result *res, const char *name, char *out, size_t len)
{
	const char *v = http_client_result_header(res, name);
	snprintf(out, len, "%s", v ? v : "");
}

static void on_result(const struct http_client_result *res, void *data)
{
	struct result *r = data;
	r->calls++;
	r->done = true;
	r->error = res->error;
	r->status = res->status;
	r->body_len = res->body_len < sizeof(r->body) - 1 ? res->body_len : sizeof(r->body) - 1;
	memcpy(r->body, res->body, r->body_len);
	r->body[r->body_len] = '\0';
	snprintf(r->content_type, sizeof(r->content_type), "%s", res->content_type ? res->content_type : "");
	copy_header(res, "Allow", r->allow, sizeof(r->allow));
	copy_header(res, "Retry-After", r->retry_after, sizeof(r->retry_after));
	copy_header(res, "WWW-Authenticate", r->www_auth, sizeof(r->www_auth));
	snprintf(r->error_text, sizeof(r->error_text), "%s", res->error_text ? res->error_text : "");
	r->elapsed_ms = res->elapsed_ms;
}

static void start(struct result *r, struct http_client *c, const char *method, const char *path, const char *body,
		  const struct http_client_opts *opts)
{
	char url[256];
	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	assert_non_null(http_client_request(c, method, url, body, body ? strlen(body) : 0, opts, on_result, r));
}

static struct result *fetch(const char *method, const char *path, const char *body,
			    const struct http_client_opts *opts)
{
	static struct result r;
	start(&r, cli, method, path, body, opts);
	assert_true(run_until(&r.done, 5000));
	return &r;
}

static void assert_error_body(const struct result *r, unsigned int status, const char *code)
{
	json_error_t err;
	json_t *j = json_loads(r->body, 0, &err);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "error"), "status")), status);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")), code);
	assert_non_null(json_string_value(json_object_get(json_object_get(j, "error"), "message")));
	json_decref(j);
	assert_string_equal(r->content_type, "application/json");
}

/* ------------------------------------------------------ raw clients */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	/* the kernel completes the handshake before MHD accepts */
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void raw_send(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			run_for(5);
			continue;
		}
		assert_true(n > 0);
		s += n;
		len -= n;
	}
}

/* reads until the server closes; returns the bytes (-1: reset before anything) */
static int raw_read_all(int fd, char *buf, size_t len, long ms)
{
	size_t got = 0;
	long end = now_ms() + ms;
	while (now_ms() < end) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n > 0) {
			got += n;
			if (got == len - 1)
				break;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			break;
		run_for(5);
	}
	buf[got] = '\0';
	return got ? (int)got : (errno == ECONNRESET ? -1 : 0);
}

/* ------------------------------------------------------------ handlers */

static void h_item(struct http_request *req, void *data)
{
	const char *q = http_req_query(req, "q");
	http_respond_json(req, 200, json_pack("{s:s, s:s?}", "id", http_req_param(req, "id"), "q", q));
}

static void h_special(struct http_request *req, void *data)
{
	http_respond_json(req, 200, json_pack("{s:b}", "special", 1));
}

static void h_files(struct http_request *req, void *data)
{
	http_respond_json(req, 200, json_pack("{s:s}", "rest", http_req_rest(req)));
}

static void h_echo(struct http_request *req, void *data)
{
	size_t len;
	const char *body = http_req_body(req, &len);
	http_respond(req, 200, "text/plain", body, len);
}

static void h_json(struct http_request *req, void *data)
{
	json_t *j = http_req_json(req);
	if (!j)
		return;
	http_respond_json(req, 200, json_pack("{s:o}", "got", j));
}

static void h_big(struct http_request *req, void *data)
{
	char big[2000];
	memset(big, 'x', sizeof(big));
	http_respond(req, 200, "text/plain", big, sizeof(big));
}

static void h_private(struct http_request *req, void *data)
{
	http_respond_json(req, 200, json_pack("{s:s}", "who", (const char *)http_req_principal(req)));
}

static void h_retry(struct http_request *req, void *data)
{
	http_respond_retry(req, 429, 7, "slow down");
}

static void h_broken(struct http_request *req, void *data)
{
	/* forgets to answer */
}

/* later answers: the handles wait here until the test answers */
static struct {
	struct http_later h[16];
	int n;
	bool gone;
	enum http_gone_reason why;
	int gone_calls;
} slow;

static void on_gone(void *data, enum http_gone_reason why)
{
	slow.gone = true;
	slow.why = why;
	slow.gone_calls++;
}

static void h_slow(struct http_request *req, void *data)
{
	struct http_later h = http_req_later(req);
	if (!h.id)
		return;		/* answered 503 already */
	http_req_on_gone(req, on_gone, NULL);
	slow.h[slow.n++ % 16] = h;
}

static int auth(struct http_request *req, const char *key, void *data)
{
	if (!key)
		return 401;
	if (!strcmp(key, "good")) {
		http_req_set_principal(req, "alice");
		return 0;
	}
	if (!strcmp(key, "readonly"))
		return 403;
	return 401;
}

static bool link_check(void *data, const char **detail)
{
	*detail = *(bool *)data ? "up" : "down";
	return *(bool *)data;
}
static bool link_ok = true;

static int group_setup(void **state)
{
	const struct http_route_opts pub = { .public = true };
	const struct http_route_opts small = { .public = true, .max_body = 100 };

	ctx = talloc_named_const(NULL, 0, "test_http");
	srv = http_server_alloc(ctx);
	srv->cfg.local_port = 0;
	assert_int_equal(http_server_route(srv, HTTP_GET, "/v1/items/{id}", &pub, h_item, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/v1/items/special", &pub, h_special, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/files/*", &pub, h_files, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_POST | HTTP_PUT, "/echo", &small, h_echo, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_POST, "/json", &pub, h_json, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/big", &pub, h_big, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/slow", &pub, h_slow, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/retry", &pub, h_retry, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/broken", &pub, h_broken, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "/private", NULL, h_private, NULL), 0);
	assert_int_equal(http_server_route(srv, HTTP_GET, "no-slash", &pub, h_item, NULL), -EINVAL);
	http_server_set_auth(srv, auth, NULL);
	assert_int_equal(http_metrics_register(srv), 0);
	http_health_add_check(srv, "ss7_link", link_check, &link_ok);
	assert_int_equal(http_server_start(srv), 0);
	assert_int_not_equal(http_server_port(srv), 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", http_server_port(srv));
	cli = http_client_alloc(ctx, "test");
	assert_non_null(cli);
	return 0;
}

static int group_teardown(void **state)
{
	http_client_free(cli);
	http_server_free(srv);
	run_for(20);
	assert_int_equal(talloc_total_blocks(ctx), 1);
	talloc_free(ctx);
	return 0;
}

/* --------------------------------------------------------------- tests */

static void test_routing(void **state)
{
	struct result *r;

	r = fetch("GET", "/v1/items/42?q=a%20b+c", NULL, NULL);
	assert_int_equal(r->error, HTTP_CLIENT_OK);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{\"id\":\"42\",\"q\":\"a b c\"}");
	/* a literal beats a parameter */
	r = fetch("GET", "/v1/items/special", NULL, NULL);
	assert_string_equal(r->body, "{\"special\":true}");
	/* parameters are decoded after the split: %2F is part of the value */
	r = fetch("GET", "/v1/items/a%2Fb", NULL, NULL);
	assert_string_equal(r->body, "{\"id\":\"a/b\",\"q\":null}");
	r = fetch("GET", "/files/x/y%20z", NULL, NULL);
	assert_string_equal(r->body, "{\"rest\":\"x/y%20z\"}");
	r = fetch("GET", "/files", NULL, NULL);
	assert_string_equal(r->body, "{\"rest\":\"\"}");
	/* GET routes answer HEAD, without a body */
	r = fetch("HEAD", "/v1/items/1", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->body_len, 0);
}

static void test_not_found_not_allowed(void **state)
{
	struct result *r;

	r = fetch("GET", "/nothing/here", NULL, NULL);
	assert_int_equal(r->status, 404);
	assert_error_body(r, 404, "not_found");
	r = fetch("GET", "/v1/items", NULL, NULL);
	assert_int_equal(r->status, 404);
	r = fetch("DELETE", "/v1/items/1", NULL, NULL);
	assert_int_equal(r->status, 405);
	assert_error_body(r, 405, "method_not_allowed");
	assert_string_equal(r->allow, "GET, HEAD");
	r = fetch("GET", "/echo", NULL, NULL);
	assert_int_equal(r->status, 405);
	assert_string_equal(r->allow, "POST, PUT");
	/* a bad escape in the path */
	r = fetch("GET", "/v1/items/%zz", NULL, NULL);
	assert_int_equal(r->status, 400);
	r = fetch("GET", "/v1/items/a%00b", NULL, NULL);
	assert_int_equal(r->status, 400);
	/* a handler that forgets to answer */
	r = fetch("GET", "/broken", NULL, NULL);
	assert_int_equal(r->status, 500);
	assert_error_body(r, 500, "internal_server_error");
}

static void test_body_limit(void **state)
{
	char body[201], buf[4096];
	struct result *r;
	uint64_t before = ctr(HTTP_CTR_BODY_TOO_LARGE);
	int fd, n;

	memset(body, 'b', sizeof(body) - 1);
	body[100] = '\0';
	r = fetch("POST", "/echo", body, NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->body_len, 100);
	/* Content-Length over the limit: 413 before the body is read */
	body[100] = 'b';
	body[200] = '\0';
	r = fetch("POST", "/echo", body, NULL);
	assert_int_equal(r->status, 413);
	assert_error_body(r, 413, "content_too_large");
	/* chunked, no length: read to its end, then 413 */
	fd = raw_connect(http_server_port(srv));
	snprintf(buf, sizeof(buf), "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
		 "Connection: close\r\n\r\nc8\r\n%s\r\n0\r\n\r\n", body);
	raw_send(fd, buf, strlen(buf));
	n = raw_read_all(fd, buf, sizeof(buf), 3000);
	close(fd);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 413"));
	assert_int_equal(ctr(HTTP_CTR_BODY_TOO_LARGE), before + 2);
}

static void test_header_limit(void **state)
{
	size_t len = 40 * 1024;	/* over the default 32 KiB */
	char *req = malloc(len + 200), buf[1024];
	int fd, n, off;

	off = sprintf(req, "GET /v1/items/1 HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(req + off, 'h', len);
	strcpy(req + off + len, "\r\nConnection: close\r\n\r\n");
	fd = raw_connect(http_server_port(srv));
	raw_send(fd, req, strlen(req));
	n = raw_read_all(fd, buf, sizeof(buf), 3000);
	close(fd);
	free(req);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 431"));
}

static void test_json_body(void **state)
{
	struct result *r;

	r = fetch("POST", "/json", "{\"a\": [1, 2]}", NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{\"got\":{\"a\":[1,2]}}");
	r = fetch("POST", "/json", "{\"a\": ", NULL);
	assert_int_equal(r->status, 400);
	assert_error_body(r, 400, "bad_request");
	assert_non_null(strstr(r->body, "invalid JSON"));
	r = fetch("POST", "/json", "{\"a\": 1, \"a\": 2}", NULL);
	assert_int_equal(r->status, 400);
	r = fetch("POST", "/json", NULL, NULL);
	assert_int_equal(r->status, 400);
}

static void test_auth(void **state)
{
	const char *good[] = { "X-API-Key: good", NULL };
	const char *bearer[] = { "Authorization: Bearer good", NULL };
	const char *bad[] = { "X-API-Key: wrong", NULL };
	const char *ro[] = { "X-API-Key: readonly", NULL };
	struct http_client_opts o = { 0 };
	uint64_t before = ctr(HTTP_CTR_AUTH_REFUSED);
	struct result *r;

	r = fetch("GET", "/private", NULL, NULL);
	assert_int_equal(r->status, 401);
	assert_error_body(r, 401, "unauthorized");
	assert_string_equal(r->www_auth, "Bearer realm=\"sigway\"");
	o.headers = bad;
	r = fetch("GET", "/private", NULL, &o);
	assert_int_equal(r->status, 401);
	assert_non_null(strstr(r->body, "unknown API key"));
	o.headers = ro;
	r = fetch("GET", "/private", NULL, &o);
	assert_int_equal(r->status, 403);
	assert_error_body(r, 403, "forbidden");
	o.headers = good;
	r = fetch("GET", "/private", NULL, &o);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{\"who\":\"alice\"}");
	o.headers = bearer;
	r = fetch("GET", "/private", NULL, &o);
	assert_int_equal(r->status, 200);
	assert_int_equal(ctr(HTTP_CTR_AUTH_REFUSED), before + 3);
	/* the service's own 429 */
	r = fetch("GET", "/retry", NULL, NULL);
	assert_int_equal(r->status, 429);
	assert_string_equal(r->retry_after, "7");
	assert_error_body(r, 429, "too_many_requests");
}

static void answer_slow(int i, const char *text)
{
	struct http_request *req = http_later_get(slow.h[i]);
	assert_non_null(req);
	assert_int_equal(http_respond(req, 200, "text/plain", text, strlen(text)), 0);
	/* answered: the handle finds nothing any more */
	assert_null(http_later_get(slow.h[i]));
}

static void test_later_answers(void **state)
{
	struct result r[3];

	memset(&slow, 0, sizeof(slow));
	for (int i = 0; i < 3; i++)
		start(&r[i], cli, "GET", "/slow", NULL, NULL);
	run_for(200);
	assert_int_equal(slow.n, 3);
	assert_int_equal(srv->n_pending, 3);
	for (int i = 0; i < 3; i++)
		assert_false(r[i].done);
	/* answered in reverse order, each when "the network" answers */
	answer_slow(2, "two");
	assert_true(run_until(&r[2].done, 2000));
	assert_false(r[0].done || r[1].done);
	answer_slow(1, "one");
	answer_slow(0, "zero");
	assert_true(run_until(&r[0].done, 2000));
	assert_true(run_until(&r[1].done, 2000));
	assert_string_equal(r[0].body, "zero");
	assert_string_equal(r[1].body, "one");
	assert_string_equal(r[2].body, "two");
	assert_true(r[2].elapsed_ms >= 150);
	assert_int_equal(srv->n_pending, 0);
	assert_int_equal(slow.gone_calls, 0);
}

static void test_client_leaves_while_waiting(void **state)
{
	const char *get = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
	uint64_t before = ctr(HTTP_CTR_PENDING_CLIENT_LEFT);
	bool pending = false;
	int fd;

	memset(&slow, 0, sizeof(slow));
	fd = raw_connect(http_server_port(srv));
	raw_send(fd, get, strlen(get));
	for (long end = now_ms() + 2000; !slow.n && now_ms() < end;)
		run_for(10);
	assert_int_equal(slow.n, 1);
	pending = http_later_get(slow.h[0]) != NULL;
	assert_true(pending);
	close(fd);
	assert_true(run_until(&slow.gone, 2000));
	assert_int_equal(slow.why, HTTP_GONE_CLIENT_LEFT);
	/* the owner's handle is safe: it finds nothing */
	assert_null(http_later_get(slow.h[0]));
	assert_int_equal(ctr(HTTP_CTR_PENDING_CLIENT_LEFT), before + 1);
	run_for(50);
	assert_int_equal(srv->n_pending, 0);
	assert_int_equal(slow.gone_calls, 1);
}

static void test_pending_limits(void **state)
{
	struct result r[2];
	uint64_t before = ctr(HTTP_CTR_PENDING_TIMEOUT);

	memset(&slow, 0, sizeof(slow));
	/* not answered in time: 503 from the server, the owner told */
	srv->cfg.pending_timeout_s = 1;
	start(&r[0], cli, "GET", "/slow", NULL, NULL);
	assert_true(run_until(&r[0].done, 3000));
	assert_int_equal(r[0].status, 503);
	assert_string_equal(r[0].retry_after, "1");
	assert_error_body(&r[0], 503, "service_unavailable");
	assert_true(slow.gone);
	assert_int_equal(slow.why, HTTP_GONE_TIMEOUT);
	assert_null(http_later_get(slow.h[0]));
	assert_int_equal(ctr(HTTP_CTR_PENDING_TIMEOUT), before + 1);
	srv->cfg.pending_timeout_s = 120;
	/* too many waiting: 503 at once */
	memset(&slow, 0, sizeof(slow));
	srv->cfg.max_pending = 1;
	start(&r[0], cli, "GET", "/slow", NULL, NULL);
	run_for(100);
	start(&r[1], cli, "GET", "/slow", NULL, NULL);
	assert_true(run_until(&r[1].done, 2000));
	assert_int_equal(r[1].status, 503);
	assert_false(r[0].done);
	answer_slow(0, "first");
	assert_true(run_until(&r[0].done, 2000));
	assert_int_equal(r[0].status, 200);
	srv->cfg.max_pending = 10000;
}

static void test_client_timeout(void **state)
{
	struct http_client_opts o = { .timeout_ms = 300 };
	struct result *r;

	memset(&slow, 0, sizeof(slow));
	r = fetch("GET", "/slow", NULL, &o);
	assert_int_equal(r->error, HTTP_CLIENT_E_TIMEOUT);
	assert_int_equal(r->status, 0);
	assert_in_range(r->elapsed_ms, 250, 2000);
	/* curl closed the connection: the server notices while waiting */
	assert_true(run_until(&slow.gone, 2000));
	assert_int_equal(slow.why, HTTP_GONE_CLIENT_LEFT);
	assert_int_equal(srv->n_pending, 0);
}

static void test_client_errors(void **state)
{
	struct http_client_opts o = { .max_response = 1000 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct result r;
	char url[64];
	int fd;

	/* an answer over the limit */
	assert_int_equal(fetch("GET", "/big", NULL, NULL)->body_len, 2000);
	assert_int_equal(fetch("GET", "/big", NULL, &o)->error, HTTP_CLIENT_E_TOO_LARGE);
	/* nobody listens */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", ntohs(sin.sin_port));
	memset(&r, 0, sizeof(r));
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, NULL, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	assert_int_equal(r.error, HTTP_CLIENT_E_CONNECT);
	/* a malformed URL comes through the callback too */
	memset(&r, 0, sizeof(r));
	assert_non_null(http_client_request(cli, "GET", "http://[::1", NULL, 0, NULL, on_result, &r));
	assert_false(r.done);
	assert_true(run_until(&r.done, 3000));
	assert_int_not_equal(r.error, HTTP_CLIENT_OK);
	/* header injection refused */
	assert_null(http_client_request(cli, "GET", "http://127.0.0.1/\r\nX: y", NULL, 0, NULL, on_result, &r));
}

static void test_cancel(void **state)
{
	struct http_client_opts o = { 0 };
	struct result r[2];
	void *owner = talloc_new(ctx);
	struct http_client_req *req;

	memset(&slow, 0, sizeof(slow));
	/* cancelled by hand */
	start(&r[0], cli, "GET", "/slow", NULL, NULL);
	req = http_client_request(cli, "GET", base, NULL, 0, NULL, on_result, &r[1]);
	http_client_cancel(req);
	/* cancelled by freeing its owner (the session that waited for it) */
	o.owner = owner;
	memset(&r[1], 0, sizeof(r[1]));
	start(&r[1], cli, "GET", "/slow", NULL, &o);
	run_for(200);
	assert_int_equal(slow.n, 2);
	talloc_free(owner);
	assert_int_equal(http_client_in_flight(cli), 1);
	/* the server sees that client go (it looks twice a second) */
	for (long end = now_ms() + 2000; slow.gone_calls < 1 && now_ms() < end;)
		run_for(20);
	assert_int_equal(slow.gone_calls, 1);
	for (int i = 0; i < 2; i++) {
		struct http_request *sr = http_later_get(slow.h[i]);
		if (sr)
			http_respond(sr, 200, "text/plain", "late", 4);
	}
	assert_true(run_until(&r[0].done, 2000));
	run_for(100);
	assert_int_equal(r[0].calls, 1);
	assert_int_equal(r[1].calls, 0);
	assert_int_equal(http_client_in_flight(cli), 0);
}

static bool public_str(const char *text)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		return net_addr_is_public((struct sockaddr *)v4, sizeof(*v4));
	}
	assert_int_equal(inet_pton(AF_INET6, text, &v6->sin6_addr), 1);
	v6->sin6_family = AF_INET6;
	return net_addr_is_public((struct sockaddr *)v6, sizeof(*v6));
}

/* Which addresses a client's host name may reach, and what is an address */
static void test_public_addresses(void **state)
{
	static const char *const not_public[] = {
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1",
		"192.0.2.7", "198.18.0.1", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2001:db8::1", "::127.0.0.1",
	};
	static const char *const public[] = {
		"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "193.0.2.1", "2a00:1450::1", "2001:4860::8888",
		"::ffff:8.8.8.8", "64:ff9b::808:808",
	};
	for (size_t i = 0; i < ARRAY_SIZE(not_public); i++)
		if (public_str(not_public[i]))
			fail_msg("%s taken for public", not_public[i]);
	for (size_t i = 0; i < ARRAY_SIZE(public); i++)
		if (!public_str(public[i]))
			fail_msg("%s not taken for public", public[i]);
	assert_true(url_host_is_ip_literal("http://10.0.0.1/x"));
	assert_true(url_host_is_ip_literal("https://10.0.0.1:8443"));
	assert_true(url_host_is_ip_literal("http://user:pw@127.0.0.1:80/"));
	assert_true(url_host_is_ip_literal("https://[2001:db8::1]:8443/a"));
	assert_false(url_host_is_ip_literal("http://localhost:80/"));
	assert_false(url_host_is_ip_literal("http://hooks.example.com/"));
	assert_false(url_host_is_ip_literal("http://2130706433/"));	/* 127.0.0.1 to a resolver */
	assert_false(url_host_is_ip_literal("http://127.0.0.1.nip.io/"));
	assert_false(url_host_is_ip_literal("http://10.0.0.1@evil.example/"));
	assert_false(url_host_is_ip_literal("ftp://10.0.0.1/"));
	assert_false(url_host_is_ip_literal("http://[::1/"));
}

/* public_only: a name that resolves to loopback is not connected to, and
 * the error says why; the same request without it goes through */
static void test_public_only(void **state)
{
	struct http_client_opts o = { .public_only = true };
	uint64_t before = ctr(HTTP_CTR_CONN_ACCEPTED);
	const char *port = strrchr(base, ':') + 1;
	char url[96];
	struct result r = { 0 };
	snprintf(url, sizeof(url), "http://localhost:%s/v1/items/1", port);
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, &o, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	assert_int_equal(r.error, HTTP_CLIENT_E_CONNECT);
	assert_non_null(strstr(r.error_text, "not a public address"));
	assert_true(strstr(r.error_text, "127.0.0.1") || strstr(r.error_text, "::1"));
	assert_int_equal(ctr(HTTP_CTR_CONN_ACCEPTED), before);
	/* the address itself, as the operator may write it: no check */
	assert_int_equal(fetch("GET", "/v1/items/1", NULL, NULL)->status, 200);
	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://localhost:%s/v1/items/1", port);
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, NULL, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	if (r.error != HTTP_CLIENT_OK)	/* localhost tried as ::1 first, where nobody listens, then 127.0.0.1 */
		fail_msg("localhost without public_only: %s", r.error_text);
}

static struct http_client *pc;

/* A proxy in the environment (here the test's own server, which counts
 * the connections) carries the requests to the operator's URLs, never a
 * public_only one: that goes direct (through the proxy the address checked
 * would be the proxy's, and the proxy would connect wherever the name led) */
static void test_public_only_not_through_proxy(void **state)
{
	struct http_client_opts o = { .public_only = true, .timeout_ms = 2000, .connect_timeout_ms = 300 };
	struct http_client_opts op = { .timeout_ms = 2000 };
	const char *port = strrchr(base, ':') + 1;
	char url[96];
	struct result r = { 0 };
	uint64_t before, reqs;

	/* a client of its own: none of the connections kept by the other tests */
	pc = http_client_alloc(ctx, "proxy-env");
	assert_non_null(pc);
	assert_int_equal(setenv("http_proxy", base, 1), 0);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	/* an operator's URL: through the proxy (documentation address, no
	 * route to it: only the proxy can answer) */
	before = ctr(HTTP_CTR_CONN_ACCEPTED);
	reqs = ctr(HTTP_CTR_REQ);
	assert_non_null(http_client_request(pc, "GET", "http://192.0.2.1:9/v1/items/1", NULL, 0, &op, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	if (r.error != HTTP_CLIENT_OK)
		fail_msg("not through the proxy: %s", r.error_text);
	assert_int_equal(ctr(HTTP_CTR_CONN_ACCEPTED), before + 1);
	assert_int_equal(ctr(HTTP_CTR_REQ), reqs + 1);
	/* public_only to a public address: direct, not refused as the proxy's
	 * 127.0.0.1 nor sent on the proxy connection kept open. (Whether it is
	 * answered depends on the machine's network: unreachable in a
	 * namespace of its own, answered where a sandbox intercepts.) */
	memset(&r, 0, sizeof(r));
	before = ctr(HTTP_CTR_CONN_ACCEPTED);
	reqs = ctr(HTTP_CTR_REQ);
	assert_non_null(http_client_request(pc, "GET", "http://100.128.0.1:9/x", NULL, 0, &o, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	if (r.error != HTTP_CLIENT_OK && strstr(r.error_text, "127.0.0.1"))
		fail_msg("went to the proxy: %s", r.error_text);
	assert_int_equal(ctr(HTTP_CTR_CONN_ACCEPTED), before);
	assert_int_equal(ctr(HTTP_CTR_REQ), reqs);
	/* a name of loopback: refused as before, the proxy not asked */
	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "http://localhost:%s/v1/items/1", port);
	assert_non_null(http_client_request(pc, "GET", url, NULL, 0, &o, on_result, &r));
	assert_true(run_until(&r.done, 3000));
	if (!strstr(r.error_text, "not a public address"))
		fail_msg("localhost through a proxy: error %d %s, status %u", r.error, r.error_text, r.status);
	assert_int_equal(ctr(HTTP_CTR_CONN_ACCEPTED), before);
	assert_int_equal(ctr(HTTP_CTR_REQ), reqs);
}

static int proxy_env_teardown(void **state)
{
	unsetenv("http_proxy");
	http_client_free(pc);
	pc = NULL;
	return 0;
}

static void test_keep_alive_reuse(void **state)
{
	struct http_client *c = http_client_alloc(ctx, "keepalive");
	uint64_t before = ctr(HTTP_CTR_CONN_ACCEPTED);
	struct result r;

	static const struct { const char *path; unsigned int status; } seq[] = {
		{ "/v1/items/1", 200 }, { "/nothing", 404 }, { "/private", 401 }, { "/v1/items/2", 200 },
		{ "/v1/items/3", 200 },
	};
	for (int i = 0; i < 5; i++) {
		start(&r, c, "GET", seq[i].path, NULL, NULL);
		assert_true(run_until(&r.done, 2000));
		assert_int_equal(r.status, seq[i].status);
	}
	/* five requests, one connection: refusals of bodiless requests keep it */
	assert_int_equal(ctr(HTTP_CTR_CONN_ACCEPTED), before + 1);
	http_client_free(c);
}

/* A client's limit per host: the requests over it wait in order (not in
 * curl), a waiting one can be cancelled and times out; freeing the client
 * drops the waiting ones without callbacks */
static void test_client_per_host_queue(void **state)
{
	struct http_client *c = http_client_alloc(ctx, "queue");
	struct http_client_opts quick = { .timeout_ms = 300 };
	struct result r[4];
	struct http_client_req *req;
	char url[256];

	http_client_set_limits(c, 1, 0);
	memset(&slow, 0, sizeof(slow));
	start(&r[0], c, "GET", "/slow", NULL, NULL);
	start(&r[1], c, "GET", "/slow", NULL, NULL);
	memset(&r[2], 0, sizeof(r[2]));
	snprintf(url, sizeof(url), "%s/slow", base);
	req = http_client_request(c, "GET", url, NULL, 0, NULL, on_result, &r[2]);
	assert_non_null(req);
	start(&r[3], c, "GET", "/slow", NULL, &quick);
	run_for(200);
	/* one at the server, three waiting */
	assert_int_equal(slow.n, 1);
	assert_int_equal(http_client_in_flight(c), 4);
	http_client_cancel(req);
	assert_int_equal(http_client_in_flight(c), 3);
	/* its timeout counts while it waits */
	assert_true(run_until(&r[3].done, 2000));
	assert_int_equal(r[3].error, HTTP_CLIENT_E_TIMEOUT);
	assert_in_range(r[3].elapsed_ms, 250, 1000);
	assert_int_equal(slow.n, 1);
	/* the first answered: the next in line goes */
	answer_slow(0, "zero");
	assert_true(run_until(&r[0].done, 2000));
	for (long end = now_ms() + 2000; slow.n < 2 && now_ms() < end;)
		run_for(20);
	assert_int_equal(slow.n, 2);
	answer_slow(1, "one");
	assert_true(run_until(&r[1].done, 2000));
	assert_string_equal(r[0].body, "zero");
	assert_string_equal(r[1].body, "one");
	run_for(100);
	assert_int_equal(r[2].calls, 0);
	assert_int_equal(http_client_in_flight(c), 0);

	/* freed with one request at the server and one waiting */
	memset(&slow, 0, sizeof(slow));
	start(&r[0], c, "GET", "/slow", NULL, NULL);
	start(&r[1], c, "GET", "/slow", NULL, NULL);
	run_for(200);
	assert_int_equal(slow.n, 1);
	http_client_free(c);
	assert_true(run_until(&slow.gone, 2000));
	run_for(100);
	assert_int_equal(r[0].calls + r[1].calls, 0);
	assert_int_equal(srv->n_pending, 0);
}

static void test_per_ip_limit(void **state)
{
	struct http_server *s2 = http_server_alloc(ctx);
	const struct http_route_opts pub = { .public = true };
	uint64_t refused;
	char buf[1024];
	int fd[3], n;

	s2->cfg.local_port = 0;
	s2->cfg.max_per_ip = 2;
	http_server_route(s2, HTTP_GET, "/v1/items/{id}", &pub, h_item, NULL);
	assert_int_equal(http_server_start(s2), 0);
	fd[0] = raw_connect(http_server_port(s2));
	fd[1] = raw_connect(http_server_port(s2));
	for (long end = now_ms() + 2000; s2->n_connections < 2 && now_ms() < end;)
		run_for(10);
	assert_int_equal(s2->n_connections, 2);
	/* the third is closed at once */
	fd[2] = raw_connect(http_server_port(s2));
	n = raw_read_all(fd[2], buf, sizeof(buf), 2000);
	assert_true(n <= 0);
	refused = rate_ctr_group_get_ctr(s2->ctrg, HTTP_CTR_CONN_REFUSED_IP)->current;
	assert_int_equal(refused, 1);
	close(fd[2]);
	/* one closes: a new one gets an answer */
	close(fd[0]);
	for (long end = now_ms() + 2000; s2->n_connections > 1 && now_ms() < end;)
		run_for(10);
	fd[0] = raw_connect(http_server_port(s2));
	const char *get = "GET /v1/items/7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	raw_send(fd[0], get, strlen(get));
	n = raw_read_all(fd[0], buf, sizeof(buf), 2000);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 200"));
	close(fd[0]);
	close(fd[1]);
	http_server_free(s2);
}

static void test_metrics_health(void **state)
{
	struct result *r;
	char *text = http_metrics_render(ctx);

	assert_non_null(strstr(text, "# TYPE sigway_http_req_rx counter\n"));
	assert_non_null(strstr(text, "sigway_http_req_rx{index=\"0\"} "));
	assert_non_null(strstr(text, "# TYPE sigway_http_pending gauge\n"));
	assert_non_null(strstr(text, "sigway_http_client_req_sent{index=\"0\",name=\"test\"} "));
	talloc_free(text);
	r = fetch("GET", "/metrics", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(r->body, "sigway_http_resp_4xx{index=\"0\"} "));
	r = fetch("GET", "/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "\"status\":\"ok\""));
	assert_non_null(strstr(r->body, "\"ss7_link\":{\"ok\":true,\"detail\":\"up\"}"));
	link_ok = false;
	r = fetch("GET", "/health", NULL, NULL);
	assert_int_equal(r->status, 200);
	assert_non_null(strstr(r->body, "\"status\":\"degraded\""));
	r = fetch("GET", "/ready", NULL, NULL);
	assert_int_equal(r->status, 503);
	link_ok = true;
	r = fetch("GET", "/ready", NULL, NULL);
	assert_int_equal(r->status, 200);
}

static void test_tls(void **state)
{
	struct http_server *s2 = http_server_alloc(ctx);
	const struct http_route_opts pub = { .public = true };
	struct http_client_opts o = { .ca_file = SIGWAY_TLS_DIR "/test-cert.pem" };
	struct result r;
	char url[128];

	s2->cfg.local_port = 0;
	snprintf(s2->cfg.tls_cert, sizeof(s2->cfg.tls_cert), "%s", SIGWAY_TLS_DIR "/test-cert.pem");
	snprintf(s2->cfg.tls_key, sizeof(s2->cfg.tls_key), "%s", SIGWAY_TLS_DIR "/test-key.pem");
	http_server_route(s2, HTTP_GET, "/v1/items/{id}", &pub, h_item, NULL);
	assert_int_equal(http_server_start(s2), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/v1/items/tls", http_server_port(s2));
	memset(&r, 0, sizeof(r));
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, &o, on_result, &r));
	assert_true(run_until(&r.done, 5000));
	assert_int_equal(r.error, HTTP_CLIENT_OK);
	assert_string_equal(r.body, "{\"id\":\"tls\",\"q\":null}");
	/* without trusting the certificate */
	memset(&r, 0, sizeof(r));
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, NULL, on_result, &r));
	assert_true(run_until(&r.done, 5000));
	assert_int_equal(r.error, HTTP_CLIENT_E_TLS);
	http_server_free(s2);
	/* a missing key file: the server does not start */
	s2 = http_server_alloc(ctx);
	s2->cfg.local_port = 0;
	snprintf(s2->cfg.tls_cert, sizeof(s2->cfg.tls_cert), "/nonexistent/cert.pem");
	snprintf(s2->cfg.tls_key, sizeof(s2->cfg.tls_key), "/nonexistent/key.pem");
	assert_int_equal(http_server_start(s2), -1);
	http_server_free(s2);
}

static void test_stop_with_waiting_requests(void **state)
{
	struct http_server *s2 = http_server_alloc(ctx);
	const struct http_route_opts pub = { .public = true };
	struct result r;
	char url[128];

	memset(&slow, 0, sizeof(slow));
	s2->cfg.local_port = 0;
	http_server_route(s2, HTTP_GET, "/slow", &pub, h_slow, NULL);
	assert_int_equal(http_server_start(s2), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/slow", http_server_port(s2));
	memset(&r, 0, sizeof(r));
	assert_non_null(http_client_request(cli, "GET", url, NULL, 0, NULL, on_result, &r));
	run_for(200);
	assert_int_equal(slow.n, 1);
	/* MHD must not stop with a suspended connection: we answer it first */
	http_server_free(s2);
	assert_true(slow.gone);
	assert_int_equal(slow.why, HTTP_GONE_SHUTDOWN);
	/* the handle is safe even with its server gone */
	assert_null(http_later_get(slow.h[0]));
	assert_true(run_until(&r.done, 3000));
	/* the 503 leaves before the socket closes */
	assert_int_equal(r.error, HTTP_CLIENT_OK);
	assert_int_equal(r.status, 503);
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	osmo_stats_init(log_ctx);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_not_found_not_allowed),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_header_limit),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_later_answers),
		cmocka_unit_test(test_client_leaves_while_waiting),
		cmocka_unit_test(test_pending_limits),
		cmocka_unit_test(test_client_timeout),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_public_addresses),
		cmocka_unit_test(test_public_only),
		cmocka_unit_test_teardown(test_public_only_not_through_proxy, proxy_env_teardown),
		cmocka_unit_test(test_keep_alive_reuse),
		cmocka_unit_test(test_client_per_host_queue),
		cmocka_unit_test(test_per_ip_limit),
		cmocka_unit_test(test_metrics_health),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_stop_with_waiting_requests),
	};
	int rc = cmocka_run_group_tests_name("http", tests, group_setup, group_teardown);
	log_fini();
	talloc_free(log_ctx);
	return rc;
}
