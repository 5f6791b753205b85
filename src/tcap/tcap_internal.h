/* Internals of the TCAP sublayers; not for TC-users. */
#pragma once

#include <osmocom/core/fsm.h>
#include <osmocom/core/hashtable.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/timer.h>
#include <sigway/tcap/tcap.h>

/* Outstanding invokes per dialogue: MAP has one or two; more is a peer
 * misbehaving or a user bug, and gets -ENOSPC. */
#define TCAP_MAX_INVOKES 8
/* Room for the TCAP message around the components in one N-UNITDATA */
#define TCAP_MSG_MAX SCCP_USER_DATA_MAX

enum tcap_dlg_state {
	TCAP_ST_IDLE,
	TCAP_ST_INIT_SENT,
	TCAP_ST_INIT_RECEIVED,
	TCAP_ST_ACTIVE,
};

struct tcap_invoke_state {
	bool used;
	int8_t id;
	int32_t opcode;
	struct tcap_dialogue *dlg;
	struct osmo_timer_list timer;
};

struct tcap_dialogue {
	struct tcap_instance *inst;
	struct osmo_fsm_inst *fi;
	struct hlist_node hnode;
	uint32_t local_tid;
	uint8_t remote_tid[TCAP_TID_MAX];
	uint8_t remote_tid_len;
	struct sccp_addr local_addr;	/* calling party of everything we send */
	struct sccp_addr remote_addr;
	bool has_acn;
	struct tcap_acn acn;
	bool aare_pending;		/* responder: the first answer carries AARE */
	bool aarq_sent;			/* initiator: expect AARE in the first answer */
	bool answered;			/* initiator: the first answer came (remote_addr is its origin) */
	struct tcap_peer_count *peer;	/* a dialogue the network opened: its GT prefix's count */
	bool sequenced;
	uint8_t sls;
	/* components queued for the next message */
	uint8_t *comp_buf;
	size_t comp_len, comp_cap;
	struct tcap_invoke_state invokes[TCAP_MAX_INVOKES];
	int8_t next_invoke_id;
	uint8_t peer_invokes[32];	/* bitmap: invoke IDs the peer awaits an answer for */
	unsigned int busy;		/* > 0 while the user callback runs */
	bool released;
	void *user_priv;
};

/* live dialogues the network opened, per remote GT prefix */
struct tcap_peer_count {
	struct hlist_node hnode;
	char prefix[SCCP_GT_DIGITS_MAX + 1];
	unsigned int n;
};

/* The limits and what counts against them, for one instance or several
 * sharing them (tcap_instance_share_limits()); freed with its last user */
struct tcap_budget {
	struct tcap_limits limits;
	unsigned int live;		/* the live dialogues of all its instances */
	unsigned int users;		/* the instances counting against it */
	DECLARE_HASHTABLE(peers, 8);
};

struct tcap_instance {
	struct sccp_sap_down down;
	struct tcap_user_ops ops;
	void *priv;
	/* transaction IDs come from a pool of getrandom() octets: a peer cannot
	 * predict the next one */
	uint32_t tid_pool[256];
	unsigned int tid_pool_left;
	struct tcap_budget *budget;	/* its own, or one shared with other instances */
	tcap_answer_check_t answer_check;
	unsigned int live;		/* this instance's live dialogues */
	unsigned int dialogue_timeout_s;
	struct rate_ctr_group *ctrg;
	DECLARE_HASHTABLE(dialogues, 12);
};

void tcap_ctr_inc(struct tcap_instance *inst, enum tcap_ctr ctr);
struct tcap_dialogue *tcap_dialogue_find(struct tcap_instance *inst, uint32_t tid);
struct tcap_dialogue *tcap_dialogue_new(struct tcap_instance *inst);
/* Sends a message of this dialogue with its queued components */
int tcap_dialogue_send(struct tcap_dialogue *dlg, enum tcap_msg_type type,
		       const struct tcap_dialogue_pdu *dp);
/* Stops timers and hides it from lookups; freed by tcap_indicate() or tcap_dialogue_free() */
void tcap_dialogue_mark_released(struct tcap_dialogue *dlg);
/* Releases now, or after the running user callback returns */
void tcap_dialogue_free(struct tcap_dialogue *dlg);
void tcap_dialogue_state_chg(struct tcap_dialogue *dlg, enum tcap_dlg_state st);
enum tcap_dlg_state tcap_dialogue_state(const struct tcap_dialogue *dlg);
/* Component sublayer: checks received components, answers what is wrong
 * with Rejects queued on the dialogue, and returns those for the user. */
unsigned int tcap_components_rx(struct tcap_dialogue *dlg, const struct tcap_msg *m,
				struct tcap_component *out);
void tcap_invokes_cancel_all(struct tcap_dialogue *dlg);
int tcap_invoke_start(struct tcap_dialogue *dlg, int32_t opcode, uint32_t timeout_ms, int8_t *id_out);
void tcap_invoke_abandon(struct tcap_dialogue *dlg, int8_t id);
void tcap_peer_invoke_done(struct tcap_dialogue *dlg, int8_t id);
int tcap_queue_component(struct tcap_dialogue *dlg, const struct tcap_component *c);
/* Delivers an indication with the busy guard around the user callback */
void tcap_indicate(struct tcap_dialogue *dlg, const struct tcap_ind *ind);
