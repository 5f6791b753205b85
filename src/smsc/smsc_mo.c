/* MO-ForwardSM from the network: decoded, routed by its destination to the
 * account owning it (mo-route), stored with its deliver_sm in the outbox
 * and its billing record, and acknowledged to the MSC only once that is
 * committed. A destination nobody owns is refused with sm-DeliveryFailure
 * (invalid SME address). */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/sms/sms_split.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

static void mo_error(struct map_dialogue *md, int8_t invoke_id, enum map_error code, int cause)
{
	struct map_error_param e = { .code = code };
	if (cause >= 0) {
		e.failure_cause_present = true;
		e.failure_cause = cause;
	}
	map_response_error(md, invoke_id, &e);
	map_close(md, false);
}

static void mo_committed(void *data, bool ok)
{
	struct smsc_dlg *d = data;
	if (d->md) {
		map_dialogue_set_priv(d->md, NULL);
		if (ok) {
			map_response(d->md, d->invoke_id, d->svc, NULL);
			map_close(d->md, false);
		} else {
			mo_error(d->md, d->invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
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

/* which concatenated message a part belongs to: ?1..?5 of the mo_parts queries */
static void bind_message_key(sqlite3_stmt *s, const struct smpp_account *acc, const struct smpp_pdu *p,
			     const struct sms_tpdu *t)
{
	sqlite3_bind_text(s, 1, acc->system_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, p->source.addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, p->dest.addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 4, t->udh.concat_ref);
	sqlite3_bind_int(s, 5, t->udh.concat_total);
}

/* Parts wait for the rest only up to a bound, overall and per originator: a
 * peer sending first parts forever must not grow the store. Over it the MSC
 * gets a temporary error and sends again later; nothing accepted is lost. */
static bool mo_parts_full(struct smsc *smsc, const char *src)
{
	if (smsc->mo_parts < 0 || smsc->mo_parts >= smsc->cfg.mo_parts_max)
		return true;
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT COUNT(*) FROM mo_parts WHERE src = ?");
	if (!s)
		return true;
	sqlite3_bind_text(s, 1, src, -1, SQLITE_TRANSIENT);
	int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : INT32_MAX;
	sqlite3_reset(s);
	return n >= (int)smsc->cfg.mo_parts_max_per_src;
}

/* One part of a concatenated message, for an account that wants them
 * whole: kept until every part is there (in any order; a part the MSC sends
 * twice counts once), then the whole text goes into the outbox as one
 * deliver_sm and the parts are dropped, in the same transaction. */
static int mo_reassemble(struct smsc *smsc, const struct smpp_account *acc, struct smpp_pdu *p,
			 const struct sms_tpdu *t)
{
	struct sms_tpdu data_only = *t;
	uint8_t dc, data[400];
	data_only.ud.udh = NULL;
	data_only.ud.udh_len = 0;
	int len = sms_tpdu_to_smpp(&data_only, &dc, data, sizeof(data));
	sqlite3_stmt *s = store_stmt(smsc->store, "INSERT OR IGNORE INTO mo_parts (account, src, dst, ref, total, seq,"
				     " data_coding, protocol_id, data, created_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
	if (len < 0 || !s)
		return -EINVAL;
	if (mo_parts_full(smsc, p->source.addr))
		return -ENOSPC;
	/* acknowledged to the MSC after the commit: no transaction, no part */
	if (store_write(smsc->store) < 0)
		return -EIO;
	bind_message_key(s, acc, p, t);
	sqlite3_bind_int(s, 6, t->udh.concat_seq);
	sqlite3_bind_int(s, 7, dc);
	sqlite3_bind_int(s, 8, t->pid);
	sqlite3_bind_blob(s, 9, data, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 10, store_now_ms());
	if (sqlite3_step(s) != SQLITE_DONE)
		return -EIO;
	smsc->mo_parts += sqlite3_changes(store_db(smsc->store));
#define PARTS_OF_MESSAGE " FROM mo_parts WHERE account = ? AND src = ? AND dst = ? AND ref = ? AND total = ?"
	s = store_stmt(smsc->store, "SELECT data, data_coding" PARTS_OF_MESSAGE " ORDER BY seq");
	uint8_t *whole = talloc_size(smsc, 160 * 2 * 255);
	size_t n = 0;
	int parts = 0;
	bind_message_key(s, acc, p, t);
	while (sqlite3_step(s) == SQLITE_ROW) {
		size_t l = (size_t)sqlite3_column_bytes(s, 0);
		memcpy(whole + n, sqlite3_column_blob(s, 0), l);
		n += l;
		p->data_coding = (uint8_t)sqlite3_column_int(s, 1);
		parts++;
	}
	sqlite3_reset(s);
	int rc = 0;
	if (parts == t->udh.concat_total) {
		/* complete: one deliver_sm with the whole text, the parts go */
		p->esm_class &= ~SMPP_ESM_UDHI;
		p->sm_length = 0;
		p->short_message = NULL;
		p->tlv.present |= SMPP_TLV_MESSAGE_PAYLOAD;
		p->tlv.message_payload = whole;
		p->tlv.message_payload_len = (uint16_t)n;
		rc = smsc_outbox_add(smsc, acc->system_id, p, "mo");
		s = store_stmt(smsc->store, "DELETE" PARTS_OF_MESSAGE);
		bind_message_key(s, acc, p, t);
		sqlite3_step(s);
		smsc->mo_parts -= sqlite3_changes(store_db(smsc->store));
		LOGP(DSMS, LOGL_INFO, "MO from %s to %s: %d parts reassembled\n", p->source.addr, p->dest.addr, parts);
	}
	talloc_free(whole);
	return rc;
}

/* Parts whose message did not complete in time go to the ESME as they are,
 * each with its concatenation IE, so an accepted part is never held forever */
void smsc_mo_expire_parts(struct smsc *smsc)
{
	if (store_busy(smsc->store))
		return;		/* the next round after the lock is back */
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT account, src, dst, ref, total, seq, data_coding, protocol_id,"
				     " data FROM mo_parts WHERE created_ms < ? ORDER BY account, src, dst, ref, seq LIMIT 100");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, store_now_ms() - smsc->cfg.mo_reassembly_timeout_s * 1000LL);
	int n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		uint8_t sm[300];
		struct smpp_pdu p = { .command_id = SMPP_DELIVER_SM, .source = { 1, 1 }, .dest = { 1, 1 },
				      .esm_class = SMPP_ESM_UDHI };
		snprintf(p.source.addr, sizeof(p.source.addr), "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(p.dest.addr, sizeof(p.dest.addr), "%s", (const char *)sqlite3_column_text(s, 2));
		p.data_coding = (uint8_t)sqlite3_column_int(s, 6);
		p.protocol_id = (uint8_t)sqlite3_column_int(s, 7);
		int udh = sms_udh_put_concat(sm + 1, sizeof(sm) - 1, (uint16_t)sqlite3_column_int(s, 3),
					     sqlite3_column_int(s, 3) > 255, (uint8_t)sqlite3_column_int(s, 4),
					     (uint8_t)sqlite3_column_int(s, 5));
		size_t len = (size_t)sqlite3_column_bytes(s, 8);
		if (udh < 0 || 1 + udh + len > sizeof(sm))
			continue;
		sm[0] = (uint8_t)udh;
		memcpy(sm + 1 + udh, sqlite3_column_blob(s, 8), len);
		p.short_message = sm;
		p.sm_length = (uint8_t)(1 + udh + len);
		smsc_outbox_add(smsc, (const char *)sqlite3_column_text(s, 0), &p, "mo");
		n++;
	}
	sqlite3_reset(s);
	/* the parts go only in the transaction that holds their deliver_sm */
	if (!n || store_write(smsc->store) < 0)
		return;
	s = store_stmt(smsc->store, "DELETE FROM mo_parts WHERE rowid IN (SELECT rowid FROM mo_parts WHERE created_ms < ?"
			 " ORDER BY account, src, dst, ref, seq LIMIT 100)");
	sqlite3_bind_int64(s, 1, store_now_ms() - smsc->cfg.mo_reassembly_timeout_s * 1000LL);
	sqlite3_step(s);
	smsc->mo_parts -= sqlite3_changes(store_db(smsc->store));
	LOGP(DSMS, LOGL_NOTICE, "MO reassembly: %d parts of incomplete messages delivered as they are\n", n);
}

/* What a handset cannot have sent: no originator (an MSISDN of 1-15 digits),
 * not an SMS-SUBMIT, UCS2 text of an odd number of octets */
static bool mo_content_ok(const struct map_forward_sm_arg *a, struct sms_tpdu *t)
{
	size_t n = strlen(a->oa_address.digits);
	if (a->oa_type != MAP_OA_MSISDN || n < 1 || n > 15 || strspn(a->oa_address.digits, "0123456789") != n)
		return false;
	if (sms_tpdu_decode(t, a->sm_rp_ui, a->sm_rp_ui_len, SMS_DEC_MO) < 0 || t->type != SMS_SUBMIT)
		return false;
	return !(t->dcs_parsed.alphabet == SMS_ALPHABET_UCS2 && (t->ud.data_len & 1));
}

void smsc_mo_forward_sm(struct smsc *smsc, struct map_dialogue *md, int8_t invoke_id, enum map_service svc,
			const struct map_forward_sm_arg *a)
{
	struct sms_tpdu t;
	struct smpp_pdu p;
	uint8_t sm[400];
	const char *from = map_dialogue_remote_addr(md)->gt.digits;
	if (store_busy(smsc->store)) {
		/* the answer must wait for a commit that cannot happen now: the MSC tries again */
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_REJECTED));
		mo_error(md, invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
		return;
	}
	const struct operator *op = routing_operator_of_gt(smsc->routing, from);
	if (!op) {
		/* only the networks we have agreements with hand us MO */
		LOGP(DSMS, LOGL_NOTICE, "MO-ForwardSM from %s refused: a GT of no operator's network "
		     "(routing / operator NAME network-gt)\n", from[0] ? from : "(no GT)");
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_FOREIGN));
		mo_error(md, invoke_id, MAP_ERR_SM_DELIVERY_FAILURE, MAP_SMF_SUBSCRIBER_NOT_SC_SUBSCRIBER);
		return;
	}
	if (a->da_type != MAP_DA_SC_ADDRESS || strcmp(a->da_address.digits, routing_calling(smsc->routing)->gt.digits)) {
		LOGP(DSMS, LOGL_NOTICE, "MO-ForwardSM from %s refused: SM-RP-DA is not our service centre address\n", from);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_WRONG_SC));
		mo_error(md, invoke_id, MAP_ERR_SM_DELIVERY_FAILURE, MAP_SMF_UNKNOWN_SERVICE_CENTRE);
		return;
	}
	if (!mo_content_ok(a, &t) || mo_deliver_sm(&p, a, &t, sm, sizeof(sm)) < 0) {
		LOGP(DSMS, LOGL_NOTICE, "MO-ForwardSM from %s: malformed, refused\n", from);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_REJECTED));
		mo_error(md, invoke_id, MAP_ERR_UNEXPECTED_DATA_VALUE, -1);
		return;
	}
	const struct smpp_account *acc = smpp_server_mo_account(smsc->smpp, t.addr.text);
	if (!acc) {
		LOGP(DSMS, LOGL_NOTICE, "MO from %s to %s: no account owns it, refused\n", a->oa_address.digits,
		     t.addr.text);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_REJECTED));
		mo_error(md, invoke_id, MAP_ERR_SM_DELIVERY_FAILURE, MAP_SMF_INVALID_SME_ADDRESS);
		return;
	}
	bool whole = acc->mo_reassemble && t.udh.has_concat && t.udh.concat_total > 1;
	int rc = whole ? mo_reassemble(smsc, acc, &p, &t) : smsc_outbox_add(smsc, acc->system_id, &p, "mo");
	if (rc == -ENOSPC) {
		LOGP(DSMS, LOGL_NOTICE, "MO part from %s refused for now: too many parts wait for the rest\n", from);
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_PARTS_FULL));
	}
	if (rc < 0) {
		mo_error(md, invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
		return;
	}
	/* billed per MO-ForwardSM the network handed us: one part, one record */
	sqlite3_stmt *s = store_stmt(smsc->store, "INSERT INTO mo_log (account, src, dst, received_ms) VALUES (?,?,?,?)");
	struct smsc_dlg *d = s ? talloc_zero(smsc, struct smsc_dlg) : NULL;
	if (!d) {
		mo_error(md, invoke_id, MAP_ERR_SYSTEM_FAILURE, -1);
		return;
	}
	sqlite3_bind_text(s, 1, acc->system_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, p.source.addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, t.addr.text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, store_now_ms());
	sqlite3_step(s);
	char ref[32];
	snprintf(ref, sizeof(ref), "mo-%lld", (long long)sqlite3_last_insert_rowid(store_db(smsc->store)));
	/* part of what the MSC's acknowledgement waits for: not kept when the commit fails */
	struct billing_event ev = { .kind = BILL_SMS_MO, .account = acc->system_id, .ref = ref, .units = 1,
				    .operator = op->name, .event_ms = store_now_ms(), .acknowledged = true };
	billing_record(smsc->store, &ev);
	rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_MO_ACCEPTED));
	LOGP(DSMS, LOGL_INFO, "MO %s from %s to %s for '%s'\n", ref, a->oa_address.digits, t.addr.text, acc->system_id);
	d->kind = SMSC_DLG_MO;
	d->smsc = smsc;
	d->md = md;
	d->invoke_id = invoke_id;
	d->svc = svc;
	map_dialogue_set_priv(md, d);
	store_after_commit(smsc->store, mo_committed, d);
}

/* The parts waiting for the rest, counted once at start; an index for the
 * per-originator bound */
int smsc_mo_init(struct smsc *smsc)
{
	if (store_exec(smsc->store, "CREATE INDEX IF NOT EXISTS mo_parts_src ON mo_parts (src)") < 0)
		return -EIO;
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT COUNT(*) FROM mo_parts");
	if (!s)
		return -EIO;
	smsc->mo_parts = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_reset(s);
	return smsc->mo_parts < 0 ? -EIO : 0;
}
