/* The HTTP client of sigwayd's services (application callbacks, notifyUrl
 * posts): libcurl's multi interface on the osmo_select loop. Each socket
 * curl opens is an osmo_fd, curl's timer an osmo_timer; no threads (a
 * URL with a host name uses curl's resolver, see doc/http.md).
 * Connections are kept alive and reused between requests to the same
 * host; finished requests are kept for reuse (their curl handle and
 * buffers). See doc/http.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct http_client;
struct http_client_req;

enum http_client_error {
	HTTP_CLIENT_OK = 0,		/* an HTTP answer arrived (any status) */
	HTTP_CLIENT_E_CONNECT,		/* no connection (refused, unreachable, name unknown) */
	HTTP_CLIENT_E_TIMEOUT,		/* timeout_ms passed */
	HTTP_CLIENT_E_TOO_LARGE,	/* the answer's body exceeded max_response */
	HTTP_CLIENT_E_TLS,		/* TLS handshake or certificate */
	HTTP_CLIENT_E_PROTOCOL,		/* not HTTP, connection closed mid-answer */
	HTTP_CLIENT_E_OTHER,
};

struct http_client_result {
	enum http_client_error error;
	const char *error_text;		/* curl's explanation, "" when none */
	unsigned int status;		/* HTTP status, 0 when none arrived */
	const char *body;		/* NUL-terminated (may contain NULs) */
	size_t body_len;
	const char *content_type;	/* NULL when absent */
	unsigned int elapsed_ms;
	void *easy_;			/* private */
};

/* A header of the answer (the last one of that name), during the callback */
const char *http_client_result_header(const struct http_client_result *res, const char *name);

/* Called once per request unless it was cancelled; res and what it
 * points to are valid during the call only. The callback may start new
 * requests and cancel others, but not free the client. */
typedef void (*http_client_cb)(const struct http_client_result *res, void *data);

struct http_client_opts {
	unsigned int timeout_ms;	/* the whole exchange; 0: 30 s */
	unsigned int connect_timeout_ms;/* 0: the same as timeout_ms */
	size_t max_response;		/* body bytes; 0: 1 MiB */
	const char *content_type;	/* of the request body */
	const char *const *headers;	/* more "Name: value" lines, NULL-terminated */
	const char *ca_file;		/* https: trust these PEM certificates instead of the system's */
	/* Connect to public addresses only (net_addr.h), checked on each
	 * address as it is connected to: for a host name a client chose,
	 * which may resolve (or be rebound) to the gateway's own network.
	 * Never through a proxy of the environment (http_proxy, https_proxy,
	 * all_proxy: those would be the address checked). A kept connection
	 * is reused without a new check: a client should not mix requests
	 * with and without it to the same host */
	bool public_only;
	/* A talloc context whose freeing cancels the request (no callback):
	 * e.g. the session that waits for the answer */
	void *owner;
};

struct http_client *http_client_alloc(void *ctx, const char *name);
/* Connections at most per host (0: no limit; more requests wait in the
 * client's queue for that host, in order, their timeout running) and kept
 * open in total (curl's cache; 0: 256, or max_per_host if more) */
void http_client_set_limits(struct http_client *c, unsigned int max_per_host, unsigned int max_total);
/* Cancels what is in flight (no callbacks) and frees */
void http_client_free(struct http_client *c);

/* Starts a request: method "GET", "POST", "PUT", "DELETE", ...; body may
 * be NULL. Returns a handle for http_client_cancel(), or NULL when nothing
 * was started (no memory, bad arguments): then no callback comes. Errors
 * of the exchange (even a malformed URL) come through the callback, never
 * from within this call. */
struct http_client_req *http_client_request(struct http_client *c, const char *method, const char *url,
					    const void *body, size_t len, const struct http_client_opts *opts,
					    http_client_cb cb, void *data);
/* No callback comes after this; safe from within any callback of this
 * client (a request cancelling itself from its own callback is a no-op). */
void http_client_cancel(struct http_client_req *r);

/* Requests in flight */
unsigned int http_client_in_flight(const struct http_client *c);
