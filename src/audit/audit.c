/* The audit trail's table and its one writer (see audit.h) */

#include <errno.h>
#include <stdio.h>
#include <osmocom/core/logging.h>
#include <sigway/audit/audit.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>

/* No AUTOINCREMENT (it costs every insert a sqlite_sequence update): ids
 * only order the rows, and a new row's id is still larger than those of all
 * rows there (the largest + 1). An id may come again after the newest rows
 * were purged; nothing refers to one. A store made before keeps its table
 * as it was. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS audit ("
	" id INTEGER PRIMARY KEY,"
	" msg_id TEXT NOT NULL, msisdn TEXT NOT NULL, step TEXT NOT NULL,"
	" calling_gt TEXT NOT NULL, called_gt TEXT NOT NULL, otid TEXT NOT NULL, dtid TEXT NOT NULL,"
	" start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, outcome TEXT NOT NULL);"
	/* the report finds a message's or a lookup's dialogues by its id */
	"CREATE INDEX IF NOT EXISTS audit_msg ON audit (msg_id);";

int audit_init(struct store *st)
{
	if (store_exec(st, schema) < 0)
		return -EIO;
	/* answer_gt: who answered each dialogue (the GT called, or another of
	 * the operator's network) */
	return store_add_column(st, "audit", "answer_gt", "TEXT NOT NULL DEFAULT ''") < 0 ? -EIO : 0;
}

int audit_write(struct store *st, const struct audit_row *r)
{
	char otid[12];
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO audit (msg_id, msisdn, step, calling_gt, called_gt,"
				     " otid, dtid, start_ms, end_ms, outcome, answer_gt) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
	if (!s)
		return -EIO;
	store_write(st);
	snprintf(otid, sizeof(otid), "%08x", r->otid);
	/* not copied: the row outlives the step (store_stmt() clears the bindings) */
	sqlite3_bind_text(s, 1, r->msg_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->msisdn, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->calling_gt, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->called_gt, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, otid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->dtid ? r->dtid : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, r->start_ms);
	sqlite3_bind_int64(s, 9, r->end_ms);
	sqlite3_bind_text(s, 10, r->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, r->answer_gt ? r->answer_gt : "", -1, SQLITE_STATIC);
	if (store_step(st, s) != SQLITE_DONE) {
		LOGP(DAPP, LOGL_ERROR, "cannot write the audit row of %s %s %s\n", r->step, r->msg_id, r->msisdn);
		return -EIO;
	}
	return 0;
}
