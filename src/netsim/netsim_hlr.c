/* The simulated HLR (SSN 6): answers SRI-for-SM with an IMSI and the serving
 * MSC, refuses shortMsgGateway versions above its configured maximum
 * (proposing its own), and plays a one-question USSD menu: processUSS-Request
 * -> unstructuredSS-Request prompt -> the answer -> processUSS result. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/gsm/gsm_utils.h>
#include <sigway/asn1/ber.h>
#include <sigway/common/logging.h>
#include <sigway/tcap/tcap.h>
#include "netsim.h"

#define OP_SRI_SM	45
#define OP_PROCESS_USS	59
#define OP_USSR		60
#define ERR_UNEXPECTED_DATA 36
#define USSD_TIMEOUT_MS 30000

static const uint8_t acn_sms_gw_prefix[6] = { 0x04, 0x00, 0x00, 0x01, 0x00, 0x14 };
static const uint8_t acn_ussd_prefix[6] = { 0x04, 0x00, 0x00, 0x01, 0x00, 0x13 };

static bool acn_is(const struct tcap_acn *acn, const uint8_t prefix[6])
{
	return acn && acn->len == 7 && !memcmp(acn->oid, prefix, 6);
}

/* the MSISDN of an SRI-for-SM argument: [0] ISDN-AddressString */
static int sri_sm_msisdn(const struct tcap_component *c, char *msisdn, size_t sz)
{
	struct ber_cursor cur, seq;
	struct ber_tlv t;
	ber_cursor_init(&cur, c->param, c->param_len, BER_ALLOW_INDEFINITE);
	if (!c->param || ber_expect(&cur, &t, BER_SEQUENCE) < 0)
		return -EINVAL;
	ber_cursor_enter(&seq, &cur, &t);
	if (ber_expect(&seq, &t, BER_CTX(0)) < 0 || t.len < 2)
		return -EINVAL;
	return ber_tbcd_decode(msisdn, sz, t.val + 1, t.len - 1);
}

static int enc_sri_sm_res(uint8_t *buf, size_t cap, const char *imsi, const char *msc)
{
	struct ber_enc e;
	ber_enc_init(&e, buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	ber_put_tbcd(&e, BER_OCTET_STRING, -1, imsi);
	size_t li = ber_open(&e, BER_CTX_C(0));		/* locationInfoWithLMSI */
	ber_put_tbcd(&e, BER_CTX(1), 0x91, msc);	/* networkNode-Number */
	ber_close(&e, li);
	ber_close(&e, s);
	return ber_enc_result(&e);
}

static int enc_ussd(uint8_t *buf, size_t cap, const char *text)
{
	uint8_t packed[160];
	int octets;
	const uint8_t dcs = 0x0f;
	if (gsm_7bit_encode_n_ussd(packed, sizeof(packed), text, &octets) < 0)
		return -EINVAL;
	struct ber_enc e;
	ber_enc_init(&e, buf, cap);
	size_t s = ber_open(&e, BER_SEQUENCE);
	ber_put(&e, BER_OCTET_STRING, &dcs, 1);
	ber_put(&e, BER_OCTET_STRING, packed, octets);
	ber_close(&e, s);
	return ber_enc_result(&e);
}

static void answer_sri_sm(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	char msisdn[24], imsi[20];
	uint8_t res[64];
	if (sri_sm_msisdn(c, msisdn, sizeof(msisdn)) < 5) {
		tcap_error(dlg, c->invoke_id, ERR_UNEXPECTED_DATA, NULL, 0);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
	/* a stable IMSI per MSISDN: MCC+MNC, then the last 10 digits */
	size_t n = strlen(msisdn);
	snprintf(imsi, sizeof(imsi), "%s%s", netsim_cfg.imsi_prefix, msisdn + (n > 10 ? n - 10 : 0));
	int len = enc_sri_sm_res(res, sizeof(res), imsi, netsim_cfg.msc_gt);
	tcap_result(dlg, c->invoke_id, true, OP_SRI_SM, res, len);
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
	tcap_invoke(dlg, OP_USSR, arg, len, USSD_TIMEOUT_MS, NULL);
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
		tcap_result(dlg, s->puss_invoke, true, OP_PROCESS_USS, res, len);
		tcap_end(dlg, false, NULL, 0);
		return;
	}
}

static void hlr_begin(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (acn_is(ind->acn, acn_sms_gw_prefix) && ind->acn->oid[6] > netsim_cfg.sms_gw_max_version) {
		struct tcap_acn proposed = *ind->acn;
		proposed.oid[6] = (uint8_t)netsim_cfg.sms_gw_max_version;
		tcap_refuse_acn(dlg, &proposed);
		return;
	}
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type != TCAP_COMP_INVOKE)
			continue;
		if (c->opcode == OP_SRI_SM) {
			answer_sri_sm(dlg, c);
			return;
		}
		if (c->opcode == OP_PROCESS_USS && (!ind->acn || acn_is(ind->acn, acn_ussd_prefix))) {
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
