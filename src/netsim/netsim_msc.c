/* The simulated MSC/VLR (SSN 8): takes MT-ForwardSM (v3) and forwardSM
 * (v1/v2) for the subscribers it serves and answers as each one's state
 * says; in a single TC-BEGIN (SCCP-segmented when long) or by the 29.002
 * large-message procedure (empty TC-BEGIN, invoke in the first
 * TC-CONTINUE). It sends MO short messages for its subscribers; their USSD
 * is in netsim_ussd.c. All of it through the MAP dialogue layer. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <talloc.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/sms/sms_split.h>
#include <sigway/sms/sms_tpdu.h>
#include "netsim.h"

static struct map_instance *msc_map;

static void answer(struct map_dialogue *md, int8_t invoke_id, enum map_service svc, const struct map_error_param *e)
{
	if (!e)
		map_response(md, invoke_id, svc, NULL);
	else
		map_response_error(md, invoke_id, e);
	map_close(md, false);
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

static void mt_forward_sm(struct map_dialogue *md, int8_t id, enum map_service svc, const struct map_forward_sm_arg *a)
{
	if (a->da_type != MAP_DA_IMSI) {
		answer(md, id, svc, &(struct map_error_param){ .code = MAP_ERR_UNEXPECTED_DATA_VALUE });
		return;
	}
	struct netsim_sub *sub = netsim_sub_find_imsi(a->da_imsi);
	enum netsim_sub_state state = sub ? sub->state : (llist_empty(&netsim_subscribers) ? SUB_ATTACHED : SUB_UNKNOWN);
	LOGP(DNETSIM, LOGL_INFO, "MSC: SMS for IMSI %s (%zu octets TPDU), subscriber %s\n", a->da_imsi,
	     a->sm_rp_ui_len, netsim_sub_state_names[state]);
	switch (state) {
	case SUB_ATTACHED: {
		struct sms_tpdu t;
		/* the handset checks the TPDU: a broken one is a protocol error */
		if (sms_tpdu_decode(&t, a->sm_rp_ui, a->sm_rp_ui_len, 0) < 0) {
			answer(md, id, svc, &(struct map_error_param){
				.code = MAP_ERR_SM_DELIVERY_FAILURE, .failure_cause_present = true,
				.failure_cause = MAP_SMF_EQUIPMENT_PROTOCOL_ERROR });
			return;
		}
		if (a->more_messages_to_send) {
			/* 29.002: the dialogue stays open for the next part */
			map_response(md, id, svc, NULL);
			map_delimit(md);
		} else {
			answer(md, id, svc, NULL);
		}
		netsim_msc_count_delivered(a->da_imsi, a->sm_rp_ui, a->sm_rp_ui_len);
		return;
	}
	case SUB_MEMORY_FULL:
		answer(md, id, svc, &(struct map_error_param){ .code = MAP_ERR_SM_DELIVERY_FAILURE,
		       .failure_cause_present = true, .failure_cause = MAP_SMF_MEMORY_CAPACITY_EXCEEDED });
		return;
	case SUB_UNREACHABLE:
		answer(md, id, svc, &(struct map_error_param){ .code = MAP_ERR_ABSENT_SUBSCRIBER_SM,
		       .absent_diag_present = true, .absent_diag = 0 /* no paging response */ });
		return;
	case SUB_MSC_TIMEOUT:
		return;	/* the dialogue stays until the guard timer; the SMSC's invoke timer fires first */
	default:
		answer(md, id, svc, &(struct map_error_param){ .code = MAP_ERR_UNIDENTIFIED_SUBSCRIBER });
		return;
	}
}

/* MT dialogues from an SMSC */
static void msc_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	switch (ind->type) {
	case MAP_IND_OPEN:
		if (ind->open->ac == MAP_AC_SHORT_MSG_MT_RELAY && ind->open->version > netsim_cfg.mt_relay_max_version)
			map_refuse(md, MAP_REFUSE_ACN_NOT_SUPPORTED, (uint8_t)netsim_cfg.mt_relay_max_version);
		return;
	case MAP_IND_INVOKE:
		/* forwardSM of shortMsgRelay v1 arrives as the MO service */
		if (ind->svc == MAP_SVC_MT_FORWARD_SM || ind->svc == MAP_SVC_MO_FORWARD_SM) {
			map_dialogue_set_priv(md, md);	/* it asked something */
			mt_forward_sm(md, ind->invoke_id, ind->svc, &ind->arg->forward_sm);
		}
		return;
	case MAP_IND_DELIMITER:
		/* 29.002 large-message procedure: a Begin with the dialogue only is
		 * answered with an empty Continue; the invoke follows */
		if (!map_dialogue_priv(md))
			map_delimit(md);
		return;
	default:
		return;
	}
}

static const struct map_user msc_user = { "msc", msc_ind, NULL };

/* ------------------------------------------------------------- MO SMS */

#define MO_KEEP 512

struct mo_record {
	int id;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
	char outcome[64];
};

static struct mo_record mo_log[MO_KEEP];
static int mo_count;

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

/* An SMS-SUBMIT whose UCS2 text has an odd number of octets: no handset
 * codes that, a hostile network may */
static int odd_ucs2_tpdu(uint8_t *out, size_t cap, const char *dest)
{
	static const uint8_t text[] = { 0x00, 0x41, 0x00 };
	struct sms_tpdu t = { .type = SMS_SUBMIT, .mr = (uint8_t)mo_count, .addr = { .ton = 1, .npi = 1 }, .dcs = 0x08,
			      .ud = { .data = text, .data_len = sizeof(text) } };
	snprintf(t.addr.text, sizeof(t.addr.text), "%s", dest);
	return sms_tpdu_encode(out, cap, &t);
}

/* the SMSC's answer to one of our MO-ForwardSMs */
static void mo_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct mo_record *r = map_dialogue_priv(md);
	char why[96];
	switch (ind->type) {
	case MAP_IND_RESULT:
		snprintf(r->outcome, sizeof(r->outcome), "accepted");
		break;
	case MAP_IND_ERROR:
		if (ind->err.kind == MAP_EK_USER)
			snprintf(r->outcome, sizeof(r->outcome), "error %d %s", ind->err.user.code,
				 map_error_name(ind->err.user.code));
		else if (ind->err.kind == MAP_EK_PROVIDER && ind->err.provider == MAP_PE_NO_RESPONSE)
			snprintf(r->outcome, sizeof(r->outcome), "timeout");
		else
			snprintf(r->outcome, sizeof(r->outcome), "failed (%s)", map_err_str(&ind->err, why, sizeof(why)));
		if (!ind->last)
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
		break;
	case MAP_IND_REFUSE: case MAP_IND_U_ABORT: case MAP_IND_P_ABORT:
		snprintf(r->outcome, sizeof(r->outcome), "failed (%s)", map_err_str(&ind->err, why, sizeof(why)));
		break;
	case MAP_IND_DELIMITER:
		map_close(md, false);
		break;
	default:
		break;
	}
}

static const struct map_user mo_user = { "msc-mo", mo_ind, NULL };

/* One MO-ForwardSM dialogue; returns the id of its record. opts (may be
 * NULL) makes it what a hostile network sends. */
static int send_mo_part(const char *msisdn, const uint8_t *tpdu, int n, const struct netsim_mo_opts *opts)
{
	struct sccp_addr called, calling;
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	const char *from = opts && opts->from_gt ? opts->from_gt : sub ? sub->msc_gt : netsim_cfg.msc_gt;
	union map_arg a = { .forward_sm = { .da_type = MAP_DA_SC_ADDRESS, .da_address = { true, 0x91 },
					    .oa_type = MAP_OA_MSISDN, .oa_address = { true, 0x91 },
					    .sm_rp_ui = tpdu, .sm_rp_ui_len = n } };
	osmo_strlcpy(a.forward_sm.da_address.digits, opts && opts->da_gt ? opts->da_gt : netsim_cfg.smsc_gt,
		     sizeof(a.forward_sm.da_address.digits));
	osmo_strlcpy(a.forward_sm.oa_address.digits, opts && opts->empty_oa ? "" : msisdn,
		     sizeof(a.forward_sm.oa_address.digits));
	if (sub)
		osmo_strlcpy(a.forward_sm.imsi, sub->imsi, sizeof(a.forward_sm.imsi));
	if (sccp_addr_set_e164(&called, netsim_cfg.smsc_gt, SCCP_SSN_MSC) < 0 ||
	    sccp_addr_set_e164(&calling, from, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	struct mo_record *r = &mo_log[mo_count % MO_KEEP];
	*r = (struct mo_record){ .id = ++mo_count };
	osmo_strlcpy(r->msisdn, msisdn, sizeof(r->msisdn));
	snprintf(r->outcome, sizeof(r->outcome), "sent");
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_MO_RELAY, .called = &called, .calling = &calling,
				    .user = &mo_user, .priv = r };
	struct map_dialogue *md = map_open(msc_map, &req);
	if (!md)
		return -ENOMEM;
	if (map_request(md, MAP_SVC_MO_FORWARD_SM, &a, NULL) < 0) {
		map_close(md, true);
		return -EINVAL;
	}
	map_delimit(md);
	return r->id;
}

/* A text too long for one SMS goes as concatenated parts, each in its own
 * MO-ForwardSM dialogue (as a handset sends them), in order or reversed */
int netsim_msc_send_mo(const char *msisdn, const char *dest, const char *text, enum netsim_mo_order order,
		       const struct netsim_mo_opts *opts)
{
	struct sms_part parts[MO_PARTS_MAX];
	enum sms_alphabet alphabet;
	uint8_t scratch[4 * 160 * MO_PARTS_MAX], tpdu[200];
	if (!msc_map)
		return -ENOTCONN;
	int n = sms_split_text(parts, MO_PARTS_MAX, text, strlen(text), (uint16_t)(mo_count & 0xff), false,
			       &alphabet, scratch, sizeof(scratch));
	if (n <= 0)
		return -EMSGSIZE;
	int first = -1;
	for (int k = 0; k < (order == NETSIM_MO_FIRST_ONLY ? 1 : n); k++) {
		int i = order == NETSIM_MO_REVERSED ? n - 1 - k : k;
		int len = submit_tpdu(tpdu, sizeof(tpdu), dest, &parts[i], alphabet);
		if (len > 0 && opts && opts->odd_ucs2)
			len = odd_ucs2_tpdu(tpdu, sizeof(tpdu), dest);
		int id = len < 0 ? len : send_mo_part(msisdn, tpdu, len, opts);
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

int netsim_msc_start(void *ctx, struct ss7_stack *stack)
{
	msc_map = map_instance_start(ctx, stack->sccp, SCCP_SSN_MSC);
	if (!msc_map || map_register(msc_map, MAP_AC_SHORT_MSG_MT_RELAY, 2, 3, &msc_user) < 0 ||
	    map_register(msc_map, MAP_AC_SHORT_MSG_MO_RELAY, 1, 1, &msc_user) < 0)
		return -EBUSY;
	map_vty_add_instance("msc", msc_map);
	/* USSD: the subscribers dial on this instance; the VLR (SSN 7) takes push */
	return netsim_ussd_start(ctx, stack, msc_map);
}

void netsim_msc_stop(void)
{
	netsim_ussd_stop();
	if (msc_map)
		map_instance_free(msc_map);
	msc_map = NULL;
}
