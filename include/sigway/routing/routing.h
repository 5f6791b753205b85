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

struct operator {
	struct llist_head list;
	char name[32];
	char hlr_gt[SCCP_GT_DIGITS_MAX + 1];
	uint8_t map_version;		/* configured; what was learned is the MAP peer's */
	struct map_peer *peer;		/* the MAP layer's peer of this name (version learning) */
	unsigned int throughput;	/* new transactions per second towards it, 0: no limit */
	double tokens;
	int64_t tokens_ms;
	/* SMS and lookups share the throughput; while SMS waits for it, lookups
	 * get at most lookup_share percent of it (their own bucket) */
	unsigned int lookup_share;
	double lookup_tokens;
	int64_t lookup_tokens_ms;
	/* the same for USSD pushes (network-initiated USSD), a share of their own */
	unsigned int ussd_push_share;
	double ussd_push_tokens;
	int64_t ussd_push_tokens_ms;
	int64_t sms_held_ms;		/* last time an SMS had to wait for a token */
};

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

/* Who asks for a token of an operator's throughput */
enum routing_class {
	ROUTING_CLASS_SMS,	/* the SMS core (operator_wait_ms) */
	ROUTING_CLASS_LOOKUP,	/* number lookups */
	ROUTING_CLASS_USSD_PUSH,/* network-initiated USSD (its opening dialogue) */
};
#define ROUTING_LOOKUP_SHARE_DEFAULT 30
#define ROUTING_USSD_PUSH_SHARE_DEFAULT 10
/* The same for a class. Lookups take from the same bucket as SMS; while an
 * SMS waited for a token in the last second they also need a token of
 * their own bucket, filled at lookup_share percent of the throughput: a
 * lookup flood leaves SMS at least (100 - lookup_share) percent, and takes
 * everything SMS does not use. USSD pushes likewise, with ussd_push_share. */
int64_t operator_wait_ms_for(struct operator *op, enum routing_class cls, int64_t now_ms);

/* What an audit trail keeps of one MAP dialogue */
struct routing_trace {
	char calling_gt[SCCP_GT_DIGITS_MAX + 1];	/* as the dialogue went out */
	char called_gt[SCCP_GT_DIGITS_MAX + 1];
	char answer_gt[SCCP_GT_DIGITS_MAX + 1];		/* the calling GT of the answer, "" if none */
	uint32_t otid;
	char dtid[12];
	int64_t start_ms;
};
/* Fills a trace from a dialogue (as it stands) */
void routing_trace_fill(struct routing_trace *t, const struct map_dialogue *md);

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
/* The answer is not wanted any more: cb will not run */
void routing_sri_cancel(struct routing_sri *q);
