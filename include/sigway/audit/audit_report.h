/* The audit evidence an operator asks for after a complaint: for an MSISDN
 * and a time range, each message with every MAP dialogue it took (calling
 * and called GT, TCAP transaction IDs, times, outcome) and whether the
 * MT-ForwardSM went out from the same calling GT as its SRI-for-SM; and the
 * USSD sessions of the MSISDN. Read from the store file, so it works on a
 * live gateway's database. */
#pragma once

#include <stdint.h>
#include <sqlite3.h>

/* out() gets one line at a time, without a newline. Returns the number of
 * messages reported, or <0. *mismatches (may be NULL) counts delivered
 * messages whose MT-ForwardSM did not follow an SRI-for-SM from its GT. */
int audit_report_sms(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
		     void (*out)(void *priv, const char *line), void *priv, int *mismatches);

/* The number lookups of the MSISDN in the range (the lookup log and the
 * audit rows of their SRI-for-SM, written by src/lookup): each with its
 * dialogue, and whether it went out from the calling GT of the SMS core's
 * dialogues (those of the report's messages, else the latest on record).
 * Returns the number of lookups reported (0 when the store has no lookup
 * log), or <0. *mismatches (may be NULL) counts lookups from another GT. */
int audit_report_lookups(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
			 void (*out)(void *priv, const char *line), void *priv, int *mismatches);

/* The USSD sessions of an MSISDN (NULL: every session) in a time range,
 * from the USSD gateway's session log: one line each (id, direction,
 * transport, application, code, times, rounds, final status, billed,
 * reason). Returns the number of sessions, 0 when the store has no USSD
 * session log, or <0. */
int audit_report_ussd(sqlite3 *db, const char *msisdn, int64_t from_ms, int64_t to_ms,
		      void (*out)(void *priv, const char *line), void *priv);
