/* The outbox: every deliver_sm the core owes an ESME (MO messages,
 * delivery receipts) is a row in the store before anything is sent, and
 * stays until the ESME answered deliver_sm_resp OK. Rows wait while the
 * account has no receiver bound and go out, within each bind's window,
 * when one binds; failures retry with back-off, an ESME that does not
 * answer within response-timeout with a longer one (its late answer still
 * counts). Retries look at every account with a receiver bound (however
 * many accounts hold rows). A row is never sent while it is in flight, nor
 * after its answer until that answer's update committed: a store that
 * cannot commit (locked, full) does not make an answered row go again. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <sigway/sms/sms_split.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

#define OUTBOX_BUCKETS	4096

/* back-off after an error answer: 1 s doubling to 60 s; after no answer at
 * all (a slow or deaf ESME): 10 s doubling to 10 min */
#define OUTBOX_ERROR_BACKOFF_MAX_S	60
#define OUTBOX_SILENT_BACKOFF_S		10
#define OUTBOX_SILENT_BACKOFF_MAX_S	600

/* a row in flight (sent, no answer yet) or settled (answered; its update
 * not committed yet) */
struct outbox_entry {
	struct llist_head hash;
	struct llist_head settled;	/* in smsc->outbox_settled once answered */
	int64_t id;
	bool answered;
	uint32_t gen;
};

static struct llist_head *bucket(struct smsc *smsc, int64_t id)
{
	return &smsc->outbox_hash[(uint64_t)id % OUTBOX_BUCKETS];
}

static struct outbox_entry *entry_find(struct smsc *smsc, int64_t id)
{
	struct outbox_entry *e;
	llist_for_each_entry(e, bucket(smsc, id), hash)
		if (e->id == id)
			return e;
	return NULL;
}

static struct outbox_entry *entry_add(struct smsc *smsc, int64_t id)
{
	struct outbox_entry *e = talloc_zero(smsc, struct outbox_entry);
	if (!e)
		return NULL;
	e->id = id;
	INIT_LLIST_HEAD(&e->settled);
	llist_add(&e->hash, bucket(smsc, id));
	smsc->outbox_entries++;
	return e;
}

static void entry_del(struct smsc *smsc, struct outbox_entry *e)
{
	llist_del(&e->hash);
	llist_del(&e->settled);
	smsc->outbox_entries--;
	talloc_free(e);
}

/* The highest row handed to a bind per account: the fast path only reads
 * rows after it, so rows waiting for their answer are not read again. The
 * slow path (every second) reads from the start, for retries. */
struct outbox_cursor {
	struct llist_head list;
	char account[16];
	int64_t after;
};

static struct outbox_cursor *cursor_of(struct smsc *smsc, const char *account)
{
	struct outbox_cursor *c;
	llist_for_each_entry(c, &smsc->outbox_cursors, list)
		if (!strcmp(c->account, account))
			return c;
	c = talloc_zero(smsc, struct outbox_cursor);
	if (!c)
		return NULL;
	snprintf(c->account, sizeof(c->account), "%s", account);
	llist_add_tail(&c->list, &smsc->outbox_cursors);
	return c;
}

static void kick_soon(struct smsc *smsc, unsigned int ms)
{
	if (!osmo_timer_pending(&smsc->outbox_fast_timer))
		osmo_timer_schedule(&smsc->outbox_fast_timer, 0, ms * 1000);
}

/* keep: a write nobody waits for (a receipt), kept while the store is
 * busy; else (MO, acknowledged to the MSC after the commit) refused then */
static int outbox_insert(struct smsc *smsc, const char *account, const struct smpp_pdu *p, const char *kind,
			 bool keep)
{
	uint8_t buf[SMPP_PDU_MAX];
	int len = smpp_encode(buf, sizeof(buf), p);
	sqlite3_stmt *s = store_stmt(smsc->store, "INSERT INTO outbox (account, kind, pdu, created_ms, next_ms)"
				     " VALUES (?, ?, ?, ?, ?)");
	if (len < 0 || !s)
		return -EINVAL;
	int rc = store_write(smsc->store);
	if (rc < 0 && !keep)
		return rc;
	int64_t now = store_now_ms();
	sqlite3_bind_text(s, 1, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, buf, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now);
	if ((keep ? store_step(smsc->store, s) : sqlite3_step(s)) != SQLITE_DONE)
		return -EIO;
	/* the first try after the commit (acknowledgements commit at the end
	 * of the tick, background writes within the store's delay) */
	if (!cursor_of(smsc, account))
		return -ENOMEM;
	kick_soon(smsc, 20);
	return 0;
}

/* What an MO holds in GSM 7-bit (data_coding 0, a septet per octet) as
 * an account reads data_coding 0: the same for GSM 03.38; Latin-1 or IA5
 * when every character has a place there, else UCS2 (data_coding 8). The
 * UDH stays as it is. out: at least 2 * length + 256 octets. */
void smsc_mo_recode(struct smpp_pdu *p, uint8_t dc0, uint8_t *out, size_t outlen)
{
	bool payload = p->tlv.present & SMPP_TLV_MESSAGE_PAYLOAD;
	const uint8_t *sm = payload ? p->tlv.message_payload : p->short_message;
	size_t len = payload ? p->tlv.message_payload_len : p->sm_length;
	size_t udh = (p->esm_class & SMPP_ESM_UDHI) && len ? sm[0] + 1u : 0;
	if (dc0 == SMPP_DC0_GSM || p->data_coding != 0 || udh > len)
		return;
	char *utf8 = talloc_size(NULL, 3 * len + 1);
	int n = utf8 ? sms_smpp_to_utf8(utf8, 3 * len + 1, 0, SMPP_DC0_GSM, false, sm + udh, len - udh) : -1;
	if (n < 0 || udh > outlen) {
		talloc_free(utf8);
		return;
	}
	memcpy(out, sm, udh);
	/* every character in the account's alphabet? */
	bool fits = true;
	for (int i = 0; i < n;) {
		uint32_t cp;
		int k = sms_utf8_next(utf8 + i, (size_t)(n - i), &cp);
		if (k < 0 || cp >= (dc0 == SMPP_DC0_IA5 ? 0x80u : 0x100u)) {
			fits = false;
			break;
		}
		i += k;
	}
	int m = fits ? sms_smpp_from_utf8(out + udh, outlen - udh, dc0, utf8, (size_t)n, UINT32_MAX) :
		       sms_ucs2_from_utf8(out + udh, outlen - udh, utf8, (size_t)n);
	talloc_free(utf8);
	if (m < 0)
		return;
	p->data_coding = fits ? 0 : SMS_SMPP_DC_UCS2;
	len = udh + (size_t)m;
	if (len > 254) {
		p->tlv.present |= SMPP_TLV_MESSAGE_PAYLOAD;
		p->tlv.message_payload = out;
		p->tlv.message_payload_len = (uint16_t)len;
		p->sm_length = 0;
		p->short_message = NULL;
	} else {
		p->tlv.present &= ~SMPP_TLV_MESSAGE_PAYLOAD;
		p->short_message = out;
		p->sm_length = (uint8_t)len;
	}
}

int smsc_outbox_add(struct smsc *smsc, const char *account, const struct smpp_pdu *p, const char *kind)
{
	const struct smpp_account *a = smpp_server_account(smsc->smpp, account);
	if (!a || a->dc0 == SMPP_DC0_GSM || p->data_coding != 0)
		return outbox_insert(smsc, account, p, kind, false);
	/* the account reads data_coding 0 as Latin-1 or IA5 */
	size_t len = (p->tlv.present & SMPP_TLV_MESSAGE_PAYLOAD) ? p->tlv.message_payload_len : p->sm_length;
	struct smpp_pdu copy = *p;
	uint8_t *buf = talloc_size(smsc, 2 * len + 256);
	if (!buf)
		return -ENOMEM;
	smsc_mo_recode(&copy, a->dc0, buf, 2 * len + 256);
	int rc = outbox_insert(smsc, account, &copy, kind, false);
	talloc_free(buf);
	return rc;
}

static const char *stat_word(uint8_t state)
{
	switch (state) {
	case SMPP_STATE_ENROUTE: return "ENROUTE";
	case SMPP_STATE_DELIVERED: return "DELIVRD";
	case SMPP_STATE_EXPIRED: return "EXPIRED";
	case SMPP_STATE_DELETED: return "DELETED";
	case SMPP_STATE_UNDELIVERABLE: return "UNDELIV";
	case SMPP_STATE_ACCEPTED: return "ACCEPTD";
	case SMPP_STATE_REJECTED: return "REJECTD";
	default: return "UNKNOWN";
	}
}

static void receipt_date(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, outsz, "%y%m%d%H%M", &tm);
}

/* the first 20 characters of a text message, in the receipt's coding:
 * data_coding 0 as the account reads it (GSM 03.38, IA5, Latin-1) */
#define RECEIPT_TEXT_CHARS	20

static int receipt_text(const struct sms_mt *mt, uint8_t *out, size_t outlen)
{
	char utf8[4 * 200];
	/* a message of several parts: its first characters are enough */
	size_t len = mt->payload_len < 200 ? mt->payload_len : 200;
	int n = sms_smpp_to_utf8(utf8, sizeof(utf8), mt->data_coding, mt->dc0, mt->esm_class & SMPP_ESM_UDHI,
				 mt->payload, len);
	if (n <= 0)
		return 0;
	n = sms_smpp_from_utf8(out, outlen, mt->dc0, utf8, (size_t)n, RECEIPT_TEXT_CHARS);
	return n < 0 ? 0 : n;
}

/* A deliver_sm about the message: the SMPP 3.4 appendix B text and the
 * receipt TLVs, as a final receipt or an intermediate notification */
static void notice(struct smsc *smsc, const struct sms_mt *mt, uint8_t esm_type, uint8_t state, int err,
		   const char *kind)
{
	char sub[16], done[16];
	uint8_t body[254];
	receipt_date(sub, sizeof(sub), mt->submit_ms);
	receipt_date(done, sizeof(done), store_now_ms());
	int n = snprintf((char *)body, sizeof(body), "id:%s sub:001 dlvrd:%03d submit date:%s done date:%s stat:%s"
			 " err:%03d text:", mt->esme_id, state == SMPP_STATE_DELIVERED ? 1 : 0, sub, done,
			 stat_word(state), err % 1000);
	if (n < 0 || n >= (int)sizeof(body))
		return;
	n += receipt_text(mt, body + n, sizeof(body) - (size_t)n);
	struct smpp_pdu p = { .command_id = SMPP_DELIVER_SM, .source = mt->dst, .dest = mt->src,
			      .esm_class = esm_type, .sm_length = (uint8_t)n, .short_message = body };
	p.tlv.present = SMPP_TLV_RECEIPTED_MESSAGE_ID | SMPP_TLV_MESSAGE_STATE | SMPP_TLV_NETWORK_ERROR_CODE;
	snprintf(p.tlv.receipted_message_id, sizeof(p.tlv.receipted_message_id), "%s", mt->esme_id);
	p.tlv.message_state = state;
	p.tlv.network_error_type = SMPP_NET_GSM;
	p.tlv.network_error_code = (uint16_t)err;
	if (outbox_insert(smsc, mt->account, &p, kind, true) < 0)
		LOGP(DSMS, LOGL_ERROR, "message %s: cannot store its %s\n", mt->msg_id, kind);
}

/* SMPP 3.4 appendix B receipt, when registered_delivery asked for one */
void smsc_outbox_receipt(struct smsc *smsc, const struct sms_mt *mt, uint8_t state, int err)
{
	uint8_t want = mt->registered_delivery & SMPP_RD_RECEIPT_MASK;
	if (!want || (want == 2 && state == SMPP_STATE_DELIVERED))
		return;
	notice(smsc, mt, SMPP_ESM_TYPE_RECEIPT, state, err, "receipt");
}

void smsc_outbox_intermediate(struct smsc *smsc, const struct sms_mt *mt, int err)
{
	if (mt->registered_delivery & SMPP_RD_INTERMEDIATE)
		notice(smsc, mt, SMPP_ESM_TYPE_INTERMEDIATE, SMPP_STATE_ENROUTE, err, "intermediate");
}

/* Hands rows to the account's binds until their windows are full. fast:
 * only rows after the cursor; else every row due (retries). */
static void send_account(struct smsc *smsc, const char *account, int64_t now, bool fast)
{
	struct outbox_cursor *cur = cursor_of(smsc, account);
	if (!cur)
		return;
	/* fast: a rowid range from the cursor (NOT INDEXED keeps the planner
	 * off the pending index, which would scan every row in flight) */
	sqlite3_stmt *s = store_stmt(smsc->store, fast ?
				     "SELECT id, pdu FROM outbox NOT INDEXED WHERE id > ? AND account = ?"
				     " AND done_ms IS NULL AND next_ms <= ? ORDER BY id LIMIT 500" :
				     "SELECT id, pdu FROM outbox WHERE id > ? AND account = ?"
				     " AND done_ms IS NULL AND next_ms <= ? ORDER BY id LIMIT 500");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, fast ? cur->after : 0);
	sqlite3_bind_text(s, 2, account, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct smpp_pdu p;
		if (entry_find(smsc, id))
			continue;	/* in flight, or answered and not committed yet */
		if (smpp_decode(&p, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1), NULL) < 0) {
			LOGP(DSMS, LOGL_ERROR, "outbox %lld: undecodable, skipped\n", (long long)id);
			continue;
		}
		struct outbox_entry *e = entry_add(smsc, id);
		if (!e)
			break;
		int rc = smpp_server_deliver(smsc->smpp, account, &p, (uint64_t)id);
		if (rc < 0) {
			entry_del(smsc, e);
			break;	/* no receiver, or every window full: later */
		}
		if (id > cur->after)
			cur->after = id;
		rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_DELIVER_SENT));
	}
	sqlite3_reset(s);
}

static void retry_account(void *data, const struct smpp_account *a)
{
	send_account(data, a->system_id, store_now_ms(), false);
}

static void kick(struct smsc *smsc, bool fast)
{
	if (fast) {
		/* the accounts rows were added for since the start (no scan) */
		int64_t now = store_now_ms();
		struct outbox_cursor *c;
		llist_for_each_entry(c, &smsc->outbox_cursors, list)
			if (smpp_server_receiver_bound(smsc->smpp, c->account))
				send_account(smsc, c->account, now, true);
		return;
	}
	/* retries: every account with a receiver bound, each by its index
	 * range (accounts nobody is bound for cost nothing, however many) */
	smpp_server_foreach_receiver_account(smsc->smpp, retry_account, smsc);
}

void smsc_outbox_receiver_up(void *priv, const struct smpp_account *account)
{
	struct smsc *smsc = priv;
	send_account(smsc, account->system_id, store_now_ms(), false);
}

/* The commit that holds the updates of answers of generation gen ended:
 * those rows may be read again (they are done, or due later). A failed
 * commit kept the updates (store_step): they wait for the next one. */
struct settled_wait {
	struct smsc *smsc;
	uint32_t gen;
};

static void settled_committed(void *data, bool ok)
{
	struct settled_wait *w = data;
	struct smsc *smsc = w->smsc;
	if (!ok) {
		store_after_commit(smsc->store, settled_committed, w);
		return;
	}
	struct outbox_entry *e, *tmp;
	llist_for_each_entry_safe(e, tmp, &smsc->outbox_settled, settled) {
		if ((int32_t)(e->gen - w->gen) > 0)
			break;
		entry_del(smsc, e);
	}
	if (w->gen == smsc->outbox_gen) {
		smsc->outbox_gen++;
		smsc->outbox_gen_waits = false;
	}
	talloc_free(w);
}

/* the row stays out of the reads until its update committed */
static void settle(struct smsc *smsc, int64_t id)
{
	struct outbox_entry *e = entry_find(smsc, id);
	if (!e && !(e = entry_add(smsc, id)))
		return;
	e->answered = true;
	e->gen = smsc->outbox_gen;
	llist_del(&e->settled);
	llist_add_tail(&e->settled, &smsc->outbox_settled);
	if (smsc->outbox_gen_waits)
		return;
	struct settled_wait *w = talloc_zero(smsc, struct settled_wait);
	if (!w)
		return;
	w->smsc = smsc;
	w->gen = smsc->outbox_gen;
	smsc->outbox_gen_waits = true;
	store_after_commit(smsc->store, settled_committed, w);
}

void smsc_outbox_deliver_resp(void *priv, uint64_t token, uint32_t status)
{
	struct smsc *smsc = priv;
	int64_t id = (int64_t)token;
	int64_t now = store_now_ms();
	/* nobody waits for these: kept while the store is in trouble */
	store_write(smsc->store);
	settle(smsc, id);
	/* ESME_RX_P_APPN: the ESME will never take it; anything else may pass later */
	if (status == ESME_ROK || status == ESME_RX_P_APPN) {
		sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE outbox SET done_ms = ? WHERE id = ? AND done_ms IS NULL");
		if (!s) {
			LOGP(DSMS, LOGL_ERROR, "outbox %lld: cannot store its answer\n", (long long)id);
			return;
		}
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, id);
		store_step(smsc->store, s);
		/* an answered deliver_sm sent again after a crash is what the ESME
		 * sees twice: its removal commits at the end of this tick */
		store_commit_soon(smsc->store);
		if (status == ESME_ROK)
			rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_DELIVER_DONE));
		else
			LOGP(DSMS, LOGL_NOTICE, "outbox %lld: ESME refused it for good\n", (long long)id);
		/* room in the window: the next ones */
		kick_soon(smsc, 1);
		return;
	}
	/* an error answer: soon again; no answer at all: a slow or deaf ESME
	 * gets it again much later (a late answer still counts, see above) */
	bool silent = status == SMPP_DELIVER_NO_ANSWER;
	sqlite3_stmt *s = store_stmt(smsc->store, silent ?
				     "UPDATE outbox SET attempts = attempts + 1, next_ms = ?1 + 1000 * min(?3,"
				     " ?4 * (1 << min(attempts, 10))) WHERE id = ?2 AND done_ms IS NULL" :
				     "UPDATE outbox SET attempts = attempts + 1, next_ms = ?1 + 1000 * min(?3,"
				     " 1 << min(attempts, 6)) WHERE id = ?2 AND done_ms IS NULL");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int(s, 3, silent ? OUTBOX_SILENT_BACKOFF_MAX_S : OUTBOX_ERROR_BACKOFF_MAX_S);
	if (silent)
		sqlite3_bind_int(s, 4, OUTBOX_SILENT_BACKOFF_S);
	store_step(smsc->store, s);
}

/* deliver_sm no ESME took within the expiry: dropped (and said so), so an
 * account that never binds again does not keep them retrying forever */
static void expire(struct smsc *smsc)
{
	int64_t now = store_now_ms();
	/* a look first: no transaction (and no commit) when nothing is due */
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT EXISTS (SELECT 1 FROM outbox WHERE done_ms IS NULL"
				     " AND created_ms < ?)");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, now - smsc->cfg.outbox_expiry_s * 1000LL);
	bool due = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	s = due ? store_stmt(smsc->store, "UPDATE outbox SET done_ms = ?, attempts = -1"
			     " WHERE done_ms IS NULL AND created_ms < ?") : NULL;
	if (!s || store_write(smsc->store) < 0)
		return;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, now - smsc->cfg.outbox_expiry_s * 1000LL);
	sqlite3_step(s);
	int n = sqlite3_changes(store_db(smsc->store));
	if (n)
		LOGP(DSMS, LOGL_NOTICE, "outbox: %d deliver_sm older than %u s dropped (no ESME took them)\n", n,
		     smsc->cfg.outbox_expiry_s);
}

static void outbox_timer_cb(void *data)
{
	struct smsc *smsc = data;
	if (++smsc->outbox_ticks % 5 == 0)
		expire(smsc);
	smsc_db_purge(smsc, smsc->outbox_ticks);
	smsc_mo_expire_parts(smsc);
	kick(smsc, false);
	osmo_timer_schedule(&smsc->outbox_timer, 1, 0);
}

static void outbox_fast_timer_cb(void *data)
{
	kick(data, true);
}

void smsc_outbox_init(struct smsc *smsc)
{
	INIT_LLIST_HEAD(&smsc->outbox_settled);
	INIT_LLIST_HEAD(&smsc->outbox_cursors);
	smsc->outbox_hash = talloc_array(smsc, struct llist_head, OUTBOX_BUCKETS);
	OSMO_ASSERT(smsc->outbox_hash);
	for (unsigned int i = 0; i < OUTBOX_BUCKETS; i++)
		INIT_LLIST_HEAD(&smsc->outbox_hash[i]);
	osmo_timer_setup(&smsc->outbox_timer, outbox_timer_cb, smsc);
	osmo_timer_setup(&smsc->outbox_fast_timer, outbox_fast_timer_cb, smsc);
	osmo_timer_schedule(&smsc->outbox_timer, 1, 0);
}
