/* The simulated MSC/VLR (SSN 8): takes MT-ForwardSM (v3) and forwardSM (v2)
 * for the subscribers it serves and answers as each one's state says; in a
 * single TC-BEGIN (SCCP-segmented when long) or by the 29.002 large-message
 * procedure (empty TC-BEGIN, invoke in the first TC-CONTINUE). */

#include <errno.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_sm.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/tcap/tcap.h>
#include "netsim.h"

static void answer(struct tcap_dialogue *dlg, int8_t invoke_id, int32_t op, const struct map_error_param *e)
{
	uint8_t buf[64];
	if (!e) {
		tcap_result(dlg, invoke_id, true, op, NULL, 0);
	} else {
		int len = map_enc_error_param(buf, sizeof(buf), e);
		tcap_error(dlg, invoke_id, e->code, len > 0 ? buf : NULL, len > 0 ? len : 0);
	}
	tcap_end(dlg, false, NULL, 0);
}

static void mt_forward_sm(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_forward_sm_arg a;
	if (map_dec_forward_sm_arg(&a, c->param, c->param_len) < 0 || a.da_type != MAP_DA_IMSI) {
		answer(dlg, c->invoke_id, c->opcode, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	struct netsim_sub *sub = netsim_sub_find_imsi(a.da_imsi);
	enum netsim_sub_state state = sub ? sub->state : (llist_empty(&netsim_subscribers) ? SUB_ATTACHED : SUB_UNKNOWN);
	LOGP(DNETSIM, LOGL_INFO, "MSC: SMS for IMSI %s (%zu octets TPDU), subscriber %s\n", a.da_imsi,
	     a.sm_rp_ui_len, netsim_sub_state_names[state]);
	switch (state) {
	case SUB_ATTACHED: {
		struct sms_tpdu t;
		/* the handset checks the TPDU: a broken one is a protocol error */
		if (sms_tpdu_decode(&t, a.sm_rp_ui, a.sm_rp_ui_len, 0) < 0) {
			answer(dlg, c->invoke_id, c->opcode, &(struct map_error_param){
				.code = MAP_ERR_SM_DELIVERY_FAILURE, .failure_cause_present = true,
				.failure_cause = MAP_SMF_EQUIPMENT_PROTOCOL_ERROR });
			return;
		}
		answer(dlg, c->invoke_id, c->opcode, NULL);
		return;
	}
	case SUB_MEMORY_FULL:
		answer(dlg, c->invoke_id, c->opcode, &(struct map_error_param){ .code = MAP_ERR_SM_DELIVERY_FAILURE,
		       .failure_cause_present = true, .failure_cause = MAP_SMF_MEMORY_CAPACITY_EXCEEDED });
		return;
	case SUB_UNREACHABLE:
		answer(dlg, c->invoke_id, c->opcode, &(struct map_error_param){ .code = MAP_ERR_ABSENT_SUBSCRIBER_SM,
		       .absent_diag_present = true, .absent_diag = 0 /* no paging response */ });
		return;
	case SUB_MSC_TIMEOUT:
		return;	/* the dialogue stays until the guard timer; the SMSC's invoke timer fires first */
	default:
		answer(dlg, c->invoke_id, c->opcode, &(struct map_error_param){ .code = MAP_ERR_UNIDENTIFIED_SUBSCRIBER });
		return;
	}
}

static void msc_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!dlg || (ind->type != TCAP_IND_BEGIN && ind->type != TCAP_IND_CONTINUE))
		return;
	/* 29.002 large-message procedure: a Begin with the dialogue only is
	 * answered with an empty Continue; the invoke follows */
	if (ind->type == TCAP_IND_BEGIN && ind->n_comp == 0 && ind->acn) {
		tcap_continue(dlg, NULL, 0);
		return;
	}
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type == TCAP_COMP_INVOKE &&
		    (c->opcode == MAP_OP_MT_FORWARD_SM || c->opcode == MAP_OP_MO_FORWARD_SM)) {
			mt_forward_sm(dlg, c);
			return;
		}
		if (c->type == TCAP_COMP_INVOKE)
			tcap_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_UNRECOGNIZED_OPERATION);
	}
	tcap_end(dlg, false, NULL, 0);
}

static const struct tcap_user_ops msc_ops = { .dialogue_ind = msc_dialogue_ind };

int netsim_msc_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user *u = sccp_user_bind(stack->sccp, SCCP_SSN_MSC, &tcap_sccp_user_ops, NULL);
	if (!u)
		return -EBUSY;
	struct sccp_sap_down down = sccp_user_sap_down(u);
	struct tcap_instance *tcap = tcap_instance_alloc(ctx, &down, &msc_ops, NULL);
	sccp_user_set_priv(u, tcap);
	return 0;
}
