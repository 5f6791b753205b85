/* HLR number lookup: a service on the MAP layer. One SendRoutingInfoForSM
 * per number through the shared step of src/routing (the gateway's calling
 * GT, the operators' routes, MAP version learning, the operators'
 * throughput shared with SMS, which has priority), answers derived into a
 * result a client can act on (lookup_result.h), one `lookup` billing
 * record per SRI-for-SM sent, an audit row per dialogue beside the SMS
 * core's, a per-account cache, rate and daily quota. Clients reach it
 * through the HTTP/JSON API (doc/lookup-api.yaml): synchronous queries,
 * bulk jobs with callbacks, the log of an account. See doc/lookup.md. */
#pragma once

#include <stdbool.h>

struct lookup_svc;
struct routing;
struct numbering;
struct store;
struct accounts;
struct http_server;

struct lookup_svc *lookup_alloc(void *ctx);
/* The "lookup" config node and "show lookup"; before reading the config */
void lookup_vty_init(struct lookup_svc *svc);

struct lookup_deps {
	struct routing *routing;	/* started: operators, routes, our calling GT */
	struct numbering *numbering;	/* loaded */
	struct store *store;		/* billing, audit, the lookup log, jobs (the SMS core's tables exist) */
	struct accounts *accounts;
	struct http_server *http;	/* the routes are registered on it (before http_server_start) */
	bool (*link_up)(void *data);	/* nothing is sent while the SS7 link is down */
	void *link_data;
};

/* Creates the tables, registers the HTTP routes, resumes the bulk jobs the
 * store holds. 0 or -1 (logged). */
int lookup_start(struct lookup_svc *svc, const struct lookup_deps *deps);
/* Lookups and notifications in flight (after lookup_stop: still to end) */
unsigned int lookup_busy(const struct lookup_svc *svc);
/* Starts nothing new: queued numbers are dropped (not sent, not billed),
 * those in flight end normally (their records are written) */
void lookup_stop(struct lookup_svc *svc);
void lookup_free(struct lookup_svc *svc);
