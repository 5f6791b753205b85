/* /metrics (Prometheus text exposition format 0.0.4) and /health on the
 * HTTP server: every rate_ctr group and osmo_stat_item group of the process. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct http_server;

/* Registers GET /metrics, GET /health and GET /ready (public routes). */
int http_metrics_register(struct http_server *srv);

/* A check /health reports and /ready depends on: cb returns true when
 * fine, and may point *detail at a short text (e.g. "link up"). */
void http_health_add_check(struct http_server *srv, const char *name,
			   bool (*cb)(void *data, const char **detail), void *data);

/* The exposition text (talloc string under ctx): counters as
 * sigway_<group>_<counter>{index="N"} (type counter), stat items as
 * sigway_<group>_<item>{index="N"} (type gauge), names sanitised to
 * [a-zA-Z0-9_]. */
char *http_metrics_render(void *ctx);

/* "rx:udts" -> "rx_udts" (into out, at most len bytes with the NUL) */
void http_metric_name_sanitise(char *out, size_t len, const char *in);
