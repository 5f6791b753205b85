/* What the USSD gateway keeps in the store: one billing record per session
 * started (kind ussd_session: pull when the application accepted it, push
 * when the network took the opening request; the initiator "mobile" or
 * "application") and one session log row per session (code, direction,
 * duration, rounds, final status), which sigway-audit prints. Both go
 * through store_step(): nobody waits for them, and a store locked by
 * another process keeps them until it is free. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "ussdgw_int.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS ussd_sessions ("
	" id TEXT PRIMARY KEY,"
	" direction TEXT NOT NULL,"		/* pull | push */
	" transport TEXT NOT NULL,"		/* map | map-v1 | gsup */
	" application TEXT NOT NULL, service_code TEXT NOT NULL,"
	" msisdn TEXT NOT NULL, imsi TEXT NOT NULL, operator TEXT NOT NULL,"
	" calling_gt TEXT NOT NULL, called_gt TEXT NOT NULL, tid TEXT NOT NULL, remote_tid TEXT NOT NULL,"	/* TCAP, hex */
	" start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, rounds INTEGER NOT NULL,"
	" status TEXT NOT NULL, reason TEXT NOT NULL, billed INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS ussd_sessions_msisdn ON ussd_sessions (msisdn, start_ms);"
	"CREATE INDEX IF NOT EXISTS ussd_sessions_start ON ussd_sessions (start_ms);";

int ussdgw_db_init(struct store *st)
{
	if (billing_init(st) < 0)
		return -EIO;
	return store_exec(st, schema);
}

int ussdgw_db_purge(struct store *st, unsigned int retention_days)
{
	sqlite3_stmt *s = store_stmt(st, "DELETE FROM ussd_sessions WHERE rowid IN (SELECT rowid FROM ussd_sessions"
				     " WHERE start_ms < ? ORDER BY start_ms LIMIT ?)");
	if (!s || store_write(st) < 0)
		return 0;
	sqlite3_bind_int64(s, 1, ussdgw_now_ms() - retention_days * 86400000LL);
	sqlite3_bind_int(s, 2, USSDGW_PURGE_BATCH);
	int n = 0;
	if (store_step(st, s) == SQLITE_DONE)
		n = sqlite3_changes(store_db(st));
	else
		LOGP(DUSSD, LOGL_ERROR, "session log retention: %s\n", sqlite3_errmsg(store_db(st)));
	sqlite3_reset(s);
	return n;
}

static const char *op_name(const struct ussdgw_session *s)
{
	if (s->op)
		return s->op->name;
	return s->net == UGW_NET_GSUP ? "gsup" : "";
}

int ussdgw_db_bill(struct ussdgw_session *s)
{
	struct billing_event ev = {
		.kind = BILL_USSD,
		.account = s->app ? s->app->name : "",
		.ref = s->id,
		.units = 1,
		.operator = op_name(s),
		.event_ms = ussdgw_now_ms(),
		.initiator = s->push ? "application" : "mobile",
	};
	/* a busy store keeps the record (store_step) and writes it later */
	store_write(s->gw->st);
	return billing_record(s->gw->st, &ev) < 0 ? -EIO : 0;
}

void ussdgw_db_log(struct ussdgw_session *s, int64_t end_ms)
{
	struct store *st = s->gw->st;
	if (s->no_log || !st)
		return;
	sqlite3_stmt *q = store_stmt(st, "INSERT OR REPLACE INTO ussd_sessions (id, direction, transport, application,"
				     " service_code, msisdn, imsi, operator, calling_gt, called_gt, tid, remote_tid, start_ms,"
				     " end_ms, rounds, status, reason, billed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!q)
		return;
	store_write(st);
	sqlite3_bind_text(q, 1, s->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, s->push ? "push" : "pull", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, s->net == UGW_NET_GSUP ? "gsup" : s->map_v1 ? "map-v1" : "map", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, s->app ? s->app->name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, s->push ? "" : s->service_code[0] ? s->service_code : s->dialled, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 6, s->msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, s->imsi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 8, op_name(s), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 9, s->calling_gt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 10, s->called_gt, -1, SQLITE_TRANSIENT);
	char tid[12] = "", rtid[12] = "";
	if (s->dialog.has_ids) {
		snprintf(tid, sizeof(tid), "%08x", s->dialog.local_id);
		if (s->dialog.remote_id)
			snprintf(rtid, sizeof(rtid), "%08x", s->dialog.remote_id);
	}
	sqlite3_bind_text(q, 11, tid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 12, rtid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 13, s->start_ms);
	sqlite3_bind_int64(q, 14, end_ms);
	sqlite3_bind_int(q, 15, (int)s->rounds);
	sqlite3_bind_text(q, 16, ussdgw_status_name(s->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 17, s->end.reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 18, s->billed);
	if (store_step(st, q) != SQLITE_DONE)
		LOGP(DUSSD, LOGL_ERROR, "session %s: the session log row could not be written: %s\n", s->id,
		     sqlite3_errmsg(store_db(st)));
}
