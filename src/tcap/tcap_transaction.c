/* TCAP transaction sublayer (Q.774 section 3.1): transaction IDs, the
 * dialogue state machine, the receive path and P-Aborts. */

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include "tcap_internal.h"

static const struct rate_ctr_desc tcap_ctr_desc[] = {
	[TCAP_CTR_RX_BEGIN] = { "rx:begin", "Begin received" },
	[TCAP_CTR_RX_CONTINUE] = { "rx:continue", "Continue received" },
	[TCAP_CTR_RX_END] = { "rx:end", "End received" },
	[TCAP_CTR_RX_ABORT] = { "rx:abort", "Abort received" },
	[TCAP_CTR_RX_UNI] = { "rx:uni", "Unidirectional received" },
	[TCAP_CTR_TX_BEGIN] = { "tx:begin", "Begin sent" },
	[TCAP_CTR_TX_CONTINUE] = { "tx:continue", "Continue sent" },
	[TCAP_CTR_TX_END] = { "tx:end", "End sent" },
	[TCAP_CTR_TX_ABORT] = { "tx:abort", "Abort sent" },
	[TCAP_CTR_TX_UNI] = { "tx:uni", "Unidirectional sent" },
	[TCAP_CTR_RX_MALFORMED] = { "rx:malformed", "Messages that did not decode" },
	[TCAP_CTR_RX_UNKNOWN_TID] = { "rx:unknown_tid", "Messages for a transaction we do not know" },
	[TCAP_CTR_TX_P_ABORT] = { "tx:p_abort", "P-Aborts sent" },
	[TCAP_CTR_RX_P_ABORT] = { "rx:p_abort", "P-Aborts received" },
	[TCAP_CTR_TX_REJECT] = { "tx:reject", "Reject components sent" },
	[TCAP_CTR_RX_REJECT] = { "rx:reject", "Reject components received" },
	[TCAP_CTR_INVOKE_TIMEOUT] = { "invoke:timeout", "Invoke timers expired (L-CANCEL)" },
	[TCAP_CTR_DIALOGUE_TIMEOUT] = { "dialogue:timeout", "Dialogues aborted by the guard timer" },
	[TCAP_CTR_TX_FAIL] = { "tx:fail", "Messages SCCP could not send" },
	[TCAP_CTR_NOTICE] = { "rx:notice", "Messages returned by SCCP" },
	[TCAP_CTR_DIALOGUES] = { "dialogues", "Dialogues created" },
	[TCAP_CTR_RX_WRONG_ORIGIN] = { "rx:wrong_origin",
				       "Messages of a dialogue from an address that may not answer it (dropped)" },
	[TCAP_CTR_LIMIT_TOTAL] = { "limit:dialogues", "Dialogues refused: live dialogue limit reached" },
	[TCAP_CTR_LIMIT_PEER] = { "limit:peer", "Begins refused: the peer's GT prefix has its limit of live dialogues" },
};

static const struct rate_ctr_group_desc tcap_ctrg_desc = {
	.group_name_prefix = "tcap",
	.group_description = "TCAP instance",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(tcap_ctr_desc),
	.ctr_desc = tcap_ctr_desc,
};
osmo_static_assert(ARRAY_SIZE(tcap_ctr_desc) == _TCAP_CTR_COUNT, tcap_ctr_desc_complete);

/* ------------------------------------------------------------------ FSM */

enum tcap_dlg_event { TCAP_EV_NONE };

static const struct value_string tcap_event_names[] = {
	{ TCAP_EV_NONE, "NONE" },
	{ 0, NULL },
};

#define S(x) (1u << (x))

static int dialogue_timer_cb(struct osmo_fsm_inst *fi);

/* The transitions of Q.774 figures A.4/A.5; the work of each is done where
 * the message is sent or received, the FSM keeps the state and the guard timer. */
static const struct osmo_fsm_state tcap_dlg_states[] = {
	[TCAP_ST_IDLE] = {
		.name = "IDLE",
		.out_state_mask = S(TCAP_ST_INIT_SENT) | S(TCAP_ST_INIT_RECEIVED),
	},
	[TCAP_ST_INIT_SENT] = {
		.name = "INIT_SENT",
		.out_state_mask = S(TCAP_ST_ACTIVE),
	},
	[TCAP_ST_INIT_RECEIVED] = {
		.name = "INIT_RECEIVED",
		.out_state_mask = S(TCAP_ST_ACTIVE),
	},
	[TCAP_ST_ACTIVE] = {
		.name = "ACTIVE",
		.out_state_mask = S(TCAP_ST_ACTIVE),
	},
};

static struct osmo_fsm tcap_dlg_fsm = {
	.name = "TCAP-dialogue",
	.states = tcap_dlg_states,
	.num_states = ARRAY_SIZE(tcap_dlg_states),
	.timer_cb = dialogue_timer_cb,
	.event_names = tcap_event_names,
	.log_subsys = DTCAP,
};

static __attribute__((constructor)) void tcap_fsm_register(void)
{
	OSMO_ASSERT(osmo_fsm_register(&tcap_dlg_fsm) == 0);
}

void tcap_dialogue_state_chg(struct tcap_dialogue *dlg, enum tcap_dlg_state st)
{
	osmo_fsm_inst_state_chg(dlg->fi, st, dlg->inst->dialogue_timeout_s, 0);
}

enum tcap_dlg_state tcap_dialogue_state(const struct tcap_dialogue *dlg)
{
	return dlg->fi->state;
}

/* --------------------------------------------------------------- instance */

void tcap_ctr_inc(struct tcap_instance *inst, enum tcap_ctr ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(inst->ctrg, ctr));
}

uint64_t tcap_instance_ctr(const struct tcap_instance *inst, enum tcap_ctr ctr)
{
	return rate_ctr_group_get_ctr(inst->ctrg, ctr)->current;
}

struct rate_ctr_group *tcap_instance_ctrg(struct tcap_instance *inst)
{
	return inst->ctrg;
}

unsigned int tcap_instance_live_dialogues(const struct tcap_instance *inst)
{
	return inst->live;
}

void tcap_instance_set_dialogue_timeout(struct tcap_instance *inst, unsigned int seconds)
{
	inst->dialogue_timeout_s = seconds;
}

const struct tcap_limits tcap_limits_default = { .max_dialogues = 100000, .max_per_peer = 20000,
						.peer_prefix_digits = 6 };

static struct tcap_budget *budget_new(const struct tcap_limits *l)
{
	/* no parent: it lives as long as one of the instances sharing it */
	struct tcap_budget *b = talloc_zero(NULL, struct tcap_budget);
	if (!b)
		return NULL;
	b->limits = *l;
	b->users = 1;
	hash_init(b->peers);
	return b;
}

static void budget_put(struct tcap_budget *b)
{
	if (--b->users == 0)
		talloc_free(b);		/* no dialogue counts in it: its peers are gone too */
}

void tcap_instance_set_limits(struct tcap_instance *inst, const struct tcap_limits *l)
{
	inst->budget->limits = *l;
}

int tcap_instance_share_limits(struct tcap_instance *inst, struct tcap_instance *with)
{
	if (inst->live)
		return -EBUSY;	/* its dialogues are counted in its old budget */
	if (inst->budget == with->budget)
		return 0;
	budget_put(inst->budget);
	inst->budget = with->budget;
	inst->budget->users++;
	return 0;
}

unsigned int tcap_instance_live_dialogues_shared(const struct tcap_instance *inst)
{
	return inst->budget->live;
}

void tcap_instance_set_answer_check(struct tcap_instance *inst, tcap_answer_check_t check)
{
	inst->answer_check = check;
}

static unsigned int tcap_instance_idx;

static int instance_destructor(struct tcap_instance *inst)
{
	struct tcap_dialogue *dlg;
	struct hlist_node *tmp;
	size_t bkt;
	hash_for_each_safe(inst->dialogues, bkt, tmp, dlg, hnode) {
		dlg->busy = 0;
		tcap_dialogue_free(dlg);
	}
	budget_put(inst->budget);
	rate_ctr_group_free(inst->ctrg);
	return 0;
}

struct tcap_instance *tcap_instance_alloc(void *ctx, const struct sccp_sap_down *down,
					  const struct tcap_user_ops *ops, void *inst_priv)
{
	struct tcap_instance *inst = talloc_zero(ctx, struct tcap_instance);
	if (!inst)
		return NULL;
	inst->down = *down;
	inst->ops = *ops;
	inst->priv = inst_priv;
	inst->dialogue_timeout_s = 60;
	inst->ctrg = rate_ctr_group_alloc(inst, &tcap_ctrg_desc, tcap_instance_idx++);
	inst->budget = budget_new(&tcap_limits_default);
	if (!inst->ctrg || !inst->budget) {
		if (inst->ctrg)
			rate_ctr_group_free(inst->ctrg);
		talloc_free(inst->budget);
		talloc_free(inst);
		return NULL;
	}
	hash_init(inst->dialogues);
	talloc_set_destructor(inst, instance_destructor);
	return inst;
}

void tcap_instance_free(struct tcap_instance *inst)
{
	talloc_free(inst);
}

/* ------------------------------------------------------------- dialogues */

struct tcap_dialogue *tcap_dialogue_find(struct tcap_instance *inst, uint32_t tid)
{
	struct tcap_dialogue *dlg;
	hash_for_each_possible(inst->dialogues, dlg, hnode, tid)
		if (dlg->local_tid == tid && !dlg->released)
			return dlg;
	return NULL;
}

/* An unpredictable transaction ID: a peer that saw ours cannot guess the
 * next one and forge the answer to it */
static uint32_t random_tid(struct tcap_instance *inst)
{
	if (!inst->tid_pool_left) {
		ssize_t n = getrandom(inst->tid_pool, sizeof(inst->tid_pool), 0);
		if (n != sizeof(inst->tid_pool)) {
			/* the kernel always has it after boot; never fall back to a counter */
			LOGP(DTCAP, LOGL_ERROR, "getrandom() failed: %zd\n", n);
			OSMO_ASSERT(0);
		}
		inst->tid_pool_left = ARRAY_SIZE(inst->tid_pool);
	}
	return inst->tid_pool[--inst->tid_pool_left];
}

static uint32_t allocate_tid(struct tcap_instance *inst)
{
	uint32_t tid;
	do {
		tid = random_tid(inst);
	} while (tid == 0 || tcap_dialogue_find(inst, tid));
	return tid;
}

struct tcap_dialogue *tcap_dialogue_new(struct tcap_instance *inst)
{
	struct tcap_budget *b = inst->budget;
	if (b->limits.max_dialogues && b->live >= b->limits.max_dialogues) {
		tcap_ctr_inc(inst, TCAP_CTR_LIMIT_TOTAL);
		return NULL;
	}
	struct tcap_dialogue *dlg = talloc_zero(inst, struct tcap_dialogue);
	if (!dlg)
		return NULL;
	dlg->inst = inst;
	dlg->local_tid = allocate_tid(inst);
	dlg->next_invoke_id = 1;
	dlg->sls = (uint8_t)(dlg->local_tid & 0x0f);
	dlg->fi = osmo_fsm_inst_alloc(&tcap_dlg_fsm, dlg, dlg, LOGL_DEBUG, NULL);
	if (!dlg->fi) {
		talloc_free(dlg);
		return NULL;
	}
	hash_add(inst->dialogues, &dlg->hnode, dlg->local_tid);
	inst->live++;
	b->live++;
	tcap_ctr_inc(inst, TCAP_CTR_DIALOGUES);
	return dlg;
}

/* ------------------------------------------------------- per-peer limit */

static void peer_key(char *key, size_t len, const struct tcap_budget *b, const struct sccp_addr *a)
{
	if (a->gti != SCCP_GTI_NONE && a->gt.digits[0])
		snprintf(key, len, "%.*s", (int)b->limits.peer_prefix_digits, a->gt.digits);
	else
		snprintf(key, len, "pc%u", a->pc);
}

static uint32_t key_hash(const char *k)
{
	uint32_t h = 2166136261u;
	while (*k)
		h = (h ^ (uint8_t)*k++) * 16777619u;
	return h;
}

/* Counts a dialogue the network opened (in whatever instance of the
 * budget); false when its peer is at the limit */
static bool peer_take(struct tcap_budget *b, struct tcap_dialogue *dlg, const struct sccp_addr *calling)
{
	char key[SCCP_GT_DIGITS_MAX + 1];
	struct tcap_peer_count *pc;
	peer_key(key, sizeof(key), b, calling);
	uint32_t h = key_hash(key);
	hash_for_each_possible(b->peers, pc, hnode, h)
		if (!strcmp(pc->prefix, key))
			goto found;
	pc = talloc_zero(b, struct tcap_peer_count);
	if (!pc)
		return false;
	osmo_strlcpy(pc->prefix, key, sizeof(pc->prefix));
	hash_add(b->peers, &pc->hnode, h);
found:
	if (b->limits.max_per_peer && pc->n >= b->limits.max_per_peer)
		return false;
	pc->n++;
	dlg->peer = pc;
	return true;
}

static void peer_put(struct tcap_dialogue *dlg)
{
	struct tcap_peer_count *pc = dlg->peer;
	if (!pc)
		return;
	dlg->peer = NULL;
	if (--pc->n == 0) {
		hash_del(&pc->hnode);
		talloc_free(pc);
	}
}

void tcap_dialogue_mark_released(struct tcap_dialogue *dlg)
{
	if (dlg->released)
		return;
	dlg->released = true;
	tcap_invokes_cancel_all(dlg);
	osmo_timer_del(&dlg->fi->timer);	/* the guard timer */
}

void tcap_dialogue_free(struct tcap_dialogue *dlg)
{
	tcap_dialogue_mark_released(dlg);
	if (dlg->busy)
		return;	/* the user callback on the stack still holds it */
	hash_del(&dlg->hnode);
	peer_put(dlg);
	dlg->inst->live--;
	dlg->inst->budget->live--;
	osmo_fsm_inst_free(dlg->fi);
	talloc_free(dlg);
}

void tcap_indicate(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	dlg->busy++;
	dlg->inst->ops.dialogue_ind(dlg->inst->priv, dlg, ind);
	dlg->busy--;
	if (dlg->released && !dlg->busy)
		tcap_dialogue_free(dlg);
}

static int dialogue_timer_cb(struct osmo_fsm_inst *fi)
{
	struct tcap_dialogue *dlg = fi->priv;
	struct tcap_ind ind = { .type = TCAP_IND_P_ABORT, .cause = TCAP_PA_TIMEOUT };
	tcap_ctr_inc(dlg->inst, TCAP_CTR_DIALOGUE_TIMEOUT);
	LOGP(DTCAP, LOGL_NOTICE, "TID 0x%08x: dialogue guard timer expired\n", dlg->local_tid);
	tcap_dialogue_mark_released(dlg);	/* freed after the indication */
	tcap_indicate(dlg, &ind);
	return 0;
}

/* ------------------------------------------------------------------ send */

static void count_tx(struct tcap_instance *inst, enum tcap_msg_type type)
{
	switch (type) {
	case TCAP_MSG_BEGIN: tcap_ctr_inc(inst, TCAP_CTR_TX_BEGIN); break;
	case TCAP_MSG_CONTINUE: tcap_ctr_inc(inst, TCAP_CTR_TX_CONTINUE); break;
	case TCAP_MSG_END: tcap_ctr_inc(inst, TCAP_CTR_TX_END); break;
	case TCAP_MSG_ABORT: tcap_ctr_inc(inst, TCAP_CTR_TX_ABORT); break;
	case TCAP_MSG_UNI: tcap_ctr_inc(inst, TCAP_CTR_TX_UNI); break;
	}
}

static int send_unitdata(struct tcap_instance *inst, const struct sccp_addr *called,
			 const struct sccp_addr *calling, bool sequenced, uint8_t sls,
			 const uint8_t *data, size_t len)
{
	struct sccp_unitdata ud = {
		.called = *called, .calling = *calling,
		.protocol_class = sequenced ? 1 : 0, .return_on_error = true, .sls = sls,
		.data = data, .len = len,
	};
	int rc = inst->down.unitdata_req(inst->down.priv, &ud);
	if (rc < 0) {
		tcap_ctr_inc(inst, TCAP_CTR_TX_FAIL);
		LOGP(DTCAP, LOGL_ERROR, "N-UNITDATA.req failed: %d\n", rc);
	}
	return rc;
}

int tcap_dialogue_send(struct tcap_dialogue *dlg, enum tcap_msg_type type,
		       const struct tcap_dialogue_pdu *dp)
{
	uint8_t buf[TCAP_MSG_MAX];
	struct tcap_tx_msg tx = {
		.type = type,
		.otid_present = type == TCAP_MSG_BEGIN || type == TCAP_MSG_CONTINUE,
		.otid = dlg->local_tid,
		.dtid_present = type != TCAP_MSG_BEGIN,
		.dtid_len = dlg->remote_tid_len,
		.components = dlg->comp_buf,
		.components_len = type == TCAP_MSG_ABORT ? 0 : dlg->comp_len,
	};
	memcpy(tx.dtid, dlg->remote_tid, sizeof(tx.dtid));
	if (dp)
		tx.dialogue = *dp;
	int len = tcap_encode(buf, sizeof(buf), &tx);
	dlg->comp_len = 0;
	if (len < 0) {
		LOGP(DTCAP, LOGL_ERROR, "TID 0x%08x: cannot encode %s: %s\n", dlg->local_tid,
		     tcap_msg_type_name(type), tcap_strerror(len));
		return -EINVAL;
	}
	count_tx(dlg->inst, type);
	return send_unitdata(dlg->inst, &dlg->remote_addr, &dlg->local_addr, dlg->sequenced, dlg->sls, buf, len);
}

/* An Abort with a P-Abort cause to a peer transaction we cannot or will not serve */
static void send_p_abort(struct tcap_instance *inst, const struct sccp_unitdata *ud,
			 const uint8_t *tid, uint8_t tid_len, enum tcap_p_abort_cause cause)
{
	uint8_t buf[32];
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_ABORT, .dtid_present = true, .dtid_len = tid_len,
		.p_abort_present = true, .p_abort_cause = (uint8_t)cause,
	};
	memcpy(tx.dtid, tid, tid_len);
	int len = tcap_encode(buf, sizeof(buf), &tx);
	if (len < 0)
		return;
	tcap_ctr_inc(inst, TCAP_CTR_TX_P_ABORT);
	count_tx(inst, TCAP_MSG_ABORT);
	LOGP(DTCAP, LOGL_NOTICE, "P-Abort (cause %d) to TID 0x%08x\n", cause, tcap_tid_to_u32(tid, tid_len));
	/* answer from the address the message was sent to */
	send_unitdata(inst, &ud->calling, &ud->called, false, 0, buf, len);
}

/* ---------------------------------------------------------------- receive */

static void fill_ind_dialogue(struct tcap_ind *ind, const struct tcap_msg *m)
{
	if (!m->dialogue_present)
		return;
	if (m->dialogue.acn_present)
		ind->acn = &m->dialogue.acn;
	ind->user_info = m->dialogue.user_info;
	ind->user_info_len = m->dialogue.user_info_len;
}

static void rx_begin(struct tcap_instance *inst, const struct sccp_unitdata *ud, const struct tcap_msg *m)
{
	struct tcap_component comps[TCAP_MAX_COMPONENTS];
	if (m->dialogue_present && m->dialogue.type != TCAP_DLG_AARQ) {
		send_p_abort(inst, ud, m->otid, m->otid_len, TCAP_PA_INCORRECT_TP);
		return;
	}
	struct tcap_dialogue *dlg = tcap_dialogue_new(inst);
	if (!dlg) {
		send_p_abort(inst, ud, m->otid, m->otid_len, TCAP_PA_RESOURCE_LIMITATION);
		return;
	}
	if (!peer_take(inst->budget, dlg, &ud->calling)) {
		tcap_ctr_inc(inst, TCAP_CTR_LIMIT_PEER);
		LOGP(DTCAP, LOGL_NOTICE, "Begin from %s refused: its GT prefix has %u live dialogues\n",
		     ud->calling.gt.digits, inst->budget->limits.max_per_peer);
		tcap_dialogue_free(dlg);
		send_p_abort(inst, ud, m->otid, m->otid_len, TCAP_PA_RESOURCE_LIMITATION);
		return;
	}
	memcpy(dlg->remote_tid, m->otid, m->otid_len);
	dlg->remote_tid_len = m->otid_len;
	dlg->remote_addr = ud->calling;
	dlg->local_addr = ud->called;
	if (m->dialogue_present) {
		dlg->has_acn = true;
		dlg->acn = m->dialogue.acn;
		dlg->aare_pending = true;
	}
	tcap_dialogue_state_chg(dlg, TCAP_ST_INIT_RECEIVED);
	struct tcap_ind ind = { .type = TCAP_IND_BEGIN, .ud = ud, .comp = comps };
	fill_ind_dialogue(&ind, m);
	ind.n_comp = tcap_components_rx(dlg, m, comps);
	tcap_indicate(dlg, &ind);
}

/* The first backward message tells the initiator the peer's TID and
 * address (Q.774 3.2.2.3), and answers the AARQ with an AARE. */
static bool first_answer(struct tcap_dialogue *dlg, const struct sccp_unitdata *ud, const struct tcap_msg *m)
{
	if (m->otid_present) {
		memcpy(dlg->remote_tid, m->otid, m->otid_len);
		dlg->remote_tid_len = m->otid_len;
	}
	dlg->remote_addr = ud->calling;
	dlg->answered = true;
	if (dlg->aarq_sent && m->dialogue_present &&
	    (m->dialogue.type != TCAP_DLG_AARE || m->dialogue.result != TCAP_RESULT_ACCEPTED))
		return false;
	if (m->dialogue_present && m->dialogue.acn_present)
		dlg->acn = m->dialogue.acn;
	return true;
}

static void rx_continue(struct tcap_instance *inst, const struct sccp_unitdata *ud, const struct tcap_msg *m,
			struct tcap_dialogue *dlg)
{
	struct tcap_component comps[TCAP_MAX_COMPONENTS];
	enum tcap_dlg_state st = tcap_dialogue_state(dlg);
	if (st == TCAP_ST_INIT_SENT) {
		if (!first_answer(dlg, ud, m)) {
			send_p_abort(inst, ud, m->otid, m->otid_len, TCAP_PA_INCORRECT_TP);
			struct tcap_ind ind = { .type = TCAP_IND_P_ABORT, .cause = TCAP_PA_NO_COMMON_DIALOGUE, .ud = ud };
			tcap_dialogue_mark_released(dlg);
			tcap_indicate(dlg, &ind);
			return;
		}
	} else if (st != TCAP_ST_ACTIVE) {
		/* a Continue before we answered their Begin */
		send_p_abort(inst, ud, m->otid, m->otid_len, TCAP_PA_UNRECOGNIZED_TID);
		return;
	}
	tcap_dialogue_state_chg(dlg, TCAP_ST_ACTIVE);
	struct tcap_ind ind = { .type = TCAP_IND_CONTINUE, .ud = ud, .comp = comps };
	fill_ind_dialogue(&ind, m);
	ind.n_comp = tcap_components_rx(dlg, m, comps);
	tcap_indicate(dlg, &ind);
}

static void rx_end(const struct sccp_unitdata *ud, const struct tcap_msg *m, struct tcap_dialogue *dlg)
{
	struct tcap_component comps[TCAP_MAX_COMPONENTS];
	if (tcap_dialogue_state(dlg) == TCAP_ST_INIT_SENT && !first_answer(dlg, ud, m)) {
		struct tcap_ind ind = { .type = TCAP_IND_P_ABORT, .cause = TCAP_PA_NO_COMMON_DIALOGUE, .ud = ud };
		tcap_dialogue_mark_released(dlg);
		tcap_indicate(dlg, &ind);
		return;
	}
	struct tcap_ind ind = { .type = TCAP_IND_END, .ud = ud, .comp = comps };
	fill_ind_dialogue(&ind, m);
	ind.n_comp = tcap_components_rx(dlg, m, comps);
	tcap_dialogue_mark_released(dlg);
	tcap_indicate(dlg, &ind);
}

static void rx_abort(struct tcap_instance *inst, const struct sccp_unitdata *ud, const struct tcap_msg *m,
		     struct tcap_dialogue *dlg)
{
	struct tcap_ind ind = { .type = TCAP_IND_U_ABORT, .ud = ud };
	if (m->p_abort_present) {
		ind.type = TCAP_IND_P_ABORT;
		ind.cause = m->p_abort_cause;
		tcap_ctr_inc(inst, TCAP_CTR_RX_P_ABORT);
	} else if (m->dialogue_present) {
		fill_ind_dialogue(&ind, m);
		if (m->dialogue.type == TCAP_DLG_AARE && m->dialogue.result != TCAP_RESULT_ACCEPTED) {
			ind.refused = true;
			ind.acn_not_supported = m->dialogue.diag_source == TCAP_DIAG_SRC_USER &&
						m->dialogue.diag == TCAP_DIAG_ACN_NOT_SUPPORTED;
		} else if (m->dialogue.type == TCAP_DLG_ABRT && m->dialogue.abort_source == TCAP_ABORT_SRC_PROVIDER) {
			ind.type = TCAP_IND_P_ABORT;
			ind.cause = TCAP_PA_NO_COMMON_DIALOGUE;
		}
	}
	tcap_dialogue_mark_released(dlg);
	tcap_indicate(dlg, &ind);
}

static void rx_uni(struct tcap_instance *inst, const struct sccp_unitdata *ud, const struct tcap_msg *m)
{
	struct tcap_ind ind = { .type = TCAP_IND_UNI, .ud = ud, .comp = m->comp, .n_comp = m->n_comp };
	fill_ind_dialogue(&ind, m);
	inst->ops.dialogue_ind(inst->priv, NULL, &ind);
}

/* The same peer: the same GT, or without GTs the same point code */
static bool same_peer(const struct sccp_addr *a, const struct sccp_addr *b)
{
	bool a_gt = a->gti != SCCP_GTI_NONE && a->gt.digits[0], b_gt = b->gti != SCCP_GTI_NONE && b->gt.digits[0];
	if (a_gt || b_gt)
		return a_gt && b_gt && !strcmp(a->gt.digits, b->gt.digits);
	return a->pc_present && b->pc_present && a->pc == b->pc;
}

/* The first answer to our Begin may come from whom the answer check allows
 * (default: the address we called); everything after only from whoever
 * answered first, and a dialogue the network opened only from its opener */
static bool origin_ok(struct tcap_instance *inst, struct tcap_dialogue *dlg, const struct sccp_addr *calling)
{
	if (tcap_dialogue_state(dlg) == TCAP_ST_INIT_SENT && !dlg->answered) {
		if (inst->answer_check)
			return inst->answer_check(inst->priv, dlg, &dlg->remote_addr, calling);
		return same_peer(&dlg->remote_addr, calling);
	}
	return same_peer(&dlg->remote_addr, calling);
}

static void count_rx(struct tcap_instance *inst, enum tcap_msg_type type)
{
	switch (type) {
	case TCAP_MSG_BEGIN: tcap_ctr_inc(inst, TCAP_CTR_RX_BEGIN); break;
	case TCAP_MSG_CONTINUE: tcap_ctr_inc(inst, TCAP_CTR_RX_CONTINUE); break;
	case TCAP_MSG_END: tcap_ctr_inc(inst, TCAP_CTR_RX_END); break;
	case TCAP_MSG_ABORT: tcap_ctr_inc(inst, TCAP_CTR_RX_ABORT); break;
	case TCAP_MSG_UNI: tcap_ctr_inc(inst, TCAP_CTR_RX_UNI); break;
	}
}

/* Q.774 3.2.1.2: what cannot be decoded is answered with a P-Abort to the
 * originating TID when there is one; a local dialogue it names is aborted. */
static void rx_malformed(struct tcap_instance *inst, const struct sccp_unitdata *ud,
			 const struct tcap_msg *m, int err)
{
	static const enum tcap_p_abort_cause cause_of[] = {
		[TCAP_ERR_UNRECOGNIZED_MSG_TYPE] = TCAP_PA_UNRECOGNIZED_MSG_TYPE,
		[TCAP_ERR_BADLY_FORMATTED_TP] = TCAP_PA_BADLY_FORMATTED_TP,
		[TCAP_ERR_INCORRECT_TP] = TCAP_PA_INCORRECT_TP,
		[TCAP_ERR_BAD_DIALOGUE] = TCAP_PA_INCORRECT_TP,
		[TCAP_ERR_TOO_MANY_COMPONENTS] = TCAP_PA_RESOURCE_LIMITATION,
	};
	enum tcap_p_abort_cause cause = -err < (int)ARRAY_SIZE(cause_of) ? cause_of[-err] : TCAP_PA_BADLY_FORMATTED_TP;

	tcap_ctr_inc(inst, TCAP_CTR_RX_MALFORMED);
	LOGP(DTCAP, LOGL_NOTICE, "malformed %s: %s\n", tcap_msg_type_name(m->type), tcap_strerror(err));
	if (m->otid_present)
		send_p_abort(inst, ud, m->otid, m->otid_len, cause);
	struct tcap_dialogue *dlg = m->dtid_present ? tcap_dialogue_find(inst, tcap_tid_to_u32(m->dtid, m->dtid_len))
						    : NULL;
	if (dlg) {
		struct tcap_ind ind = { .type = TCAP_IND_P_ABORT, .cause = cause, .ud = ud };
		tcap_dialogue_mark_released(dlg);
		tcap_indicate(dlg, &ind);
	}
}

void tcap_rx_unitdata(struct tcap_instance *inst, const struct sccp_unitdata *ud)
{
	struct tcap_msg m;
	int rc = tcap_decode(&m, ud->data, ud->len);
	if (rc < 0) {
		rx_malformed(inst, ud, &m, rc);
		return;
	}
	count_rx(inst, m.type);
	if (m.type == TCAP_MSG_BEGIN) {
		rx_begin(inst, ud, &m);
		return;
	}
	if (m.type == TCAP_MSG_UNI) {
		rx_uni(inst, ud, &m);
		return;
	}
	struct tcap_dialogue *dlg = tcap_dialogue_find(inst, tcap_tid_to_u32(m.dtid, m.dtid_len));
	if (!dlg || m.dtid_len != 4) {
		tcap_ctr_inc(inst, TCAP_CTR_RX_UNKNOWN_TID);
		LOGP(DTCAP, LOGL_NOTICE, "%s for unknown TID 0x%08x\n", tcap_msg_type_name(m.type),
		     tcap_tid_to_u32(m.dtid, m.dtid_len));
		if (m.otid_present)
			send_p_abort(inst, ud, m.otid, m.otid_len, TCAP_PA_UNRECOGNIZED_TID);
		return;
	}
	if (!origin_ok(inst, dlg, &ud->calling)) {
		tcap_ctr_inc(inst, TCAP_CTR_RX_WRONG_ORIGIN);
		LOGP(DTCAP, LOGL_NOTICE, "TID 0x%08x: %s from %s dropped: not the peer of this dialogue (%s)\n",
		     dlg->local_tid, tcap_msg_type_name(m.type), ud->calling.gt.digits[0] ? ud->calling.gt.digits : "no GT",
		     dlg->remote_addr.gt.digits);
		return;
	}
	switch (m.type) {
	case TCAP_MSG_CONTINUE: rx_continue(inst, ud, &m, dlg); break;
	case TCAP_MSG_END: rx_end(ud, &m, dlg); break;
	case TCAP_MSG_ABORT: rx_abort(inst, ud, &m, dlg); break;
	default: break;
	}
}

/* SCCP returned one of our messages: the Begin or Continue names our TID */
void tcap_rx_notice(struct tcap_instance *inst, const struct sccp_unitdata *ud, unsigned int cause)
{
	struct tcap_msg m;
	tcap_ctr_inc(inst, TCAP_CTR_NOTICE);
	if (tcap_decode(&m, ud->data, ud->len) < 0 || !m.otid_present || m.otid_len != 4)
		return;
	struct tcap_dialogue *dlg = tcap_dialogue_find(inst, tcap_tid_to_u32(m.otid, m.otid_len));
	if (!dlg)
		return;
	struct tcap_ind ind = { .type = TCAP_IND_NOTICE, .cause = cause, .ud = ud };
	tcap_indicate(dlg, &ind);
}

static void sccp_unitdata_ind(void *priv, const struct sccp_unitdata *ud)
{
	tcap_rx_unitdata(priv, ud);
}

static void sccp_notice_ind(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause cause)
{
	tcap_rx_notice(priv, ud, cause);
}

const struct sccp_user_ops tcap_sccp_user_ops = {
	.unitdata_ind = sccp_unitdata_ind,
	.notice_ind = sccp_notice_ind,
};

int tcap_uni(struct tcap_instance *inst, const struct sccp_addr *called, const struct sccp_addr *calling,
	     const struct tcap_acn *acn, const uint8_t *components, size_t components_len)
{
	uint8_t buf[TCAP_MSG_MAX];
	struct tcap_tx_msg tx = { .type = TCAP_MSG_UNI, .components = components, .components_len = components_len };
	if (acn) {
		tx.dialogue.type = TCAP_DLG_AUDT;
		tx.dialogue.acn_present = true;
		tx.dialogue.acn = *acn;
	}
	int len = tcap_encode(buf, sizeof(buf), &tx);
	if (len < 0)
		return -EINVAL;
	count_tx(inst, TCAP_MSG_UNI);
	return send_unitdata(inst, called, calling, false, 0, buf, len);
}
