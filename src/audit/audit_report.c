/* Audit report (see audit_report.h) */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sigway/common/utc_time.h>
#include <sigway/audit/audit_report.h>


static const char *state_name(int s)
{
	static const char *const names[] = { "?", "enroute", "delivered", "expired", "deleted", "undeliverable",
					     "accepted", "unknown", "rejected" };
	return s >= 0 && s <= 8 ? names[s] : "?";
}

/* the dialogues of one message, in order; returns whether every accepted
 * MT-ForwardSM came after an SRI-for-SM answered to the same calling GT, and
 * every answer came from the GT called (*other_gt: one came from another) */
static bool report_dialogues(sqlite3 *db, const char *msg_id, void (*out)(void *, const char *), void *priv,
			     bool *has_fsm_ok, bool *other_gt)
{
	sqlite3_stmt *s;
	char line[400], t0[32], t1[32];
	char sri_gt[40] = "";
	bool same = true;
	*has_fsm_ok = false;
	*other_gt = false;
	if (sqlite3_prepare_v2(db, "SELECT step, calling_gt, called_gt, otid, dtid, start_ms, end_ms, outcome, answer_gt"
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
		const char *called = (const char *)sqlite3_column_text(s, 2);
		const char *answer = (const char *)sqlite3_column_text(s, 8);
		if (answer && answer[0] && strcmp(answer, called)) {
			/* the TCAP layer takes a first answer only from the GT called or the
			 * operator's network-gt ranges: worth a look either way */
			snprintf(line, sizeof(line), "    ANSWER FROM ANOTHER GT: %s answered, %s was called", answer, called);
			out(priv, line);
			*other_gt = true;
		}
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

int audit_report_sms(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
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
		bool fsm_ok, other_gt;
		bool same = report_dialogues(db, msg_id, out, priv, &fsm_ok, &other_gt);
		if (other_gt) {
			out(priv, "  verdict: ANSWER FROM ANOTHER GT than the one called (see above)");
			bad++;
		}
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

/* ------------------------------------------------------------ lookups */

/* The calling GT of the SMS core's dialogues: of this MSISDN's messages in
 * the range, else the latest SMS dialogue on record ("" none) */
static void sms_calling_gt(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms, char *gt, size_t len)
{
	static const char *const sql[] = {
		"SELECT a.calling_gt FROM messages m JOIN audit a ON a.msg_id = CAST(m.id AS TEXT)"
		" WHERE m.dst = ?1 AND m.submit_ms >= ?2 AND m.submit_ms < ?3 ORDER BY a.id DESC LIMIT 1",
		"SELECT calling_gt FROM audit WHERE msg_id NOT LIKE 'lookup:%' ORDER BY id DESC LIMIT 1",
	};
	gt[0] = '\0';
	for (size_t i = 0; i < 2 && !gt[0]; i++) {
		sqlite3_stmt *s;
		if (sqlite3_prepare_v2(db, sql[i], -1, &s, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_text(s, 1, msisdn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, from_ms);
		sqlite3_bind_int64(s, 3, to_ms);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			snprintf(gt, len, "%s", sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
}

/* the SRI-for-SM dialogues of one lookup (more than one after a version
 * fallback); returns in gt their calling GT, the first that is not sms_gt
 * if one is not ("" none) */
static void report_lookup_dialogue(sqlite3 *db, const char *ref, const char *sms_gt,
				   void (*out)(void *, const char *), void *priv, char *gt, size_t len)
{
	sqlite3_stmt *s;
	char line[400], t0[32], t1[32], msg_id[64];
	gt[0] = '\0';
	snprintf(msg_id, sizeof(msg_id), "lookup:%s", ref);
	if (sqlite3_prepare_v2(db, "SELECT step, calling_gt, called_gt, otid, dtid, start_ms, end_ms, outcome"
			       " FROM audit WHERE msg_id = ? ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(s, 1, msg_id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *dtid = (const char *)sqlite3_column_text(s, 4);
		sigway_utc_format(t0, sizeof(t0), sqlite3_column_int64(s, 5));
		sigway_utc_format(t1, sizeof(t1), sqlite3_column_int64(s, 6));
		snprintf(line, sizeof(line), "  %-14s calling-gt %s called-gt %s otid %s dtid %s %s .. %s: %s",
			 sqlite3_column_text(s, 0), sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
			 sqlite3_column_text(s, 3), dtid && dtid[0] ? dtid : "-", t0, t1, sqlite3_column_text(s, 7));
		out(priv, line);
		if (!gt[0] || !sms_gt[0] || !strcmp(gt, sms_gt))
			snprintf(gt, len, "%s", sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
}

int audit_report_lookups(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
			 void (*out)(void *priv, const char *line), void *priv, int *mismatches)
{
	sqlite3_stmt *s;
	char line[400], t0[32], sms_gt[40], gt[40];
	int n = 0, bad = 0;
	if (mismatches)
		*mismatches = 0;
	/* a store without the lookup log (the lookup service never ran) */
	if (sqlite3_prepare_v2(db, "SELECT ref, account, request_ms, source, status, billed FROM lookups"
			       " WHERE msisdn = ? AND request_ms >= ? AND request_ms < ? ORDER BY request_ms, id",
			       -1, &s, NULL) != SQLITE_OK)
		return 0;
	sms_calling_gt(db, msisdn, from_ms, to_ms, sms_gt, sizeof(sms_gt));
	sqlite3_bind_text(s, 1, msisdn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, from_ms);
	sqlite3_bind_int64(s, 3, to_ms);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(s, 0);
		const char *source = (const char *)sqlite3_column_text(s, 3);
		sigway_utc_format(t0, sizeof(t0), sqlite3_column_int64(s, 2));
		snprintf(line, sizeof(line), "lookup %s account %s of %s requested %s status %s source %s%s", ref,
			 sqlite3_column_text(s, 1), msisdn, t0, sqlite3_column_text(s, 4), source,
			 sqlite3_column_int(s, 5) ? " billed" : " not billed");
		out(priv, line);
		n++;
		report_lookup_dialogue(db, ref, sms_gt, out, priv, gt, sizeof(gt));
		if (!gt[0]) {
			out(priv, strcmp(source, "cache") ? "  no SRI-for-SM was sent" :
							    "  answered from the account's cache: no SRI-for-SM");
			continue;
		}
		if (!sms_gt[0]) {
			snprintf(line, sizeof(line), "  verdict: sent from calling GT %s (no SMS dialogue on record to compare)",
				 gt);
		} else if (!strcmp(gt, sms_gt)) {
			snprintf(line, sizeof(line), "  verdict: the SRI-for-SM went out from %s, the calling GT of the SMS"
				 " core's dialogues", gt);
		} else {
			snprintf(line, sizeof(line), "  verdict: MISMATCH: sent from %s, the SMS core's dialogues from %s", gt,
				 sms_gt);
			bad++;
		}
		out(priv, line);
	}
	sqlite3_finalize(s);
	if (mismatches)
		*mismatches = bad;
	return n;
}

/* ------------------------------------------------------------ USSD sessions */

int audit_report_ussd(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
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
