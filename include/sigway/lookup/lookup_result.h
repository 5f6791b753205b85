/* The answer of one number lookup, as a client can act on it, and how it is
 * derived from a SendRoutingInfoForSM outcome and the numbering data (each
 * rule in doc/lookup.md). Pure functions: no I/O, no allocation but the
 * JSON they return. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <sigway/numbering/numbering.h>
#include <sigway/routing/routing.h>

/* What the number is, for a client deciding whether to send */
enum lookup_status {
	LOOKUP_CONNECTED,	/* the HLR gave a serving node: the subscriber is reachable */
	LOOKUP_ABSENT,		/* known, not reachable now (detached, no paging response, ...) */
	LOOKUP_INVALID,		/* no such subscriber */
	LOOKUP_BARRED,		/* barred or not allowed */
	LOOKUP_NOT_PROVISIONED,	/* no short message service */
	LOOKUP_UNDETERMINED,	/* the network did not say (timeout, failure, home routing, not sent) */
};

/* Where a field could not be known: true, false, or unknown (JSON null) */
enum lookup_tri { LOOKUP_UNKNOWN = -1, LOOKUP_NO = 0, LOOKUP_YES = 1 };

enum lookup_source {
	LOOKUP_SRC_NETWORK,	/* an SRI-for-SM was sent (billed) */
	LOOKUP_SRC_CACHE,	/* the account's cache answered (not sent, not billed) */
	LOOKUP_SRC_NONE,	/* nothing was sent (no route, link down, quota, cancelled) */
};

enum lookup_error_kind {
	LOOKUP_ERR_NONE,
	LOOKUP_ERR_MAP,		/* the HLR's MAP error: code, name, diagnostic */
	LOOKUP_ERR_TIMEOUT,	/* no answer within the invoke timer */
	LOOKUP_ERR_REFUSED,	/* the dialogue was refused (or returned by SCCP) */
	LOOKUP_ERR_ABORTED,	/* aborted by the peer or the provider */
	LOOKUP_ERR_PROTOCOL,	/* an answer we could not use */
	LOOKUP_ERR_NO_ROUTE,	/* no operator routes the number (not sent) */
	LOOKUP_ERR_NOT_SENT,	/* the SS7 link is down, or no resources (not sent) */
	LOOKUP_ERR_QUOTA,	/* the account's daily quota was used up (not sent) */
	LOOKUP_ERR_CANCELLED,	/* the job was cancelled before it was sent */
};

struct lookup_net {
	bool present;
	char name[NUMBERING_NAME_MAX];
	char mccmnc[NUMBERING_MCCMNC_MAX];	/* the one that matters here ("" unknown) */
	char iso[NUMBERING_ISO_MAX];
	char country[NUMBERING_NAME_MAX];
	char cc[4];
	char prefix[NUMBERING_E164_MAX + 1];	/* the range (original network), the GT (roaming) */
	char operator_name[32];			/* a configured operator whose GT range it is */
	bool roaming;				/* the roaming network: "national" is told */
	bool national;				/* roaming in the home country */
};

struct lookup_error {
	enum lookup_error_kind kind;
	int code;				/* MAP error code (LOOKUP_ERR_MAP), else -1 */
	char name[40];
	bool diag_present;
	int diag;
	char diag_name[48];
	char description[120];
};

#define LOOKUP_ID_LEN 32

struct lookup_result {
	char id[LOOKUP_ID_LEN];			/* the lookup's reference (the billing record's) */
	char to[NUMBERING_E164_MAX + 1];	/* international digits */
	enum lookup_status status;
	bool permanent;				/* the status will not change by itself */
	struct lookup_error error;
	char mccmnc[NUMBERING_MCCMNC_MAX];	/* of the IMSI ("" unknown) */
	char imsi[16];				/* whole; masked when rendered for most accounts */
	char serving_msc[41];
	char hlr_gt[33];			/* calling GT of the answer */
	struct lookup_net number;		/* the number's country (cc, iso, country) */
	struct lookup_net original;		/* the number range's owner */
	enum lookup_tri ported;
	struct lookup_net ported_net;
	enum lookup_tri roaming;
	struct lookup_net roaming_net;
	bool home_routed;
	char home_routing_by[16];		/* "router-gt", "correlation-id" */
	char home_routing_node[41];
	uint8_t map_version;
	enum lookup_source source;
	bool billed;				/* one billing record per Begin sent (routing_trace_begins()) */
	char operator_name[32];
	int64_t request_ms, done_ms;
	int64_t cache_age_ms;			/* LOOKUP_SRC_CACHE */
};

/* SMS home routing signs of one operator (configured in the "lookup" node) */
#define LOOKUP_HR_PREFIXES_MAX 8
struct lookup_home_routing {
	char router_gt[LOOKUP_HR_PREFIXES_MAX][SCCP_GT_DIGITS_MAX + 1];	/* GT prefixes of its routers */
	unsigned int n_router_gt;
	char correlation_imsi[LOOKUP_HR_PREFIXES_MAX][16];		/* IMSI prefixes of correlation IDs */
	unsigned int n_correlation_imsi;
};

struct lookup_derive_ctx {
	const struct numbering *nb;
	const struct lookup_home_routing *hr;	/* of the number's operator; NULL: none */
	/* the configured operator whose network a GT belongs to (NULL: none) */
	const char *(*gt_operator)(void *data, const char *gt);
	void *gt_operator_data;
};

/* Fills r->original from the number alone (r->to set) */
void lookup_derive_original(struct lookup_result *r, const struct numbering *nb);
/* Fills the result from an SRI-for-SM outcome (r->to set): status,
 * error, IMSI, MSC, HLR GT, ported, roaming, home routing */
void lookup_derive(struct lookup_result *r, const struct lookup_derive_ctx *ctx,
		   const struct routing_sri_result *sri);
/* A result without an answer: not sent for kind's reason */
void lookup_derive_unsent(struct lookup_result *r, const struct numbering *nb, enum lookup_error_kind kind);
/* true when the SRI-for-SM of this outcome never left (could not be sent):
 * nothing to bill */
bool lookup_sri_unsent(const struct routing_sri_result *sri);
/* true when the outcome is an answer of the network worth keeping in a
 * cache (a result or a MAP error, not a timeout or an abort) */
bool lookup_result_cacheable(const struct lookup_result *r);

const char *lookup_status_name(enum lookup_status s);
const char *lookup_source_name(enum lookup_source s);
/* "imsiDetached", ... (NULL: no name) */
const char *lookup_absent_diag_name(int diag);

/* The JSON of a result (doc/lookup-api.yaml, LookupResult). imsi_full:
 * the account may see the whole IMSI; else the MSIN is replaced by 'x'. */
json_t *lookup_result_json(const struct lookup_result *r, bool imsi_full);
/* The same object as compact JSON text (talloc, under ctx), without building
 * it: with an "input" member last when input is not NULL. NULL: no memory,
 * or a string that is not UTF-8 (which lookup_result_json() refuses too). */
char *lookup_result_text(void *ctx, const struct lookup_result *r, bool imsi_full, const char *input);
/* The same text made from full, r's text with the whole IMSI and no input
 * (the log row's): byte for byte what lookup_result_text(ctx, r, imsi_full,
 * input) writes, without rendering the result again */
char *lookup_result_text_from(void *ctx, const char *full, const struct lookup_result *r, bool imsi_full,
			      const char *input);
/* Masks the "imsi" of a stored result (JSON object) in place */
void lookup_json_mask_imsi(json_t *result);
