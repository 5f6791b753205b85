/* The HTTP server of sigwayd's services: GNU libmicrohttpd driven from the
 * osmo_select loop (its epoll fd is one osmo_fd, its timeout an
 * osmo_timer; no threads). Services register handlers by method and path
 * pattern (http_route.h); a handler answers at once, or takes a "later"
 * handle and answers when the network has answered. See doc/http.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>

struct http_server;
struct http_request;

enum http_method {
	HTTP_GET	= 1 << 0,
	HTTP_HEAD	= 1 << 1,	/* GET routes answer HEAD too (MHD sends no body) */
	HTTP_POST	= 1 << 2,
	HTTP_PUT	= 1 << 3,
	HTTP_DELETE	= 1 << 4,
	HTTP_PATCH	= 1 << 5,
	HTTP_OPTIONS	= 1 << 6,
};

#define HTTP_DEFAULT_PORT 4280

/* What the VTY configures; the defaults are in http_server_alloc(). */
struct http_server_cfg {
	bool enabled;			/* the config has an "http" node: the server starts */
	char local_ip[64];		/* IPv4 or IPv6 address to listen on */
	uint16_t local_port;		/* 0: any free port (tests; see http_server_port()) */
	char tls_cert[256];		/* PEM files; both set: HTTPS only */
	char tls_key[256];
	unsigned int max_connections;	/* in total (MHD stops accepting beyond) */
	unsigned int max_per_ip;	/* connections per source address, 0: no limit */
	unsigned int conn_timeout_s;	/* idle connection closed after this long */
	unsigned int max_header_bytes;	/* request line + headers (MHD answers 431/414 beyond) */
	size_t max_body_bytes;		/* request body unless the route says otherwise (413 beyond) */
	unsigned int max_pending;	/* requests waiting for a later answer (503 beyond) */
	unsigned int pending_timeout_s;	/* a later answer not given by then: 503 */
	char api_key_header[64];	/* header that carries the API key */
};

/* ------------------------------------------------------------- server */

struct http_server *http_server_alloc(void *ctx);
struct http_server_cfg *http_server_cfg(struct http_server *srv);
/* true when the config has an "http" node */
bool http_server_configured(const struct http_server *srv);
/* Opens the listening socket with the current config. 0 or -1 (logged). */
int http_server_start(struct http_server *srv);
/* The TCP port listened on (after start), e.g. when the config said 0 */
uint16_t http_server_port(const struct http_server *srv);
/* Answers every pending request (503), tells their owners, closes the
 * socket. The routes stay; start again with the new config. */
void http_server_stop(struct http_server *srv);
/* Stops and frees (also what talloc_free() of it does) */
void http_server_free(struct http_server *srv);

/* The "http" VTY node and "show http"; one server per process. */
void http_server_vty_init(struct http_server *srv);

/* ------------------------------------------------------------- routes */

typedef void (*http_handler_cb)(struct http_request *req, void *data);

struct http_route_opts {
	size_t max_body;	/* bytes of request body, 0: the server's limit */
	bool public;		/* served without an API key (default: key required) */
};

/* methods: HTTP_GET | HTTP_POST ...; pattern: see http_route.h. The most
 * specific matching pattern wins; a path that matches only under other
 * methods gets 405 with Allow. opts may be NULL. 0 or -EINVAL. */
int http_server_route(struct http_server *srv, unsigned int methods, const char *pattern,
		      const struct http_route_opts *opts, http_handler_cb cb, void *data);

/* ------------------------------------------------------ authentication */

/* Called before the body is read, for routes that are not public, with
 * the API key from the configured header (or "Authorization: Bearer KEY"),
 * NULL when there is none. Returns 0 to let the request through (it may
 * attach who it is with http_req_set_principal()), or the status to refuse
 * with: 401 (no or unknown key), 403 (known, not allowed), 429. Without a
 * hook every non-public route answers 401. */
typedef int (*http_auth_cb)(struct http_request *req, const char *api_key, void *data);
void http_server_set_auth(struct http_server *srv, http_auth_cb cb, void *data);

/* ------------------------------------------------------------ requests */

const char *http_req_method(const struct http_request *req);
const char *http_req_path(const struct http_request *req);		/* raw, without the query */
const char *http_req_param(const struct http_request *req, const char *name);	/* "{name}", decoded */
const char *http_req_rest(const struct http_request *req);		/* "*" routes: raw remainder */
/* A query argument, decoded; "" for "?flag"; NULL when absent or not
 * decodable (the handler answers 400 if it needs it) */
const char *http_req_query(const struct http_request *req, const char *name);
const char *http_req_header(const struct http_request *req, const char *name);
const char *http_req_client_ip(const struct http_request *req);
/* The body (NUL-terminated for convenience; may contain NULs), len may be NULL */
const char *http_req_body(const struct http_request *req, size_t *len);
/* The body as JSON (duplicate keys refused). On failure answers 400 with
 * jansson's reason and returns NULL. The caller owns the reference. */
json_t *http_req_json(struct http_request *req);
void http_req_set_principal(struct http_request *req, void *principal);
void *http_req_principal(const struct http_request *req);

/* ------------------------------------------------------------- answers */
/* Each request is answered exactly once; answering again returns -EALREADY. */

/* Adds a header to the answer (before answering); -EINVAL for names or
 * values with CR/LF */
int http_req_add_header(struct http_request *req, const char *name, const char *value);
int http_respond(struct http_request *req, unsigned int status, const char *content_type,
		 const void *body, size_t len);
/* body: the reference is taken (also on error) */
int http_respond_json(struct http_request *req, unsigned int status, json_t *body);
/* {"error": {"status": 404, "code": "not_found", "message": "..."}} */
int http_respond_error(struct http_request *req, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* the same with Retry-After (429, 503) */
int http_respond_retry(struct http_request *req, unsigned int status, unsigned int retry_after_s,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The error object of http_respond_error, for a service that adds fields
 * (e.g. the offending number) before http_respond_json() */
json_t *http_error_body(unsigned int status, const char *message);

/* ------------------------------------------------------- later answers */

/* A request answered later is found again by this value, which stays safe
 * to keep after the client went away (or the server was freed):
 * http_later_get() then returns NULL. Keep the handle, not the request
 * pointer, across loop iterations. */
struct http_later {
	uint64_t id;		/* 0: not valid; unique in the process */
};

/* Suspends the request until it is answered. When max_pending requests
 * wait already, answers 503 (Retry-After) itself and returns an invalid
 * handle (id 0): the handler then starts no work. */
struct http_later http_req_later(struct http_request *req);
/* The request, or NULL when it was answered, timed out, or its client left */
struct http_request *http_later_get(struct http_later h);

enum http_gone_reason {
	HTTP_GONE_CLIENT_LEFT,	/* the client closed the connection while waiting */
	HTTP_GONE_TIMEOUT,	/* pending-timeout passed: the server answered 503 */
	HTTP_GONE_SHUTDOWN,	/* the server stopped: answered 503 */
};
/* Optional: told when a later request ends without the owner's answer
 * (e.g. to stop waiting for the network). Not called after the owner
 * answered. The handle is invalid from then on. */
void http_req_on_gone(struct http_request *req, void (*cb)(void *data, enum http_gone_reason why), void *data);

/* --------------------------------------------------------------- misc */

/* "Not Found" etc. */
const char *http_status_text(unsigned int status);
extern const struct value_string http_gone_reason_names[];
