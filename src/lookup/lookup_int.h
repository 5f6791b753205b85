/* Internals of the lookup service, shared by its files */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/timer.h>
#include <sigway/accounts/accounts.h>
#include <sigway/lookup/lookup.h>
#include <sigway/lookup/lookup_request.h>
#include <sigway/lookup/lookup_result.h>
#include <sigway/routing/routing.h>

struct http_client;
struct lookup_cache;

enum lookup_ctr {
	LOOKUP_CTR_REQUESTS,		/* API requests that asked for lookups (sync and jobs) */
	LOOKUP_CTR_NUMBERS,		/* numbers asked for */
	LOOKUP_CTR_REFUSED_INPUT,	/* requests refused for their body (400, 413) */
	LOOKUP_CTR_RATE_LIMITED,	/* 429: the account's rate */
	LOOKUP_CTR_QUOTA_EXCEEDED,	/* 429 or numbers not sent: the daily quota */
	LOOKUP_CTR_CACHE_HIT,
	LOOKUP_CTR_SRI_SENT,		/* SRI-for-SM Begins of lookups (billed) */
	LOOKUP_CTR_ANSWERED,		/* ... answered with a result */
	LOOKUP_CTR_MAP_ERROR,		/* ... answered with a MAP error */
	LOOKUP_CTR_TIMEOUT,		/* ... not answered in time */
	LOOKUP_CTR_FAILED,		/* ... refused, aborted, unusable */
	LOOKUP_CTR_NOT_SENT,		/* link down, no resources: not sent, not billed */
	LOOKUP_CTR_NO_ROUTE,
	LOOKUP_CTR_HELD,		/* the operator's throughput held a lookup back */
	LOOKUP_CTR_JOBS,		/* bulk jobs accepted */
	LOOKUP_CTR_JOBS_DONE,
	LOOKUP_CTR_NOTIFY_SENT,		/* result batches posted and accepted (2xx) */
	LOOKUP_CTR_NOTIFY_FAILED,	/* posts that failed (retried) */
	_LOOKUP_CTR_COUNT
};

enum lookup_stat {
	LOOKUP_STAT_QUEUED,		/* numbers waiting for the operator's throughput */
	LOOKUP_STAT_IN_FLIGHT,		/* SRI-for-SM dialogues of lookups open */
	LOOKUP_STAT_JOBS,		/* bulk jobs running */
	LOOKUP_STAT_CACHE,		/* cache entries */
	_LOOKUP_STAT_COUNT
};

struct lookup_cfg {
	unsigned int max_numbers;	/* per synchronous request */
	unsigned int max_in_flight;	/* SRI-for-SM of lookups at once */
	unsigned int max_queued;	/* numbers waiting at once (beyond: 503) */
	unsigned int job_max_numbers;	/* per bulk job */
	size_t job_max_body;		/* bytes of a bulk job's request */
	unsigned int job_window;	/* numbers of one job in the engine at once */
	unsigned int jobs_per_account;	/* jobs not finished at once */
	unsigned int notify_batch;	/* results per callback post (default) */
	unsigned int notify_batch_max;
	unsigned int notify_attempts;	/* posts of one batch before giving up */
	unsigned int notify_timeout_s;
	unsigned int cache_max;		/* cache entries over all accounts */
	unsigned int retention_days;	/* the lookup log and finished jobs; 0: for ever */
};

/* home routing signs of one operator */
struct lookup_hr_entry {
	struct llist_head list;
	char operator_name[32];
	struct lookup_home_routing hr;
};

/* the lookups waiting for one operator's throughput */
struct lookup_opq {
	struct llist_head list;		/* in svc->opqs */
	struct operator *op;
	struct llist_head queue;	/* struct lookup_item */
};

struct lookup_svc {
	struct lookup_cfg cfg;
	struct llist_head home_routing;	/* struct lookup_hr_entry */
	struct lookup_deps d;
	bool started, stopping;
	struct llist_head opqs;
	unsigned int in_flight, queued;
	struct osmo_timer_list pump_timer;
	struct llist_head flight;	/* items whose SRI-for-SM is in flight */
	struct llist_head done;		/* items finished, callbacks to run from the loop */
	struct osmo_timer_list done_timer;
	bool done_waiting;		/* the done items wait for the commit of their records */
	struct lookup_cache *cache;
	struct http_client *notify;
	struct llist_head jobs;		/* struct lookup_job being worked on */
	struct osmo_timer_list jobs_timer;
	unsigned int purge_tick;
	bool purge_backlog;		/* the last batch was full: the next tick purges again */
	char id_base[24];		/* lookup ids: id_base + a counter */
	uint64_t id_seq;
	struct rate_ctr_group *ctrg;
	struct osmo_stat_item_group *statg;
};

/* One number being looked up */
struct lookup_item {
	struct llist_head list;		/* its operator's queue, svc->flight or svc->done */
	struct lookup_svc *svc;
	struct account *acct;
	struct lookup_opq *opq;
	struct routing_sri *sri;	/* in flight */
	bool queued, quota_taken;
	bool pending;			/* its SRI-for-SM went out: a lookup_pending row until it ends */
	void (*cb)(void *priv, const struct lookup_result *r, const char *text);
	void *priv;
	char *text;			/* the log's JSON of the result (whole IMSI; talloc child) */
	char job[24];			/* "" none */
	int64_t seq;
	struct lookup_result res;
};

static inline void lookup_ctr_inc(struct lookup_svc *svc, enum lookup_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(svc->ctrg, c));
}

/* lookup.c: the engine */
/* Looks one number (international digits) up for an account: from its
 * cache, else with an SRI-for-SM. cb runs once, from the loop (never from
 * within this call), with the result; the item is freed after it. job/seq
 * name the bulk job item (job NULL: none). NULL: no memory. */
typedef void (*lookup_item_cb)(void *priv, const struct lookup_result *r, const char *text);
struct lookup_item *lookup_item_start(struct lookup_svc *svc, struct account *a, const char *e164, const char *job,
				      int64_t seq, lookup_item_cb cb, void *priv);
/* No callback comes: a queued lookup is dropped (not sent, its quota
 * given back), one in flight ends alone (billed and logged as usual) */
void lookup_item_cancel(struct lookup_item *it);
void lookup_stat_set(struct lookup_svc *svc, enum lookup_stat s, int64_t v);
bool lookup_link_up(const struct lookup_svc *svc);
/* Numbers the account may still send today: UINT_MAX without a quota */
unsigned int lookup_quota_left(struct lookup_svc *svc, struct account *a);
/* seconds until the next UTC midnight (a quota's Retry-After) */
unsigned int lookup_secs_to_midnight(void);
const struct lookup_home_routing *lookup_hr_of(struct lookup_svc *svc, const char *operator_name);

/* lookup_cache.c: answers kept per account */
struct lookup_cache *lookup_cache_alloc(void *ctx);
/* found and not older than ttl_ms: 0 and *sri, *age_ms, *operator_name */
int lookup_cache_get(struct lookup_cache *c, const struct account *a, const char *msisdn, int64_t ttl_ms, int64_t now,
		     struct routing_sri_result *sri, int64_t *age_ms, char *operator_name, size_t oplen);
void lookup_cache_put(struct lookup_cache *c, const struct account *a, const char *msisdn,
		      const struct routing_sri_result *sri, const char *operator_name, int64_t now, unsigned int max);
unsigned int lookup_cache_size(const struct lookup_cache *c);

/* lookup_db.c: the lookup log, billing, audit, jobs */
int lookup_db_init(struct store *st);
/* The records of a finished lookup in this tick's transaction: the log
 * row; the billing record and the audit row when an SRI-for-SM was sent */
void lookup_db_record(struct lookup_svc *svc, struct lookup_item *it, const struct routing_trace *trace);
/* A lookup whose SRI-for-SM went out is pending, with the Begins sent so
 * far (a version fallback sends another), until its record is written (in
 * the same transaction); begins 0: it ended. What a crash or a stop left
 * pending was sent and is billed at the next start, a record per Begin:
 * returns how many lookups. */
void lookup_db_pending(struct lookup_svc *svc, const struct lookup_item *it, unsigned int begins);
int lookup_db_bill_interrupted(struct lookup_svc *svc);
/* lookups of the account sent to the network since since_ms (its quota) */
unsigned int lookup_db_billed_since(struct lookup_svc *svc, const char *account, int64_t since_ms);
/* one batch of the retention purge: lookups older than retention-days,
 * their audit rows, finished jobs; true when a full batch went (more are due) */
bool lookup_db_purge(struct lookup_svc *svc);

/* lookup_api.c: the HTTP routes */
struct http_request;
int lookup_api_register(struct lookup_svc *svc);
/* The answer to a body that cannot be taken (400 with the numbers, 413);
 * true when the request was answered */
bool lookup_api_refuse_parse(struct lookup_svc *svc, struct http_request *req, int rc,
			     const struct lookup_request *lr, const char *why);
/* 429 with Retry-After when the account's rate does not allow n numbers now */
bool lookup_api_rate_refused(struct lookup_svc *svc, struct http_request *req, struct account *a, unsigned int n);

/* lookup_job.c: bulk jobs */
struct lookup_job;
int lookup_jobs_start(struct lookup_svc *svc);
void lookup_jobs_stop(struct lookup_svc *svc);
void lookup_jobs_free(struct lookup_svc *svc);
unsigned int lookup_jobs_busy(const struct lookup_svc *svc);
/* the API's job routes */
void lookup_job_create(struct lookup_svc *svc, struct http_request *req, struct account *a);
void lookup_job_status(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id);
void lookup_job_results(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id);
void lookup_job_cancel(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id);
/* jobs not finished of an account (NULL: of all) */
unsigned int lookup_jobs_running(const struct lookup_svc *svc, const char *account);
