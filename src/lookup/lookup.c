/* The lookup engine: one SRI-for-SM per number through the shared routing
 * step, paced per operator (SMS first, see routing.h), the cache, the
 * daily quota, and what a finished lookup leaves: billing record, audit
 * row, log row (lookup_db.c). */

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/http/http_client.h>
#include <sigway/store/store.h>
#include "lookup_int.h"

static const struct rate_ctr_desc lookup_ctr_desc[] = {
	[LOOKUP_CTR_REQUESTS] = { "req:rx", "API requests asking for lookups (queries and jobs)" },
	[LOOKUP_CTR_NUMBERS] = { "req:numbers", "numbers asked for" },
	[LOOKUP_CTR_REFUSED_INPUT] = { "req:refused_input", "requests refused for their body (400, 413): nothing sent" },
	[LOOKUP_CTR_RATE_LIMITED] = { "req:rate_limited", "requests refused by the account's rate (429)" },
	[LOOKUP_CTR_QUOTA_EXCEEDED] = { "req:quota_exceeded", "requests or numbers refused by the daily quota" },
	[LOOKUP_CTR_CACHE_HIT] = { "cache:hit", "numbers answered from the account's cache (not billed)" },
	[LOOKUP_CTR_SRI_SENT] = { "sri:sent", "SRI-for-SM Begins of lookups sent (counted as they end; each billed)" },
	[LOOKUP_CTR_ANSWERED] = { "sri:answered", "... answered with IMSI and serving node" },
	[LOOKUP_CTR_MAP_ERROR] = { "sri:map_error", "... answered with a MAP error" },
	[LOOKUP_CTR_TIMEOUT] = { "sri:timeout", "... not answered in time" },
	[LOOKUP_CTR_FAILED] = { "sri:failed", "... refused, aborted or not usable" },
	[LOOKUP_CTR_NOT_SENT] = { "sri:not_sent", "lookups not sent (SS7 link down, no resources): not billed" },
	[LOOKUP_CTR_NO_ROUTE] = { "sri:no_route", "numbers no operator routes: not sent" },
	[LOOKUP_CTR_HELD] = { "sri:held", "times a lookup waited for the operator's throughput" },
	[LOOKUP_CTR_JOBS] = { "job:accepted", "bulk jobs accepted" },
	[LOOKUP_CTR_JOBS_DONE] = { "job:done", "bulk jobs finished" },
	[LOOKUP_CTR_NOTIFY_SENT] = { "notify:sent", "result batches posted to a notifyUrl and accepted" },
	[LOOKUP_CTR_NOTIFY_FAILED] = { "notify:failed", "result posts that failed (retried later)" },
};
static const struct rate_ctr_group_desc lookup_ctrg_desc = {
	"lookup", "HLR number lookup", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(lookup_ctr_desc), lookup_ctr_desc,
};
osmo_static_assert(ARRAY_SIZE(lookup_ctr_desc) == _LOOKUP_CTR_COUNT, lookup_ctr_desc_complete);

static const struct osmo_stat_item_desc lookup_stat_desc[] = {
	[LOOKUP_STAT_QUEUED] = { "queued", "numbers waiting for an operator's throughput", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
	[LOOKUP_STAT_IN_FLIGHT] = { "in_flight", "SRI-for-SM of lookups in flight", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
	[LOOKUP_STAT_JOBS] = { "jobs", "bulk jobs being worked on", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
	[LOOKUP_STAT_CACHE] = { "cache_entries", "answers in the accounts' caches", OSMO_STAT_ITEM_NO_UNIT, 0, 0 },
};
static const struct osmo_stat_item_group_desc lookup_statg_desc = {
	"lookup", "HLR number lookup", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(lookup_stat_desc), lookup_stat_desc,
};

static void pump(struct lookup_svc *svc);

void lookup_stat_set(struct lookup_svc *svc, enum lookup_stat s, int64_t v)
{
	osmo_stat_item_set(osmo_stat_item_group_get_item(svc->statg, s), v);
}

static void stats_update(struct lookup_svc *svc)
{
	lookup_stat_set(svc, LOOKUP_STAT_QUEUED, svc->queued);
	lookup_stat_set(svc, LOOKUP_STAT_IN_FLIGHT, svc->in_flight);
	lookup_stat_set(svc, LOOKUP_STAT_CACHE, lookup_cache_size(svc->cache));
}

static void pump_timer_cb(void *data)
{
	pump(data);
}

/* callbacks of finished items run from here: never from inside a call of the user's */
static void done_timer_cb(void *data)
{
	struct lookup_svc *svc = data;
	/* those committed; what a callback finishes waits for the next commit */
	LLIST_HEAD(done);
	llist_splice_init(&svc->done, &done);
	svc->done_waiting = false;
	while (!llist_empty(&done)) {
		struct lookup_item *it = llist_first_entry(&done, struct lookup_item, list);
		llist_del(&it->list);
		if (it->cb)
			it->cb(it->priv, &it->res, it->text);
		talloc_free(it);
	}
}

struct lookup_svc *lookup_alloc(void *ctx)
{
	struct lookup_svc *svc = talloc_zero(ctx, struct lookup_svc);
	if (!svc)
		return NULL;
	svc->cfg = (struct lookup_cfg){
		.max_numbers = 100, .max_in_flight = 1000, .max_queued = 100000, .job_max_numbers = 1000000,
		.job_max_body = 32u << 20, .job_window = 200, .jobs_per_account = 4, .notify_batch = 100,
		.notify_batch_max = 1000, .notify_attempts = 10, .notify_timeout_s = 10, .cache_max = 100000,
		.retention_days = 90,
	};
	INIT_LLIST_HEAD(&svc->home_routing);
	INIT_LLIST_HEAD(&svc->opqs);
	INIT_LLIST_HEAD(&svc->done);
	INIT_LLIST_HEAD(&svc->flight);
	INIT_LLIST_HEAD(&svc->jobs);
	osmo_timer_setup(&svc->pump_timer, pump_timer_cb, svc);
	osmo_timer_setup(&svc->done_timer, done_timer_cb, svc);
	svc->cache = lookup_cache_alloc(svc);
	svc->ctrg = rate_ctr_group_alloc(svc, &lookup_ctrg_desc, 0);
	svc->statg = osmo_stat_item_group_alloc(svc, &lookup_statg_desc, 0);
	if (!svc->cache || !svc->ctrg || !svc->statg) {
		lookup_free(svc);
		return NULL;
	}
	return svc;
}

/* ids unique across restarts: the start time, a random part, a counter */
static void id_base_init(struct lookup_svc *svc)
{
	uint16_t rnd = 0;
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint16_t)store_now_ms();
	snprintf(svc->id_base, sizeof(svc->id_base), "lk%llx%04x-", (unsigned long long)store_now_ms(), rnd);
}

int lookup_start(struct lookup_svc *svc, const struct lookup_deps *deps)
{
	svc->d = *deps;
	id_base_init(svc);
	if (lookup_db_init(svc->d.store) < 0) {
		LOGP(DLOOKUP, LOGL_ERROR, "cannot create the lookup tables\n");
		return -1;
	}
	int interrupted = lookup_db_bill_interrupted(svc);
	if (interrupted < 0) {
		LOGP(DLOOKUP, LOGL_ERROR, "cannot bill the lookups the last run left in flight\n");
		return -1;
	}
	if (interrupted)
		LOGP(DLOOKUP, LOGL_NOTICE, "%d lookups were in flight when the last run ended: their SRI-for-SM"
		     " went out, they are billed now (no result was given)\n", interrupted);
	/* what aged past the retention while the gateway was down goes first */
	svc->purge_backlog = lookup_db_purge(svc);
	svc->notify = http_client_alloc(svc, "lookup-notify");
	if (!svc->notify)
		return -1;
	http_client_set_limits(svc->notify, 4, 0);
	if (lookup_api_register(svc) < 0 || lookup_jobs_start(svc) < 0) {
		LOGP(DLOOKUP, LOGL_ERROR, "cannot register the lookup API\n");
		return -1;
	}
	svc->started = true;
	LOGP(DLOOKUP, LOGL_NOTICE, "number lookup ready\n");
	return 0;
}

bool lookup_link_up(const struct lookup_svc *svc)
{
	return !svc->d.link_up || svc->d.link_up(svc->d.link_data);
}

const struct lookup_home_routing *lookup_hr_of(struct lookup_svc *svc, const char *operator_name)
{
	struct lookup_hr_entry *e;
	llist_for_each_entry(e, &svc->home_routing, list)
		if (!strcmp(e->operator_name, operator_name))
			return &e->hr;
	return NULL;
}

/* ------------------------------------------------------------ quota */

unsigned int lookup_secs_to_midnight(void)
{
	int64_t now = store_now_ms();
	return (unsigned int)(((account_utc_day(now) + 1) * 86400000 - now) / 1000) + 1;
}

/* the account's count of today, from the store the first time each day */
static void quota_refresh(struct lookup_svc *svc, struct account *a)
{
	struct account_lookup *l = &a->lookup;
	int64_t day = account_utc_day(store_now_ms());
	if (l->quota_known && l->quota_day == day)
		return;
	l->quota_day = day;
	l->quota_used = lookup_db_billed_since(svc, a->name, day * 86400000);
	l->quota_known = true;
}

unsigned int lookup_quota_left(struct lookup_svc *svc, struct account *a)
{
	if (!a->lookup.daily_quota)
		return UINT_MAX;
	quota_refresh(svc, a);
	return a->lookup.quota_used >= a->lookup.daily_quota ? 0 : a->lookup.daily_quota - a->lookup.quota_used;
}

static void quota_give_back(struct lookup_item *it)
{
	if (it->quota_taken && it->acct->lookup.quota_used)
		it->acct->lookup.quota_used--;
	it->quota_taken = false;
}

/* ------------------------------------------------------------ items */

/* the item is finished: its callback from the loop */
static void done_committed(void *data, bool ok)
{
	struct lookup_svc *svc = data;
	if (!ok)
		LOGP(DLOOKUP, LOGL_ERROR, "the store could not commit the records of finished lookups (billing"
		     " and log rows lost); their answers go out\n");
	done_timer_cb(svc);
}

/* the answer leaves once its billing record is on disk: a client never
 * holds a result that a crash could leave unbilled */
static void item_done(struct lookup_item *it)
{
	struct lookup_svc *svc = it->svc;
	llist_add_tail(&it->list, &svc->done);
	if (svc->done_waiting)
		return;
	svc->done_waiting = true;
	if (svc->d.store)
		store_after_commit(svc->d.store, done_committed, svc);
	else
		osmo_timer_schedule(&svc->done_timer, 0, 0);
}

static void item_unsent(struct lookup_item *it, enum lookup_error_kind kind)
{
	quota_give_back(it);
	it->res.done_ms = store_now_ms();
	lookup_derive_unsent(&it->res, it->svc->d.numbering, kind);
	if (it->opq)
		osmo_strlcpy(it->res.operator_name, it->opq->op->name, sizeof(it->res.operator_name));
	/* a job's number not sent is tried again later: no record yet */
	if (kind != LOOKUP_ERR_CANCELLED && !(it->job[0] && kind == LOOKUP_ERR_NOT_SENT))
		lookup_db_record(it->svc, it, NULL);
	item_done(it);
}

static struct lookup_opq *opq_of(struct lookup_svc *svc, struct operator *op)
{
	struct lookup_opq *q;
	llist_for_each_entry(q, &svc->opqs, list)
		if (q->op == op)
			return q;
	q = talloc_zero(svc, struct lookup_opq);
	if (!q)
		return NULL;
	q->op = op;
	INIT_LLIST_HEAD(&q->queue);
	llist_add_tail(&q->list, &svc->opqs);
	return q;
}

static const char *gt_operator(void *data, const char *gt)
{
	struct operator *op = routing_operator_of_gt(data, gt);
	return op ? op->name : NULL;
}

static void derive_ctx(struct lookup_svc *svc, struct lookup_derive_ctx *ctx, const char *operator_name)
{
	*ctx = (struct lookup_derive_ctx){ .nb = svc->d.numbering, .hr = lookup_hr_of(svc, operator_name),
					   .gt_operator = gt_operator, .gt_operator_data = svc->d.routing };
}

static bool from_cache(struct lookup_svc *svc, struct lookup_item *it)
{
	struct routing_sri_result sri;
	struct lookup_derive_ctx ctx;
	int64_t age;
	const struct account_lookup *l = &it->acct->lookup;
	if (!l->cache_ttl_s ||
	    lookup_cache_get(svc->cache, it->acct, it->res.to, l->cache_ttl_s * 1000LL, store_now_ms(), &sri, &age,
			     it->res.operator_name, sizeof(it->res.operator_name)) < 0)
		return false;
	derive_ctx(svc, &ctx, it->res.operator_name);
	lookup_derive(&it->res, &ctx, &sri);
	it->res.done_ms = store_now_ms();
	it->res.source = LOOKUP_SRC_CACHE;
	it->res.cache_age_ms = age;
	it->res.billed = false;
	lookup_ctr_inc(svc, LOOKUP_CTR_CACHE_HIT);
	lookup_db_record(svc, it, NULL);
	item_done(it);
	return true;
}

struct lookup_item *lookup_item_start(struct lookup_svc *svc, struct account *a, const char *e164, const char *job,
				      int64_t seq, lookup_item_cb cb, void *priv)
{
	struct lookup_item *it = talloc_zero(svc, struct lookup_item);
	if (!it)
		return NULL;
	INIT_LLIST_HEAD(&it->list);
	it->svc = svc;
	it->acct = a;
	it->cb = cb;
	it->priv = priv;
	it->seq = seq;
	if (job)
		osmo_strlcpy(it->job, job, sizeof(it->job));
	snprintf(it->res.id, sizeof(it->res.id), "%s%llx", svc->id_base, (unsigned long long)++svc->id_seq);
	osmo_strlcpy(it->res.to, e164, sizeof(it->res.to));
	it->res.request_ms = store_now_ms();
	if (from_cache(svc, it))
		return it;
	struct operator *op = routing_route(svc->d.routing, e164);
	if (!op) {
		lookup_ctr_inc(svc, LOOKUP_CTR_NO_ROUTE);
		item_unsent(it, LOOKUP_ERR_NO_ROUTE);
		return it;
	}
	it->opq = opq_of(svc, op);
	if (!it->opq || svc->stopping) {
		lookup_ctr_inc(svc, LOOKUP_CTR_NOT_SENT);
		item_unsent(it, LOOKUP_ERR_NOT_SENT);
		return it;
	}
	if (a->lookup.daily_quota) {
		if (!lookup_quota_left(svc, a)) {
			lookup_ctr_inc(svc, LOOKUP_CTR_QUOTA_EXCEEDED);
			item_unsent(it, LOOKUP_ERR_QUOTA);
			return it;
		}
		a->lookup.quota_used++;
		it->quota_taken = true;
	}
	llist_add_tail(&it->list, &it->opq->queue);
	it->queued = true;
	svc->queued++;
	pump(svc);
	return it;
}

void lookup_item_cancel(struct lookup_item *it)
{
	struct lookup_svc *svc = it->svc;
	it->cb = NULL;
	it->priv = NULL;
	if (!it->queued)
		return;		/* in flight (ends alone) or finished (freed from the done list) */
	llist_del(&it->list);
	it->queued = false;
	svc->queued--;
	quota_give_back(it);
	talloc_free(it);
	stats_update(svc);
}

/* ------------------------------------------------------------ SRI-for-SM */

static void count_outcome(struct lookup_svc *svc, const struct lookup_result *r)
{
	switch (r->error.kind) {
	case LOOKUP_ERR_NONE: lookup_ctr_inc(svc, LOOKUP_CTR_ANSWERED); break;
	case LOOKUP_ERR_MAP: lookup_ctr_inc(svc, LOOKUP_CTR_MAP_ERROR); break;
	case LOOKUP_ERR_TIMEOUT: lookup_ctr_inc(svc, LOOKUP_CTR_TIMEOUT); break;
	default: lookup_ctr_inc(svc, LOOKUP_CTR_FAILED); break;
	}
}

static void sri_done(void *priv, const struct routing_sri_result *sri)
{
	struct lookup_item *it = priv;
	struct lookup_svc *svc = it->svc;
	struct lookup_derive_ctx ctx;
	it->sri = NULL;
	llist_del_init(&it->list);
	svc->in_flight--;
	if (it->pending) {
		/* in the transaction of its record (or of nothing, when it never left) */
		lookup_db_pending(svc, it, 0);
		it->pending = false;
	}
	if (lookup_sri_unsent(sri)) {
		/* the Begin never left (no route, prohibited subsystem): nothing to bill */
		lookup_ctr_inc(svc, LOOKUP_CTR_NOT_SENT);
		item_unsent(it, LOOKUP_ERR_NOT_SENT);
	} else {
		derive_ctx(svc, &ctx, it->opq->op->name);
		lookup_derive(&it->res, &ctx, sri);
		it->res.done_ms = store_now_ms();
		it->res.source = LOOKUP_SRC_NETWORK;
		it->res.billed = true;
		rate_ctr_add(rate_ctr_group_get_ctr(svc->ctrg, LOOKUP_CTR_SRI_SENT), routing_trace_begins(&sri->trace));
		count_outcome(svc, &it->res);
		/* only an account that reads a cache fills one: the others would
		 * evict its entries (the capacity is shared) */
		if (it->acct->lookup.cache_ttl_s && lookup_result_cacheable(&it->res))
			lookup_cache_put(svc->cache, it->acct, it->res.to, sri, it->opq->op->name, store_now_ms(),
					 svc->cfg.cache_max);
		lookup_db_record(svc, it, &sri->trace);
		item_done(it);
	}
	stats_update(svc);
	pump(svc);
}

/* a version fallback sent the SRI-for-SM again: one more Begin to bill
 * should sigwayd die before the answer */
static void sri_resent(void *priv, unsigned int begins)
{
	struct lookup_item *it = priv;
	if (it->pending)
		lookup_db_pending(it->svc, it, begins);
}

static void start_sri(struct lookup_svc *svc, struct lookup_item *it)
{
	llist_del_init(&it->list);
	it->queued = false;
	svc->queued--;
	osmo_strlcpy(it->res.operator_name, it->opq->op->name, sizeof(it->res.operator_name));
	if (!lookup_link_up(svc)) {
		lookup_ctr_inc(svc, LOOKUP_CTR_NOT_SENT);
		item_unsent(it, LOOKUP_ERR_NOT_SENT);
		return;
	}
	it->sri = routing_sri_sm(svc->d.routing, it->opq->op, it->res.to, 0, sri_done, it);
	if (!it->sri) {
		lookup_ctr_inc(svc, LOOKUP_CTR_NOT_SENT);
		item_unsent(it, LOOKUP_ERR_NOT_SENT);
		return;
	}
	llist_add_tail(&it->list, &svc->flight);
	svc->in_flight++;
	if (svc->d.store) {
		lookup_db_pending(svc, it, 1);
		it->pending = true;
		routing_sri_on_resend(it->sri, sri_resent);
	}
}

static void pump_later(struct lookup_svc *svc, int64_t ms)
{
	if (!osmo_timer_pending(&svc->pump_timer))
		osmo_timer_schedule(&svc->pump_timer, ms / 1000, (ms % 1000) * 1000);
}

/* Starts queued lookups while there is room: the operators in turn, each
 * as its throughput allows (one held operator does not hold the others) */
static void pump(struct lookup_svc *svc)
{
	int64_t next_wait = 0;
	bool progress = true;
	while (progress && svc->in_flight < svc->cfg.max_in_flight) {
		progress = false;
		struct lookup_opq *q;
		llist_for_each_entry(q, &svc->opqs, list) {
			if (llist_empty(&q->queue) || svc->in_flight >= svc->cfg.max_in_flight)
				continue;
			int64_t wait = operator_wait_ms_for(q->op, ROUTING_CLASS_LOOKUP, store_now_ms());
			if (wait > 0) {
				lookup_ctr_inc(svc, LOOKUP_CTR_HELD);
				if (!next_wait || wait < next_wait)
					next_wait = wait;
				continue;
			}
			start_sri(svc, llist_first_entry(&q->queue, struct lookup_item, list));
			progress = true;
		}
	}
	if (next_wait)
		pump_later(svc, next_wait);
	stats_update(svc);
}

unsigned int lookup_busy(const struct lookup_svc *svc)
{
	return svc->in_flight + svc->done_waiting + lookup_jobs_busy(svc);
}

void lookup_stop(struct lookup_svc *svc)
{
	struct lookup_opq *q;
	svc->stopping = true;
	lookup_jobs_stop(svc);
	llist_for_each_entry(q, &svc->opqs, list) {
		while (!llist_empty(&q->queue)) {
			struct lookup_item *it = llist_first_entry(&q->queue, struct lookup_item, list);
			llist_del_init(&it->list);
			it->queued = false;
			svc->queued--;
			lookup_ctr_inc(svc, LOOKUP_CTR_NOT_SENT);
			item_unsent(it, LOOKUP_ERR_NOT_SENT);
		}
	}
	osmo_timer_del(&svc->pump_timer);
}

void lookup_free(struct lookup_svc *svc)
{
	if (!svc)
		return;
	/* dialogues still open are released without a word (shutdown) */
	while (!llist_empty(&svc->flight)) {
		struct lookup_item *it = llist_first_entry(&svc->flight, struct lookup_item, list);
		llist_del(&it->list);
		routing_sri_cancel(it->sri);
		talloc_free(it);
	}
	if (svc->done_waiting && svc->d.store)
		store_after_commit_cancel(svc->d.store, done_committed, svc);
	while (!llist_empty(&svc->done)) {
		struct lookup_item *it = llist_first_entry(&svc->done, struct lookup_item, list);
		llist_del(&it->list);
		talloc_free(it);
	}
	osmo_timer_del(&svc->pump_timer);
	osmo_timer_del(&svc->done_timer);
	osmo_timer_del(&svc->jobs_timer);
	lookup_jobs_free(svc);
	if (svc->notify)
		http_client_free(svc->notify);
	svc->notify = NULL;
	/* the groups are in the process' lists of counters: out of them first */
	if (svc->ctrg)
		rate_ctr_group_free(svc->ctrg);
	if (svc->statg)
		osmo_stat_item_group_free(svc->statg);
	talloc_free(svc);
}
