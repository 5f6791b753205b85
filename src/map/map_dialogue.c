/* The MAP dialogue layer (3GPP TS 29.002 chapters 7 and 15): MAP service
 * primitives mapped onto TC primitives, one osmo_fsm instance per dialogue.
 *
 *   IDLE --delimit--> INITIATED --first answer--> ACTIVE
 *                        |  refused with a lower version, or a v1 answer:
 *                        +--> re-opened in that version (same requests)
 *   (new Begin) OPEN_RECEIVED --first answer of ours--> ACTIVE
 *
 * The dialogue is freed after its last indication, or when the user ends it. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/tdef.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include "map_internal.h"

static const struct rate_ctr_desc map_ctr_desc[] = {
	[MAP_CTR_OPEN_TX] = { "open:tx", "Dialogues we opened" },
	[MAP_CTR_OPEN_RX] = { "open:rx", "Dialogues the network opened" },
	[MAP_CTR_ACCEPT_RX] = { "accept:rx", "Our dialogues the peer accepted" },
	[MAP_CTR_REFUSE_TX] = { "refuse:tx", "Dialogues we refused" },
	[MAP_CTR_REFUSE_RX] = { "refuse:rx", "Our dialogues the peer refused (after any version fallback)" },
	[MAP_CTR_ACN_NOT_SUPPORTED] = { "refuse:acn_not_supported", "Dialogues refused: application context nobody serves" },
	[MAP_CTR_VERSION_FALLBACK] = { "open:version_fallback", "Dialogues opened again in a lower version" },
	[MAP_CTR_CLOSE_TX] = { "close:tx", "Dialogues we closed" },
	[MAP_CTR_CLOSE_RX] = { "close:rx", "Dialogues the peer closed" },
	[MAP_CTR_U_ABORT_TX] = { "u_abort:tx", "MAP-U-ABORT sent" },
	[MAP_CTR_U_ABORT_RX] = { "u_abort:rx", "MAP-U-ABORT received" },
	[MAP_CTR_P_ABORT] = { "p_abort", "MAP-P-ABORT indications" },
	[MAP_CTR_SEND_FAIL] = { "send:fail", "Messages SCCP could not send (no route, paused, prohibited)" },
	[MAP_CTR_REQUEST_TX] = { "request:tx", "Service requests (invokes) sent" },
	[MAP_CTR_INVOKE_RX] = { "invoke:rx", "Service requests (invokes) received" },
	[MAP_CTR_RESULT_RX] = { "result:rx", "Results received" },
	[MAP_CTR_ERROR_RX] = { "error:rx", "User errors received" },
	[MAP_CTR_RESPONSE_TX] = { "response:tx", "Results and errors sent" },
	[MAP_CTR_TIMEOUT] = { "request:timeout", "Requests without an answer in time" },
	[MAP_CTR_REJECT_TX] = { "reject:tx", "Invokes rejected (unknown operation, mistyped parameter)" },
	[MAP_CTR_REJECT_RX] = { "reject:rx", "Rejects received" },
	[MAP_CTR_NOTICE] = { "notice", "MAP-NOTICE indications" },
};
static const struct rate_ctr_group_desc map_ctrg_desc = {
	"map", "MAP dialogue layer", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(map_ctr_desc), map_ctr_desc,
};
osmo_static_assert(ARRAY_SIZE(map_ctr_desc) == _MAP_CTR_COUNT, map_ctr_desc_complete);

void map_ctr_inc(struct map_instance *mi, enum map_ctr ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(mi->ctrg, ctr));
}

/* ------------------------------------------------------------- timers */

struct osmo_tdef map_tdefs[] = {
	{ .T = MAP_TDEF_T(MAP_SVC_SRI_FOR_SM), .default_val = 10, .desc = "sendRoutingInfoForSM invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_MT_FORWARD_SM), .default_val = 30, .desc = "mt-forwardSM invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_MO_FORWARD_SM), .default_val = 30, .desc = "mo-forwardSM invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_REPORT_SM_DS), .default_val = 10, .desc = "reportSM-DeliveryStatus invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_ALERT_SC), .default_val = 10, .desc = "alertServiceCentre invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_INFORM_SC), .default_val = 10, .desc = "informServiceCentre (no answer expected) (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_PROCESS_USS), .default_val = 600,
	  .desc = "processUnstructuredSS-Request invoke timer: the whole USSD session (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_USSR), .default_val = 60, .desc = "unstructuredSS-Request invoke timer: the user's answer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_USSN), .default_val = 60, .desc = "unstructuredSS-Notify invoke timer (s)" },
	{ .T = MAP_TDEF_T(MAP_SVC_PROCESS_USS_DATA), .default_val = 600,
	  .desc = "processUnstructuredSS-Data (MAP v1 USSD) invoke timer (s)" },
	{}
};

struct osmo_tdef_group map_tdef_groups[] = {
	{ .name = "map", .desc = "MAP invoke timers, one per service", .tdefs = map_tdefs },
	{}
};

unsigned int map_service_timeout_ms(enum map_service svc)
{
	return osmo_tdef_get(map_tdefs, MAP_TDEF_T(svc), OSMO_TDEF_MS, 30000);
}

int map_set_service_timeout(enum map_service svc, unsigned int seconds)
{
	return osmo_tdef_set(map_tdefs, MAP_TDEF_T(svc), seconds, OSMO_TDEF_S);
}

/* --------------------------------------------------------------- FSM */

enum map_dlg_event { MAP_EV_NONE };
static const struct value_string map_event_names[] = { { MAP_EV_NONE, "NONE" }, { 0, NULL } };

#define S(x) (1u << (x))
static const struct osmo_fsm_state map_dlg_states[] = {
	[MAP_ST_IDLE] = { .name = "IDLE", .out_state_mask = S(MAP_ST_INITIATED) | S(MAP_ST_OPEN_RECEIVED) },
	[MAP_ST_INITIATED] = { .name = "INITIATED", .out_state_mask = S(MAP_ST_ACTIVE) | S(MAP_ST_INITIATED) },
	[MAP_ST_OPEN_RECEIVED] = { .name = "OPEN_RECEIVED", .out_state_mask = S(MAP_ST_ACTIVE) },
	[MAP_ST_ACTIVE] = { .name = "ACTIVE", .out_state_mask = S(MAP_ST_ACTIVE) },
};

static struct osmo_fsm map_dlg_fsm = {
	.name = "MAP-dialogue",
	.states = map_dlg_states,
	.num_states = ARRAY_SIZE(map_dlg_states),
	.event_names = map_event_names,
	.log_subsys = DMAP,
};

static __attribute__((constructor)) void map_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&map_dlg_fsm) == 0);
	osmo_tdefs_reset(map_tdefs);
}

enum map_dlg_state mapd_state(const struct map_dialogue *md)
{
	return md->fi->state;
}

void mapd_state_chg(struct map_dialogue *md, enum map_dlg_state st)
{
	osmo_fsm_inst_state_chg(md->fi, st, 0, 0);
}

/* ------------------------------------------------------ dialogue objects */

static void async_abort_cb(void *data);
static struct tcap_dialogue *take_tdlg(struct map_dialogue *md);

struct map_dialogue *mapd_new(struct map_instance *mi, enum map_dlg_state st)
{
	struct map_dialogue *md = talloc_zero(mi, struct map_dialogue);
	if (!md)
		return NULL;
	md->mi = mi;
	md->fi = osmo_fsm_inst_alloc(&map_dlg_fsm, md, md, LOGL_DEBUG, NULL);
	if (!md->fi) {
		talloc_free(md);
		return NULL;
	}
	if (st != MAP_ST_IDLE)
		osmo_fsm_inst_state_chg(md->fi, st, 0, 0);
	osmo_timer_setup(&md->abort_timer, async_abort_cb, md);
	mi->live++;
	return md;
}

static void dialogue_free(struct map_dialogue *md)
{
	osmo_timer_del(&md->abort_timer);
	if (md->tdlg)
		tcap_dialogue_release(take_tdlg(md));
	md->mi->live--;
	osmo_fsm_inst_free(md->fi);
	talloc_free(md);
}

/* Frees the dialogue once it is ended and no callback of its user runs */
void mapd_free_if_done(struct map_dialogue *md)
{
	if (md->ended && !md->busy)
		dialogue_free(md);
}

void mapd_deliver(struct map_dialogue *md, struct map_ind *ind)
{
	if (md->ended)
		return;
	if (ind->last)
		md->ended = true;
	md->busy++;
	md->user.ind(md->user.priv, md, ind);
	md->busy--;
}

/* Our TCAP dialogue, detached: for a TC request that ends it (after which
 * TCAP gives no more indications of it, and may free it at once) */
static struct tcap_dialogue *take_tdlg(struct map_dialogue *md)
{
	struct tcap_dialogue *d = md->tdlg;
	tcap_dialogue_set_priv(d, NULL);
	md->tdlg = NULL;
	return d;
}

/* TCAP's dialogue goes away after the indication being handled */
void mapd_tcap_gone(struct map_dialogue *md)
{
	if (md->tdlg)
		tcap_dialogue_set_priv(md->tdlg, NULL);
	md->tdlg = NULL;
}

struct map_request_state *mapd_request_by_tcap_id(struct map_dialogue *md, int8_t id)
{
	for (int i = 0; i < MAP_MAX_INVOKES; i++)
		if (md->req[i] && md->req[i]->tcap_id == id)
			return md->req[i];
	return NULL;
}

void mapd_request_done(struct map_dialogue *md, struct map_request_state *st)
{
	for (int i = 0; i < MAP_MAX_INVOKES; i++)
		if (md->req[i] == st) {
			talloc_free(st);
			md->req[i] = NULL;
		}
}

/* ----------------------------------------------------------- sending */

static void acn_of(struct tcap_acn *acn, const struct map_dialogue *md)
{
	map_acn(acn, md->ac, md->version);
}

int mapd_put_invoke(struct map_dialogue *md, struct map_request_state *st)
{
	uint8_t buf[400];
	int32_t op = map_svc_opcode(st->svc, md->ac, md->version);
	int len = map_encode_arg(buf, sizeof(buf), st->svc, &st->arg, md->version);
	if (op < 0 || len < 0)
		return -EINVAL;
	return tcap_invoke(md->tdlg, op, buf, len, st->timeout_ms, &st->tcap_id);
}

/* A message that could not be sent ends the dialogue, reported from the
 * loop so that no request call re-enters its user */
static void send_failed(struct map_dialogue *md)
{
	map_ctr_inc(md->mi, MAP_CTR_SEND_FAIL);
	md->tdlg = NULL;		/* TCAP released it when the send failed */
	LOGPFSML(md->fi, LOGL_NOTICE, "%s v%u to %s: cannot send (no route, paused or prohibited destination)\n",
		 map_ac_name(md->ac), md->version, md->remote.gt.digits);
	osmo_timer_schedule(&md->abort_timer, 0, 0);
}

static void async_abort_cb(void *data)
{
	struct map_dialogue *md = data;
	struct map_ind ind = { .type = MAP_IND_P_ABORT, .last = true,
			       .err = { .kind = MAP_EK_P_ABORT, .p_abort = MAP_PA_PROVIDER_MALFUNCTION,
					.p_abort_source = MAP_SRC_NETWORK_SERVICE_PROBLEM } };
	map_ctr_inc(md->mi, MAP_CTR_P_ABORT);
	mapd_deliver(md, &ind);
	md->ended = true;
	mapd_free_if_done(md);
}

/* The opening Begin; v1 dialogues carry no dialogue portion (29.002 15.1) */
int mapd_send_begin(struct map_dialogue *md)
{
	uint8_t ui[128];
	int uil = 0;
	if (md->has_refs && md->version >= 2) {
		uil = map_enc_open_info(ui, sizeof(ui), &md->refs);
		if (uil < 0)
			uil = 0;
	}
	mapd_state_chg(md, MAP_ST_INITIATED);
	if (tcap_begin(md->tdlg, ui, uil) < 0) {
		send_failed(md);
		return 0;
	}
	if (md->begins < MAP_BEGINS_MAX)
		md->begin_tids[md->begins++] = tcap_dialogue_local_tid(md->tdlg);
	return 0;
}

struct tcap_dialogue *mapd_tcap_open(struct map_dialogue *md)
{
	struct tcap_acn acn;
	acn_of(&acn, md);
	return tcap_dialogue_alloc(md->mi->tcap, &md->remote, &md->local, md->version >= 2 ? &acn : NULL, md);
}

/* ------------------------------------------------------------ open */

static uint8_t open_version(const struct map_open_req *req, struct map_peer *peer)
{
	uint8_t v = map_peer_version(peer, req->ac);
	if (req->max_version && req->max_version < v)
		v = req->max_version;
	while (v > 1 && !map_ac_has_version(req->ac, v))
		v--;
	return v ? v : 1;
}

struct map_dialogue *map_open(struct map_instance *mi, const struct map_open_req *req)
{
	struct map_dialogue *md = mapd_new(mi, MAP_ST_IDLE);
	if (!md)
		return NULL;
	md->user = *req->user;
	md->priv = req->priv;
	md->ac = req->ac;
	md->max_version = req->max_version;
	md->peer = req->peer ? req->peer : map_peer_by_gt(req->called->gt.digits);
	md->version = open_version(req, md->peer);
	md->remote = *req->called;
	md->local = *req->calling;
	if (req->refs) {
		md->has_refs = true;
		md->refs = *req->refs;
	}
	md->tdlg = mapd_tcap_open(md);
	if (!md->tdlg) {
		md->ended = true;
		dialogue_free(md);
		return NULL;
	}
	return md;
}

/* --------------------------------------------------------- requests */

int map_request_timeout(struct map_dialogue *md, enum map_service svc, const union map_arg *arg,
			unsigned int timeout_ms, int8_t *invoke_id)
{
	if (md->ended || !md->tdlg || !map_svc_in_ac(svc, md->ac))
		return -EINVAL;
	int slot = -1;
	for (int i = 0; i < MAP_MAX_INVOKES && slot < 0; i++)
		if (!md->req[i])
			slot = i;
	if (slot < 0)
		return -ENOSPC;
	/* not zeroed: the saved argument is most of it, and map_save_arg() sets it */
	struct map_request_state *st = talloc(md, struct map_request_state);
	if (!st)
		return -ENOMEM;
	st->used = true;
	st->user_id = st->tcap_id = 0;
	st->svc = svc;
	st->timeout_ms = map_svc_has_result(svc) ? (timeout_ms ? timeout_ms : map_service_timeout_ms(svc)) : 0;
	int rc = map_save_arg(st, svc, arg);
	if (rc == 0)
		rc = mapd_put_invoke(md, st);
	if (rc < 0) {
		talloc_free(st);
		return rc == -ENOSPC ? rc : -EINVAL;
	}
	st->user_id = st->tcap_id;
	if (map_svc_has_result(svc))
		md->req[slot] = st;
	else
		talloc_free(st);	/* nothing will answer it */
	map_ctr_inc(md->mi, MAP_CTR_REQUEST_TX);
	if (invoke_id)
		*invoke_id = st->user_id;
	return 0;
}

int map_request(struct map_dialogue *md, enum map_service svc, const union map_arg *arg, int8_t *invoke_id)
{
	return map_request_timeout(md, svc, arg, 0, invoke_id);
}

int map_response(struct map_dialogue *md, int8_t invoke_id, enum map_service svc, const union map_res *res)
{
	uint8_t buf[400];
	if (md->ended || !md->tdlg)
		return -EINVAL;
	int len = map_encode_res(buf, sizeof(buf), svc, res);
	if (len < 0)
		return -EINVAL;
	int32_t op = map_svc_opcode(svc, md->ac, md->version);
	map_ctr_inc(md->mi, MAP_CTR_RESPONSE_TX);
	/* a result without data carries no operation code either */
	return tcap_result(md->tdlg, invoke_id, true, op, len > 0 ? buf : NULL, len);
}

int map_response_error(struct map_dialogue *md, int8_t invoke_id, const struct map_error_param *err)
{
	uint8_t buf[200];
	if (md->ended || !md->tdlg)
		return -EINVAL;
	int len = map_enc_error_param(buf, sizeof(buf), err);
	if (len < 0)
		return -EINVAL;
	map_ctr_inc(md->mi, MAP_CTR_RESPONSE_TX);
	return tcap_error(md->tdlg, invoke_id, err->code, len > 0 ? buf : NULL, len);
}

/* ----------------------------------------------- dialogue requests */

int map_delimit(struct map_dialogue *md)
{
	if (md->ended || !md->tdlg)
		return -EINVAL;
	switch (mapd_state(md)) {
	case MAP_ST_IDLE:
		map_ctr_inc(md->mi, MAP_CTR_OPEN_TX);
		return mapd_send_begin(md);
	case MAP_ST_INITIATED:
		return -EAGAIN;		/* the peer has not answered our Begin yet */
	default:
		mapd_state_chg(md, MAP_ST_ACTIVE);
		if (tcap_continue(md->tdlg, NULL, 0) < 0) {
			tcap_dialogue_release(take_tdlg(md));
			send_failed(md);
		}
		return 0;
	}
}

/* The user ended the dialogue: no more indications */
static void user_ended(struct map_dialogue *md)
{
	mapd_tcap_gone(md);
	md->ended = true;
	osmo_timer_del(&md->abort_timer);
	mapd_free_if_done(md);
}

int map_close(struct map_dialogue *md, bool prearranged)
{
	if (md->ended)
		return -EINVAL;
	int rc = 0;
	if (md->tdlg) {
		/* a dialogue the peer does not know yet ends locally */
		bool local = prearranged || mapd_state(md) == MAP_ST_IDLE || mapd_state(md) == MAP_ST_INITIATED;
		rc = tcap_end(take_tdlg(md), local, NULL, 0);
		if (!local)
			map_ctr_inc(md->mi, MAP_CTR_CLOSE_TX);
	}
	user_ended(md);
	return rc;
}

int map_u_abort(struct map_dialogue *md, enum map_user_abort_reason reason, uint8_t diag)
{
	uint8_t ui[64];
	if (md->ended)
		return -EINVAL;
	int rc = 0;
	if (md->tdlg) {
		struct map_dialogue_pdu p = { .type = MAP_DLG_USER_ABORT, .user_abort_choice = (uint8_t)reason,
					      .user_abort_diag = diag };
		int len = md->version >= 2 ? map_enc_dialogue_pdu(ui, sizeof(ui), &p) : 0;
		rc = tcap_u_abort(take_tdlg(md), ui, len > 0 ? len : 0);
		map_ctr_inc(md->mi, MAP_CTR_U_ABORT_TX);
	}
	user_ended(md);
	return rc;
}

int map_refuse(struct map_dialogue *md, enum map_refuse_reason reason, uint8_t proposed_version)
{
	uint8_t ui[64];
	struct tcap_acn acn;
	if (md->ended || !md->tdlg || mapd_state(md) != MAP_ST_OPEN_RECEIVED)
		return -EINVAL;
	int rc;
	if (md->version < 2 || reason == MAP_REFUSE_VERSION_INCOMPATIBILITY) {
		/* what a node without dialogue handling answers */
		rc = tcap_u_abort_bare(take_tdlg(md));
	} else if (reason == MAP_REFUSE_ACN_NOT_SUPPORTED) {
		map_acn(&acn, md->ac, proposed_version ? proposed_version : md->version);
		rc = tcap_refuse_acn(take_tdlg(md), &acn);
	} else {
		struct map_dialogue_pdu p = { .type = MAP_DLG_REFUSE,
					      .refuse_reason = reason == MAP_REFUSE_INVALID_DEST_REF ? 1 :
							       reason == MAP_REFUSE_INVALID_ORIG_REF ? 2 : 0 };
		int len = map_enc_dialogue_pdu(ui, sizeof(ui), &p);
		rc = tcap_refuse(take_tdlg(md), ui, len > 0 ? len : 0);
	}
	map_ctr_inc(md->mi, MAP_CTR_REFUSE_TX);
	user_ended(md);
	return rc;
}

void map_release(struct map_dialogue *md)
{
	if (md->ended)
		return;
	if (md->tdlg)
		tcap_dialogue_release(take_tdlg(md));
	user_ended(md);
}

/* ---------------------------------------------------------- errors */

static const struct value_string provider_error_names[] = {
	{ MAP_PE_DUPLICATED_INVOKE_ID, "duplicated invoke id" },
	{ MAP_PE_NOT_SUPPORTED_SERVICE, "service not supported by the peer" },
	{ MAP_PE_MISTYPED_PARAMETER, "mistyped parameter" },
	{ MAP_PE_RESOURCE_LIMITATION, "resource limitation" },
	{ MAP_PE_INITIATING_RELEASE, "initiating release" },
	{ MAP_PE_UNEXPECTED_RESPONSE, "unexpected response from the peer" },
	{ MAP_PE_SERVICE_COMPLETION_FAILURE, "service completion failure" },
	{ MAP_PE_NO_RESPONSE, "no response from the peer" },
	{ MAP_PE_INVALID_RESPONSE, "invalid response received" },
	{ 0, NULL }
};

static const struct value_string refuse_names[] = {
	{ MAP_REFUSE_NO_REASON, "no reason given" },
	{ MAP_REFUSE_INVALID_DEST_REF, "invalid destination reference" },
	{ MAP_REFUSE_INVALID_ORIG_REF, "invalid originating reference" },
	{ MAP_REFUSE_ACN_NOT_SUPPORTED, "application context not supported" },
	{ MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE, "remote node not reachable" },
	{ MAP_REFUSE_VERSION_INCOMPATIBILITY, "potential version incompatibility" },
	{ 0, NULL }
};

static const struct value_string u_abort_names[] = {
	{ MAP_UA_USER_SPECIFIC, "user specific reason" },
	{ MAP_UA_USER_RESOURCE_LIMITATION, "user resource limitation" },
	{ MAP_UA_RESOURCE_UNAVAILABLE, "resource unavailable" },
	{ MAP_UA_PROCEDURE_CANCELLATION, "application procedure cancellation" },
	{ 0, NULL }
};

static const struct value_string p_abort_names[] = {
	{ MAP_PA_PROVIDER_MALFUNCTION, "provider malfunction" },
	{ MAP_PA_DIALOGUE_RELEASED, "supporting dialogue released" },
	{ MAP_PA_RESOURCE_LIMITATION, "resource limitation" },
	{ MAP_PA_MAINTENANCE_ACTIVITY, "maintenance activity" },
	{ MAP_PA_VERSION_INCOMPATIBILITY, "version incompatibility" },
	{ MAP_PA_ABNORMAL_DIALOGUE, "abnormal MAP dialogue" },
	{ 0, NULL }
};

static const struct value_string source_names[] = {
	{ MAP_SRC_MAP_PROBLEM, "MAP" },
	{ MAP_SRC_TC_PROBLEM, "TC" },
	{ MAP_SRC_NETWORK_SERVICE_PROBLEM, "network service" },
	{ 0, NULL }
};

const char *map_err_str(const struct map_err *e, char *buf, size_t len)
{
	switch (e->kind) {
	case MAP_EK_NONE: snprintf(buf, len, "ok"); break;
	case MAP_EK_USER: snprintf(buf, len, "%s", map_error_name(e->user.code)); break;
	case MAP_EK_PROVIDER: snprintf(buf, len, "%s", get_value_string(provider_error_names, e->provider)); break;
	case MAP_EK_REFUSED:
		if (e->proposed_version)
			snprintf(buf, len, "refused: %s, v%u proposed", get_value_string(refuse_names, e->refuse),
				 e->proposed_version);
		else
			snprintf(buf, len, "refused: %s", get_value_string(refuse_names, e->refuse));
		break;
	case MAP_EK_U_ABORT: snprintf(buf, len, "user abort: %s", get_value_string(u_abort_names, e->u_abort)); break;
	case MAP_EK_P_ABORT:
		snprintf(buf, len, "provider abort: %s (%s)", get_value_string(p_abort_names, e->p_abort),
			 get_value_string(source_names, e->p_abort_source));
		break;
	}
	return buf;
}

/* ---------------------------------------------------------- accessors */

void map_dialogue_set_priv(struct map_dialogue *md, void *priv) { md->priv = priv; }
void *map_dialogue_priv(const struct map_dialogue *md) { return md->priv; }
enum map_ac map_dialogue_ac(const struct map_dialogue *md) { return md->ac; }
uint8_t map_dialogue_version(const struct map_dialogue *md) { return md->version; }
uint8_t map_dialogue_begins(const struct map_dialogue *md) { return md->begins; }
uint32_t map_dialogue_begin_tid(const struct map_dialogue *md, unsigned int i)
{
	return i < md->begins ? md->begin_tids[i] : 0;
}
const struct sccp_addr *map_dialogue_local_addr(const struct map_dialogue *md) { return &md->local; }
const struct sccp_addr *map_dialogue_remote_addr(const struct map_dialogue *md) { return &md->remote; }

uint32_t map_dialogue_local_tid(const struct map_dialogue *md)
{
	return md->tdlg ? tcap_dialogue_local_tid(md->tdlg) : 0;
}

const char *map_dialogue_remote_tid_hex(const struct map_dialogue *md, char *buf, size_t len)
{
	uint8_t tid[TCAP_TID_MAX];
	uint8_t n = md->tdlg ? tcap_dialogue_remote_tid(md->tdlg, tid) : 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", tid[i]);
	return buf;
}

/* ------------------------------------------------------ instance */


static const struct tcap_user_ops map_tcap_ops = {
	.dialogue_ind = mapd_tcap_dialogue_ind,
	.l_cancel_ind = mapd_tcap_l_cancel_ind,
};

static unsigned int map_instance_idx;

static int instance_destructor(struct map_instance *mi)
{
	if (mi->sccp)
		sccp_user_unbind(mi->sccp);	/* nothing reaches the TCAP instance freed with us */
	/* dialogues are talloc children; TCAP's go with its instance */
	tcap_instance_free(mi->tcap);
	mi->tcap = NULL;
	rate_ctr_group_free(mi->ctrg);
	return 0;
}

/* TCAP asks who may answer a dialogue of ours: the GT we called, or a GT of
 * the peer's network ranges (an HLR answering from another of its GTs) */
static bool answer_check(void *priv, struct tcap_dialogue *dlg, const struct sccp_addr *called,
			 const struct sccp_addr *answering)
{
	struct map_dialogue *md = tcap_dialogue_priv(dlg);
	if (answering->gti != SCCP_GTI_NONE && called->gti != SCCP_GTI_NONE &&
	    !strcmp(answering->gt.digits, called->gt.digits))
		return true;
	if (answering->gti == SCCP_GTI_NONE && called->gti == SCCP_GTI_NONE && answering->pc_present &&
	    called->pc_present && answering->pc == called->pc)
		return true;
	return md && answering->gti != SCCP_GTI_NONE && map_peer_covers(md->peer, answering->gt.digits);
}

struct map_instance *map_instance_alloc(void *ctx, const struct sccp_sap_down *down)
{
	struct map_instance *mi = talloc_zero(ctx, struct map_instance);
	if (!mi)
		return NULL;
	mi->ctrg = rate_ctr_group_alloc(mi, &map_ctrg_desc, map_instance_idx++);
	mi->tcap = tcap_instance_alloc(NULL, down, &map_tcap_ops, mi);
	if (!mi->ctrg || !mi->tcap) {
		if (mi->tcap)
			tcap_instance_free(mi->tcap);
		if (mi->ctrg)
			rate_ctr_group_free(mi->ctrg);
		talloc_free(mi);
		return NULL;
	}
	tcap_instance_set_answer_check(mi->tcap, answer_check);
	talloc_set_destructor(mi, instance_destructor);
	return mi;
}

struct map_instance *map_instance_start(void *ctx, struct sccp_layer *sccp, uint8_t ssn)
{
	struct sccp_user *u = sccp_user_bind(sccp, ssn, &map_sccp_user_ops, NULL);
	if (!u)
		return NULL;
	struct sccp_sap_down down = sccp_user_sap_down(u);
	struct map_instance *mi = map_instance_alloc(ctx, &down);
	if (!mi) {
		sccp_user_unbind(u);
		return NULL;
	}
	mi->sccp = u;
	sccp_user_set_priv(u, mi);
	return mi;
}

void map_instance_free(struct map_instance *mi)
{
	talloc_free(mi);
}

void map_instance_set_dialogue_timeout(struct map_instance *mi, unsigned int seconds)
{
	tcap_instance_set_dialogue_timeout(mi->tcap, seconds);
}

int map_instance_share_limits(struct map_instance *mi, struct map_instance *with)
{
	return tcap_instance_share_limits(mi->tcap, with->tcap);
}

unsigned int map_instance_live_dialogues(const struct map_instance *mi) { return mi->live; }
struct rate_ctr_group *map_instance_ctrg(struct map_instance *mi) { return mi->ctrg; }
struct rate_ctr_group *map_instance_tcap_ctrg(struct map_instance *mi) { return tcap_instance_ctrg(mi->tcap); }

int map_register(struct map_instance *mi, enum map_ac ac, uint8_t min_version, uint8_t max_version,
		 const struct map_user *user)
{
	if (ac >= MAP_AC_MAX || mi->reg[ac].used || !min_version || min_version > max_version)
		return -EINVAL;
	mi->reg[ac] = (struct map_registration){ .used = true, .min_version = min_version,
						 .max_version = max_version, .user = *user };
	return 0;
}

static void sccp_unitdata_ind(void *priv, const struct sccp_unitdata *ud)
{
	struct map_instance *mi = priv;
	tcap_rx_unitdata(mi->tcap, ud);
}

static void sccp_notice_ind(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause cause)
{
	struct map_instance *mi = priv;
	tcap_rx_notice(mi->tcap, ud, cause);
}

int map_watch_network(struct map_instance *mi, void (*available)(void *priv), void *priv)
{
	for (unsigned int i = 0; i < MAP_WATCHERS_MAX; i++) {
		if (!mi->watch[i].available) {
			mi->watch[i].available = available;
			mi->watch[i].priv = priv;
			return 0;
		}
	}
	return -ENOSPC;
}

static void network_available(struct map_instance *mi)
{
	for (unsigned int i = 0; i < MAP_WATCHERS_MAX; i++)
		if (mi->watch[i].available)
			mi->watch[i].available(mi->watch[i].priv);
}

static void sccp_state_ind(void *priv, uint32_t pc, uint8_t ssn, bool allowed)
{
	if (allowed)
		network_available(priv);
}

static void sccp_pcstate_ind(void *priv, uint32_t pc, enum sccp_pc_state state)
{
	if (state == SCCP_PC_ACCESSIBLE)
		network_available(priv);
}

const struct sccp_user_ops map_sccp_user_ops = {
	.unitdata_ind = sccp_unitdata_ind,
	.notice_ind = sccp_notice_ind,
	.state_ind = sccp_state_ind,
	.pcstate_ind = sccp_pcstate_ind,
};
