/* The simulated HLR (SSN 6): answers SRI-for-SM with an IMSI and the serving
 * MSC, refuses shortMsgGateway versions above its configured maximum
 * (proposing its own), and plays a one-question USSD menu: processUSS-Request
 * -> unstructuredSS-Request prompt -> the answer -> processUSS result. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/map/map_sm.h>
#include <sigway/ussd/ussd_string.h>
#include <sigway/common/logging.h>
#include <sigway/tcap/tcap.h>
#include "netsim.h"

#define USSD_TIMEOUT_MS 30000

/* the MAP application context of a dialogue; version 0 when none/unknown */
static enum map_ac dialogue_ac(const struct tcap_acn *acn, uint8_t *version)
{
	enum map_ac ac = 0;
	*version = 0;
	if (!acn || map_acn_parse(acn, &ac, version) < 0)
		return 0;
	return ac;
}

static int enc_ussd(uint8_t *buf, size_t cap, const char *text)
{
	uint8_t packed[USSD_MAX_OCTETS];
	int n = ussd_string_encode(packed, sizeof(packed), USSD_DCS_GSM7_UNSPEC, NULL, text, strlen(text));
	if (n < 0)
		return -EINVAL;
	struct map_ussd u = { .dcs = USSD_DCS_GSM7_UNSPEC, .string = packed, .string_len = n };
	return map_enc_ussd(buf, cap, &u);
}

static void answer_sri_sm(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_sri_sm_arg arg;
	struct map_sri_sm_res res = { .network_node = { true, 0x91 } };
	uint8_t buf[64];
	if (map_dec_sri_sm_arg(&arg, c->param, c->param_len) < 0 || strlen(arg.msisdn.digits) < 5) {
		tcap_error(dlg, c->invoke_id, MAP_ERR_UNEXPECTED_DATA_VALUE, NULL, 0);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
	/* a stable IMSI per MSISDN: MCC+MNC, then the last 10 digits */
	size_t n = strlen(arg.msisdn.digits);
	snprintf(res.imsi, sizeof(res.imsi), "%s%s", netsim_cfg.imsi_prefix,
		 arg.msisdn.digits + (n > 10 ? n - 10 : 0));
	snprintf(res.network_node.digits, sizeof(res.network_node.digits), "%s", netsim_cfg.msc_gt);
	int len = map_enc_sri_sm_res(buf, sizeof(buf), &res);
	tcap_result(dlg, c->invoke_id, true, MAP_OP_SRI_FOR_SM, buf, len);
	tcap_end(dlg, false, NULL, 0);
}

/* per USSD dialogue: the invoke ID of the subscriber's processUSS-Request */
struct ussd_session {
	int8_t puss_invoke;
};

static void ussd_begin(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	uint8_t arg[64];
	struct ussd_session *s = talloc_zero(dlg, struct ussd_session);
	s->puss_invoke = c->invoke_id;
	tcap_dialogue_set_priv(dlg, s);
	int len = enc_ussd(arg, sizeof(arg), "Balance 5 EUR. 1: top up");
	tcap_invoke(dlg, MAP_OP_USSR, arg, len, USSD_TIMEOUT_MS, NULL);
	tcap_continue(dlg, NULL, 0);
}

static void ussd_continue(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct ussd_session *s = tcap_dialogue_priv(dlg);
	uint8_t res[64];
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		if (ind->comp[i].type != TCAP_COMP_RESULT_LAST || !s)
			continue;
		int len = enc_ussd(res, sizeof(res), "Thank you");
		tcap_result(dlg, s->puss_invoke, true, MAP_OP_PROCESS_USS, res, len);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
}

static void hlr_begin(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	uint8_t version;
	enum map_ac ac = dialogue_ac(ind->acn, &version);
	if (ac == MAP_AC_SHORT_MSG_GATEWAY && version > netsim_cfg.sms_gw_max_version) {
		struct tcap_acn proposed = *ind->acn;
		proposed.oid[6] = (uint8_t)netsim_cfg.sms_gw_max_version;
		tcap_refuse_acn(dlg, &proposed);
		return;
	}
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type != TCAP_COMP_INVOKE)
			continue;
		if (c->opcode == MAP_OP_SRI_FOR_SM) {
			answer_sri_sm(dlg, c);
			return;
		}
		if (c->opcode == MAP_OP_PROCESS_USS && (!ind->acn || ac == MAP_AC_NETWORK_USSD)) {
			ussd_begin(dlg, c);
			return;
		}
		tcap_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_UNRECOGNIZED_OPERATION);
	}
	tcap_end(dlg, false, NULL, 0);
}

static void hlr_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!dlg)
		return;
	switch (ind->type) {
	case TCAP_IND_BEGIN:
		hlr_begin(dlg, ind);
		break;
	case TCAP_IND_CONTINUE:
		ussd_continue(dlg, ind);
		break;
	default:
		break;	/* END/ABORT: the dialogue (and its session) is gone */
	}
}

static void hlr_l_cancel(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	tcap_u_abort(dlg, NULL, 0);
}

static const struct tcap_user_ops hlr_ops = {
	.dialogue_ind = hlr_dialogue_ind,
	.l_cancel_ind = hlr_l_cancel,
};

int netsim_hlr_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user *u = sccp_user_bind(stack->sccp, SCCP_SSN_HLR, &tcap_sccp_user_ops, NULL);
	if (!u)
		return -EBUSY;
	struct sccp_sap_down down = sccp_user_sap_down(u);
	struct tcap_instance *tcap = tcap_instance_alloc(ctx, &down, &hlr_ops, NULL);
	sccp_user_set_priv(u, tcap);
	return 0;
}

/* ------------------------------------------------------------------ echo */

static void echo_unitdata_ind(void *priv, const struct sccp_unitdata *ud)
{
	struct sccp_user *u = *(struct sccp_user **)priv;
	struct sccp_unitdata back = *ud;
	back.called = ud->calling;
	back.calling = ud->called;
	back.return_on_error = false;
	sccp_user_unitdata_req(u, &back);
}

static const struct sccp_user_ops echo_ops = { .unitdata_ind = echo_unitdata_ind };

int netsim_echo_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user **holder = talloc_zero(ctx, struct sccp_user *);
	*holder = sccp_user_bind(stack->sccp, NETSIM_ECHO_SSN, &echo_ops, holder);
	return *holder ? 0 : -EBUSY;
}
