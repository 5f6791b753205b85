/* Bulk lookup jobs: thousands (up to a million) of numbers submitted at
 * once. The numbers are checked whole before the job is accepted (202),
 * then stored in the job's table a chunk per loop tick; the engine gets a
 * window of them at a time, so memory stays bounded whatever the size.
 * Results go to the lookup log (by job and position), are POSTed to the
 * job's notifyUrl in batches (retried with back-off), and can be polled.
 * A job goes on after a restart from the first number without a result. */

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/common/net_addr.h>
#include <sigway/common/utc_time.h>
#include <sigway/http/http_client.h>
#include <sigway/http/http_server.h>
#include <sigway/lookup/lookup_sign.h>
#include <sigway/numbering/numbering.h>
#include <sigway/store/store.h>
#include "lookup_int.h"

#define JOB_TICK_MS		100
#define LOAD_CHUNK		5000	/* numbers stored per loop tick */
#define NOTIFY_FLUSH_MS		2000	/* a batch not full goes after this long */
#define NOTIFY_BACKOFF_MAX_S	60
#define RESULTS_PAGE_MAX	1000
#define PURGE_EVERY_TICKS	600

enum job_state { JOB_LOADING, JOB_RUNNING, JOB_DONE, JOB_CANCELLED, JOB_FAILED };
static const char *const job_state_names[] = { "loading", "running", "done", "cancelled", "failed" };

struct job_slot {
	struct llist_head list;
	struct lookup_job *job;
	struct lookup_item *it;
	int64_t seq;
};

struct lookup_job {
	struct llist_head list;		/* svc->jobs */
	struct lookup_svc *svc;
	char id[20];
	struct account *acct;
	char reference[LOOKUP_REFERENCE_MAX + 1];
	enum job_state state;
	unsigned int total, loaded, done, billed, cache_hits;
	int64_t created_ms, finished_ms;
	/* feeding the engine */
	int64_t next_seq;
	struct llist_head active;	/* struct job_slot */
	unsigned int n_active;
	int64_t pause_until_ms;		/* numbers not sent (link down): try again then */
	/* loading: the checked numbers until they are stored */
	void *load_ctx;
	const struct lookup_number *numbers;
	/* notifications */
	char notify_url[LOOKUP_NOTIFY_URL_MAX + 1];
	unsigned int notify_batch;
	int64_t notified_id;		/* the log id of the last result delivered */
	unsigned int notified, unnotified, notify_failures;
	char notify_error[160];
	struct http_client_req *post;
	int64_t post_last_id;
	unsigned int post_count;
	bool post_final;
	int64_t notify_next_ms, notify_last_ms;
	bool dirty;
};

static void job_feed(struct lookup_job *job);

static const char *state_name(enum job_state s)
{
	return job_state_names[s];
}

static bool finished(const struct lookup_job *job)
{
	return job->state >= JOB_DONE;
}

static bool notify_pending(const struct lookup_job *job)
{
	return job->notify_url[0] && job->unnotified && job->notify_failures < job->svc->cfg.notify_attempts;
}

static void jobs_schedule(struct lookup_svc *svc)
{
	if (!svc->stopping && !osmo_timer_pending(&svc->jobs_timer))
		osmo_timer_schedule(&svc->jobs_timer, 0, JOB_TICK_MS * 1000);
}

static void update_stat(struct lookup_svc *svc)
{
	unsigned int n = 0;
	struct lookup_job *job;
	llist_for_each_entry(job, &svc->jobs, list)
		n += !finished(job);
	lookup_stat_set(svc, LOOKUP_STAT_JOBS, n);
}

unsigned int lookup_jobs_running(const struct lookup_svc *svc, const char *account)
{
	unsigned int n = 0;
	struct lookup_job *job;
	llist_for_each_entry(job, &svc->jobs, list)
		n += !finished(job) && (!account || !strcmp(job->acct->name, account));
	return n;
}

unsigned int lookup_jobs_busy(const struct lookup_svc *svc)
{
	unsigned int n = 0;
	struct lookup_job *job;
	llist_for_each_entry(job, &svc->jobs, list)
		n += job->post != NULL;
	return n;
}

static struct lookup_job *job_find(struct lookup_svc *svc, const char *id)
{
	struct lookup_job *job;
	llist_for_each_entry(job, &svc->jobs, list)
		if (!strcmp(job->id, id))
			return job;
	return NULL;
}

/* ------------------------------------------------------------ store */

static void job_save(struct lookup_job *job)
{
	struct store *st = job->svc->d.store;
	sqlite3_stmt *s = store_stmt(st, "UPDATE lookup_jobs SET state = ?, loaded = ?, done = ?, billed = ?,"
				     " cache_hits = ?, finished_ms = ?, notified_id = ?, notified = ?,"
				     " notify_failures = ?, notify_error = ? WHERE id = ?");
	if (!s)
		return;
	store_write(st);
	sqlite3_bind_text(s, 1, state_name(job->state), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, job->loaded);
	sqlite3_bind_int(s, 3, job->done);
	sqlite3_bind_int(s, 4, job->billed);
	sqlite3_bind_int(s, 5, job->cache_hits);
	if (job->finished_ms)
		sqlite3_bind_int64(s, 6, job->finished_ms);
	sqlite3_bind_int64(s, 7, job->notified_id);
	sqlite3_bind_int(s, 8, job->notified);
	sqlite3_bind_int(s, 9, job->notify_failures);
	sqlite3_bind_text(s, 10, job->notify_error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 11, job->id, -1, SQLITE_TRANSIENT);
	store_step(st, s);
	job->dirty = false;
}

/* Stores the next chunk of the numbers; the job runs once all are in */
static void load_chunk(struct lookup_job *job)
{
	struct store *st = job->svc->d.store;
	if (store_busy(st))
		return;		/* another process holds the store: later */
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO lookup_job_numbers (job, seq, msisdn, input)"
				     " VALUES (?, ?, ?, ?)");
	if (!s || store_write(st) < 0)
		return;
	unsigned int end = job->loaded + LOAD_CHUNK < job->total ? job->loaded + LOAD_CHUNK : job->total;
	for (unsigned int i = job->loaded; i < end; i++) {
		sqlite3_reset(s);	/* bound again for each row */
		sqlite3_bind_text(s, 1, job->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, i);
		sqlite3_bind_text(s, 3, job->numbers[i].e164, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, job->numbers[i].input, -1, SQLITE_STATIC);
		if (store_step(st, s) != SQLITE_DONE) {
			LOGP(DLOOKUP, LOGL_ERROR, "job %s: cannot store number %u\n", job->id, i);
			return;
		}
	}
	job->loaded = end;
	job->dirty = true;
	if (job->loaded < job->total)
		return;
	job->state = JOB_RUNNING;
	job->numbers = NULL;
	talloc_free(job->load_ctx);
	job->load_ctx = NULL;
	/* a million numbers took tens of MB for a moment: give them back */
	malloc_trim(0);
	LOGP(DLOOKUP, LOGL_INFO, "job %s: %u numbers stored\n", job->id, job->total);
}

/* ------------------------------------------------------------ running */

static void job_finish(struct lookup_job *job, enum job_state state)
{
	job->state = state;
	job->finished_ms = store_now_ms();
	job->dirty = true;
	if (state == JOB_DONE)
		lookup_ctr_inc(job->svc, LOOKUP_CTR_JOBS_DONE);
	LOGP(DLOOKUP, LOGL_INFO, "job %s %s: %u of %u numbers, %u billed, %u from the cache\n", job->id,
	     state_name(state), job->done, job->total, job->billed, job->cache_hits);
	update_stat(job->svc);
}

static void item_done(void *priv, const struct lookup_result *r, const char *text)
{
	struct job_slot *slot = priv;
	struct lookup_job *job = slot->job;
	llist_del(&slot->list);
	job->n_active--;
	if (r->error.kind == LOOKUP_ERR_NOT_SENT) {
		/* not recorded: the number is looked up again after a pause */
		if (slot->seq < job->next_seq)
			job->next_seq = slot->seq;
		job->pause_until_ms = store_now_ms() + 1000;
	} else {
		job->done++;
		job->billed += r->billed;
		job->cache_hits += r->source == LOOKUP_SRC_CACHE;
		job->unnotified++;
		job->dirty = true;
	}
	talloc_free(slot);
	if (job->state == JOB_RUNNING || job->state == JOB_LOADING)
		job_feed(job);
	jobs_schedule(job->svc);
}

static bool seq_active(const struct lookup_job *job, int64_t seq)
{
	const struct job_slot *slot;
	llist_for_each_entry(slot, &job->active, list)
		if (slot->seq == seq)
			return true;
	return false;
}

/* Gives the engine the job's next numbers, up to its window, as the
 * account's rate and the link allow */
static void job_feed(struct lookup_job *job)
{
	struct lookup_svc *svc = job->svc;
	int64_t now = store_now_ms();
	if (svc->stopping || now < job->pause_until_ms || !lookup_link_up(svc))
		return;
	while (job->n_active < svc->cfg.job_window && svc->queued < svc->cfg.max_queued) {
		sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT seq, msisdn FROM lookup_job_numbers WHERE job = ?"
					     " AND seq >= ? AND seq < ? AND done = 0 ORDER BY seq LIMIT ?");
		if (!s)
			return;
		sqlite3_bind_text(s, 1, job->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, job->next_seq);
		sqlite3_bind_int64(s, 3, job->loaded);
		sqlite3_bind_int(s, 4, svc->cfg.job_window - job->n_active + 1);
		unsigned int rows = 0, started = 0;
		bool held = false;
		while (!held && job->n_active < svc->cfg.job_window && sqlite3_step(s) == SQLITE_ROW) {
			int64_t seq = sqlite3_column_int64(s, 0);
			rows++;
			if (seq_active(job, seq)) {
				job->next_seq = seq + 1;
				continue;
			}
			if (account_lookup_rate_take(job->acct, 1, now) > 0) {
				held = true;	/* the account's rate: the next tick goes on */
				break;
			}
			struct job_slot *slot = talloc_zero(job, struct job_slot);
			if (!slot)
				break;
			slot->job = job;
			slot->seq = seq;
			llist_add_tail(&slot->list, &job->active);
			job->n_active++;
			job->next_seq = seq + 1;
			started++;
			slot->it = lookup_item_start(svc, job->acct, (const char *)sqlite3_column_text(s, 1), job->id, seq,
						     item_done, slot);
			if (!slot->it) {
				llist_del(&slot->list);
				job->n_active--;
				job->next_seq = seq;
				talloc_free(slot);
				held = true;
			}
		}
		sqlite3_reset(s);
		if (held || !started)
			break;
	}
	if (job->state == JOB_RUNNING && !job->n_active && job->done >= job->total)
		job_finish(job, JOB_DONE);
	else if (job->state == JOB_RUNNING && !job->n_active && job->next_seq >= job->loaded) {
		/* every number was started; some were not sent: from the start again */
		job->next_seq = 0;
	}
}

/* ------------------------------------------------------------ notifications */

static void post_done(const struct http_client_result *res, void *data)
{
	struct lookup_job *job = data;
	struct lookup_svc *svc = job->svc;
	int64_t now = store_now_ms();
	job->post = NULL;
	job->dirty = true;
	if (!res->error && res->status >= 200 && res->status < 300) {
		job->notified_id = job->post_last_id;
		job->notified += job->post_count;
		job->unnotified -= job->post_count < job->unnotified ? job->post_count : job->unnotified;
		job->notify_failures = 0;
		job->notify_error[0] = '\0';
		job->notify_last_ms = now;
		lookup_ctr_inc(svc, LOOKUP_CTR_NOTIFY_SENT);
		return;
	}
	if (res->error)
		snprintf(job->notify_error, sizeof(job->notify_error), "%s", res->error_text[0] ? res->error_text : "no answer");
	else
		snprintf(job->notify_error, sizeof(job->notify_error), "HTTP %u", res->status);
	job->notify_failures++;
	lookup_ctr_inc(svc, LOOKUP_CTR_NOTIFY_FAILED);
	unsigned int back = job->notify_failures >= 7 ? NOTIFY_BACKOFF_MAX_S : 1u << (job->notify_failures - 1);
	job->notify_next_ms = now + (back > NOTIFY_BACKOFF_MAX_S ? NOTIFY_BACKOFF_MAX_S : back) * 1000LL;
	LOGP(DLOOKUP, LOGL_NOTICE, "job %s: posting results to %s failed (%s), attempt %u of %u\n", job->id,
	     job->notify_url, job->notify_error, job->notify_failures, svc->cfg.notify_attempts);
}

static json_t *stored_result(const char *text, const char *input, int64_t seq, bool imsi_full)
{
	json_t *r = json_loads(text, 0, NULL);
	if (!r)
		return NULL;
	if (!imsi_full)
		lookup_json_mask_imsi(r);
	json_object_set_new(r, "input", json_string(input ? input : ""));
	json_object_set_new(r, "seq", json_integer(seq));
	return r;
}

/* Posts text to the job's notifyUrl, signed over exactly these bytes when
 * the account has a notify secret (read at each post: a new secret holds
 * from the next one; a retry is signed again with its own time), and with
 * the previous one too while it is rotated. A signed
 * post's headers are a set of their own in the client's cache of header
 * sets: this client is the lookup service's, its unsigned set is the
 * only other one, and a post is seconds apart at most per job. */
static struct http_client_req *post_signed(struct lookup_job *job, const char *text, int64_t now_s)
{
	struct lookup_svc *svc = job->svc;
	const char *secret = job->acct->lookup.notify_secret;
	const char *previous = job->acct->lookup.notify_secret_previous;
	char sig[LOOKUP_SIGNATURE_LINE_MAX];
	const char *headers[2] = { NULL, NULL };
	size_t len = strlen(text);

	if (secret[0]) {
		if (lookup_signature_header(sig, sizeof(sig), secret, previous, now_s, text, len) < 0)
			return NULL;
		headers[0] = sig;
	}
	/* a host name the client may point anywhere: public addresses only;
	 * an address the operator wrote in the account's prefix is its choice */
	struct http_client_opts o = { .timeout_ms = svc->cfg.notify_timeout_s * 1000, .max_response = 64 * 1024,
				      .content_type = "application/json", .headers = headers, .owner = job,
				      .public_only = !url_host_is_ip_literal(job->notify_url) };
	return http_client_request(svc->notify, "POST", job->notify_url, text, len, &o, post_done, job);
}

static void notify(struct lookup_job *job)
{
	struct lookup_svc *svc = job->svc;
	int64_t now = store_now_ms();
	if (!notify_pending(job) || job->post || now < job->notify_next_ms)
		return;
	unsigned int batch = job->notify_batch ? job->notify_batch : svc->cfg.notify_batch;
	if (job->unnotified < batch && !finished(job) && now - job->notify_last_ms < NOTIFY_FLUSH_MS)
		return;
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT l.id, l.seq, l.result, n.input FROM lookups l"
				     " LEFT JOIN lookup_job_numbers n ON n.job = l.job AND n.seq = l.seq"
				     " WHERE l.job = ? AND l.id > ? ORDER BY l.id LIMIT ?");
	if (!s)
		return;
	sqlite3_bind_text(s, 1, job->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, job->notified_id);
	sqlite3_bind_int(s, 3, batch);
	json_t *list = json_array();
	job->post_count = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_t *r = stored_result((const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
					  sqlite3_column_int64(s, 1), job->acct->lookup.imsi_full);
		job->post_last_id = sqlite3_column_int64(s, 0);
		job->post_count++;
		if (r)
			json_array_append_new(list, r);
	}
	sqlite3_reset(s);
	if (!job->post_count) {
		/* the rows are not committed yet, or were purged: nothing to send */
		job->unnotified = 0;
		json_decref(list);
		return;
	}
	job->post_final = finished(job) && job->post_count >= job->unnotified;
	json_t *body = json_pack("{s:s,s:s,s:o,s:b}", "jobId", job->id, "reference", job->reference, "results", list,
				 "final", job->post_final);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	job->notify_last_ms = now;
	job->post = text ? post_signed(job, text, now / 1000) : NULL;
	free(text);
	if (!job->post)
		job->notify_next_ms = now + 1000;
}

/* ------------------------------------------------------------ the tick */

static bool job_idle(const struct lookup_job *job)
{
	return finished(job) && !job->post && !notify_pending(job) && !job->n_active;
}

static void jobs_tick(void *data)
{
	struct lookup_svc *svc = data;
	struct lookup_job *job, *tmp;
	llist_for_each_entry_safe(job, tmp, &svc->jobs, list) {
		if (job->state == JOB_LOADING)
			load_chunk(job);
		if (job->state == JOB_RUNNING || job->state == JOB_LOADING)
			job_feed(job);
		if (!svc->stopping)
			notify(job);
		if (job->dirty)
			job_save(job);
		if (job_idle(job)) {
			llist_del(&job->list);
			talloc_free(job);
		}
	}
	if (svc->purge_backlog || ++svc->purge_tick % PURGE_EVERY_TICKS == 0)
		svc->purge_backlog = lookup_db_purge(svc);
	update_stat(svc);
	if (!svc->stopping)
		osmo_timer_schedule(&svc->jobs_timer, 0, JOB_TICK_MS * 1000);
}

/* ------------------------------------------------------------ API */

static json_t *status_json(const char *id, const char *reference, const char *state, unsigned int total,
			   unsigned int loaded, unsigned int done, unsigned int billed, unsigned int cache_hits,
			   int64_t created_ms, int64_t finished_ms, const char *url, unsigned int batch,
			   unsigned int notified, unsigned int failures, const char *error, unsigned int attempts)
{
	char created[32], fin[32], self[64], results[80];
	sigway_utc_format(created, sizeof(created), created_ms);
	sigway_utc_format(fin, sizeof(fin), finished_ms);
	snprintf(self, sizeof(self), "/v1/lookup/jobs/%s", id);
	snprintf(results, sizeof(results), "/v1/lookup/jobs/%s/results", id);
	json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:s,s:o,s:{s:s,s:s}}", "id", id, "reference", reference,
			      "state", state, "total", total, "loaded", loaded, "done", done, "billed", billed,
			      "cacheHits", cache_hits, "createdAt", created,
			      "finishedAt", finished_ms ? json_string(fin) : json_null(), "links", "self", self,
			      "results", results);
	if (!o)
		return NULL;
	if (url && url[0]) {
		const char *nstate = failures >= attempts ? "failed" : notified >= done && !strcmp(state, "done") ?
				     "done" : "active";
		json_object_set_new(o, "notify", json_pack("{s:s,s:i,s:i,s:i,s:i,s:o,s:s}", "url", url, "batchSize", batch,
							   "delivered", notified, "pending", done > notified ? done - notified : 0,
							   "failures", failures, "lastError",
							   error && error[0] ? json_string(error) : json_null(), "state", nstate));
	} else {
		json_object_set_new(o, "notify", json_null());
	}
	return o;
}

static json_t *job_json(const struct lookup_job *job)
{
	return status_json(job->id, job->reference, state_name(job->state), job->total, job->loaded, job->done,
			   job->billed, job->cache_hits, job->created_ms, job->finished_ms, job->notify_url,
			   job->notify_batch ? job->notify_batch : job->svc->cfg.notify_batch, job->notified,
			   job->notify_failures, job->notify_error, job->svc->cfg.notify_attempts);
}

/* a stored job of the account's (the id of another account's job is not found) */
static json_t *stored_job_json(struct lookup_svc *svc, const struct account *a, const char *id)
{
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT reference, state, total, loaded, done, billed, cache_hits,"
				     " created_ms, finished_ms, notify_url, notify_batch, notified, notify_failures,"
				     " notify_error FROM lookup_jobs WHERE id = ? AND account = ?");
	json_t *o = NULL;
	if (!s)
		return NULL;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, a->name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		o = status_json(id, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
				sqlite3_column_int(s, 2), sqlite3_column_int(s, 3), sqlite3_column_int(s, 4),
				sqlite3_column_int(s, 5), sqlite3_column_int(s, 6), sqlite3_column_int64(s, 7),
				sqlite3_column_int64(s, 8), (const char *)sqlite3_column_text(s, 9),
				sqlite3_column_int(s, 10) ? sqlite3_column_int(s, 10) : (int)svc->cfg.notify_batch,
				sqlite3_column_int(s, 11), sqlite3_column_int(s, 12),
				(const char *)sqlite3_column_text(s, 13), svc->cfg.notify_attempts);
	sqlite3_reset(s);
	return o;
}

static bool job_id_ok(const char *id)
{
	return strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16;
}

static struct lookup_job *job_of(struct lookup_svc *svc, const struct account *a, const char *id)
{
	struct lookup_job *job = job_find(svc, id);
	return job && job->acct == a ? job : NULL;
}

void lookup_job_status(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id)
{
	struct lookup_job *job = job_id_ok(id) ? job_of(svc, a, id) : NULL;
	json_t *o = job ? job_json(job) : job_id_ok(id) ? stored_job_json(svc, a, id) : NULL;
	if (!o) {
		http_respond_error(req, 404, "no job %s of this account", job_id_ok(id) ? id : "with this id");
		return;
	}
	http_respond_json(req, 200, o);
}

void lookup_job_results(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id)
{
	long long offset = 0, limit = 100;
	const char *qo = http_req_query(req, "offset"), *ql = http_req_query(req, "limit");
	char *end;
	json_t *st = job_id_ok(id) ? stored_job_json(svc, a, id) : NULL;
	if (!st) {
		http_respond_error(req, 404, "no job %s of this account", job_id_ok(id) ? id : "with this id");
		return;
	}
	json_decref(st);
	if (qo && (offset = strtoll(qo, &end, 10), !*qo || *end || offset < 0)) {
		http_respond_error(req, 400, "offset: the position of the first result (0 the first number)");
		return;
	}
	if (ql && (limit = strtoll(ql, &end, 10), !*ql || *end || limit < 1 || limit > RESULTS_PAGE_MAX)) {
		http_respond_error(req, 400, "limit: 1 to %d results", RESULTS_PAGE_MAX);
		return;
	}
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT l.seq, l.result, n.input FROM lookups l"
				     " LEFT JOIN lookup_job_numbers n ON n.job = l.job AND n.seq = l.seq"
				     " WHERE l.job = ? AND l.seq >= ? ORDER BY l.seq LIMIT ?");
	if (!s) {
		http_respond_error(req, 500, "the results cannot be read");
		return;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, offset);
	sqlite3_bind_int64(s, 3, limit);
	json_t *list = json_array();
	long long last = -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		last = sqlite3_column_int64(s, 0);
		json_t *r = stored_result((const char *)sqlite3_column_text(s, 1), (const char *)sqlite3_column_text(s, 2),
					  last, a->lookup.imsi_full);
		if (r)
			json_array_append_new(list, r);
	}
	sqlite3_reset(s);
	http_respond_json(req, 200, json_pack("{s:s,s:o,s:o}", "jobId", id, "results", list, "next",
					      last >= 0 && json_array_size(list) == (size_t)limit ?
					      json_integer(last + 1) : json_null()));
}

void lookup_job_cancel(struct lookup_svc *svc, struct http_request *req, struct account *a, const char *id)
{
	struct lookup_job *job = job_id_ok(id) ? job_of(svc, a, id) : NULL;
	if (!job || finished(job)) {
		json_t *o = job ? job_json(job) : job_id_ok(id) ? stored_job_json(svc, a, id) : NULL;
		if (!o)
			http_respond_error(req, 404, "no job %s of this account", job_id_ok(id) ? id : "with this id");
		else
			http_respond_json(req, 409, json_pack("{s:{s:i,s:s,s:s,s:o}}", "error", "status", 409, "code",
							      "conflict", "message", "the job is over already", "job", o));
		return;
	}
	/* the numbers not sent yet are dropped (not billed); those in flight end */
	struct job_slot *slot, *tmp;
	llist_for_each_entry_safe(slot, tmp, &job->active, list) {
		lookup_item_cancel(slot->it);
		llist_del(&slot->list);
		talloc_free(slot);
	}
	job->n_active = 0;
	if (job->load_ctx) {
		talloc_free(job->load_ctx);
		job->load_ctx = NULL;
		job->numbers = NULL;
	}
	job_finish(job, JOB_CANCELLED);
	job_save(job);
	http_respond_json(req, 200, job_json(job));
}

static void new_job_id(char *id, size_t len)
{
	uint8_t r[8] = { 0 };
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		int64_t t = store_now_ms();
		memcpy(r, &t, sizeof(r));
	}
	snprintf(id, len, "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}

static bool is_text(const char *content_type)
{
	return content_type && !strncasecmp(content_type, "text/plain", 10);
}

/* text/plain bodies carry the job's fields in the query */
static int text_fields(struct lookup_svc *svc, struct http_request *req, struct lookup_request *lr, char *why,
		       size_t whylen)
{
	const char *url = http_req_query(req, "notifyUrl"), *batch = http_req_query(req, "notifyBatchSize");
	const char *ref = http_req_query(req, "reference");
	char *end;
	if (url && !lookup_notify_url_ok(url)) {
		snprintf(why, whylen, "notifyUrl must be an http:// or https:// URL of at most %d characters",
			 LOOKUP_NOTIFY_URL_MAX);
		return LOOKUP_PARSE_BAD_BODY;
	}
	if (url)
		osmo_strlcpy(lr->notify_url, url, sizeof(lr->notify_url));
	if (batch) {
		long b = strtol(batch, &end, 10);
		if (!*batch || *end || b < 1 || b > svc->cfg.notify_batch_max) {
			snprintf(why, whylen, "notifyBatchSize must be an integer from 1 to %u", svc->cfg.notify_batch_max);
			return LOOKUP_PARSE_BAD_BODY;
		}
		lr->notify_batch = b;
	}
	if (ref) {
		if (strlen(ref) > LOOKUP_REFERENCE_MAX || strpbrk(ref, "\r\n\t")) {
			snprintf(why, whylen, "reference: at most %d characters", LOOKUP_REFERENCE_MAX);
			return LOOKUP_PARSE_BAD_BODY;
		}
		osmo_strlcpy(lr->reference, ref, sizeof(lr->reference));
	}
	return 0;
}

/* A job's notifyUrl only where the account's `lookup notify-url` allows:
 * 403 answered when not */
static bool notify_allowed(struct http_request *req, const struct account *a, const char *url)
{
	if (!url[0] || account_notify_url_allowed(a, url))
		return true;
	http_respond_error(req, 403, a->lookup.n_notify_urls ?
			   "notifyUrl: not one of the places this account may have results posted to" :
			   "notifyUrl: this account may not have results posted (no 'lookup notify-url'): poll the job");
	return false;
}

/* Whether the job may start: 429/503 answered when not */
static bool job_admitted(struct lookup_svc *svc, struct http_request *req, struct account *a, unsigned int n)
{
	if (svc->stopping) {
		http_respond_retry(req, 503, 5, "the gateway is stopping");
		return false;
	}
	if (store_busy(svc->d.store)) {
		http_respond_retry(req, 503, 1, "the store is busy: try again");
		return false;
	}
	if (lookup_jobs_running(svc, a->name) >= svc->cfg.jobs_per_account) {
		http_respond_retry(req, 429, 60, "the account has %u jobs running: at most %u", svc->cfg.jobs_per_account,
				   svc->cfg.jobs_per_account);
		return false;
	}
	if (n > lookup_quota_left(svc, a)) {
		lookup_ctr_inc(svc, LOOKUP_CTR_QUOTA_EXCEEDED);
		http_respond_retry(req, 429, lookup_secs_to_midnight(),
				   "%u numbers, and the account's daily quota of %u lookups has %u left", n,
				   a->lookup.daily_quota, lookup_quota_left(svc, a));
		return false;
	}
	return true;
}

static struct lookup_job *job_alloc(struct lookup_svc *svc, struct account *a)
{
	struct lookup_job *job = talloc_zero(svc, struct lookup_job);
	if (!job)
		return NULL;
	job->svc = svc;
	job->acct = a;
	INIT_LLIST_HEAD(&job->active);
	return job;
}

void lookup_job_create(struct lookup_svc *svc, struct http_request *req, struct account *a)
{
	struct lookup_parse_opts o = { .norm = numbering_norm_defaults(svc->d.numbering),
				       .max_numbers = svc->cfg.job_max_numbers, .job = true,
				       .max_notify_batch = svc->cfg.notify_batch_max };
	struct lookup_request lr;
	char why[200] = "";
	size_t len;
	const char *body = http_req_body(req, &len);
	void *ctx = talloc_new(NULL);
	int rc = is_text(http_req_header(req, "Content-Type")) ?
		 lookup_request_parse_text(ctx, body ? body : "", body ? len : 0, &o, &lr, why, sizeof(why)) :
		 lookup_request_parse_json(ctx, body ? body : "", body ? len : 0, &o, &lr, why, sizeof(why));
	if (rc == LOOKUP_PARSE_OK && is_text(http_req_header(req, "Content-Type")))
		rc = text_fields(svc, req, &lr, why, sizeof(why));
	lookup_ctr_inc(svc, LOOKUP_CTR_REQUESTS);
	if (lookup_api_refuse_parse(svc, req, rc, &lr, why) || !notify_allowed(req, a, lr.notify_url) ||
	    !job_admitted(svc, req, a, lr.n)) {
		talloc_free(ctx);
		return;
	}
	struct lookup_job *job = job_alloc(svc, a);
	if (!job) {
		talloc_free(ctx);
		http_respond_error(req, 500, "out of memory");
		return;
	}
	new_job_id(job->id, sizeof(job->id));
	job->load_ctx = talloc_steal(job, ctx);
	job->numbers = lr.numbers;
	job->total = lr.n;
	job->created_ms = store_now_ms();
	job->state = JOB_LOADING;
	osmo_strlcpy(job->reference, lr.reference, sizeof(job->reference));
	osmo_strlcpy(job->notify_url, lr.notify_url, sizeof(job->notify_url));
	job->notify_batch = lr.notify_batch;
	sqlite3_stmt *s = store_stmt(svc->d.store, "INSERT INTO lookup_jobs (id, account, reference, created_ms, state,"
				     " total, notify_url, notify_batch) VALUES (?, ?, ?, ?, 'loading', ?, ?, ?)");
	if (!s || store_write(svc->d.store) < 0) {
		talloc_free(job);
		http_respond_retry(req, 503, 1, "the store cannot take the job now");
		return;
	}
	sqlite3_bind_text(s, 1, job->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, a->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, job->reference, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, job->created_ms);
	sqlite3_bind_int(s, 5, job->total);
	sqlite3_bind_text(s, 6, job->notify_url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 7, job->notify_batch);
	store_step(svc->d.store, s);
	llist_add_tail(&job->list, &svc->jobs);
	lookup_ctr_inc(svc, LOOKUP_CTR_JOBS);
	rate_ctr_add(rate_ctr_group_get_ctr(svc->ctrg, LOOKUP_CTR_NUMBERS), job->total);
	LOGP(DLOOKUP, LOGL_INFO, "job %s of %s: %u numbers%s%s\n", job->id, a->name, job->total,
	     job->notify_url[0] ? ", results to " : "", job->notify_url);
	char location[64];
	snprintf(location, sizeof(location), "/v1/lookup/jobs/%s", job->id);
	http_req_add_header(req, "Location", location);
	http_respond_json(req, 202, job_json(job));
	update_stat(svc);
	jobs_schedule(svc);
}

/* ------------------------------------------------------------ start, stop */

static unsigned int count_of(struct lookup_svc *svc, const char *sql, const char *job, int64_t arg)
{
	sqlite3_stmt *s = store_stmt(svc->d.store, sql);
	unsigned int n = 0;
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, job, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, arg);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (unsigned int)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* A job the store holds unfinished (or with results not delivered) */
static void resume(struct lookup_svc *svc, sqlite3_stmt *s)
{
	struct account *a = accounts_find(svc->d.accounts, (const char *)sqlite3_column_text(s, 1));
	const char *id = (const char *)sqlite3_column_text(s, 0);
	const char *state = (const char *)sqlite3_column_text(s, 3);
	struct lookup_job *job = a ? job_alloc(svc, a) : NULL;
	if (!job) {
		LOGP(DLOOKUP, LOGL_ERROR, "job %s: its account is gone; the job stays as it is\n", id);
		return;
	}
	osmo_strlcpy(job->id, id, sizeof(job->id));
	osmo_strlcpy(job->reference, (const char *)sqlite3_column_text(s, 2), sizeof(job->reference));
	job->total = sqlite3_column_int(s, 4);
	job->loaded = sqlite3_column_int(s, 5);
	job->created_ms = sqlite3_column_int64(s, 6);
	job->finished_ms = sqlite3_column_int64(s, 7);
	osmo_strlcpy(job->notify_url, (const char *)sqlite3_column_text(s, 8), sizeof(job->notify_url));
	job->notify_batch = sqlite3_column_int(s, 9);
	job->notified_id = sqlite3_column_int64(s, 10);
	job->notified = sqlite3_column_int(s, 11);
	job->notify_failures = sqlite3_column_int(s, 12);
	osmo_strlcpy(job->notify_error, (const char *)sqlite3_column_text(s, 13), sizeof(job->notify_error));
	for (int i = 0; i < (int)ARRAY_SIZE(job_state_names); i++)
		if (!strcmp(state, job_state_names[i]))
			job->state = (enum job_state)i;
	/* what the numbers' table and the log say, not the counters saved last */
	job->done = count_of(svc, "SELECT count(*) FROM lookup_job_numbers WHERE job = ? AND seq >= ? AND done = 1",
			     id, 0);
	job->billed = count_of(svc, "SELECT count(*) FROM lookups WHERE job = ? AND seq >= ? AND billed = 1", id, 0);
	job->cache_hits = count_of(svc, "SELECT count(*) FROM lookups WHERE job = ? AND seq >= ? AND source = 'cache'",
				   id, 0);
	job->unnotified = count_of(svc, "SELECT count(*) FROM lookups WHERE job = ? AND id > ?", id, job->notified_id);
	if (job->state == JOB_LOADING) {
		/* its numbers were being stored when the gateway stopped: they are gone */
		job_finish(job, JOB_FAILED);
		LOGP(DLOOKUP, LOGL_NOTICE, "job %s: interrupted while its numbers were stored; submit it again\n", id);
	}
	job->dirty = true;
	llist_add_tail(&job->list, &svc->jobs);
	LOGP(DLOOKUP, LOGL_NOTICE, "job %s of %s: %s, %u of %u done\n", id, a->name, state_name(job->state), job->done,
	     job->total);
}

int lookup_jobs_start(struct lookup_svc *svc)
{
	osmo_timer_setup(&svc->jobs_timer, jobs_tick, svc);
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT id, account, reference, state, total, loaded, created_ms,"
				     " finished_ms, notify_url, notify_batch, notified_id, notified, notify_failures,"
				     " notify_error FROM lookup_jobs WHERE state IN ('loading', 'running')"
				     " OR (notify_url != '' AND notify_failures < ? AND notified < done)");
	if (!s)
		return -EIO;
	sqlite3_bind_int(s, 1, svc->cfg.notify_attempts);
	while (sqlite3_step(s) == SQLITE_ROW)
		resume(svc, s);
	sqlite3_reset(s);
	update_stat(svc);
	osmo_timer_schedule(&svc->jobs_timer, 0, JOB_TICK_MS * 1000);
	return 0;
}

void lookup_jobs_stop(struct lookup_svc *svc)
{
	struct lookup_job *job;
	llist_for_each_entry(job, &svc->jobs, list) {
		if (job->dirty)
			job_save(job);
	}
	osmo_timer_del(&svc->jobs_timer);
}

void lookup_jobs_free(struct lookup_svc *svc)
{
	struct lookup_job *job, *tmp;
	llist_for_each_entry_safe(job, tmp, &svc->jobs, list) {
		llist_del(&job->list);
		talloc_free(job);
	}
}
