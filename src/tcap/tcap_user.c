/* TC-user requests (Q.771): components are queued on the dialogue, dialogue
 * primitives send them. State checks follow Q.774 figures A.4/A.5. */

#include <errno.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include "tcap_internal.h"

struct tcap_dialogue *tcap_dialogue_alloc(struct tcap_instance *inst, const struct sccp_addr *called,
					  const struct sccp_addr *calling, const struct tcap_acn *acn,
					  void *user_priv)
{
	struct tcap_dialogue *dlg = tcap_dialogue_new(inst);
	if (!dlg)
		return NULL;
	dlg->remote_addr = *called;
	dlg->local_addr = *calling;
	if (acn) {
		dlg->has_acn = true;
		dlg->acn = *acn;
	}
	dlg->user_priv = user_priv;
	return dlg;
}

void tcap_dialogue_set_priv(struct tcap_dialogue *dlg, void *user_priv) { dlg->user_priv = user_priv; }
void *tcap_dialogue_priv(const struct tcap_dialogue *dlg) { return dlg->user_priv; }
uint32_t tcap_dialogue_local_tid(const struct tcap_dialogue *dlg) { return dlg->local_tid; }
const struct sccp_addr *tcap_dialogue_local_addr(const struct tcap_dialogue *dlg) { return &dlg->local_addr; }
const struct sccp_addr *tcap_dialogue_remote_addr(const struct tcap_dialogue *dlg) { return &dlg->remote_addr; }
void tcap_dialogue_set_sequenced(struct tcap_dialogue *dlg, bool on) { dlg->sequenced = on; }

uint8_t tcap_dialogue_remote_tid(const struct tcap_dialogue *dlg, uint8_t tid[TCAP_TID_MAX])
{
	memcpy(tid, dlg->remote_tid, dlg->remote_tid_len);
	return dlg->remote_tid_len;
}

const struct tcap_acn *tcap_dialogue_acn(const struct tcap_dialogue *dlg)
{
	return dlg->has_acn ? &dlg->acn : NULL;
}

void tcap_dialogue_set_local_addr(struct tcap_dialogue *dlg, const struct sccp_addr *addr)
{
	dlg->local_addr = *addr;
}

/* ------------------------------------------------------------ components */

int tcap_invoke(struct tcap_dialogue *dlg, int32_t opcode, const uint8_t *param, size_t param_len,
		uint32_t timeout_ms, int8_t *invoke_id)
{
	int8_t id;
	if (dlg->released)
		return -EINVAL;
	int rc = tcap_invoke_start(dlg, opcode, timeout_ms, &id);
	if (rc < 0)
		return rc;
	struct tcap_component c = {
		.type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = id,
		.op_present = true, .opcode = opcode, .param = param, .param_len = param_len,
	};
	if ((rc = tcap_queue_component(dlg, &c)) < 0) {
		tcap_invoke_abandon(dlg, id);
		return rc;
	}
	if (invoke_id)
		*invoke_id = id;
	return 0;
}

int tcap_result(struct tcap_dialogue *dlg, int8_t invoke_id, bool last, int32_t opcode,
		const uint8_t *param, size_t param_len)
{
	if (dlg->released)
		return -EINVAL;
	struct tcap_component c = {
		.type = last ? TCAP_COMP_RESULT_LAST : TCAP_COMP_RESULT_NOT_LAST,
		.invoke_id_present = true, .invoke_id = invoke_id,
		.op_present = param != NULL, .opcode = opcode, .param = param, .param_len = param_len,
	};
	int rc = tcap_queue_component(dlg, &c);
	if (rc == 0 && last)
		tcap_peer_invoke_done(dlg, invoke_id);
	return rc;
}

int tcap_error(struct tcap_dialogue *dlg, int8_t invoke_id, int32_t error_code,
	       const uint8_t *param, size_t param_len)
{
	if (dlg->released)
		return -EINVAL;
	struct tcap_component c = {
		.type = TCAP_COMP_ERROR, .invoke_id_present = true, .invoke_id = invoke_id,
		.error_code = error_code, .param = param, .param_len = param_len,
	};
	int rc = tcap_queue_component(dlg, &c);
	if (rc == 0)
		tcap_peer_invoke_done(dlg, invoke_id);
	return rc;
}

int tcap_reject(struct tcap_dialogue *dlg, bool has_invoke_id, int8_t invoke_id,
		enum tcap_problem_type type, uint8_t problem)
{
	if (dlg->released)
		return -EINVAL;
	struct tcap_component c = {
		.type = TCAP_COMP_REJECT, .invoke_id_present = has_invoke_id, .invoke_id = invoke_id,
		.problem_type = type, .problem = problem,
	};
	int rc = tcap_queue_component(dlg, &c);
	if (rc == 0 && has_invoke_id)
		tcap_peer_invoke_done(dlg, invoke_id);
	tcap_ctr_inc(dlg->inst, TCAP_CTR_TX_REJECT);
	return rc;
}

/* --------------------------------------------------------------- dialogue */

/* The responder's first answer carries the AARE for the AARQ it got */
static const struct tcap_dialogue_pdu *answer_dialogue(struct tcap_dialogue *dlg, struct tcap_dialogue_pdu *dp,
						       const uint8_t *user_info, size_t len)
{
	if (!dlg->aare_pending)
		return NULL;
	dlg->aare_pending = false;
	*dp = (struct tcap_dialogue_pdu){
		.type = TCAP_DLG_AARE, .acn_present = true, .acn = dlg->acn,
		.result = TCAP_RESULT_ACCEPTED, .diag_source = TCAP_DIAG_SRC_USER, .diag = TCAP_DIAG_NULL,
		.user_info = user_info, .user_info_len = len,
	};
	return dp;
}

int tcap_begin(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len)
{
	struct tcap_dialogue_pdu dp = { 0 };
	if (dlg->released || tcap_dialogue_state(dlg) != TCAP_ST_IDLE)
		return -EINVAL;
	if (dlg->has_acn) {
		dp = (struct tcap_dialogue_pdu){ .type = TCAP_DLG_AARQ, .acn_present = true, .acn = dlg->acn,
						 .user_info = user_info, .user_info_len = len };
		dlg->aarq_sent = true;
	}
	tcap_dialogue_state_chg(dlg, TCAP_ST_INIT_SENT);
	int rc = tcap_dialogue_send(dlg, TCAP_MSG_BEGIN, dlg->has_acn ? &dp : NULL);
	if (rc < 0)
		tcap_dialogue_free(dlg);
	return rc;
}

int tcap_continue(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len)
{
	struct tcap_dialogue_pdu dp;
	enum tcap_dlg_state st = tcap_dialogue_state(dlg);
	if (dlg->released || (st != TCAP_ST_INIT_RECEIVED && st != TCAP_ST_ACTIVE))
		return -EINVAL;
	const struct tcap_dialogue_pdu *d = answer_dialogue(dlg, &dp, user_info, len);
	tcap_dialogue_state_chg(dlg, TCAP_ST_ACTIVE);
	return tcap_dialogue_send(dlg, TCAP_MSG_CONTINUE, d);
}

int tcap_end(struct tcap_dialogue *dlg, bool prearranged, const uint8_t *user_info, size_t len)
{
	struct tcap_dialogue_pdu dp;
	enum tcap_dlg_state st = tcap_dialogue_state(dlg);
	int rc = 0;
	if (dlg->released)
		return -EINVAL;
	/* before the peer knows our TID there is nobody to tell: end locally */
	if (!prearranged && (st == TCAP_ST_INIT_RECEIVED || st == TCAP_ST_ACTIVE))
		rc = tcap_dialogue_send(dlg, TCAP_MSG_END, answer_dialogue(dlg, &dp, user_info, len));
	tcap_dialogue_free(dlg);
	return rc;
}

int tcap_u_abort(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len)
{
	enum tcap_dlg_state st = tcap_dialogue_state(dlg);
	int rc = 0;
	if (dlg->released)
		return -EINVAL;
	if (st == TCAP_ST_INIT_RECEIVED || st == TCAP_ST_ACTIVE) {
		struct tcap_dialogue_pdu dp = {
			.type = TCAP_DLG_ABRT, .abort_source = TCAP_ABORT_SRC_USER,
			.user_info = user_info, .user_info_len = len,
		};
		/* a dialogue portion only where the dialogue has one (Q.774 3.2.2.2) */
		rc = tcap_dialogue_send(dlg, TCAP_MSG_ABORT, dlg->has_acn ? &dp : NULL);
	}
	tcap_dialogue_free(dlg);
	return rc;
}

static int refuse(struct tcap_dialogue *dlg, const struct tcap_acn *acn, uint8_t diag,
		  const uint8_t *user_info, size_t len)
{
	if (dlg->released || tcap_dialogue_state(dlg) != TCAP_ST_INIT_RECEIVED || !dlg->has_acn)
		return -EINVAL;
	struct tcap_dialogue_pdu dp = {
		.type = TCAP_DLG_AARE, .acn_present = true, .acn = acn ? *acn : dlg->acn,
		.result = TCAP_RESULT_REJECT_PERMANENT, .diag_source = TCAP_DIAG_SRC_USER, .diag = diag,
		.user_info = user_info, .user_info_len = len,
	};
	int rc = tcap_dialogue_send(dlg, TCAP_MSG_ABORT, &dp);
	tcap_dialogue_free(dlg);
	return rc;
}

int tcap_refuse_acn(struct tcap_dialogue *dlg, const struct tcap_acn *proposed)
{
	return refuse(dlg, proposed, TCAP_DIAG_ACN_NOT_SUPPORTED, NULL, 0);
}

int tcap_refuse(struct tcap_dialogue *dlg, const uint8_t *user_info, size_t len)
{
	return refuse(dlg, NULL, TCAP_DIAG_NO_REASON, user_info, len);
}

int tcap_u_abort_bare(struct tcap_dialogue *dlg)
{
	enum tcap_dlg_state st = tcap_dialogue_state(dlg);
	int rc = 0;
	if (dlg->released)
		return -EINVAL;
	if (st == TCAP_ST_INIT_RECEIVED || st == TCAP_ST_ACTIVE)
		rc = tcap_dialogue_send(dlg, TCAP_MSG_ABORT, NULL);
	tcap_dialogue_free(dlg);
	return rc;
}

void tcap_dialogue_release(struct tcap_dialogue *dlg)
{
	tcap_dialogue_free(dlg);
}
