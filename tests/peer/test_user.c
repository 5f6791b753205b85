/* The test peer's TC-user: originates the stack's test dialogues and the
 * SCCP/TCAP benchmark traffic on VTY command, answers what the simulated
 * network sends to a gateway (MO, alerts, USSD), and injects raw SCCP, so
 * the stack and the daemons can be exercised through a real osmo-stp. It is
 * a test tool that programs TCAP directly; production code speaks MAP.
 *
 * Each test dialogue's state (struct test_dlg) lives exactly as long as the
 * dialogue: it is freed when the dialogue ends (END/ABORT indication, or our
 * own end/abort/release), never while TCAP may still indicate with it. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/map/map_sm.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include <sigway/tcap/tcap.h>
#include <sigway/tcap/tcap_vty.h>
#include "test_user.h"

#define INVOKE_TIMEOUT_MS 15000
#define MAX_RESULTS	64

enum test_kind { T_BASIC_END, T_CONTINUE, T_USER_ABORT, T_ACN_FALLBACK, T_UDT_RETURN, T_MT, T_ALERT,
		 T_MO, T_USSD_MENU, T_USSD_PUSH, T_EMPTY_CONTINUE };
static const char *const kind_names[] = {
	[T_BASIC_END] = "basic-end", [T_CONTINUE] = "continue", [T_USER_ABORT] = "user-abort",
	[T_ACN_FALLBACK] = "acn-fallback", [T_UDT_RETURN] = "udt-return",
	[T_MT] = "mt-sms", [T_ALERT] = "alert-sc", [T_MO] = "mo-sms",
	[T_USSD_MENU] = "ussd-menu", [T_USSD_PUSH] = "ussd-push", [T_EMPTY_CONTINUE] = "empty-continue",
};

static const char *const ind_names[] = {
	[TCAP_IND_BEGIN] = "TC-BEGIN", [TCAP_IND_CONTINUE] = "TC-CONTINUE", [TCAP_IND_END] = "TC-END",
	[TCAP_IND_U_ABORT] = "TC-U-ABORT", [TCAP_IND_P_ABORT] = "TC-P-ABORT", [TCAP_IND_NOTICE] = "TC-NOTICE",
	[TCAP_IND_UNI] = "TC-UNI",
};

struct test_result {
	int id;
	enum test_kind kind;
	char state[16];		/* running, ok, failed */
	char detail[160];
};

struct bench {
	bool running;
	bool tcap;
	uint64_t target, sent, done, failed;
	unsigned int window;
	struct timespec start, end;
	uint8_t payload[256];
	size_t payload_len;
	char called_gt[SCCP_GT_DIGITS_MAX + 1];
};

struct test_user {
	struct ss7_stack *stack;
	struct sccp_user *tcap_sccp;
	struct sccp_user *echo_sccp;
	struct tcap_instance *tcap;
	struct sccp_addr own;		/* calling address of everything we originate */
	struct test_result results[MAX_RESULTS];
	int n_results;
	struct bench bench;
	void *bench_tag;		/* the TCAP priv of bench dialogues (a talloc object, like every priv) */
};

static struct test_user *g_tu;

/* per dialogue: which test it belongs to */
struct test_dlg {
	struct test_result *res;
	char called_gt[SCCP_GT_DIGITS_MAX + 1];
	int acn_version;
	char msisdn[MAP_DIGITS_MAX + 1];	/* T_MT */
	char msisdn_imsi[MAP_IMSI_MAX + 1];	/* T_MT: from the SRI-for-SM answer */
	bool fsm_sent;				/* T_MT: SRI done, MT-ForwardSM out */
	bool long_sms;				/* T_MT: a 140-octet user data TPDU */
	bool empty_begin;			/* T_MT: 29.002 large-message procedure */
	bool invoke_pending;			/* T_MT: the invoke waits for the first Continue */
	uint8_t called_ssn;			/* T_EMPTY_CONTINUE */
	bool empty_sent;			/* T_EMPTY_CONTINUE: our empty TC-CONTINUE is out */
	int8_t puss_invoke;			/* T_USSD_MENU: the subscriber's request */
	char dialled[64];			/* T_USSD_MENU */
};

/* What a handler leaves behind: the dialogue goes on with its test_dlg, or
 * the dialogue is over (the peer ended it, or the handler ended or aborted
 * it) and the caller frees the test_dlg */
enum td_next { TD_KEEP, TD_DONE };

/* ------------------------------------------------------------ results */

static struct test_result *result_new(struct test_user *tu, enum test_kind kind)
{
	struct test_result *r = &tu->results[tu->n_results % MAX_RESULTS];
	memset(r, 0, sizeof(*r));
	r->id = ++tu->n_results;
	r->kind = kind;
	strcpy(r->state, "running");
	return r;
}

static void result_set(struct test_result *r, const char *state, const char *fmt, ...)
{
	va_list ap;
	snprintf(r->state, sizeof(r->state), "%s", state);
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	LOGP(DAPP, LOGL_NOTICE, "test %d %s: %s %s\n", r->id, kind_names[r->kind], r->state, r->detail);
}

static struct test_dlg *td_new(struct test_user *tu, enum test_kind kind)
{
	struct test_dlg *td = talloc_zero(tu, struct test_dlg);
	if (td)
		td->res = result_new(tu, kind);
	return td;
}

/* ------------------------------------------------- MAP parameter bytes */

static int enc_sri_sm_arg(uint8_t *buf, size_t cap, const char *msisdn, const char *sc)
{
	struct map_sri_sm_arg a = { .msisdn = { true, 0x91 }, .sm_rp_pri = true, .sc_address = { true, 0x91 } };
	snprintf(a.msisdn.digits, sizeof(a.msisdn.digits), "%s", msisdn);
	snprintf(a.sc_address.digits, sizeof(a.sc_address.digits), "%s", sc);
	return map_enc_sri_sm_arg(buf, cap, &a);
}

/* ------------------------------------------------------- dialogues */

static struct tcap_dialogue *open_dialogue(struct test_user *tu, const char *gt, uint8_t ssn,
					   const struct tcap_acn *acn, void *priv)
{
	struct sccp_addr called;
	if (sccp_addr_set_e164(&called, gt, ssn) < 0)
		return NULL;
	return tcap_dialogue_alloc(tu->tcap, &called, &tu->own, acn, priv);
}

/* Queues one invoke and sends the Begin. On failure the dialogue is gone
 * (released here, or by tcap_begin), and the caller still owns its priv. */
static int begin_with_invoke(struct tcap_dialogue *dlg, int32_t opcode, const uint8_t *arg, int len,
			     const uint8_t *user_info, size_t ui_len)
{
	if (len < 0 || tcap_invoke(dlg, opcode, arg, len, INVOKE_TIMEOUT_MS, NULL) < 0) {
		tcap_dialogue_release(dlg);
		return -EINVAL;
	}
	return tcap_begin(dlg, user_info, ui_len);
}

static int start_sri_sm(struct test_user *tu, struct test_dlg *td, const char *msisdn)
{
	uint8_t arg[64];
	struct tcap_acn acn;
	map_acn(&acn, MAP_AC_SHORT_MSG_GATEWAY, (uint8_t)td->acn_version);
	struct tcap_dialogue *dlg = open_dialogue(tu, td->called_gt, SCCP_SSN_HLR, &acn, td);
	if (!dlg)
		return -EINVAL;
	int len = enc_sri_sm_arg(arg, sizeof(arg), msisdn, tu->own.gt.digits);
	return begin_with_invoke(dlg, MAP_OP_SRI_FOR_SM, arg, len, NULL, 0);
}

/* processUnstructuredSS-Request "*100#" to a GT and SSN */
static int start_ussd(struct test_user *tu, struct test_dlg *td, uint8_t ssn)
{
	uint8_t arg[200];
	struct tcap_acn acn;
	map_acn(&acn, MAP_AC_NETWORK_USSD, 2);
	struct tcap_dialogue *dlg = open_dialogue(tu, td->called_gt, ssn, &acn, td);
	if (!dlg)
		return -EINVAL;
	int len = map_enc_ussd_text(arg, sizeof(arg), "*100#");
	return begin_with_invoke(dlg, MAP_OP_PROCESS_USS, arg, len, NULL, 0);
}

static bool has_comp(const struct tcap_ind *ind, enum tcap_comp_type type, int32_t op)
{
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == type && (op < 0 || ind->comp[i].opcode == op))
			return true;
	return false;
}

static const struct tcap_component *first_comp(const struct tcap_ind *ind, enum tcap_comp_type type)
{
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == type)
			return &ind->comp[i];
	return NULL;
}

/* An indication the test did not expect: the test failed, and a dialogue
 * still open is aborted so nothing refers to its state any more */
static enum td_next unexpected(struct tcap_dialogue *dlg, struct test_dlg *td, const struct tcap_ind *ind,
			       const char *step)
{
	result_set(td->res, "failed", "%s: unexpected %s (%u components)", step, ind_names[ind->type], ind->n_comp);
	if (ind->type == TCAP_IND_CONTINUE || ind->type == TCAP_IND_NOTICE)
		tcap_u_abort(dlg, NULL, 0);
	return TD_DONE;
}

/* The peer refused our version and proposed a lower one: the same test
 * again in that version, on a new dialogue */
static bool retry_lower_version(struct test_user *tu, struct test_dlg *td, const struct tcap_ind *ind,
				const char *what)
{
	if (ind->type != TCAP_IND_U_ABORT || !ind->acn_not_supported || !ind->acn ||
	    ind->acn->oid[6] >= td->acn_version)
		return false;
	struct test_dlg *retry = talloc_zero(tu, struct test_dlg);
	if (!retry) {
		result_set(td->res, "failed", "out of memory");
		return true;
	}
	*retry = *td;
	retry->acn_version = ind->acn->oid[6];
	result_set(td->res, "running", "%s v%d refused, retrying with v%d", what, td->acn_version,
		   retry->acn_version);
	if (start_sri_sm(tu, retry, retry->msisdn[0] ? retry->msisdn : "491770000001") < 0) {
		result_set(td->res, "failed", "cannot retry");
		talloc_free(retry);
	}
	return true;
}

static enum td_next on_sri_sm(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
			      const struct tcap_ind *ind)
{
	struct test_result *r = td->res;
	if (ind->type == TCAP_IND_END && has_comp(ind, TCAP_COMP_RESULT_LAST, MAP_OP_SRI_FOR_SM)) {
		result_set(r, "ok", "SRI-for-SM result in TC-END, ACN v%d, local TID 0x%08x",
			   td->acn_version, tcap_dialogue_local_tid(dlg));
		return TD_DONE;
	}
	if (r->kind == T_ACN_FALLBACK && retry_lower_version(tu, td, ind, "SRI-for-SM"))
		return TD_DONE;
	return unexpected(dlg, td, ind, "sri-for-sm");
}

static enum td_next on_ussd(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
			    const struct tcap_ind *ind)
{
	struct test_result *r = td->res;
	uint8_t res[200];
	const struct tcap_component *c = NULL;
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == TCAP_COMP_INVOKE && ind->comp[i].opcode == MAP_OP_USSR)
			c = &ind->comp[i];
	if (ind->type == TCAP_IND_CONTINUE && c) {
		if (r->kind == T_USER_ABORT) {
			tcap_u_abort(dlg, NULL, 0);
			result_set(r, "ok", "network asked (USSR), we aborted");
			return TD_DONE;
		}
		int len = map_enc_ussd_text(res, sizeof(res), "1");
		if (len < 0 || tcap_result(dlg, c->invoke_id, true, MAP_OP_USSR, res, len) < 0 ||
		    tcap_continue(dlg, NULL, 0) < 0) {
			result_set(r, "failed", "cannot answer the USSR");
			tcap_u_abort(dlg, NULL, 0);
			return TD_DONE;
		}
		result_set(r, "running", "answered USSR");
		return TD_KEEP;
	}
	if (ind->type == TCAP_IND_END && has_comp(ind, TCAP_COMP_RESULT_LAST, MAP_OP_PROCESS_USS)) {
		result_set(r, "ok", "Begin -> Continue(USSR) -> Continue -> End(result)");
		return TD_DONE;
	}
	return unexpected(dlg, td, ind, "ussd");
}

/* A USSD Begin, and whatever the remote continues with is answered by a
 * TC-CONTINUE without components (issue 9, item 1: this once crashed the
 * gateway). The test is done when the remote has closed the dialogue or
 * stayed silent; what it did is the result. */
static enum td_next on_empty_continue(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
				      const struct tcap_ind *ind)
{
	struct test_result *r = td->res;
	if (ind->type == TCAP_IND_CONTINUE && !td->empty_sent) {
		if (tcap_continue(dlg, NULL, 0) < 0) {
			result_set(r, "failed", "cannot send the empty TC-CONTINUE");
			tcap_u_abort(dlg, NULL, 0);
			return TD_DONE;
		}
		td->empty_sent = true;
		result_set(r, "running", "remote continued (%u components), empty TC-CONTINUE sent", ind->n_comp);
		return TD_KEEP;
	}
	if (ind->type == TCAP_IND_NOTICE) {
		result_set(r, "failed", "%s returned by SCCP (cause %u)",
			   td->empty_sent ? "the empty TC-CONTINUE" : "the Begin", ind->cause);
		tcap_u_abort(dlg, NULL, 0);
		return TD_DONE;
	}
	if (!td->empty_sent) {
		/* nothing to continue: the remote closed (or refused) at once */
		result_set(r, "ok", "remote answered the Begin with %s%s, no dialogue to continue",
			   ind_names[ind->type], ind->refused ? " (refused)" : "");
		return TD_DONE;
	}
	result_set(r, "ok", "after the empty TC-CONTINUE the remote sent %s", ind_names[ind->type]);
	if (ind->type == TCAP_IND_CONTINUE)
		tcap_u_abort(dlg, NULL, 0);
	return TD_DONE;
}

/* ------------------------------------------------------ MT SMS */

/* SMS-DELIVER "Hi" from +49177000001 (the MSC decodes it before accepting) */
static const uint8_t test_tpdu[] = { 0x04, 0x0b, 0x91, 0x94, 0x71, 0x07, 0x00, 0x00, 0xf1, 0x00, 0x00, 0x52, 0x11,
				     0x42, 0x21, 0x00, 0x00, 0x00, 0x02, 0xc8, 0x34 };

/* SMS-DELIVER with 140 octets of 8-bit data: with its MT-ForwardSM Begin it
 * does not fit one SCCP message */
static size_t long_tpdu(uint8_t *out)
{
	static const uint8_t head[] = { 0x04, 0x0b, 0x91, 0x94, 0x71, 0x07, 0x00, 0x00, 0xf1, 0x00, 0x04,
					0x52, 0x11, 0x42, 0x21, 0x00, 0x00, 0x00, 140 };
	memcpy(out, head, sizeof(head));
	for (int i = 0; i < 140; i++)
		out[sizeof(head) + i] = (uint8_t)('A' + i % 26);
	return sizeof(head) + 140;
}

static int mt_fsm_invoke(struct tcap_dialogue *dlg, struct test_user *tu, struct test_dlg *td)
{
	uint8_t arg[400], tpdu[200];
	struct map_forward_sm_arg a = { .da_type = MAP_DA_IMSI, .oa_type = MAP_OA_SC_ADDRESS,
					.oa_address = { true, 0x91 }, .sm_rp_ui = test_tpdu,
					.sm_rp_ui_len = sizeof(test_tpdu) };
	if (td->long_sms) {
		a.sm_rp_ui = tpdu;
		a.sm_rp_ui_len = long_tpdu(tpdu);
	}
	snprintf(a.da_imsi, sizeof(a.da_imsi), "%s", td->msisdn_imsi);
	snprintf(a.oa_address.digits, sizeof(a.oa_address.digits), "%s", tu->own.gt.digits);
	int len = map_enc_forward_sm_arg(arg, sizeof(arg), &a, 3);
	if (len < 0)
		return -EINVAL;
	return tcap_invoke(dlg, MAP_OP_MT_FORWARD_SM, arg, len, 5000, NULL);
}

/* MT-ForwardSM to the MSC the HLR named, from the same calling GT as the SRI.
 * With empty_begin, the 29.002 large-message procedure: a TC-BEGIN with the
 * dialogue only, the invoke in the TC-CONTINUE after the MSC's answer. */
static int start_mt_fsm(struct test_user *tu, struct test_dlg *td, const struct map_sri_sm_res *res)
{
	struct tcap_acn acn;
	map_acn(&acn, MAP_AC_SHORT_MSG_MT_RELAY, 3);
	struct test_dlg *fsm = talloc_zero(tu, struct test_dlg);
	if (!fsm)
		return -ENOMEM;
	*fsm = *td;
	fsm->fsm_sent = true;
	snprintf(fsm->msisdn_imsi, sizeof(fsm->msisdn_imsi), "%s", res->imsi);
	struct tcap_dialogue *dlg = open_dialogue(tu, res->network_node.digits, SCCP_SSN_MSC, &acn, fsm);
	if (!dlg) {
		talloc_free(fsm);
		return -EINVAL;
	}
	if (fsm->empty_begin) {
		fsm->invoke_pending = true;
	} else if (mt_fsm_invoke(dlg, tu, fsm) < 0) {
		tcap_dialogue_release(dlg);
		talloc_free(fsm);
		return -EINVAL;
	}
	/* MAP-Open: destination reference the IMSI (E.212), origination the SC */
	uint8_t ui[64];
	struct map_open_info oi = { .destination_reference = { true, 0x96 }, .origination_reference = { true, 0x91 } };
	snprintf(oi.destination_reference.digits, sizeof(oi.destination_reference.digits), "%s", res->imsi);
	snprintf(oi.origination_reference.digits, sizeof(oi.origination_reference.digits), "%s", tu->own.gt.digits);
	int uil = map_enc_open_info(ui, sizeof(ui), &oi);
	int rc = tcap_begin(dlg, ui, uil > 0 ? uil : 0);
	if (rc < 0)
		talloc_free(fsm);	/* tcap_begin released the dialogue */
	return rc;
}

static enum td_next on_mt(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
			  const struct tcap_ind *ind)
{
	struct test_result *r = td->res;
	const struct tcap_component *err = first_comp(ind, TCAP_COMP_ERROR);
	const char *step = td->fsm_sent ? "mt-forwardSM" : "sri-for-sm";
	if (err) {
		result_set(r, "ok", "%s error %d %s", step, err->error_code, map_error_name(err->error_code));
		if (ind->type == TCAP_IND_CONTINUE)
			tcap_u_abort(dlg, NULL, 0);
		return TD_DONE;
	}
	/* the HLR speaks an older shortMsgGateway: ask again in its version */
	if (!td->fsm_sent && retry_lower_version(tu, td, ind, "SRI-for-SM"))
		return TD_DONE;
	if (ind->type == TCAP_IND_CONTINUE && td->invoke_pending) {
		/* the MSC accepted the dialogue: now the invoke */
		td->invoke_pending = false;
		if (mt_fsm_invoke(dlg, tu, td) < 0 || tcap_continue(dlg, NULL, 0) < 0) {
			result_set(r, "failed", "cannot send the MT-ForwardSM invoke");
			tcap_u_abort(dlg, NULL, 0);
			return TD_DONE;
		}
		return TD_KEEP;
	}
	if (ind->type != TCAP_IND_END)
		return unexpected(dlg, td, ind, step);
	if (td->fsm_sent) {
		result_set(r, "ok", "delivered via %s", tcap_dialogue_remote_addr(dlg)->gt.digits);
		return TD_DONE;
	}
	const struct tcap_component *res = first_comp(ind, TCAP_COMP_RESULT_LAST);
	struct map_sri_sm_res sri;
	if (!res || map_dec_sri_sm_res(&sri, res->param, res->param_len) < 0) {
		result_set(r, "failed", "SRI-for-SM result missing or malformed");
		return TD_DONE;
	}
	result_set(r, "running", "imsi %s msc %s", sri.imsi, sri.network_node.digits);
	if (start_mt_fsm(tu, td, &sri) < 0)
		result_set(r, "failed", "cannot send MT-ForwardSM");
	return TD_DONE;
}

/* alertServiceCentre from an HLR: acknowledge and record */
static void on_alert(struct test_user *tu, struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_alert_sc_arg a;
	struct test_result *r = result_new(tu, T_ALERT);
	if (map_dec_alert_sc_arg(&a, c->param, c->param_len) < 0) {
		result_set(r, "failed", "malformed alertServiceCentre");
		tcap_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_MISTYPED_PARAMETER);
	} else {
		result_set(r, "ok", "subscriber %s reachable again", a.msisdn.digits);
		tcap_result(dlg, c->invoke_id, true, MAP_OP_ALERT_SC, NULL, 0);
	}
	tcap_end(dlg, false, NULL, 0);
}

/* ---------------------------------------------------------- USSD */

/* A subscriber dialled a USSD string: answer with a menu prompt (USSR) */
static void on_ussd_dialled(struct test_user *tu, struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	uint8_t arg[200];
	struct test_dlg *td = td_new(tu, T_USSD_MENU);
	if (!td) {
		tcap_u_abort(dlg, NULL, 0);
		return;
	}
	td->puss_invoke = c->invoke_id;
	map_dec_ussd_text(c->param, c->param_len, td->dialled, sizeof(td->dialled));
	int len = map_enc_ussd_text(arg, sizeof(arg), "Menu: 1 Balance, 2 Help");
	if (len < 0 || tcap_invoke(dlg, MAP_OP_USSR, arg, len, INVOKE_TIMEOUT_MS, NULL) < 0 ||
	    tcap_continue(dlg, NULL, 0) < 0) {
		result_set(td->res, "failed", "cannot send the menu");
		tcap_u_abort(dlg, NULL, 0);
		talloc_free(td);
		return;
	}
	tcap_dialogue_set_priv(dlg, td);
	result_set(td->res, "running", "%s dialled, menu sent", td->dialled);
}

static enum td_next on_ussd_menu(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
				 const struct tcap_ind *ind)
{
	char answer[200];
	uint8_t res[200];
	const struct tcap_component *c = first_comp(ind, TCAP_COMP_RESULT_LAST);
	if (ind->type != TCAP_IND_CONTINUE || !c || c->opcode != MAP_OP_USSR)
		return unexpected(dlg, td, ind, "ussd menu");
	map_dec_ussd_text(c->param, c->param_len, answer, sizeof(answer));
	char reply[64];
	snprintf(reply, sizeof(reply), "You chose %.40s", answer);
	int len = map_enc_ussd_text(res, sizeof(res), reply);
	if (len >= 0)
		tcap_result(dlg, td->puss_invoke, true, MAP_OP_PROCESS_USS, res, len);
	tcap_end(dlg, false, NULL, 0);
	result_set(td->res, "ok", "%s dialled, chose %s", td->dialled, answer);
	return TD_DONE;
}

/* network-initiated: a USSR to the subscriber; End once answered */
static enum td_next on_ussd_push(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
				 const struct tcap_ind *ind)
{
	char answer[200];
	const struct tcap_component *c = first_comp(ind, TCAP_COMP_RESULT_LAST);
	if (ind->type == TCAP_IND_CONTINUE && c && c->opcode == MAP_OP_USSR) {
		result_set(td->res, "ok", "answered %s",
			   map_dec_ussd_text(c->param, c->param_len, answer, sizeof(answer)));
		tcap_end(dlg, false, NULL, 0);
		return TD_DONE;
	}
	return unexpected(dlg, td, ind, "ussd push");
}

/* ---------------------------------------------------------- MO SMS */

/* MO-ForwardSM from an MSC: decode, record, accept */
static void on_mo(struct test_user *tu, struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_forward_sm_arg a;
	struct sms_tpdu t;
	char text[400] = "";
	struct test_result *r = result_new(tu, T_MO);
	if (map_dec_forward_sm_arg(&a, c->param, c->param_len) < 0 || a.oa_type != MAP_OA_MSISDN ||
	    sms_tpdu_decode(&t, a.sm_rp_ui, a.sm_rp_ui_len, SMS_DEC_MO) < 0 || t.type != SMS_SUBMIT) {
		result_set(r, "failed", "malformed MO-ForwardSM");
		tcap_error(dlg, c->invoke_id, MAP_ERR_UNEXPECTED_DATA_VALUE, NULL, 0);
	} else {
		sms_tpdu_text(&t, text, sizeof(text));
		result_set(r, "ok", "from %s imsi %s to %s: %s", a.oa_address.digits, a.imsi[0] ? a.imsi : "-",
			   t.addr.text, text);
		tcap_result(dlg, c->invoke_id, true, MAP_OP_MO_FORWARD_SM, NULL, 0);
	}
	tcap_end(dlg, false, NULL, 0);
}

/* ------------------------------------------------------------ bench */

static void timespec_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static int bench_send_one(struct test_user *tu)
{
	struct bench *b = &tu->bench;
	if (b->tcap) {
		struct tcap_acn acn;
		map_acn(&acn, MAP_AC_SHORT_MSG_GATEWAY, 2);
		struct tcap_dialogue *dlg = open_dialogue(tu, b->called_gt, SCCP_SSN_HLR, &acn, tu->bench_tag);
		if (!dlg)
			return -ENOMEM;
		return begin_with_invoke(dlg, MAP_OP_SRI_FOR_SM, b->payload, b->payload_len, NULL, 0);
	}
	struct sccp_unitdata ud = { .calling = tu->own, .data = b->payload, .len = b->payload_len };
	sccp_addr_set_e164(&ud.called, b->called_gt, TEST_ECHO_SSN);
	ud.calling.ssn = TEST_ECHO_SSN;
	return sccp_user_unitdata_req(tu->echo_sccp, &ud);
}

/* Keeps `window` round trips outstanding until `target` were sent; one
 * that cannot be sent counts as done and failed */
static void bench_fill(struct test_user *tu)
{
	struct bench *b = &tu->bench;
	while (b->running && b->sent < b->target && b->sent - b->done < b->window) {
		b->sent++;
		if (bench_send_one(tu) < 0) {
			b->done++;
			b->failed++;
		}
	}
	if (b->running && b->done == b->target) {
		timespec_now(&b->end);
		b->running = false;
		LOGP(DAPP, LOGL_NOTICE, "bench %s: %llu round trips (%llu failed) in %.3f s\n", b->tcap ? "tcap" : "udt",
		     (unsigned long long)b->done, (unsigned long long)b->failed, elapsed_s(&b->start, &b->end));
	}
}

static void bench_one_done(struct test_user *tu, bool ok)
{
	struct bench *b = &tu->bench;
	if (!b->running || b->done >= b->sent)
		return;
	b->done++;
	if (!ok)
		b->failed++;
	bench_fill(tu);
}

/* A bench dialogue's answer: an End with a result is a round trip, anything
 * else a failure; a dialogue still open is aborted */
static void bench_ind(struct test_user *tu, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (ind->type == TCAP_IND_CONTINUE || ind->type == TCAP_IND_NOTICE)
		tcap_u_abort(dlg, NULL, 0);
	bench_one_done(tu, ind->type == TCAP_IND_END && has_comp(ind, TCAP_COMP_RESULT_LAST, -1));
}

/* ------------------------------------------------------ indications */

/* a TC-BEGIN from the network: what a gateway serves (alerts, MO, USSD) */
static void on_begin(struct test_user *tu, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	const struct tcap_component *c = first_comp(ind, TCAP_COMP_INVOKE);
	if (c && c->opcode == MAP_OP_ALERT_SC)
		on_alert(tu, dlg, c);
	else if (c && c->opcode == MAP_OP_MO_FORWARD_SM)
		on_mo(tu, dlg, c);
	else if (c && c->opcode == MAP_OP_PROCESS_USS)
		on_ussd_dialled(tu, dlg, c);
	else
		tcap_u_abort(dlg, NULL, 0);	/* nothing else is served here */
}

static enum td_next test_dlg_ind(struct test_user *tu, struct tcap_dialogue *dlg, struct test_dlg *td,
				 const struct tcap_ind *ind)
{
	switch (td->res->kind) {
	case T_USSD_MENU:
		return on_ussd_menu(tu, dlg, td, ind);
	case T_USSD_PUSH:
		return on_ussd_push(tu, dlg, td, ind);
	case T_CONTINUE:
	case T_USER_ABORT:
		return on_ussd(tu, dlg, td, ind);
	case T_EMPTY_CONTINUE:
		return on_empty_continue(tu, dlg, td, ind);
	case T_MT:
		return on_mt(tu, dlg, td, ind);
	default:
		return on_sri_sm(tu, dlg, td, ind);
	}
}

static void dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct test_user *tu = priv;
	if (!dlg)
		return;		/* TC-UNI: nothing to do */
	void *up = tcap_dialogue_priv(dlg);
	if (up && up == tu->bench_tag) {
		bench_ind(tu, dlg, ind);
		return;
	}
	if (!up) {
		if (ind->type == TCAP_IND_BEGIN)
			on_begin(tu, dlg, ind);
		return;
	}
	struct test_dlg *td = up;
	bool gone = ind->type == TCAP_IND_END || ind->type == TCAP_IND_U_ABORT || ind->type == TCAP_IND_P_ABORT;
	if (test_dlg_ind(tu, dlg, td, ind) == TD_DONE || gone)
		talloc_free(td);
}

/* An invoke of ours got no answer: the test's outcome, then the dialogue goes */
static void l_cancel_ind(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	struct test_user *tu = priv;
	void *up = tcap_dialogue_priv(dlg);
	if (up && up == tu->bench_tag) {
		bench_one_done(tu, false);
	} else if (up) {
		struct test_dlg *td = up;
		if (td->res->kind == T_EMPTY_CONTINUE && td->empty_sent) {
			/* the remote stays silent after our empty Continue: that is an
			 * answer too; the U-ABORT tells it the dialogue is over */
			result_set(td->res, "ok", "remote silent after the empty TC-CONTINUE, aborted");
			tcap_u_abort(dlg, NULL, 0);
			talloc_free(td);
			return;
		}
		/* for an MT SMS a silent MSC is an outcome to report, not a test failure */
		result_set(td->res, td->res->kind == T_MT ? "ok" : "failed", "%s timed out (invoke %d, op %d)",
			   td->res->kind == T_MT && td->fsm_sent ? "mt-forwardSM" : "dialogue", id, op);
		talloc_free(td);
	}
	tcap_dialogue_release(dlg);
}

static const struct tcap_user_ops test_tcap_ops = {
	.dialogue_ind = dialogue_ind,
	.l_cancel_ind = l_cancel_ind,
};

/* raw SCCP user: echoes for the UDT bench, returns for the UDTS test */
static void echo_unitdata_ind(void *priv, const struct sccp_unitdata *ud)
{
	bench_one_done(priv, true);
}

static void echo_notice_ind(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause cause)
{
	struct test_user *tu = priv;
	for (int i = 0; i < MAX_RESULTS && i < tu->n_results; i++) {
		struct test_result *r = &tu->results[i];
		if (r->kind == T_UDT_RETURN && !strcmp(r->state, "running"))
			result_set(r, "ok", "returned, cause %u", cause);
	}
}

static const struct sccp_user_ops echo_ops = {
	.unitdata_ind = echo_unitdata_ind,
	.notice_ind = echo_notice_ind,
};

/* ------------------------------------------------------------- VTY */

static bool own_gt_ok(struct vty *vty, struct test_user *tu)
{
	if (tu->tcap)
		return true;
	vty_out(vty, "%% configure 'testpeer' / 'calling-gt' first%s", VTY_NEWLINE);
	return false;
}

/* Starts a test dialogue; its state is gone when it could not start */
static int start_test(struct vty *vty, struct test_user *tu, struct test_dlg *td,
		      int (*start)(struct test_user *, struct test_dlg *))
{
	int id = td->res->id;
	int rc = start(tu, td);
	if (rc < 0) {
		result_set(td->res, "failed", "cannot start: %d", rc);
		talloc_free(td);
	}
	vty_out(vty, "test %d started%s", id, VTY_NEWLINE);
	return CMD_SUCCESS;
}

static int start_test_sri(struct test_user *tu, struct test_dlg *td)
{
	return start_sri_sm(tu, td, "491770000001");
}

static int start_test_ussd_hlr(struct test_user *tu, struct test_dlg *td)
{
	return start_ussd(tu, td, SCCP_SSN_HLR);
}

DEFUN(test_dialogue, test_dialogue_cmd,
      "test-dialogue (basic-end|continue|user-abort|acn-fallback) GT",
      "Run a test TCAP dialogue with the network\n"
      "Begin with ACN -> End with ReturnResultLast (SRI-for-SM v3)\n"
      "Begin -> Continue -> Continue -> End (USSD with a network prompt)\n"
      "Begin -> Continue -> our U-Abort (USSD)\n"
      "Begin with v3 refused -> retry with the proposed lower version\n"
      "Called global title\n")
{
	struct test_user *tu = g_tu;
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	enum test_kind kind = !strcmp(argv[0], "basic-end") ? T_BASIC_END :
			      !strcmp(argv[0], "continue") ? T_CONTINUE :
			      !strcmp(argv[0], "user-abort") ? T_USER_ABORT : T_ACN_FALLBACK;
	struct test_dlg *td = td_new(tu, kind);
	if (!td)
		return CMD_WARNING;
	td->acn_version = 3;
	snprintf(td->called_gt, sizeof(td->called_gt), "%s", argv[1]);
	bool ussd = kind == T_CONTINUE || kind == T_USER_ABORT;
	return start_test(vty, tu, td, ussd ? start_test_ussd_hlr : start_test_sri);
}

static int start_test_ussd_gw(struct test_user *tu, struct test_dlg *td)
{
	return start_ussd(tu, td, td->called_ssn);
}

DEFUN(test_empty_continue, test_empty_continue_cmd, "test-empty-continue GT <2-254>",
      "USSD Begin (processUnstructuredSS-Request *100#); a TC-CONTINUE back is answered with an\n"
      "empty TC-CONTINUE (no components)\n"
      "Called GT (e.g. the gateway's)\n" "Called SSN (the gateway serves SSN 8)\n")
{
	struct test_user *tu = g_tu;
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	struct test_dlg *td = td_new(tu, T_EMPTY_CONTINUE);
	if (!td)
		return CMD_WARNING;
	snprintf(td->called_gt, sizeof(td->called_gt), "%s", argv[0]);
	td->called_ssn = (uint8_t)atoi(argv[1]);
	return start_test(vty, tu, td, start_test_ussd_gw);
}

static int start_test_mt(struct vty *vty, int argc, const char **argv);

#define TEST_MT_HELP "Send a short message: SRI-for-SM to the HLR, then MT-ForwardSM to the MSC it names\n" \
	"Destination MSISDN\n" "HLR global title\n"

DEFUN(test_mt, test_mt_cmd, "test-mt-sms MSISDN HLR-GT", TEST_MT_HELP)
{
	return start_test_mt(vty, argc, argv);
}

DEFUN(test_mt_opts, test_mt_opts_cmd, "test-mt-sms MSISDN HLR-GT (short|long) (one-begin|empty-begin)",
      TEST_MT_HELP
      "A 2-character text\n" "140 octets of user data: more than one SCCP message holds\n"
      "The invoke in the TC-BEGIN (SCCP segments it when needed)\n"
      "29.002 large-message procedure: TC-BEGIN with the dialogue only, the invoke in a TC-CONTINUE\n")
{
	return start_test_mt(vty, argc, argv);
}

static int start_test_mt_sri(struct test_user *tu, struct test_dlg *td)
{
	return start_sri_sm(tu, td, td->msisdn);
}

static int start_test_mt(struct vty *vty, int argc, const char **argv)
{
	struct test_user *tu = g_tu;
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	struct test_dlg *td = td_new(tu, T_MT);
	if (!td)
		return CMD_WARNING;
	snprintf(td->called_gt, sizeof(td->called_gt), "%s", argv[1]);
	snprintf(td->msisdn, sizeof(td->msisdn), "%s", argv[0]);
	td->acn_version = 3;
	td->long_sms = argc > 2 && argv[2] && !strcmp(argv[2], "long");
	td->empty_begin = argc > 3 && argv[3] && !strcmp(argv[3], "empty-begin");
	return start_test(vty, tu, td, start_test_mt_sri);
}

DEFUN(test_ussd_push, test_ussd_push_cmd, "test-ussd-push HLR-GT .TEXT",
      "Network-initiated USSD: unstructuredSS-Request to a subscriber via the HLR\n" "HLR GT\n" "The prompt\n")
{
	struct test_user *tu = g_tu;
	uint8_t arg[200];
	struct tcap_acn acn;
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	struct test_dlg *td = td_new(tu, T_USSD_PUSH);
	if (!td)
		return CMD_WARNING;
	int id = td->res->id;
	char *text = argv_concat(argv, argc, 1);
	int len = text ? map_enc_ussd_text(arg, sizeof(arg), text) : -ENOMEM;
	talloc_free(text);
	map_acn(&acn, MAP_AC_NETWORK_USSD, 2);
	struct tcap_dialogue *dlg = open_dialogue(tu, argv[0], SCCP_SSN_HLR, &acn, td);
	if (!dlg || begin_with_invoke(dlg, MAP_OP_USSR, arg, len, NULL, 0) < 0) {
		result_set(td->res, "failed", "cannot start");
		talloc_free(td);
	}
	vty_out(vty, "test %d started%s", id, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(test_udt_return, test_udt_return_cmd, "test-udt-return GT <2-255>",
      "Send a UDT with return option to an SSN (expect a UDTS back)\n" "Called GT\n" "Called SSN\n")
{
	struct test_user *tu = g_tu;
	static const uint8_t data[] = { 0x01, 0x02, 0x03 };
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	struct test_result *r = result_new(tu, T_UDT_RETURN);
	struct sccp_unitdata ud = { .calling = tu->own, .return_on_error = true, .data = data, .len = sizeof(data) };
	ud.calling.ssn = TEST_ECHO_SSN;
	if (sccp_addr_set_e164(&ud.called, argv[0], (uint8_t)atoi(argv[1])) < 0 ||
	    sccp_user_unitdata_req(tu->echo_sccp, &ud) < 0)
		result_set(r, "failed", "cannot send");
	vty_out(vty, "test %d started%s", r->id, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(test_send_raw, test_send_raw_cmd, "test-send-raw <0-16383> HEX",
      "Send raw bytes as an SCCP message to a point code (for bad-input tests)\n"
      "Destination point code (integer)\n" "Hex octets\n")
{
	uint8_t buf[512];
	int len = osmo_hexparse(argv[1], buf, sizeof(buf));
	if (len <= 0) {
		vty_out(vty, "%% bad hex%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	int rc = sccp_layer_send_raw(g_tu->stack->sccp, (uint32_t)atoi(argv[0]), buf, len);
	vty_out(vty, "sent %d octets: %d%s", len, rc, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_tests, show_tests_cmd, "show test-dialogues",
      SHOW_STR "Results of test dialogues\n")
{
	struct test_user *tu = g_tu;
	int first = tu->n_results > MAX_RESULTS ? tu->n_results - MAX_RESULTS : 0;
	for (int i = first; i < tu->n_results; i++) {
		struct test_result *r = &tu->results[i % MAX_RESULTS];
		vty_out(vty, "%d %s %s %s%s", r->id, kind_names[r->kind], r->state, r->detail, VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

DEFUN(bench_start, bench_start_cmd, "bench (udt|tcap) GT count <1-10000000> window <1-1000>",
      "Start a round-trip benchmark with the network\n"
      "Raw UDT echo (SSN " "250" ")\n" "TCAP Begin/End (SRI-for-SM v2 to the HLR)\n"
      "Called GT\n" "Round trips\n" "Round trips\n" "Outstanding at once\n" "Outstanding at once\n")
{
	struct test_user *tu = g_tu;
	struct bench *b = &tu->bench;
	if (!own_gt_ok(vty, tu))
		return CMD_WARNING;
	if (b->running) {
		vty_out(vty, "%% a benchmark is running%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	memset(b, 0, sizeof(*b));
	b->tcap = !strcmp(argv[0], "tcap");
	snprintf(b->called_gt, sizeof(b->called_gt), "%s", argv[1]);
	b->target = strtoull(argv[2], NULL, 10);
	b->window = atoi(argv[3]);
	/* the UDT echo carries a TCAP Begin of the same size as the TCAP bench
	 * sends, so the difference measured is what the TCAP layers add */
	uint8_t arg[64];
	int len = enc_sri_sm_arg(arg, sizeof(arg), "491770000001", tu->own.gt.digits);
	if (len < 0) {
		vty_out(vty, "%% cannot encode the SRI-for-SM%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (b->tcap) {
		memcpy(b->payload, arg, len);
		b->payload_len = len;
	} else {
		uint8_t comp[96];
		struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 1,
					    .op_present = true, .opcode = MAP_OP_SRI_FOR_SM, .param = arg, .param_len = len };
		struct tcap_tx_msg tx = { .type = TCAP_MSG_BEGIN, .otid_present = true, .otid = 1,
					  .dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true },
					  .components = comp, .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
		map_acn(&tx.dialogue.acn, MAP_AC_SHORT_MSG_GATEWAY, 2);
		int n = tcap_encode(b->payload, sizeof(b->payload), &tx);
		if (n < 0) {
			vty_out(vty, "%% cannot encode the TCAP Begin%s", VTY_NEWLINE);
			return CMD_WARNING;
		}
		b->payload_len = n;
	}
	b->running = true;
	timespec_now(&b->start);
	bench_fill(tu);
	vty_out(vty, "bench started%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_bench, show_bench_cmd, "show bench", SHOW_STR "Benchmark state and result\n")
{
	struct bench *b = &g_tu->bench;
	struct timespec now;
	timespec_now(&now);
	double t = elapsed_s(&b->start, b->running ? &now : &b->end);
	vty_out(vty, "bench %s %s sent %llu done %llu failed %llu seconds %.6f rate %.1f%s",
		b->tcap ? "tcap" : "udt", b->running ? "running" : "finished",
		(unsigned long long)b->sent, (unsigned long long)b->done, (unsigned long long)b->failed,
		t, t > 0 ? b->done / t : 0.0, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* ----------------------------------------------------------- setup */

struct test_user *test_user_alloc(void *ctx, struct ss7_stack *stack)
{
	struct test_user *tu = talloc_zero(ctx, struct test_user);
	if (!tu)
		return NULL;
	tu->stack = stack;
	tu->bench_tag = talloc_named_const(tu, 0, "test bench");
	g_tu = tu;
	install_element(ENABLE_NODE, &test_dialogue_cmd);
	install_element(ENABLE_NODE, &test_empty_continue_cmd);
	install_element(ENABLE_NODE, &test_udt_return_cmd);
	install_element(ENABLE_NODE, &test_mt_cmd);
	install_element(ENABLE_NODE, &test_ussd_push_cmd);
	install_element(ENABLE_NODE, &test_mt_opts_cmd);
	install_element(ENABLE_NODE, &test_send_raw_cmd);
	install_element(ENABLE_NODE, &bench_start_cmd);
	install_element_ve(&show_tests_cmd);
	install_element_ve(&show_bench_cmd);
	return tu;
}

static int test_user_destructor(struct test_user *tu)
{
	/* nothing reaches the instance (freed with tu) after this */
	if (tu->tcap_sccp)
		sccp_user_unbind(tu->tcap_sccp);
	if (tu->echo_sccp)
		sccp_user_unbind(tu->echo_sccp);
	return 0;
}

int test_user_start(struct test_user *tu, const char *own_gt, uint8_t ssn)
{
	if (sccp_addr_set_e164(&tu->own, own_gt, ssn) < 0)
		return -EINVAL;
	tu->tcap_sccp = sccp_user_bind(tu->stack->sccp, ssn, &tcap_sccp_user_ops, NULL);
	tu->echo_sccp = sccp_user_bind(tu->stack->sccp, TEST_ECHO_SSN, &echo_ops, tu);
	talloc_set_destructor(tu, test_user_destructor);
	if (!tu->tcap_sccp || !tu->echo_sccp)
		return -EBUSY;
	struct sccp_sap_down down = sccp_user_sap_down(tu->tcap_sccp);
	tu->tcap = tcap_instance_alloc(tu, &down, &test_tcap_ops, tu);
	if (!tu->tcap)
		return -ENOMEM;
	sccp_user_set_priv(tu->tcap_sccp, tu->tcap);
	return tcap_vty_add_instance("testpeer", tu->tcap);
}
