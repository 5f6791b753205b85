/* What the services share towards the mobile networks: the gateway's calling
 * address, the network operators (HLR GT, MAP version, throughput), the
 * number routes (MSISDN prefix -> operator), and the SendRoutingInfoForSM
 * step that the SMS core and the number lookup both take: from the same
 * calling GT, to the operator's HLR, in the version learned for it.
 *
 * Configured in the "routing" VTY node:
 *   routing
 *    operator NAME hlr-gt DIGITS map-version <1-3>
 *    operator NAME throughput <0-100000>
 *    operator NAME lookup-share <0-100>      (lookups' share while SMS waits)
 *    operator NAME ussd-push-share <0-100>   (USSD pushes' share while SMS waits)
 *    operator NAME network-gt PREFIX          (its HLR and MSC/VLR GT ranges)
 *    route PREFIX operator NAME                                             */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_addr.h>

struct routing;
struct routing_sri;

/* Who asks for a token of an operator's throughput. SMS has priority; every
 * other class has a share of its own (struct routing_share). A new class is
 * a value here and a row of the table in routing.c (its VTY keyword, help
 * and default share). */
enum routing_class {
	ROUTING_CLASS_SMS,	/* the SMS core (operator_wait_ms) */
	ROUTING_CLASS_LOOKUP,	/* number lookups */
	ROUTING_CLASS_USSD_PUSH,/* network-initiated USSD (its opening dialogue) */
	ROUTING_CLASS_COUNT
};

/* A class's part of an operator's throughput: while SMS waits for it, the
 * class gets at most percent of it (a bucket of its own) */
struct routing_share {
	unsigned int percent;
	double tokens;
	int64_t tokens_ms;
};

struct operator {
	struct llist_head list;
	char name[32];
	char hlr_gt[SCCP_GT_DIGITS_MAX + 1];
	uint8_t map_version;		/* configured; what was learned is the MAP peer's */
	struct map_peer *peer;		/* the MAP layer's peer of this name (version learning) */
	unsigned int throughput;	/* new transactions per second towards it, 0: no limit */
	double tokens;			/* the throughput's bucket, every class takes from it */
	int64_t tokens_ms;
	/* indexed by the class; the SMS entry is unused (SMS has no share) */
	struct routing_share share[ROUTING_CLASS_COUNT];
	int64_t sms_held_ms;		/* last time an SMS had to wait for a token */
};

/* What the configuration calls a class with a share */
struct routing_class_desc {
	const char *keyword;		/* "operator NAME <keyword> <0-100>" */
	const char *help;		/* its VTY help */
	unsigned int share_default;	/* percent */
};
/* NULL for the SMS class (it has priority, no share) */
const struct routing_class_desc *routing_class_desc(enum routing_class cls);
/* Every class's share to its default (a new operator) */
void operator_shares_default(struct operator *op);

struct routing *routing_alloc(void *ctx);
/* Installs the "routing" node (and, for older configurations, the same
 * commands under "sms") */
void routing_vty_init(struct routing *rt);
/* The MAP instance every step goes out on and our calling GT (SSN 8) */
int routing_start(struct routing *rt, struct map_instance *mi, const char *calling_gt);
struct map_instance *routing_map(const struct routing *rt);
/* Every dialogue of the gateway goes out from this address */
const struct sccp_addr *routing_calling(const struct routing *rt);

struct operator *routing_route(struct routing *rt, const char *msisdn);	/* longest prefix */
/* The operator whose network a GT belongs to (its HLR GT or a network-gt
 * range): where MO-ForwardSM and alerts may come from. NULL: none. */
struct operator *routing_operator_of_gt(struct routing *rt, const char *gt);
struct operator *routing_operator(struct routing *rt, const char *name);
/* The operators in configuration order (prev NULL: the first) */
struct operator *routing_next_operator(struct routing *rt, struct operator *prev);
/* MAP version dialogues to the operator's HLR open with (learned or configured) */
uint8_t operator_version(const struct operator *op);
/* Token bucket of the operator's throughput: 0 when a transaction may
 * start now (and takes its token), else the ms until one may. The SMS
 * core's: SMS has priority over lookups. */
int64_t operator_wait_ms(struct operator *op, int64_t now_ms);

/* The same for a class. Every class takes from the same bucket as SMS;
 * while an SMS waited for a token in the last second, a class other than
 * SMS also needs a token of its share's bucket, filled at share percent of
 * the throughput: a lookup flood leaves SMS at least (100 - lookup share)
 * percent, and takes everything SMS does not use. USSD pushes likewise,
 * with a share of their own. */
int64_t operator_wait_ms_for(struct operator *op, enum routing_class cls, int64_t now_ms);

/* What an audit trail keeps of one MAP dialogue */
struct routing_trace {
	char calling_gt[SCCP_GT_DIGITS_MAX + 1];	/* as the dialogue went out */
	char called_gt[SCCP_GT_DIGITS_MAX + 1];
	char answer_gt[SCCP_GT_DIGITS_MAX + 1];		/* the calling GT of the answer, "" if none */
	uint32_t otid;					/* of the last Begin: the dialogue that answered */
	char dtid[12];
	int64_t start_ms;
	/* every Begin sent: more than one after a version fallback (the
	 * refused ones first, the last one is otid's) */
	uint8_t begins;
	uint32_t begin_otids[MAP_BEGINS_MAX];
};
/* The Begins a trace's dialogue sent, one at least (a trace of a dialogue
 * that was opened): what a service that bills per message sent counts */
static inline unsigned int routing_trace_begins(const struct routing_trace *t)
{
	return t->begins ? t->begins : 1;
}
/* Fills a trace from a dialogue (as it stands) */
void routing_trace_fill(struct routing_trace *t, const struct map_dialogue *md);
/* The trace's dialogues in the audit trail, for the message or lookup
 * msg_id: a row for each Begin the peer refused for its version, then the
 * dialogue that answered, with outcome */
struct store;
void routing_trace_audit(struct store *st, const struct routing_trace *t, const char *msg_id, const char *msisdn,
			 int64_t end_ms, const char *outcome);

/* The outcome of one SendRoutingInfoForSM */
struct routing_sri_result {
	struct map_err err;			/* kind MAP_EK_NONE: res holds the answer */
	struct map_sri_sm_res res;
	bool inform_sc;				/* informServiceCentre came with the answer */
	uint8_t mw_status;
	bool hlr_will_alert;			/* it says the HLR keeps our address in its MWD */
	uint8_t version;			/* the version the dialogue ended in */
	struct routing_trace trace;
};

/* Sends SRI-for-SM for msisdn to the operator's HLR from our calling GT
 * (max_version caps the version, 0: none). cb runs once with the outcome,
 * from the event loop. NULL: could not start (out of resources). */
struct routing_sri *routing_sri_sm(struct routing *rt, struct operator *op, const char *msisdn,
				   uint8_t max_version,
				   void (*cb)(void *priv, const struct routing_sri_result *r), void *priv);
/* resent(priv, begins) each time a version fallback sends the request
 * again (begins: the Begins sent so far, 2 or more), before cb */
void routing_sri_on_resend(struct routing_sri *q, void (*resent)(void *priv, unsigned int begins));
/* The answer is not wanted any more: cb will not run */
void routing_sri_cancel(struct routing_sri *q);
