/* The outbox: every deliver_sm the core owes an ESME (MO messages,
 * delivery receipts) is a row in the store before anything is sent, and
 * stays until the ESME answered deliver_sm_resp OK. Rows wait while the
 * account has no receiver bound and go out, within each bind's window,
 * when one binds; failures retry with back-off. Retries look at every
 * account with a receiver bound (however many accounts hold rows), and
 * nothing is sent while the store is busy (an answer's update would be
 * kept in memory, and the row sent again meanwhile). */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

struct outbox_busy {
	struct llist_head list;
	int64_t id;
};

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

int smsc_outbox_add(struct smsc *smsc, const char *account, const struct smpp_pdu *p, const char *kind)
{
	return outbox_insert(smsc, account, p, kind, false);
}

static const char *stat_word(uint8_t state)
{
	switch (state) {
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

/* SMPP 3.4 appendix B receipt, when registered_delivery asked for one */
void smsc_outbox_receipt(struct smsc *smsc, const struct sms_mt *mt, uint8_t state, int err)
{
	uint8_t want = mt->registered_delivery & 0x03;
	if (!want || (want == 2 && state == SMPP_STATE_DELIVERED))
		return;
	char sub[16], done[16], text[21] = "", body[200];
	receipt_date(sub, sizeof(sub), mt->submit_ms);
	receipt_date(done, sizeof(done), store_now_ms());
	/* the first 20 characters, when the message is text */
	if (mt->data_coding <= 3 && !(mt->esm_class & SMPP_ESM_UDHI))
		for (size_t i = 0; i < 20 && i < mt->payload_len; i++)
			text[i] = mt->payload[i] >= 0x20 && mt->payload[i] < 0x7f ? (char)mt->payload[i] : '.';
	int n = snprintf(body, sizeof(body), "id:%s sub:001 dlvrd:%03d submit date:%s done date:%s stat:%s err:%03d text:%s",
			 mt->msg_id, state == SMPP_STATE_DELIVERED ? 1 : 0, sub, done, stat_word(state), err % 1000, text);
	struct smpp_pdu p = { .command_id = SMPP_DELIVER_SM, .source = mt->dst, .dest = mt->src,
			      .esm_class = SMPP_ESM_TYPE_RECEIPT, .sm_length = (uint8_t)n,
			      .short_message = (const uint8_t *)body };
	p.tlv.present = SMPP_TLV_RECEIPTED_MESSAGE_ID | SMPP_TLV_MESSAGE_STATE | SMPP_TLV_NETWORK_ERROR_CODE;
	snprintf(p.tlv.receipted_message_id, sizeof(p.tlv.receipted_message_id), "%s", mt->msg_id);
	p.tlv.message_state = state;
	p.tlv.network_error_type = SMPP_NET_GSM;
	p.tlv.network_error_code = (uint16_t)err;
	if (outbox_insert(smsc, mt->account, &p, "receipt", true) < 0)
		LOGP(DSMS, LOGL_ERROR, "message %s: cannot store its receipt\n", mt->msg_id);
}

static bool busy(struct smsc *smsc, int64_t id)
{
	struct outbox_busy *b;
	llist_for_each_entry(b, &smsc->outbox_busy, list)
		if (b->id == id)
			return true;
	return false;
}

/* Hands rows to the account's binds until their windows are full. fast:
 * only rows after the cursor; else every row due (retries). */
static void send_account(struct smsc *smsc, const char *account, int64_t now, bool fast)
{
	struct outbox_cursor *cur = cursor_of(smsc, account);
	if (!cur || store_busy(smsc->store))
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
		if (!fast && busy(smsc, id))
			continue;
		if (smpp_decode(&p, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1), NULL) < 0) {
			LOGP(DSMS, LOGL_ERROR, "outbox %lld: undecodable, skipped\n", (long long)id);
			continue;
		}
		struct outbox_busy *b = talloc_zero(smsc, struct outbox_busy);
		if (!b)
			break;
		int rc = smpp_server_deliver(smsc->smpp, account, &p, (uint64_t)id);
		if (rc < 0) {
			talloc_free(b);
			break;	/* no receiver, or every window full: later */
		}
		b->id = id;
		llist_add_tail(&b->list, &smsc->outbox_busy);
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

void smsc_outbox_deliver_resp(void *priv, uint64_t token, uint32_t status)
{
	struct smsc *smsc = priv;
	int64_t id = (int64_t)token;
	struct outbox_busy *b, *tmp;
	llist_for_each_entry_safe(b, tmp, &smsc->outbox_busy, list) {
		if (b->id == id) {
			llist_del(&b->list);
			talloc_free(b);
			break;
		}
	}
	int64_t now = store_now_ms();
	/* nobody waits for these: kept while the store is busy */
	store_write(smsc->store);
	/* ESME_RX_P_APPN: the ESME will never take it; anything else may pass later */
	if (status == ESME_ROK || status == ESME_RX_P_APPN) {
		sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE outbox SET done_ms = ? WHERE id = ?");
		if (!s) {
			LOGP(DSMS, LOGL_ERROR, "outbox %lld: cannot store its answer\n", (long long)id);
			return;
		}
		sqlite3_bind_int64(s, 1, now);
		sqlite3_bind_int64(s, 2, id);
		store_step(smsc->store, s);
		if (status == ESME_ROK)
			rate_ctr_inc(rate_ctr_group_get_ctr(smsc->ctrg, SMSC_CTR_DELIVER_DONE));
		else
			LOGP(DSMS, LOGL_NOTICE, "outbox %lld: ESME refused it for good\n", (long long)id);
		/* room in the window: the next ones */
		kick_soon(smsc, 1);
		return;
	}
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE outbox SET attempts = attempts + 1,"
				     " next_ms = ? + 1000 * min(60, 1 << min(attempts, 6)) WHERE id = ?");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, id);
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
	INIT_LLIST_HEAD(&smsc->outbox_busy);
	INIT_LLIST_HEAD(&smsc->outbox_cursors);
	osmo_timer_setup(&smsc->outbox_timer, outbox_timer_cb, smsc);
	osmo_timer_setup(&smsc->outbox_fast_timer, outbox_fast_timer_cb, smsc);
	osmo_timer_schedule(&smsc->outbox_timer, 1, 0);
}
