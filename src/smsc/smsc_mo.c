/* MO-ForwardSM from the network: decoded, routed by its destination to the
 * account owning it (mo-route), stored with its deliver_sm in the outbox
 * and its billing record, and acknowledged to the MSC only once that is
 * committed. A destination nobody owns is refused with sm-DeliveryFailure
 * (invalid SME address). */

#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/sms/sms_split.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

static void mo_error(struct tcap_dialogue *dlg, int8_t invoke_id, enum map_error code, int cause)
{
	uint8_t buf[32];
	struct map_error_param e = { .code = code };
	if (cause >= 0) {
		e.failure_cause_present = true;
		e.failure_cause = cause;
	}
	int len = map_enc_error_param(buf, sizeof(buf), &e);
	tcap_error(dlg, invoke_id, code, len > 0 ? buf : NULL, len > 0 ? len : 0);
	tcap_end(dlg, false, NULL, 0);
}

static void mo_committed(void *data, bool ok)
{
	struct smsc_dlg *d = data;
	if (d->dlg) {
		if (ok) {
			tcap_result(d->dlg, d->invoke_id, true, d->opcode, NULL, 0);
			tcap_end(d->dlg, false, NULL, 0);
		} else {
			mo_error(d->dlg, d->invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
		}
	}
	talloc_free(d);
}

/* the deliver_sm an ESME gets for an SMS-SUBMIT from a subscriber */
static int mo_deliver_sm(struct smpp_pdu *p, const struct map_forward_sm_arg *a, const struct sms_tpdu *t,
			 uint8_t *sm, size_t smsz)
{
	uint8_t dc;
	int len = sms_tpdu_to_smpp(t, &dc, sm, smsz);
	if (len < 0)
		return len;
	memset(p, 0, sizeof(*p));
	p->command_id = SMPP_DELIVER_SM;
	p->source.ton = 1;
	p->source.npi = 1;
	snprintf(p->source.addr, sizeof(p->source.addr), "%s", a->oa_address.digits);
	p->dest.ton = t->addr.ton;
	p->dest.npi = t->addr.npi;
	snprintf(p->dest.addr, sizeof(p->dest.addr), "%.20s", t->addr.text);
	p->esm_class = t->ud.udh ? SMPP_ESM_UDHI : 0;
	p->protocol_id = t->pid;
	p->data_coding = dc;
	if (len > 254) {
		p->tlv.present |= SMPP_TLV_MESSAGE_PAYLOAD;
		p->tlv.message_payload = sm;
		p->tlv.message_payload_len = (uint16_t)len;
	} else {
		p->sm_length = (uint8_t)len;
		p->short_message = sm;
	}
	return 0;
}

void smsc_mo_forward_sm(struct smsc *smsc, struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	struct map_forward_sm_arg a;
	struct sms_tpdu t;
	struct smpp_pdu p;
	uint8_t sm[400];
	if (map_dec_forward_sm_arg(&a, c->param, c->param_len) < 0 || a.oa_type != MAP_OA_MSISDN ||
	    sms_tpdu_decode(&t, a.sm_rp_ui, a.sm_rp_ui_len, SMS_DEC_MO) < 0 || t.type != SMS_SUBMIT ||
	    mo_deliver_sm(&p, &a, &t, sm, sizeof(sm)) < 0) {
		LOGP(DSMS, LOGL_NOTICE, "MO-ForwardSM: malformed, refused\n");
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_REJECTED));
		mo_error(dlg, c->invoke_id, MAP_ERR_UNEXPECTED_DATA_VALUE, -1);
		return;
	}
	const struct smpp_account *acc = smpp_server_mo_account(smsc->smpp, t.addr.text);
	if (!acc) {
		LOGP(DSMS, LOGL_NOTICE, "MO from %s to %s: no account owns it, refused\n", a.oa_address.digits,
		     t.addr.text);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_REJECTED));
		mo_error(dlg, c->invoke_id, MAP_ERR_SM_DELIVERY_FAILURE, MAP_SMF_INVALID_SME_ADDRESS);
		return;
	}
	if (smsc_outbox_add(smsc, acc->system_id, &p, "mo") < 0) {
		mo_error(dlg, c->invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
		return;
	}
	char ref[32];
	snprintf(ref, sizeof(ref), "mo-%lld", (long long)sqlite3_last_insert_rowid(store_db(smsc->store)));
	struct billing_event ev = { .kind = BILL_SMS_MO, .account = acc->system_id, .ref = ref, .units = 1,
				    .operator = "", .event_ms = store_now_ms() };
	billing_record(smsc->store, &ev);
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_ACCEPTED));
	LOGP(DSMS, LOGL_INFO, "MO %s from %s to %s for '%s'\n", ref, a.oa_address.digits, t.addr.text, acc->system_id);
	struct smsc_dlg *d = talloc_zero(smsc, struct smsc_dlg);
	d->kind = SMSC_DLG_MO;
	d->smsc = smsc;
	d->dlg = dlg;
	d->invoke_id = c->invoke_id;
	d->opcode = c->opcode;
	tcap_dialogue_set_priv(dlg, d);
	store_after_commit(smsc->store, mo_committed, d);
}
