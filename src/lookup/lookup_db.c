/* What lookups leave in the store: the lookup log (every answer given to an
 * account, from the network or its cache), the billing record and the
 * audit row of each SRI-for-SM sent, written in the same transaction; and
 * the bulk jobs. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/audit/audit.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "lookup_int.h"

static const char schema[] =
	/* the log: one row per answer given; ref is the billing record's */
	"CREATE TABLE IF NOT EXISTS lookups ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" ref TEXT NOT NULL UNIQUE, account TEXT NOT NULL, msisdn TEXT NOT NULL,"
	" request_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL,"
	" source TEXT NOT NULL, billed INTEGER NOT NULL, status TEXT NOT NULL, operator TEXT NOT NULL,"
	" job TEXT, seq INTEGER, result TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS lookups_account ON lookups (account, request_ms);"
	"CREATE INDEX IF NOT EXISTS lookups_msisdn ON lookups (msisdn, request_ms);"
	"CREATE UNIQUE INDEX IF NOT EXISTS lookups_job ON lookups (job, seq) WHERE job IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS lookups_job_id ON lookups (job, id) WHERE job IS NOT NULL;"
	/* bulk jobs and their numbers */
	"CREATE TABLE IF NOT EXISTS lookup_jobs ("
	" id TEXT PRIMARY KEY, account TEXT NOT NULL, reference TEXT NOT NULL DEFAULT '',"
	" created_ms INTEGER NOT NULL, finished_ms INTEGER,"
	" state TEXT NOT NULL, total INTEGER NOT NULL, loaded INTEGER NOT NULL DEFAULT 0,"
	" done INTEGER NOT NULL DEFAULT 0, billed INTEGER NOT NULL DEFAULT 0, cache_hits INTEGER NOT NULL DEFAULT 0,"
	" notify_url TEXT NOT NULL DEFAULT '', notify_batch INTEGER NOT NULL DEFAULT 0,"
	" notified_id INTEGER NOT NULL DEFAULT 0, notified INTEGER NOT NULL DEFAULT 0,"
	" notify_failures INTEGER NOT NULL DEFAULT 0, notify_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS lookup_jobs_account ON lookup_jobs (account, state);"
	"CREATE TABLE IF NOT EXISTS lookup_job_numbers ("
	" job TEXT NOT NULL, seq INTEGER NOT NULL, msisdn TEXT NOT NULL, input TEXT NOT NULL,"
	" done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (job, seq)) WITHOUT ROWID;"
	/* lookups whose SRI-for-SM went out and that have not ended */
	"CREATE TABLE IF NOT EXISTS lookup_pending ("
	" ref TEXT PRIMARY KEY, account TEXT NOT NULL, operator TEXT NOT NULL, request_ms INTEGER NOT NULL,"
	" begins INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;";

int lookup_db_init(struct store *st)
{
	if (store_exec(st, schema) < 0)
		return -EIO;
	/* a store of a version before the Begins were counted while pending */
	if (store_add_column(st, "lookup_pending", "begins", "INTEGER NOT NULL DEFAULT 1") < 0)
		return -EIO;
	/* the audit trail is shared with the SMS core (whichever starts first makes it) */
	return audit_init(st);
}

/* A row per Begin sent: after a version fallback the refused ones first,
 * then the dialogue that answered (as many rows as billing records) */
static void audit_rows(struct lookup_svc *svc, const struct lookup_item *it, const struct routing_trace *t)
{
	char outcome[200], msg_id[LOOKUP_ID_LEN + 8];
	const struct lookup_result *r = &it->res;
	if (r->error.kind == LOOKUP_ERR_NONE)
		snprintf(outcome, sizeof(outcome), "ok imsi %s msc %s%s", r->home_routed ? "-" : r->imsi,
			 r->home_routed ? r->home_routing_node : r->serving_msc, r->home_routed ? " (home routing)" : "");
	else
		snprintf(outcome, sizeof(outcome), "%s", r->error.kind == LOOKUP_ERR_MAP ? r->error.name :
			 r->error.description);
	snprintf(msg_id, sizeof(msg_id), "lookup:%s", r->id);
	routing_trace_audit(svc->d.store, t, msg_id, r->to, r->done_ms ? r->done_ms : store_now_ms(), outcome);
}

static void log_row(struct lookup_svc *svc, const struct lookup_item *it)
{
	const struct lookup_result *r = &it->res;
	sqlite3_stmt *s = store_stmt(svc->d.store, "INSERT OR IGNORE INTO lookups (ref, account, msisdn, request_ms,"
				     " done_ms, source, billed, status, operator, job, seq, result)"
				     " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!s || !it->text)
		return;
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, it->acct->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, r->request_ms);
	sqlite3_bind_int64(s, 5, r->done_ms ? r->done_ms : store_now_ms());
	sqlite3_bind_text(s, 6, lookup_source_name(r->source), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, r->billed);
	sqlite3_bind_text(s, 8, lookup_status_name(r->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, r->operator_name, -1, SQLITE_STATIC);
	if (it->job[0]) {
		sqlite3_bind_text(s, 10, it->job, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 11, it->seq);
	}
	sqlite3_bind_text(s, 12, it->text, -1, SQLITE_STATIC);
	if (store_step(svc->d.store, s) != SQLITE_DONE)
		LOGP(DLOOKUP, LOGL_ERROR, "cannot write the log row of lookup %s\n", r->id);
}

/* One record per SRI-for-SM Begin sent (each one a message the operator
 * received): the lookup's id, then "<id>.2" for the Begin a version
 * fallback sent again */
static void bill_begins(struct store *st, const struct billing_event *first, unsigned int begins)
{
	char ref[LOOKUP_ID_LEN + 4];
	struct billing_event ev = *first;
	ev.ref = ref;
	for (unsigned int i = 0; i < begins; i++) {
		if (i)
			snprintf(ref, sizeof(ref), "%s.%u", first->ref, i + 1);
		else
			osmo_strlcpy(ref, first->ref, sizeof(ref));
		billing_record(st, &ev);
	}
}

static void bill(struct lookup_svc *svc, const struct lookup_item *it, const struct routing_trace *trace)
{
	const struct lookup_result *r = &it->res;
	struct billing_event ev = { .kind = BILL_LOOKUP, .account = it->acct->name, .ref = r->id, .units = 1,
				    .operator = r->operator_name, .event_ms = r->done_ms ? r->done_ms : store_now_ms() };
	bill_begins(svc->d.store, &ev, trace ? routing_trace_begins(trace) : 1);
}

void lookup_db_record(struct lookup_svc *svc, struct lookup_item *it, const struct routing_trace *trace)
{
	const struct lookup_result *r = &it->res;
	if (!it->text)
		it->text = lookup_result_text(it, r, true, NULL);
	store_write(svc->d.store);
	if (r->billed)
		bill(svc, it, trace);
	if (trace)
		audit_rows(svc, it, trace);
	log_row(svc, it);
	if (it->job[0]) {
		/* in the same transaction: after a restart the job goes on after it */
		sqlite3_stmt *s = store_stmt(svc->d.store, "UPDATE lookup_job_numbers SET done = 1 WHERE job = ? AND seq = ?");
		if (s) {
			sqlite3_bind_text(s, 1, it->job, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, it->seq);
			store_step(svc->d.store, s);
		}
	}
}

void lookup_db_pending(struct lookup_svc *svc, const struct lookup_item *it, unsigned int begins)
{
	sqlite3_stmt *s = store_stmt(svc->d.store, begins ?
				     "INSERT OR REPLACE INTO lookup_pending (ref, account, operator, request_ms, begins)"
				     " VALUES (?,?,?,?,?)" : "DELETE FROM lookup_pending WHERE ref = ?");
	if (!s)
		return;
	store_write(svc->d.store);
	sqlite3_bind_text(s, 1, it->res.id, -1, SQLITE_STATIC);
	if (begins) {
		sqlite3_bind_text(s, 2, it->acct->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, it->res.operator_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, it->res.request_ms);
		sqlite3_bind_int(s, 5, (int)begins);
	}
	if (store_step(svc->d.store, s) != SQLITE_DONE)
		LOGP(DLOOKUP, LOGL_ERROR, "lookup %s: cannot write that it is pending: %s\n", it->res.id,
		     sqlite3_errmsg(store_db(svc->d.store)));
	sqlite3_reset(s);
}

int lookup_db_bill_interrupted(struct lookup_svc *svc)
{
	struct store *st = svc->d.store;
	sqlite3_stmt *s = store_stmt(st, "SELECT ref, account, operator, request_ms, begins FROM lookup_pending");
	int n = 0;
	if (!s || store_write(st) < 0)
		return -EIO;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct billing_event ev = { .kind = BILL_LOOKUP, .ref = (const char *)sqlite3_column_text(s, 0),
					    .account = (const char *)sqlite3_column_text(s, 1),
					    .operator = (const char *)sqlite3_column_text(s, 2), .units = 1,
					    .event_ms = sqlite3_column_int64(s, 3) };
		int begins = sqlite3_column_int(s, 4);
		/* (kind, ref) is unique: a record written before is not written twice */
		bill_begins(st, &ev, begins < 1 ? 1 : begins > MAP_BEGINS_MAX ? MAP_BEGINS_MAX : (unsigned int)begins);
		n++;
	}
	sqlite3_reset(s);
	if (n && store_exec(st, "DELETE FROM lookup_pending") < 0)
		return -EIO;
	return store_commit(st) < 0 ? -EIO : n;
}

unsigned int lookup_db_billed_since(struct lookup_svc *svc, const char *account, int64_t since_ms)
{
	sqlite3_stmt *s = store_stmt(svc->d.store, "SELECT count(*) FROM lookups WHERE account = ? AND request_ms >= ?"
				     " AND billed = 1");
	unsigned int n = 0;
	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, since_ms);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (unsigned int)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Log rows and finished jobs older than the retention, a batch at a time
 * (the billing records stay: they are append-only) */
bool lookup_db_purge(struct lookup_svc *svc)
{
	if (!svc->cfg.retention_days || store_busy(svc->d.store))
		return false;
	int64_t before = store_now_ms() - svc->cfg.retention_days * 86400000LL;
	static const struct {
		const char *sql;
		bool counts;		/* a full batch of these: more are due */
	} steps[] = {
		/* the 500 oldest rows (id order is age order), those past the
		 * retention: no index on request_ms, and a search by it would read
		 * the whole log when few are due. Their audit rows first. */
		{ "DELETE FROM audit WHERE msg_id IN (SELECT 'lookup:' || ref FROM"
		  " (SELECT ref, request_ms FROM lookups ORDER BY id LIMIT 500) WHERE request_ms < ?1)", false },
		{ "DELETE FROM lookups WHERE id IN (SELECT id FROM lookups ORDER BY id LIMIT 500) AND request_ms < ?1", true },
		{ "DELETE FROM lookup_job_numbers WHERE (job, seq) IN (SELECT n.job, n.seq FROM lookup_job_numbers n"
		  " JOIN lookup_jobs j ON j.id = n.job WHERE j.finished_ms < ?1 LIMIT 500)", true },
		{ "DELETE FROM lookup_jobs WHERE id IN (SELECT id FROM lookup_jobs j WHERE finished_ms < ?1 AND NOT EXISTS"
		  " (SELECT 1 FROM lookup_job_numbers n WHERE n.job = j.id) LIMIT 50)", false },
	};
	bool more = false;
	store_write(svc->d.store);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		sqlite3_stmt *s = store_stmt(svc->d.store, steps[i].sql);
		if (!s)
			continue;
		sqlite3_bind_int64(s, 1, before);
		if (sqlite3_step(s) != SQLITE_DONE)
			LOGP(DLOOKUP, LOGL_ERROR, "retention purge: %s\n", sqlite3_errmsg(store_db(svc->d.store)));
		else if (steps[i].counts)
			more |= sqlite3_changes(store_db(svc->d.store)) >= 500;
		sqlite3_reset(s);
	}
	return more;
}
