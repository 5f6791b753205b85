/* Internals of the HTTP server shared by its files (server, VTY, metrics). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <microhttpd.h>
#include <osmocom/core/hashtable.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include <sigway/http/http_route.h>
#include <sigway/http/http_server.h>

/* until the lead gives HTTP a logging category of its own */

enum http_ctr {
	HTTP_CTR_CONN_ACCEPTED,
	HTTP_CTR_REQ,
	HTTP_CTR_RESP_2XX,
	HTTP_CTR_RESP_3XX,
	HTTP_CTR_RESP_4XX,
	HTTP_CTR_RESP_5XX,
	HTTP_CTR_AUTH_REFUSED,
	HTTP_CTR_BODY_TOO_LARGE,
	HTTP_CTR_CONN_REFUSED_IP,
	HTTP_CTR_PENDING_REFUSED,
	HTTP_CTR_PENDING_CLIENT_LEFT,
	HTTP_CTR_PENDING_TIMEOUT,
	_HTTP_CTR_COUNT
};

enum http_stat {
	HTTP_STAT_CONNECTIONS,
	HTTP_STAT_PENDING,
	_HTTP_STAT_COUNT
};

struct http_route {
	struct llist_head list;
	unsigned int methods;
	struct http_pattern pat;
	char *pattern;
	struct http_route_opts opts;
	http_handler_cb cb;
	void *data;
};

struct http_health_check {
	struct llist_head list;
	char *name;
	bool (*cb)(void *data, const char **detail);
	void *data;
};

#define HTTP_PENDING_HASH_BITS	12
#define HTTP_IP_HASH_BITS	8
#define HTTP_WATCH_MS		500

struct http_server {
	struct http_server_cfg cfg;
	struct MHD_Daemon *mhd;
	struct osmo_fd epoll_ofd;
	struct osmo_timer_list run_timer;
	char *tls_cert_pem, *tls_key_pem;
	bool tls;
	uint16_t port;

	struct llist_head routes;
	http_auth_cb auth_cb;
	void *auth_data;

	/* requests waiting for a later answer (in the process-wide table) */
	struct llist_head pending;
	unsigned int n_pending;
	/* looks every HTTP_WATCH_MS whether their clients left: one timer, not a
	 * polled socket per waiting request (poll() would walk them all on every
	 * turn of the loop) */
	struct osmo_timer_list watch_timer;
	/* open connections per source address */
	DECLARE_HASHTABLE(per_ip, HTTP_IP_HASH_BITS);
	unsigned int n_connections;

	struct rate_ctr_group *ctrg;
	struct osmo_stat_item_group *statg;
	struct llist_head health_checks;
	time_t started;
};

static inline void http_ctr_inc(struct http_server *srv, enum http_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(srv->ctrg, c));
}

/* server-wide defaults (VTY "no ..." goes back to them) */
void http_cfg_defaults(struct http_server_cfg *cfg);
