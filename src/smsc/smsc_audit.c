/* Audit report (see smsc_audit.h) */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sigway/common/utc_time.h>
#include <sigway/smsc/smsc_audit.h>


static const char *state_name(int s)
{
	static const char *const names[] = { "?", "enroute", "delivered", "expired", "deleted", "undeliverable",
					     "accepted", "unknown", "rejected" };
	return s >= 0 && s <= 8 ? names[s] : "?";
}

/* the dialogues of one message, in order; returns whether every accepted
 * MT-ForwardSM came after an SRI-for-SM answered to the same calling GT */
static bool report_dialogues(sqlite3 *db, const char *msg_id, void (*out)(void *, const char *), void *priv,
			     bool *has_fsm_ok)
{
	sqlite3_stmt *s;
	char line[400], t0[32], t1[32];
	char sri_gt[40] = "";
	bool same = true;
	*has_fsm_ok = false;
	if (sqlite3_prepare_v2(db, "SELECT step, calling_gt, called_gt, otid, dtid, start_ms, end_ms, outcome"
			       " FROM audit WHERE msg_id = ? ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, msg_id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *step = (const char *)sqlite3_column_text(s, 0);
		const char *calling = (const char *)sqlite3_column_text(s, 1);
		const char *outcome = (const char *)sqlite3_column_text(s, 7);
		sigway_utc_format(t0, sizeof(t0), sqlite3_column_int64(s, 5));
		sigway_utc_format(t1, sizeof(t1), sqlite3_column_int64(s, 6));
		const char *dtid = (const char *)sqlite3_column_text(s, 4);
		snprintf(line, sizeof(line), "  %-14s calling-gt %s called-gt %s otid %s dtid %s %s .. %s: %s", step,
			 calling, sqlite3_column_text(s, 2), sqlite3_column_text(s, 3), dtid && dtid[0] ? dtid : "-",
			 t0, t1, outcome);
		out(priv, line);
		bool ok = !strncmp(outcome, "ok", 2);
		if (!strcmp(step, "sri-for-sm"))
			snprintf(sri_gt, sizeof(sri_gt), "%s", ok ? calling : "");
		if (!strcmp(step, "mt-forward-sm") && ok) {
			*has_fsm_ok = true;
			if (!sri_gt[0] || strcmp(sri_gt, calling))
				same = false;
		}
	}
	sqlite3_finalize(s);
	return same;
}

int smsc_audit_report(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
		      void (*out)(void *priv, const char *line), void *priv, int *mismatches)
{
	sqlite3_stmt *s;
	char line[400], t0[32], t1[32];
	int n = 0, bad = 0;
	if (sqlite3_prepare_v2(db, "SELECT id, account, src, submit_ms, state, err, done_ms FROM messages"
			       " WHERE dst = ? AND submit_ms >= ? AND submit_ms < ? ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(s, 1, msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char msg_id[24];
		snprintf(msg_id, sizeof(msg_id), "%lld", (long long)sqlite3_column_int64(s, 0));
		sigway_utc_format(t0, sizeof(t0), sqlite3_column_int64(s, 3));
		if (sqlite3_column_type(s, 6) == SQLITE_NULL)
			snprintf(t1, sizeof(t1), "-");
		else
			sigway_utc_format(t1, sizeof(t1), sqlite3_column_int64(s, 6));
		snprintf(line, sizeof(line), "message %s account %s from %s to %s submitted %s final %s state %s err %d",
			 msg_id, sqlite3_column_text(s, 1), sqlite3_column_text(s, 2), msisdn, t0, t1,
			 state_name(sqlite3_column_int(s, 4)), sqlite3_column_int(s, 5));
		out(priv, line);
		bool fsm_ok;
		bool same = report_dialogues(db, msg_id, out, priv, &fsm_ok);
		if (fsm_ok) {
			out(priv, same ? "  verdict: every accepted MT-ForwardSM went out from the calling GT of the"
					 " SRI-for-SM before it" :
				       "  verdict: MISMATCH: an MT-ForwardSM without an SRI-for-SM from its calling GT");
			if (!same)
				bad++;
		}
		n++;
	}
	sqlite3_finalize(s);
	if (mismatches)
		*mismatches = bad;
	return n;
}

/* ------------------------------------------------------------ USSD sessions */

int ussd_audit_report(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
		      void (*out)(void *priv, const char *line), void *priv)
{
	sqlite3_stmt *s;
	char line[600], t0[32], t1[32];
	int n = 0;
	/* a store without the USSD gateway has no session log */
	if (sqlite3_prepare_v2(db, "SELECT id, direction, transport, application, service_code, msisdn, imsi,"
			       " operator, start_ms, end_ms, rounds, status, billed, reason FROM ussd_sessions"
			       " WHERE (?1 IS NULL OR msisdn = ?1) AND start_ms >= ?2 AND start_ms < ?3"
			       " ORDER BY start_ms, rowid", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (msisdn)
		sqlite3_bind_text(s, 1, msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(s, 4);
		const char *who = (const char *)sqlite3_column_text(s, 5);
		sigway_utc_format(t0, sizeof(t0), sqlite3_column_int64(s, 8));
		sigway_utc_format(t1, sizeof(t1), sqlite3_column_int64(s, 9));
		if (!who || !who[0])
			who = (const char *)sqlite3_column_text(s, 6);	/* GSUP: the IMSI only */
		snprintf(line, sizeof(line), "ussd session %s %s %s %s %s subscriber %s operator %s %s .. %s"
			 " (%lld ms) rounds %d status %s billed %s: %s",
			 sqlite3_column_text(s, 0), sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
			 sqlite3_column_text(s, 3)[0] ? (const char *)sqlite3_column_text(s, 3) : "-",
			 code && code[0] ? code : "-", who && who[0] ? who : "-",
			 sqlite3_column_text(s, 7)[0] ? (const char *)sqlite3_column_text(s, 7) : "-", t0, t1,
			 (long long)(sqlite3_column_int64(s, 9) - sqlite3_column_int64(s, 8)), sqlite3_column_int(s, 10),
			 sqlite3_column_text(s, 11), sqlite3_column_int(s, 12) ? "yes" : "no", sqlite3_column_text(s, 13));
		out(priv, line);
		n++;
	}
	sqlite3_finalize(s);
	return n;
}
