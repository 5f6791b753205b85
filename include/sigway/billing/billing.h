/* Billing records, shared by every service: an append-only table in the
 * gateway's store, written in the same transaction as the state change
 * that makes an event billable, so a record exists exactly when the event
 * happened. (kind, ref) is unique: recording an event twice (a retry after
 * a restart) keeps the first record. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

struct store;

enum billing_kind {
	BILL_SMS_MT,		/* MT message accepted by the MSC (all its segments) */
	BILL_SMS_MO,		/* MO message accepted from the network */
	BILL_LOOKUP,		/* number lookup sent to the network */
	BILL_USSD,		/* USSD session started ("ussd_session") */
};

struct billing_event {
	enum billing_kind kind;
	const char *account;
	const char *ref;	/* message id, lookup id, session id */
	unsigned int units;	/* segments for SMS, 1 otherwise */
	const char *operator;	/* network operator name from the routing table */
	int64_t event_ms;
	const char *initiator;	/* who started it where that matters (USSD: "mobile" or
				 * "application"); NULL: "" */
	/* written with what an acknowledgement waits for (an MO the MSC is
	 * told was taken): a failed commit loses it with the rest, the peer
	 * tries again. Else the record is kept through a failed commit or a
	 * locked store and written when a commit succeeds (store_step). */
	bool acknowledged;
};

int billing_init(struct store *st);
/* In the store's open transaction (the caller called store_write()).
 * Returns 1 recorded, 0 already recorded, <0 error. */
int billing_record(struct store *st, const struct billing_event *ev);
const char *billing_kind_name(enum billing_kind kind);

/* Export the records with from_ms <= event < to_ms as CSV (with a header
 * line) or JSON lines; returns the number of records or <0. Works on any
 * connection to the store file (the daemon's or a reader's). */
int billing_export(sqlite3 *db, FILE *out, int64_t from_ms, int64_t to_ms, bool json);
