/* The MAP dialogue layer: the MAP service primitives of 3GPP TS 29.002
 * chapter 7 on top of our TCAP, for every service of the gateway (SMS core,
 * number lookup, USSD gateway) and for netsim's network elements.
 *
 * Services speak MAP, never TCAP. A service registers for the application
 * contexts it serves (incoming dialogues are dispatched by application
 * context; one nobody serves is refused with "application context not
 * supported" on the wire) and opens dialogues with map_open(). Requests are
 * typed per MAP service (enum map_service) and queued on the dialogue;
 * map_delimit() sends them (MAP-DELIMITER), map_close() ends the dialogue.
 *
 * Version negotiation lives here only: a dialogue opens with the highest
 * version configured for its peer (or what was learned from it); when the
 * peer refuses and proposes a lower version, or answers like a version 1
 * node, the layer opens the dialogue again in that version with the same
 * requests, remembers the version for the peer, and the service never sees
 * the refusal. Invoke timers come from the "map" osmo_tdef group (VTY
 * "timer map ...").
 *
 * Every indication reaches the dialogue's user callback. Within one received
 * message the order is 29.002's: ACCEPT (first answer to our open), the
 * components (INVOKE, RESULT, ERROR), then DELIMITER or CLOSE. ind->last is
 * true on the last indication of a dialogue: the handle is invalid once that
 * callback returns. After the user itself ends a dialogue (map_close,
 * map_u_abort, map_refuse, map_release) it gets no more indications. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sigway/map/map_sm.h>
#include <sigway/sccp/sccp_addr.h>
#include <sigway/sccp/sccp_sap.h>

struct map_instance;
struct map_dialogue;
struct map_peer;
#include <osmocom/core/tdef.h>
struct rate_ctr_group;
struct sccp_layer;

/* The abstract MAP services of the SMS and USSD procedures. The operation
 * code on the wire follows from the service and the dialogue's version
 * (e.g. MT-ForwardSM is mt-forwardSM in v3, forwardSM in v1/v2). */
enum map_service {
	MAP_SVC_NONE,
	MAP_SVC_SRI_FOR_SM,		/* sendRoutingInfoForSM */
	MAP_SVC_MT_FORWARD_SM,		/* on shortMsgMT-Relay (v2/v3) or shortMsgRelay v1 */
	MAP_SVC_MO_FORWARD_SM,		/* on shortMsgMO-Relay (v2/v3) or shortMsgRelay v1 */
	MAP_SVC_REPORT_SM_DS,		/* reportSM-DeliveryStatus */
	MAP_SVC_ALERT_SC,		/* alertServiceCentre (v2), -WithoutResult (v1) */
	MAP_SVC_INFORM_SC,		/* informServiceCentre (no result) */
	MAP_SVC_PROCESS_USS,		/* processUnstructuredSS-Request */
	MAP_SVC_USSR,			/* unstructuredSS-Request */
	MAP_SVC_USSN,			/* unstructuredSS-Notify */
	MAP_SVC_PROCESS_USS_DATA,	/* processUnstructuredSS-Data: MAP v1 USSD, one request and
					 * its result on networkFunctionalSs v1 */
	_MAP_SVC_COUNT
};

/* The argument of a request (or of an indication), by service */
union map_arg {
	struct map_sri_sm_arg sri_sm;
	struct map_forward_sm_arg forward_sm;	/* MT and MO */
	struct map_report_smds_arg report_sm_ds;
	struct map_alert_sc_arg alert_sc;
	struct map_inform_sc_arg inform_sc;
	struct map_ussd ussd;			/* the three USSD services */
	struct map_ss_user_data ss_data;	/* processUnstructuredSS-Data (v1) */
};

/* The result of a confirmed service; services without result data have
 * none (MT/MO-ForwardSM, alertSC, USSN) */
union map_res {
	struct map_sri_sm_res sri_sm;
	struct map_report_smds_res report_sm_ds;
	struct map_ussd ussd;			/* processUSS, USSR */
	struct map_ss_user_data ss_data;	/* processUnstructuredSS-Data (v1; len 0: none) */
};

/* ---- errors: one typed value for every way a request can fail ----------- */

enum map_err_kind {
	MAP_EK_NONE,
	MAP_EK_USER,		/* the peer's ReturnError: user.code and its parameters */
	MAP_EK_PROVIDER,	/* a MAP provider error (29.002 7.6.1.3), provider */
	MAP_EK_REFUSED,		/* the dialogue was refused: refuse */
	MAP_EK_U_ABORT,		/* the peer aborted the dialogue: u_abort */
	MAP_EK_P_ABORT,		/* the provider aborted the dialogue: p_abort, p_abort_source */
};

/* 29.002 7.6.1.3 */
enum map_provider_error {
	MAP_PE_DUPLICATED_INVOKE_ID = 1,
	MAP_PE_NOT_SUPPORTED_SERVICE,
	MAP_PE_MISTYPED_PARAMETER,
	MAP_PE_RESOURCE_LIMITATION,
	MAP_PE_INITIATING_RELEASE,
	MAP_PE_UNEXPECTED_RESPONSE,
	MAP_PE_SERVICE_COMPLETION_FAILURE,
	MAP_PE_NO_RESPONSE,		/* the invoke timer expired (TC L-CANCEL) */
	MAP_PE_INVALID_RESPONSE,	/* the answer did not decode */
};

/* 29.002 7.3.1.4 */
enum map_refuse_reason {
	MAP_REFUSE_NO_REASON,
	MAP_REFUSE_INVALID_DEST_REF,
	MAP_REFUSE_INVALID_ORIG_REF,
	MAP_REFUSE_ACN_NOT_SUPPORTED,
	MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE,	/* SCCP returned the opening message */
	MAP_REFUSE_VERSION_INCOMPATIBILITY,	/* "potential version incompatibility": a v1 peer */
};

/* 29.002 7.3.4 (MAP-UserAbortChoice) */
enum map_user_abort_reason {
	MAP_UA_USER_SPECIFIC,
	MAP_UA_USER_RESOURCE_LIMITATION,
	MAP_UA_RESOURCE_UNAVAILABLE,		/* diag: 0 short term, 1 long term */
	MAP_UA_PROCEDURE_CANCELLATION,		/* diag: ProcedureCancellationReason */
};

/* 29.002 7.3.5 */
enum map_provider_abort_reason {
	MAP_PA_PROVIDER_MALFUNCTION,
	MAP_PA_DIALOGUE_RELEASED,		/* supporting dialogue/transaction released */
	MAP_PA_RESOURCE_LIMITATION,
	MAP_PA_MAINTENANCE_ACTIVITY,
	MAP_PA_VERSION_INCOMPATIBILITY,
	MAP_PA_ABNORMAL_DIALOGUE,
};

enum map_abort_source {
	MAP_SRC_MAP_PROBLEM,
	MAP_SRC_TC_PROBLEM,
	MAP_SRC_NETWORK_SERVICE_PROBLEM,	/* could not send: no route, paused PC, prohibited SSN */
};

struct map_err {
	enum map_err_kind kind;
	struct map_error_param user;		/* MAP_EK_USER (pointers valid during the callback) */
	enum map_provider_error provider;	/* MAP_EK_PROVIDER */
	enum map_refuse_reason refuse;		/* MAP_EK_REFUSED */
	uint8_t proposed_version;		/* MAP_EK_REFUSED, ACN not supported: 0 none */
	enum map_user_abort_reason u_abort;	/* MAP_EK_U_ABORT */
	uint8_t u_abort_diag;
	enum map_provider_abort_reason p_abort;	/* MAP_EK_P_ABORT */
	enum map_abort_source p_abort_source;
};

/* "absentSubscriberSM", "no response from the peer", "refused: ACN not
 * supported", ... into buf */
const char *map_err_str(const struct map_err *e, char *buf, size_t len);

/* ---- indications --------------------------------------------------------- */

enum map_ind_type {
	MAP_IND_OPEN,		/* responder: a new dialogue (open) */
	MAP_IND_ACCEPT,		/* initiator: the peer accepted our dialogue (first answer) */
	MAP_IND_INVOKE,		/* a request of the peer: svc, invoke_id, arg */
	MAP_IND_RESULT,		/* our request succeeded: svc, invoke_id, res (more: a result-not-last) */
	MAP_IND_ERROR,		/* our request failed: svc, invoke_id, err (user or provider error) */
	MAP_IND_DELIMITER,	/* the peer's message ended; the dialogue stays open */
	MAP_IND_CLOSE,		/* the peer closed the dialogue */
	MAP_IND_REFUSE,		/* initiator: the peer refused the dialogue: err */
	MAP_IND_U_ABORT,	/* the peer's user aborted: err */
	MAP_IND_P_ABORT,	/* the provider aborted (TC-P-ABORT, no route, guard timer): err */
	MAP_IND_NOTICE,		/* a message of the dialogue could not be delivered or was rejected */
};

struct map_open_ind {
	enum map_ac ac;
	uint8_t version;			/* 1: the peer sent no dialogue portion */
	struct map_open_info refs;		/* MAP-OpenInfo references, when present */
	const struct sccp_addr *calling;	/* the peer */
	const struct sccp_addr *called;		/* us, as the peer addressed us */
};

struct map_ind {
	enum map_ind_type type;
	bool last;				/* the dialogue is gone after this callback */
	enum map_service svc;			/* INVOKE, RESULT, ERROR */
	int8_t invoke_id;
	bool more;				/* RESULT: a ReturnResultNotLast */
	const union map_arg *arg;		/* INVOKE (points into the message) */
	const union map_res *res;		/* RESULT (points into the message) */
	struct map_err err;			/* ERROR, REFUSE, U_ABORT, P_ABORT */
	const struct map_open_ind *open;	/* OPEN */
};

/* A MAP user: a service, or one network element of netsim. ind() gets every
 * indication of the user's dialogues; map_dialogue_priv() is the
 * per-dialogue context. */
struct map_user {
	const char *name;
	void (*ind)(void *user_priv, struct map_dialogue *md, const struct map_ind *ind);
	void *priv;
	/* optional: the peer refused our version and another Begin went out in
	 * a lower one (map_dialogue_begins() counts them). Each Begin is a
	 * message the peer received: a service that bills per Begin writes it
	 * down now, before the dialogue ends (a crash in between loses nothing) */
	void (*reopened)(void *user_priv, struct map_dialogue *md);
};

/* ---- instance ------------------------------------------------------------ */

/* One instance per local SSN. alloc: on an SCCP SAP of the caller's (unit
 * tests); start: bound to an SSN of our SCCP layer. */
struct map_instance *map_instance_alloc(void *ctx, const struct sccp_sap_down *down);
struct map_instance *map_instance_start(void *ctx, struct sccp_layer *sccp, uint8_t ssn);
void map_instance_free(struct map_instance *mi);
/* The SCCP user callbacks for the alloc() case, with the instance as priv */
extern const struct sccp_user_ops map_sccp_user_ops;
/* TCAP's idle-dialogue guard (seconds) */
void map_instance_set_dialogue_timeout(struct map_instance *mi, unsigned int seconds);
/* mi holds TCAP's limits (tcap node: max-dialogues, max-dialogues-per-peer)
 * together with `with` (tcap_instance_share_limits()): a process's MAP
 * instances on several subsystems count against one set. Before mi has a
 * dialogue: 0, or -EBUSY. */
int map_instance_share_limits(struct map_instance *mi, struct map_instance *with);
unsigned int map_instance_live_dialogues(const struct map_instance *mi);
struct rate_ctr_group *map_instance_ctrg(struct map_instance *mi);
/* TCAP's counters of this instance, for show commands */
struct rate_ctr_group *map_instance_tcap_ctrg(struct map_instance *mi);

/* available() runs when SCCP says a destination can be reached again (a
 * remote subsystem allowed, a point code accessible): a service that held
 * traffic after "cannot send" P-ABORTs may send it now instead of waiting
 * for its back-off. Up to 8 watchers per instance. */
int map_watch_network(struct map_instance *mi, void (*available)(void *priv), void *priv);

/* Serve an application context, versions min..max (a higher one is refused
 * proposing max). One user per context and instance. */
int map_register(struct map_instance *mi, enum map_ac ac, uint8_t min_version, uint8_t max_version,
		 const struct map_user *user);

/* ---- peers and versions --------------------------------------------------- */

/* A remote network or node, known by the longest GT prefix: the highest MAP
 * version to open with, and per application context the lower version it
 * proposed when it refused (learned). One table per process (the "map"
 * node's peers and the operators of the services). Dialogues to a GT of no
 * peer open with the default version (3) and learn nothing. */
struct map_peer *map_peer_get(const char *name);	/* created if new; NULL: out of memory */
void map_peer_set_prefix(struct map_peer *p, const char *gt_prefix);
void map_peer_set_max_version(struct map_peer *p, uint8_t version);
uint8_t map_peer_max_version(const struct map_peer *p);
const char *map_peer_name(const struct map_peer *p);
const char *map_peer_prefix(const struct map_peer *p);
struct map_peer *map_peer_find(const char *name);
struct map_peer *map_peer_by_gt(const char *gt);
/* GT ranges of the peer's network besides its prefix (HLRs, MSC/VLRs): the
 * first answer to a dialogue we opened towards the peer is accepted from its
 * prefix or any of these (from any other GT it is dropped, see TCAP), and
 * services check where network-opened dialogues come from with covers() */
int map_peer_add_range(struct map_peer *p, const char *gt_prefix);
bool map_peer_covers(const struct map_peer *p, const char *gt);
/* Iterates the ranges: the i-th, NULL past the last */
const char *map_peer_range(const struct map_peer *p, unsigned int i);
/* What the peer speaks for an application context: learned, else configured */
uint8_t map_peer_version(const struct map_peer *p, enum map_ac ac);
uint8_t map_peer_learned(const struct map_peer *p, enum map_ac ac);	/* 0: nothing learned */
/* Forget what was learned (p NULL: of every peer) */
void map_peer_reset(struct map_peer *p);
void map_peers_free(void);

/* ---- dialogues ------------------------------------------------------------ */

struct map_open_req {
	enum map_ac ac;
	uint8_t max_version;			/* caps the peer's version; 0: no cap */
	struct map_peer *peer;			/* NULL: the peer of the called GT, if any */
	const struct sccp_addr *called;
	const struct sccp_addr *calling;	/* every message of the dialogue goes out from it */
	const struct map_open_info *refs;	/* MAP-OpenInfo references (v2+); NULL: none */
	const struct map_user *user;
	void *priv;				/* map_dialogue_priv() */
};

/* MAP-OPEN request: nothing is sent before map_delimit() (or map_close(),
 * which for a dialogue not yet sent is a local release). NULL when out of
 * resources. */
struct map_dialogue *map_open(struct map_instance *mi, const struct map_open_req *req);

/* A request of a confirmed or unconfirmed service, queued on the dialogue.
 * The argument is copied (a re-open in another version re-encodes it).
 * Returns 0 and the invoke ID, or -EINVAL (service not in the dialogue's
 * application context, cannot encode), -ENOSPC (too many outstanding). */
int map_request(struct map_dialogue *md, enum map_service svc, const union map_arg *arg, int8_t *invoke_id);
/* The same with an explicit invoke timer (0: the "map" timer of the service) */
int map_request_timeout(struct map_dialogue *md, enum map_service svc, const union map_arg *arg,
			unsigned int timeout_ms, int8_t *invoke_id);
/* Responses to the peer's request invoke_id: a result (res NULL: none), or
 * an error with its parameters */
int map_response(struct map_dialogue *md, int8_t invoke_id, enum map_service svc, const union map_res *res);
int map_response_error(struct map_dialogue *md, int8_t invoke_id, const struct map_error_param *err);

/* MAP-DELIMITER: sends what is queued (the Begin the first time, then a
 * Continue; a responder's first answer accepts the dialogue). A message that
 * cannot be sent (no route, paused point code, prohibited subsystem) ends the
 * dialogue with a P_ABORT indication (network service problem) from the
 * event loop, never from inside this call. */
int map_delimit(struct map_dialogue *md);
/* MAP-CLOSE: normal (sends the End with what is queued) or prearranged
 * (local release, nothing sent) */
int map_close(struct map_dialogue *md, bool prearranged);
/* MAP-U-ABORT with a user reason */
int map_u_abort(struct map_dialogue *md, enum map_user_abort_reason reason, uint8_t diag);
/* MAP-OPEN response "refused" (in the OPEN indication only). ACN not
 * supported proposes proposed_version (0: the received one). */
int map_refuse(struct map_dialogue *md, enum map_refuse_reason reason, uint8_t proposed_version);
/* Drops the dialogue without a word (shutdown) */
void map_release(struct map_dialogue *md);

void map_dialogue_set_priv(struct map_dialogue *md, void *priv);
void *map_dialogue_priv(const struct map_dialogue *md);
enum map_ac map_dialogue_ac(const struct map_dialogue *md);
uint8_t map_dialogue_version(const struct map_dialogue *md);	/* as negotiated so far */
/* Begins our open sent so far: 2 after a refusal for the version and a
 * fallback (each one a message the peer received and may charge for), at
 * most MAP_BEGINS_MAX (v3, v2, v1); the local TID of Begin i (0: none) */
#define MAP_BEGINS_MAX 3
uint8_t map_dialogue_begins(const struct map_dialogue *md);
uint32_t map_dialogue_begin_tid(const struct map_dialogue *md, unsigned int i);
const struct sccp_addr *map_dialogue_local_addr(const struct map_dialogue *md);
const struct sccp_addr *map_dialogue_remote_addr(const struct map_dialogue *md);
/* TCAP transaction IDs, for audit trails: ours, and the peer's as hex ("" before it answered) */
uint32_t map_dialogue_local_tid(const struct map_dialogue *md);
const char *map_dialogue_remote_tid_hex(const struct map_dialogue *md, char *buf, size_t len);

/* ---- configuration ---------------------------------------------------------- */

/* The "map" timers (one per service); the VTY "timer map ..." sets them */
extern struct osmo_tdef_group map_tdef_groups[];
unsigned int map_service_timeout_ms(enum map_service svc);
int map_set_service_timeout(enum map_service svc, unsigned int seconds);

/* Installs the "map" config node (peers, timers) and the show/reset commands
 * for the instances added with map_vty_add_instance() */
void map_vty_init(void);
void map_vty_add_instance(const char *name, struct map_instance *mi);

const char *map_service_name(enum map_service svc);
const char *map_ac_name(enum map_ac ac);
