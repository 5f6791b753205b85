/* TCAP transaction and component sublayers (ITU-T Q.774) and the TC-user
 * interface (Q.771) that MAP sits on. One tcap_instance per local SSN, one
 * osmo_fsm instance per dialogue.
 *
 * Requests (tcap_invoke, tcap_result, ...) queue components on a dialogue;
 * tcap_begin/continue/end send them. Indications come through one callback
 * per dialogue event, with the components that arrived in that message.
 * After an END, U-ABORT or P-ABORT indication returns, the dialogue is gone. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sigway/sccp/sccp_sap.h>
#include <sigway/tcap/tcap_codec.h>

struct tcap_instance;
struct tcap_dialogue;

enum tcap_ind_type {
	TCAP_IND_BEGIN,		/* TC-BEGIN.ind: a new dialogue from the network */
	TCAP_IND_CONTINUE,
	TCAP_IND_END,
	TCAP_IND_U_ABORT,	/* the peer user aborted (or refused the dialogue) */
	TCAP_IND_P_ABORT,	/* the provider aborted: p_abort_cause */
	TCAP_IND_NOTICE,	/* SCCP returned a message of this dialogue */
	TCAP_IND_UNI,		/* TC-UNI.ind (dlg is NULL) */
};

struct tcap_ind {
	enum tcap_ind_type type;
	/* dialogue portion, when the message had one */
	const struct tcap_acn *acn;		/* AARQ/AARE/AUDT application context */
	const uint8_t *user_info;		/* user-information contents (EXTERNALs) */
	size_t user_info_len;
	/* U-ABORT: the peer refused the dialogue (AARE reject). acn_not_supported
	 * is set when it said application-context-name-not-supported; acn is
	 * then the context it proposed, if any. */
	bool refused;
	bool acn_not_supported;
	/* P-ABORT cause (enum tcap_p_abort_cause), NOTICE: SCCP return cause */
	unsigned int cause;
	const struct tcap_component *comp;
	unsigned int n_comp;
	const struct sccp_unitdata *ud;		/* addresses of the message (not for local events) */
};

struct tcap_user_ops {
	/* A dialogue event. For TCAP_IND_BEGIN the user answers (tcap_continue,
	 * tcap_end), refuses (tcap_refuse_acn, tcap_u_abort), or stays quiet until
	 * later; it may set its own context with tcap_dialogue_set_priv(). */
	void (*dialogue_ind)(void *inst_priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
	/* An invoke we sent got no final answer in time (Q.774 L-CANCEL) */
	void (*l_cancel_ind)(void *inst_priv, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode);
};

/* Rate counter indexes */
enum tcap_ctr {
	TCAP_CTR_RX_BEGIN, TCAP_CTR_RX_CONTINUE, TCAP_CTR_RX_END, TCAP_CTR_RX_ABORT, TCAP_CTR_RX_UNI,
	TCAP_CTR_TX_BEGIN, TCAP_CTR_TX_CONTINUE, TCAP_CTR_TX_END, TCAP_CTR_TX_ABORT, TCAP_CTR_TX_UNI,
	TCAP_CTR_RX_MALFORMED, TCAP_CTR_RX_UNKNOWN_TID, TCAP_CTR_TX_P_ABORT, TCAP_CTR_RX_P_ABORT,
	TCAP_CTR_TX_REJECT, TCAP_CTR_RX_REJECT, TCAP_CTR_INVOKE_TIMEOUT, TCAP_CTR_DIALOGUE_TIMEOUT,
	TCAP_CTR_TX_FAIL, TCAP_CTR_NOTICE, TCAP_CTR_DIALOGUES,
	TCAP_CTR_RX_WRONG_ORIGIN, TCAP_CTR_LIMIT_TOTAL, TCAP_CTR_LIMIT_PEER,
	_TCAP_CTR_COUNT
};

struct tcap_instance *tcap_instance_alloc(void *ctx, const struct sccp_sap_down *down,
					  const struct tcap_user_ops *ops, void *inst_priv);
void tcap_instance_free(struct tcap_instance *inst);

/* Dialogue guard: a dialogue idle this long is aborted (P-ABORT to the user) */
void tcap_instance_set_dialogue_timeout(struct tcap_instance *inst, unsigned int seconds);

/* Limits against a peer that opens dialogues and never ends them: live
 * dialogues overall, and those the network opened per remote GT prefix (its
 * first peer_prefix_digits digits), of the instance and of the instances
 * sharing its limits. A Begin over either is answered with a
 * P-Abort (resource limitation) and counted. 0: no limit. */
struct tcap_limits {
	unsigned int max_dialogues;
	unsigned int max_per_peer;
	unsigned int peer_prefix_digits;
};
extern const struct tcap_limits tcap_limits_default;
/* Sets the limits of the instance (shared: of all the instances sharing them) */
void tcap_instance_set_limits(struct tcap_instance *inst, const struct tcap_limits *l);
/* A process that serves several subsystems (a MAP instance per SSN) holds
 * the limits over them together, or a second subsystem would double what the
 * process and each peer may hold: from now on inst counts its dialogues
 * against the limits (and the live counts) of `with` and of every instance
 * sharing them; the last limits set on any of them hold. Only while inst has
 * no live dialogue (-EBUSY). Either may be freed first. */
int tcap_instance_share_limits(struct tcap_instance *inst, struct tcap_instance *with);
/* the live dialogues counted against inst's limits: its own and those of
 * the instances sharing them */
unsigned int tcap_instance_live_dialogues_shared(const struct tcap_instance *inst);

/* Who may answer a dialogue we opened: the first answer of a dialogue is
 * accepted only when check() says so (default: the GT we called); later
 * messages only from the address that answered first. What is refused is
 * dropped without an answer (so a forger learns nothing), counted and logged. */
typedef bool (*tcap_answer_check_t)(void *inst_priv, struct tcap_dialogue *dlg, const struct sccp_addr *called,
				    const struct sccp_addr *answering);
void tcap_instance_set_answer_check(struct tcap_instance *inst, tcap_answer_check_t check);
uint64_t tcap_instance_ctr(const struct tcap_instance *inst, enum tcap_ctr ctr);
struct rate_ctr_group *tcap_instance_ctrg(struct tcap_instance *inst);
unsigned int tcap_instance_live_dialogues(const struct tcap_instance *inst);

/* The SCCP user callbacks to bind this instance with sccp_user_bind(.., inst) */
extern const struct sccp_user_ops tcap_sccp_user_ops;
void tcap_rx_unitdata(struct tcap_instance *inst, const struct sccp_unitdata *ud);
void tcap_rx_notice(struct tcap_instance *inst, const struct sccp_unitdata *ud, unsigned int cause);

/* ---- TC-user requests -------------------------------------------------- */

/* A new outgoing dialogue. acn NULL: no dialogue portion (MAP v1 style).
 * `calling` is exactly the calling party the Begin (and every later message
 * of this dialogue) goes out with. */
struct tcap_dialogue *tcap_dialogue_alloc(struct tcap_instance *inst, const struct sccp_addr *called,
					  const struct sccp_addr *calling, const struct tcap_acn *acn,
					  void *user_priv);
void tcap_dialogue_set_priv(struct tcap_dialogue *dlg, void *user_priv);
void *tcap_dialogue_priv(const struct tcap_dialogue *dlg);
uint32_t tcap_dialogue_local_tid(const struct tcap_dialogue *dlg);
/* the peer's TID, once known; 0 length before */
uint8_t tcap_dialogue_remote_tid(const struct tcap_dialogue *dlg, uint8_t tid[TCAP_TID_MAX]);
const struct sccp_addr *tcap_dialogue_local_addr(const struct tcap_dialogue *dlg);
const struct sccp_addr *tcap_dialogue_remote_addr(const struct tcap_dialogue *dlg);
const struct tcap_acn *tcap_dialogue_acn(const struct tcap_dialogue *dlg);	/* NULL: none */
/* Responder: answer from another calling address than the one called */
void tcap_dialogue_set_local_addr(struct tcap_dialogue *dlg, const struct sccp_addr *addr);
/* Class 1 (in-sequence) delivery for this dialogue's messages */
void tcap_dialogue_set_sequenced(struct tcap_dialogue *dlg, bool on);

/* Components. timeout_ms is the invoke timer (L-CANCEL when it expires). */
int tcap_invoke(struct tcap_dialogue *dlg, int32_t opcode, const uint8_t *param, size_t param_len,
		uint32_t timeout_ms, int8_t *invoke_id);
int tcap_result(struct tcap_dialogue *dlg, int8_t invoke_id, bool last, int32_t opcode,
		const uint8_t *param, size_t param_len);
int tcap_error(struct tcap_dialogue *dlg, int8_t invoke_id, int32_t error_code,
	       const uint8_t *param, size_t param_len);
int tcap_reject(struct tcap_dialogue *dlg, bool has_invoke_id, int8_t invoke_id,
		enum tcap_problem_type type, uint8_t problem);

/* Dialogue handling. user_info: contents for the dialogue portion's
 * user-information (EXTERNAL TLVs), e.g. MAP-OpenInfo. */
/* On failure the dialogue is released and must not be used again. */
int tcap_begin(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len);
int tcap_continue(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len);
/* prearranged: release locally without sending anything */
int tcap_end(struct tcap_dialogue *dlg, bool prearranged, const uint8_t *user_info, size_t len);
int tcap_u_abort(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len);
/* Responder refuses the application context (TC-U-ABORT with AARE
 * reject-permanent, application-context-name-not-supported) proposing `proposed`. */
int tcap_refuse_acn(struct tcap_dialogue *dlg, const struct tcap_acn *proposed);
/* Responder refuses the dialogue for another reason (TC-U-ABORT with AARE
 * reject-permanent, dialogue-service-user no-reason-given) with the user's
 * information (e.g. MAP-RefuseInfo) */
int tcap_refuse(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len);
/* TC-U-ABORT without a dialogue portion, as a peer without dialogue
 * handling (a MAP version 1 node) answers a Begin it cannot serve */
int tcap_u_abort_bare(struct tcap_dialogue *dlg);
/* Drops the dialogue without a word (e.g. on shutdown) */
void tcap_dialogue_release(struct tcap_dialogue *dlg);

/* Unidirectional */
int tcap_uni(struct tcap_instance *inst, const struct sccp_addr *called, const struct sccp_addr *calling,
	     const struct tcap_acn *acn, const uint8_t *components, size_t components_len);
