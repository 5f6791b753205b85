/* Billing records (see billing.h) */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/common/utc_time.h>
#include <sigway/store/store.h>

static const char *const kind_names[] = {
	[BILL_SMS_MT] = "sms_mt", [BILL_SMS_MO] = "sms_mo", [BILL_LOOKUP] = "lookup", [BILL_USSD] = "ussd_session",
};

const char *billing_kind_name(enum billing_kind kind)
{
	return kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "unknown";
}

/* append-only: the triggers refuse any change to a written record. No
 * AUTOINCREMENT: no record is ever deleted, so a new seq is the largest
 * one + 1 all the same, without the sqlite_sequence update it costs each
 * insert (14% of a record's instructions with its commit;
 * doc/performance.md). A store made before keeps its table as it was. */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS billing ("
	" seq INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL, account TEXT NOT NULL, ref TEXT NOT NULL,"
	" units INTEGER NOT NULL, operator TEXT NOT NULL,"
	" event_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,"
	" initiator TEXT NOT NULL DEFAULT '',"
	" UNIQUE (kind, ref));"
	"CREATE INDEX IF NOT EXISTS billing_time ON billing (event_ms);"
	"CREATE TRIGGER IF NOT EXISTS billing_no_update BEFORE UPDATE ON billing"
	" BEGIN SELECT RAISE(ABORT, 'billing records are append-only'); END;"
	"CREATE TRIGGER IF NOT EXISTS billing_no_delete BEFORE DELETE ON billing"
	" BEGIN SELECT RAISE(ABORT, 'billing records are append-only'); END;";

int billing_init(struct store *st)
{
	int rc = store_exec(st, schema);
	/* a store made before the initiator column gets it (an ALTER TABLE is
	 * no UPDATE: the append-only triggers let it pass) */
	return rc < 0 ? rc : store_add_column(st, "billing", "initiator", "TEXT NOT NULL DEFAULT ''");
}

int billing_record(struct store *st, const struct billing_event *ev)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO billing"
				     " (kind, account, ref, units, operator, event_ms, recorded_ms, initiator)"
				     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s)
		return -EIO;
	/* not copied: the event outlives the step (store_stmt() clears the bindings) */
	sqlite3_bind_text(s, 1, billing_kind_name(ev->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, ev->account ? ev->account : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, ev->ref, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, (int)ev->units);
	sqlite3_bind_text(s, 5, ev->operator ? ev->operator : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, ev->event_ms);
	sqlite3_bind_int64(s, 7, store_now_ms());
	sqlite3_bind_text(s, 8, ev->initiator ? ev->initiator : "", -1, SQLITE_STATIC);
	/* through store_step: while the store is in trouble (locked, full) the
	 * record is kept and written when a commit succeeds, never lost; one
	 * that belongs to an acknowledgement goes with it or not at all */
	if ((ev->acknowledged ? sqlite3_step(s) : store_step(st, s)) != SQLITE_DONE) {
		LOGP(DBILL, LOGL_ERROR, "cannot record %s %s: %s\n", billing_kind_name(ev->kind), ev->ref,
		     sqlite3_errmsg(store_db(st)));
		return -EIO;
	}
	int n = store_busy(st) ? 1 : sqlite3_changes(store_db(st));
	LOGP(DBILL, LOGL_INFO, "%s %s account %s units %u: %s\n", billing_kind_name(ev->kind), ev->ref,
	     ev->account, ev->units, n ? "recorded" : "already recorded");
	return n;
}


/* CSV fields from our own tables: names and ids never hold quotes, but an
 * account name could hold a comma, so text fields are quoted */
static void csv_text(FILE *out, const unsigned char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void json_text(FILE *out, const unsigned char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

int billing_export(sqlite3 *db, FILE *out, int64_t from_ms, int64_t to_ms, bool json)
{
	sqlite3_stmt *s;
	/* a store of an older sigwayd has no initiator column */
	if (sqlite3_prepare_v2(db, "SELECT seq, kind, account, ref, units, operator, event_ms, initiator FROM billing"
			       " WHERE event_ms >= ? AND event_ms < ? ORDER BY seq", -1, &s, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT seq, kind, account, ref, units, operator, event_ms, '' FROM billing"
			       " WHERE event_ms >= ? AND event_ms < ? ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	if (!json)
		fprintf(out, "seq,kind,account,ref,units,operator,event_time,initiator\n");
	int n = 0, rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char when[40];
		sigway_utc_format(when, sizeof(when), sqlite3_column_int64(s, 6));
		void (*text)(FILE *, const unsigned char *) = json ? json_text : csv_text;
		if (json)
			fprintf(out, "{\"seq\":%lld,\"kind\":", (long long)sqlite3_column_int64(s, 0));
		else
			fprintf(out, "%lld,", (long long)sqlite3_column_int64(s, 0));
		static const char *const json_keys[] = { NULL, NULL, ",\"account\":", ",\"ref\":" };
		for (int col = 1; col <= 3; col++) {
			if (json && json_keys[col])
				fputs(json_keys[col], out);
			text(out, sqlite3_column_text(s, col));
			if (!json)
				fputc(',', out);
		}
		if (json) {
			fprintf(out, ",\"units\":%d,\"operator\":", sqlite3_column_int(s, 4));
			json_text(out, sqlite3_column_text(s, 5));
			fprintf(out, ",\"event_time\":\"%s\",\"initiator\":", when);
			json_text(out, sqlite3_column_text(s, 7));
			fputs("}\n", out);
		} else {
			fprintf(out, "%d,", sqlite3_column_int(s, 4));
			csv_text(out, sqlite3_column_text(s, 5));
			fprintf(out, ",%s,", when);
			csv_text(out, sqlite3_column_text(s, 7));
			fputc('\n', out);
		}
		n++;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? n : -EIO;
}
