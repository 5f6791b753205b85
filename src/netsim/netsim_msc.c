/* The simulated MSC/VLR (SSN 8): takes MT-ForwardSM (v3) and forwardSM (v2)
 * for the subscribers it serves and answers as each one's state says; in a
 * single TC-BEGIN (SCCP-segmented when long) or by the 29.002 large-message
 * procedure (empty TC-BEGIN, invoke in the first TC-CONTINUE). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <talloc.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_sm.h>
#include <sigway/sms/sms_split.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/tcap/tcap.h>
#include <sigway/tcap/tcap_vty.h>
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

static unsigned long mt_parts_accepted;
static FILE *mt_log;

void netsim_msc_count_delivered(const char *imsi, const uint8_t *tpdu, size_t len)
{
	struct sms_tpdu t;
	char text[400] = "";
	mt_parts_accepted++;
	if (!netsim_cfg.mt_log[0])
		return;
	if (!mt_log)
		mt_log = fopen(netsim_cfg.mt_log, "a");
	if (!mt_log)
		return;
	if (sms_tpdu_decode(&t, tpdu, len, 0) == 0)
		sms_tpdu_text(&t, text, sizeof(text));
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	fprintf(mt_log, "%s\t%s\n", imsi, text);
	fflush(mt_log);
}

void netsim_msc_show_mt(struct vty *vty)
{
	vty_out(vty, "parts accepted: %lu%s", mt_parts_accepted, VTY_NEWLINE);
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
		if (a.more_messages_to_send) {
			/* 29.002: the dialogue stays open for the next part */
			tcap_result(dlg, c->invoke_id, true, c->opcode, NULL, 0);
			tcap_continue(dlg, NULL, 0);
		} else {
			answer(dlg, c->invoke_id, c->opcode, NULL);
		}
		netsim_msc_count_delivered(a.da_imsi, a.sm_rp_ui, a.sm_rp_ui_len);
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

/* ------------------------------------------------------------- MO SMS */

#define MO_KEEP 32
/* what a dialogue the MSC opened is for */
enum origin_kind { ORIGIN_MO_SMS = 1, ORIGIN_USSD };

struct mo_record {
	enum origin_kind kind;
	int id;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
	char outcome[64];
};
struct ussd_call {
	enum origin_kind kind;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
};

static struct mo_record mo_log[MO_KEEP];
static int mo_count;
static struct tcap_instance *msc_tcap;

static struct mo_record *mo_of(struct tcap_dialogue *dlg)
{
	return tcap_dialogue_priv(dlg);
}

#define MO_PARTS_MAX 8

/* SMS-SUBMIT of one part to dest */
static int submit_tpdu(uint8_t *out, size_t cap, const char *dest, const struct sms_part *part,
		       enum sms_alphabet alphabet)
{
	struct sms_tpdu t = { .type = SMS_SUBMIT, .mr = (uint8_t)mo_count,
			      .addr = { .ton = 1, .npi = 1 }, .dcs = alphabet == SMS_ALPHABET_GSM7 ? 0x00 : 0x08 };
	snprintf(t.addr.text, sizeof(t.addr.text), "%s", dest);
	sms_part_to_ud(&t.ud, part);
	return sms_tpdu_encode(out, cap, &t);
}

/* One MO-ForwardSM dialogue; returns the id of its record */
static int send_mo_part(const char *msisdn, const uint8_t *tpdu, int n)
{
	uint8_t arg[300];
	struct sccp_addr called, calling;
	struct tcap_acn acn;
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	struct map_forward_sm_arg a = { .da_type = MAP_DA_SC_ADDRESS, .da_address = { true, 0x91 },
					.oa_type = MAP_OA_MSISDN, .oa_address = { true, 0x91 },
					.sm_rp_ui = tpdu, .sm_rp_ui_len = n };
	snprintf(a.da_address.digits, sizeof(a.da_address.digits), "%s", netsim_cfg.smsc_gt);
	snprintf(a.oa_address.digits, sizeof(a.oa_address.digits), "%s", msisdn);
	if (sub)
		snprintf(a.imsi, sizeof(a.imsi), "%s", sub->imsi);
	int len = map_enc_forward_sm_arg(arg, sizeof(arg), &a, 3);
	if (len < 0 || sccp_addr_set_e164(&called, netsim_cfg.smsc_gt, SCCP_SSN_MSC) < 0 ||
	    sccp_addr_set_e164(&calling, sub ? sub->msc_gt : netsim_cfg.msc_gt, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	struct mo_record *r = &mo_log[mo_count % MO_KEEP];
	*r = (struct mo_record){ .kind = ORIGIN_MO_SMS, .id = ++mo_count };
	snprintf(r->msisdn, sizeof(r->msisdn), "%s", msisdn);
	snprintf(r->outcome, sizeof(r->outcome), "sent");
	map_acn(&acn, MAP_AC_SHORT_MSG_MO_RELAY, 3);
	struct tcap_dialogue *dlg = tcap_dialogue_alloc(msc_tcap, &called, &calling, &acn, r);
	if (!dlg)
		return -ENOMEM;
	tcap_invoke(dlg, MAP_OP_MO_FORWARD_SM, arg, len, 10000, NULL);
	if (tcap_begin(dlg, NULL, 0) < 0)
		return -EIO;
	return r->id;
}

/* A text too long for one SMS goes as concatenated parts, each in its own
 * MO-ForwardSM dialogue (as a handset sends them), in order or reversed */
int netsim_msc_send_mo(const char *msisdn, const char *dest, const char *text, enum netsim_mo_order order)
{
	struct sms_part parts[MO_PARTS_MAX];
	enum sms_alphabet alphabet;
	uint8_t scratch[4 * 160 * MO_PARTS_MAX], tpdu[200];
	if (!msc_tcap)
		return -ENOTCONN;
	int n = sms_split_text(parts, MO_PARTS_MAX, text, strlen(text), (uint16_t)(mo_count & 0xff), false,
			       &alphabet, scratch, sizeof(scratch));
	if (n <= 0)
		return -EMSGSIZE;
	int first = -1;
	for (int k = 0; k < (order == NETSIM_MO_FIRST_ONLY ? 1 : n); k++) {
		int i = order == NETSIM_MO_REVERSED ? n - 1 - k : k;
		int len = submit_tpdu(tpdu, sizeof(tpdu), dest, &parts[i], alphabet);
		int id = len < 0 ? len : send_mo_part(msisdn, tpdu, len);
		if (id < 0)
			return id;
		if (first < 0)
			first = id;
	}
	return first;
}

void netsim_msc_show_mo(struct vty *vty)
{
	for (int i = mo_count > MO_KEEP ? mo_count - MO_KEEP : 0; i < mo_count; i++)
		vty_out(vty, "%d %s %s%s", mo_log[i % MO_KEEP].id, mo_log[i % MO_KEEP].msisdn,
			mo_log[i % MO_KEEP].outcome, VTY_NEWLINE);
}

/* the SMSC's answer to one of our MO-ForwardSMs */
static void mo_answer(struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct mo_record *r = mo_of(dlg);
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		if (ind->comp[i].type == TCAP_COMP_ERROR) {
			snprintf(r->outcome, sizeof(r->outcome), "error %d %s", ind->comp[i].error_code,
				 map_error_name(ind->comp[i].error_code));
			return;
		}
	}
	snprintf(r->outcome, sizeof(r->outcome), ind->type == TCAP_IND_END ? "accepted" : "failed (indication %d)",
		 ind->type);
}

static void msc_l_cancel(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	enum origin_kind *kind = tcap_dialogue_priv(dlg);
	if (kind && *kind == ORIGIN_MO_SMS)
		snprintf(mo_of(dlg)->outcome, sizeof(mo_of(dlg)->outcome), "timeout");
	else if (kind)
		netsim_ussd_log("%s: no answer from the USSD gateway", ((struct ussd_call *)kind)->msisdn);
	tcap_dialogue_release(dlg);
}

/* ------------------------------------------------------ USSD (mobile side) */

#define USSD_LOG_KEEP 32
static char ussd_log[USSD_LOG_KEEP][160];
static int ussd_log_count;

void netsim_ussd_log(const char *fmt, ...)
{
	va_list ap;
	char *line = ussd_log[ussd_log_count % USSD_LOG_KEEP];
	int n = snprintf(line, sizeof(ussd_log[0]), "%d ", ussd_log_count + 1);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(ussd_log[0]) - n, fmt, ap);
	va_end(ap);
	ussd_log_count++;
	LOGP(DNETSIM, LOGL_INFO, "USSD %s\n", line);
}

void netsim_ussd_show(struct vty *vty)
{
	for (int i = ussd_log_count > USSD_LOG_KEEP ? ussd_log_count - USSD_LOG_KEEP : 0; i < ussd_log_count; i++)
		vty_out(vty, "%s%s", ussd_log[i % USSD_LOG_KEEP], VTY_NEWLINE);
}

const char *netsim_ussd_answer(void)
{
	static int next;
	if (!netsim_cfg.n_ussd_answers)
		return "1";
	return netsim_cfg.ussd_answers[next++ % netsim_cfg.n_ussd_answers];
}

int netsim_ussd_dial(const char *msisdn, const char *gw_gt, const char *text)
{
	uint8_t arg[200];
	struct sccp_addr called, calling;
	struct tcap_acn acn;
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	int len = map_enc_ussd_text(arg, sizeof(arg), text);
	if (!msc_tcap || len < 0 || sccp_addr_set_e164(&called, gw_gt, SCCP_SSN_MSC) < 0 ||
	    sccp_addr_set_e164(&calling, sub ? sub->msc_gt : netsim_cfg.msc_gt, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	struct ussd_call *call = talloc_zero(msc_tcap, struct ussd_call);
	call->kind = ORIGIN_USSD;
	snprintf(call->msisdn, sizeof(call->msisdn), "%s", msisdn);
	map_acn(&acn, MAP_AC_NETWORK_USSD, 2);
	struct tcap_dialogue *dlg = tcap_dialogue_alloc(msc_tcap, &called, &calling, &acn, call);
	if (!dlg) {
		talloc_free(call);
		return -ENOMEM;
	}
	talloc_steal(dlg, call);	/* goes with the dialogue */
	tcap_invoke(dlg, MAP_OP_PROCESS_USS, arg, len, 30000, NULL);
	netsim_ussd_log("%s dials %s", msisdn, text);
	return tcap_begin(dlg, NULL, 0);
}

/* the gateway prompts (USSR), informs (USSN) or ends with the result */
static void ussd_call_ind(struct tcap_dialogue *dlg, struct ussd_call *call, const struct tcap_ind *ind)
{
	char text[400];
	uint8_t res[200];
	for (unsigned int i = 0; i < ind->n_comp; i++) {
		const struct tcap_component *c = &ind->comp[i];
		if (c->type == TCAP_COMP_INVOKE && c->opcode == MAP_OP_USSR) {
			const char *answer = netsim_ussd_answer();
			netsim_ussd_log("%s prompted '%s', answers '%s'", call->msisdn, map_dec_ussd_text(c->param, c->param_len, text, sizeof(text)),
					answer);
			int len = map_enc_ussd_text(res, sizeof(res), answer);
			tcap_result(dlg, c->invoke_id, true, MAP_OP_USSR, res, len);
			tcap_continue(dlg, NULL, 0);
		} else if (c->type == TCAP_COMP_INVOKE && c->opcode == MAP_OP_USSN) {
			netsim_ussd_log("%s notified '%s'", call->msisdn, map_dec_ussd_text(c->param, c->param_len, text, sizeof(text)));
			tcap_result(dlg, c->invoke_id, true, MAP_OP_USSN, NULL, 0);
			tcap_continue(dlg, NULL, 0);
		} else if (c->type == TCAP_COMP_RESULT_LAST && c->opcode == MAP_OP_PROCESS_USS) {
			netsim_ussd_log("%s result '%s'", call->msisdn, map_dec_ussd_text(c->param, c->param_len, text, sizeof(text)));
		} else if (c->type == TCAP_COMP_ERROR) {
			netsim_ussd_log("%s error %d %s", call->msisdn, c->error_code, map_error_name(c->error_code));
		}
	}
	if (ind->type == TCAP_IND_U_ABORT || ind->type == TCAP_IND_P_ABORT)
		netsim_ussd_log("%s aborted", call->msisdn);
}

static void msc_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!dlg)
		return;
	enum origin_kind *kind = tcap_dialogue_priv(dlg);
	if (kind && *kind == ORIGIN_USSD) {
		ussd_call_ind(dlg, (struct ussd_call *)kind, ind);
		return;
	}
	if (kind) {
		if (ind->type != TCAP_IND_CONTINUE)
			mo_answer(dlg, ind);
		return;
	}
	if (ind->type != TCAP_IND_BEGIN && ind->type != TCAP_IND_CONTINUE)
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

static const struct tcap_user_ops msc_ops = { .dialogue_ind = msc_dialogue_ind, .l_cancel_ind = msc_l_cancel };

int netsim_msc_start(void *ctx, struct ss7_stack *stack)
{
	struct sccp_user *u = sccp_user_bind(stack->sccp, SCCP_SSN_MSC, &tcap_sccp_user_ops, NULL);
	if (!u)
		return -EBUSY;
	struct sccp_sap_down down = sccp_user_sap_down(u);
	msc_tcap = tcap_instance_alloc(ctx, &down, &msc_ops, NULL);
	sccp_user_set_priv(u, msc_tcap);
	return tcap_vty_add_instance("msc", msc_tcap);
}
