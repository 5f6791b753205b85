/* The audit trail: a row per MAP dialogue a service opened towards the
 * network (the SMS core's SRI-for-SM, MT-ForwardSM and reportSM-DS, the
 * lookups' SRI-for-SM), in one table of the store, so that sigway-audit
 * (audit_report.h) proves from which calling GT each went out, with its
 * TCAP transaction IDs, whichever service opened it. */
#pragma once

#include <stdint.h>

struct store;

struct audit_row {
	const char *msg_id;		/* the message's id; a lookup's is "lookup:<id>" */
	const char *msisdn;
	const char *step;		/* "sri-for-sm", "mt-forward-sm", "report-sm-ds" */
	const char *calling_gt;		/* as the dialogue went out */
	const char *called_gt;
	const char *answer_gt;		/* the calling GT of the answer, "" none */
	uint32_t otid;			/* of the dialogue's Begin */
	const char *dtid;		/* the peer's, in hex; "" none */
	int64_t start_ms, end_ms;
	const char *outcome;
};

/* The outcome of a Begin the peer refused for its MAP version (the MAP
 * layer opened the dialogue again in a lower one): a row per Begin sent */
#define AUDIT_OUTCOME_VERSION_REFUSED "refused for its MAP version, sent again in a lower one"

/* Creates the table, and adds what a store of an earlier version lacks */
int audit_init(struct store *st);
/* One row, in the store's current transaction, as a write nobody waits
 * for (kept while the store is busy, see store_step()) */
int audit_write(struct store *st, const struct audit_row *r);
