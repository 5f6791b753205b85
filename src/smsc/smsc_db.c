/* The SMS core's tables in the gateway store: messages (MT, until final
 * and after, for query_sm and receipts) and the outbox of deliver_sm (see
 * smsc_outbox.c); and its rows of the audit trail (src/audit). Every write
 * joins the store's per-tick transaction; the writes nobody waits for go
 * through store_step(), so a store locked by another process keeps them
 * until it is free. Finished rows older than `retention` are purged a
 * small batch at a time (the audit's too). */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/audit/audit.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

static const char schema[] =
	/* messages: smsc_db_init() (an earlier version's table gets the new columns) */
	"CREATE INDEX IF NOT EXISTS messages_pending ON messages (state) WHERE state = 1;"
	"CREATE INDEX IF NOT EXISTS messages_group ON messages (group_id) WHERE group_id IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS messages_dst ON messages (dst, submit_ms);"
	/* the retention purge finds the oldest finished ones */
	"CREATE INDEX IF NOT EXISTS messages_done ON messages (done_ms) WHERE done_ms IS NOT NULL;"
	"CREATE TABLE IF NOT EXISTS outbox ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" account TEXT NOT NULL, kind TEXT NOT NULL, pdu BLOB NOT NULL,"
	" created_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
	" done_ms INTEGER);"
	"CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (account, next_ms) WHERE done_ms IS NULL;"
	"CREATE INDEX IF NOT EXISTS outbox_done ON outbox (done_ms) WHERE done_ms IS NOT NULL;"
	/* every MO-ForwardSM accepted: the billing records name these ids */
	"CREATE TABLE IF NOT EXISTS mo_log ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,"
	" received_ms INTEGER NOT NULL);"
	/* parts of concatenated MO messages waiting for the rest */
	"CREATE TABLE IF NOT EXISTS mo_parts ("
	" account TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, ref INTEGER NOT NULL,"
	" total INTEGER NOT NULL, seq INTEGER NOT NULL, data_coding INTEGER NOT NULL, protocol_id INTEGER NOT NULL,"
	" data BLOB NOT NULL, created_ms INTEGER NOT NULL,"
	" PRIMARY KEY (account, src, dst, ref, total, seq));";

/* columns a store of an earlier version lacks */
static const struct {
	const char *name, *def;
} added_columns[] = {
	{ "service_type", "TEXT NOT NULL DEFAULT ''" },
	{ "concat_ref", "INTEGER NOT NULL DEFAULT -1" },
	{ "group_id", "INTEGER" },
	{ "dc0", "INTEGER NOT NULL DEFAULT 0" },
};

int smsc_db_init(struct store *st)
{
	/* the table first as an earlier version made it, then what it lacks */
	if (store_exec(st, "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		       " account TEXT NOT NULL, src_ton INTEGER, src_npi INTEGER, src TEXT, dst_ton INTEGER,"
		       " dst_npi INTEGER, dst TEXT NOT NULL, esm_class INTEGER, protocol_id INTEGER, data_coding INTEGER,"
		       " registered_delivery INTEGER, payload BLOB, sar_ref INTEGER, sar_total INTEGER, sar_seq INTEGER,"
		       " submit_ms INTEGER NOT NULL, expiry_ms INTEGER NOT NULL, next_ms INTEGER NOT NULL,"
		       " state INTEGER NOT NULL DEFAULT 1, attempts INTEGER NOT NULL DEFAULT 0,"
		       " parts INTEGER NOT NULL DEFAULT 0, parts_done INTEGER NOT NULL DEFAULT 0,"
		       " err INTEGER NOT NULL DEFAULT 0, operator TEXT, done_ms INTEGER)") < 0)
		return -EIO;
	for (size_t i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]); i++)
		if (store_add_column(st, "messages", added_columns[i].name, added_columns[i].def) < 0)
			return -EIO;
	if (store_exec(st, schema) < 0)
		return -EIO;
	return audit_init(st);
}

static void bind_addr(sqlite3_stmt *s, int col, const struct smpp_address *a)
{
	sqlite3_bind_int(s, col, a->ton);
	sqlite3_bind_int(s, col + 1, a->npi);
	sqlite3_bind_text(s, col + 2, a->addr, -1, SQLITE_TRANSIENT);
}

int64_t smsc_db_insert_message(struct store *st, const char *account, const struct smpp_pdu *p, uint8_t dc0,
			       const uint8_t *payload, size_t len, int64_t submit_ms, int64_t expiry_ms,
			       int64_t next_ms, int64_t group_id)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO messages (account, src_ton, src_npi, src, dst_ton, dst_npi,"
				     " dst, esm_class, protocol_id, data_coding, registered_delivery, payload,"
				     " sar_ref, sar_total, sar_seq, submit_ms, expiry_ms, next_ms, service_type,"
				     " group_id, dc0) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!s)
		return -EIO;
	/* the rowid is the message_id: nothing to keep for later, refused when busy */
	int rc = store_write(st);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, account, -1, SQLITE_TRANSIENT);
	bind_addr(s, 2, &p->source);
	bind_addr(s, 5, &p->dest);
	sqlite3_bind_int(s, 8, p->esm_class);
	sqlite3_bind_int(s, 9, p->protocol_id);
	sqlite3_bind_int(s, 10, p->data_coding);
	sqlite3_bind_int(s, 11, p->registered_delivery);
	sqlite3_bind_blob(s, 12, payload, (int)len, SQLITE_TRANSIENT);
	bool sar = p->tlv.present & SMPP_TLV_SAR;
	sqlite3_bind_int(s, 13, sar ? p->tlv.sar_msg_ref_num : 0);
	sqlite3_bind_int(s, 14, sar ? p->tlv.sar_total_segments : 0);
	sqlite3_bind_int(s, 15, sar ? p->tlv.sar_segment_seqnum : 0);
	sqlite3_bind_int64(s, 16, submit_ms);
	sqlite3_bind_int64(s, 17, expiry_ms);
	sqlite3_bind_int64(s, 18, next_ms);
	sqlite3_bind_text(s, 19, p->service_type, -1, SQLITE_TRANSIENT);
	if (group_id > 0)
		sqlite3_bind_int64(s, 20, group_id);
	sqlite3_bind_int(s, 21, dc0);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -EIO;
	return sqlite3_last_insert_rowid(store_db(st));
}

int smsc_db_set_group(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store_stmt(st, "UPDATE messages SET group_id = id WHERE id = ?");
	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	return sqlite3_step(s) == SQLITE_DONE ? 0 : -EIO;
}

void smsc_mt_set_ids(struct sms_mt *mt)
{
	snprintf(mt->msg_id, sizeof(mt->msg_id), "%lld", (long long)mt->id);
	if (mt->group_id) {
		snprintf(mt->esme_id, sizeof(mt->esme_id), "%lld", (long long)mt->group_id);
		snprintf(mt->bill_ref, sizeof(mt->bill_ref), "%lld/%s", (long long)mt->group_id, mt->dst.addr);
	} else {
		snprintf(mt->esme_id, sizeof(mt->esme_id), "%s", mt->msg_id);
		snprintf(mt->bill_ref, sizeof(mt->bill_ref), "%s", mt->msg_id);
	}
}

static void load_addr(sqlite3_stmt *s, int col, struct smpp_address *a)
{
	a->ton = (uint8_t)sqlite3_column_int(s, col);
	a->npi = (uint8_t)sqlite3_column_int(s, col + 1);
	snprintf(a->addr, sizeof(a->addr), "%s", (const char *)sqlite3_column_text(s, col + 2));
}

/* ------------------------------------------------------------ pending messages */

struct pending_count {
	struct smsc *smsc;
};

static int pending_count_destructor(struct pending_count *c)
{
	c->smsc->n_pending--;
	return 0;
}

struct sms_mt *smsc_db_mt_alloc(struct smsc *smsc)
{
	struct sms_mt *mt = sms_mt_alloc(smsc);
	/* a child of the message: it goes when the message is final */
	struct pending_count *c = mt ? talloc_zero(mt, struct pending_count) : NULL;
	if (!c) {
		if (mt)
			osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_ERROR, NULL);
		return NULL;
	}
	c->smsc = smsc;
	smsc->n_pending++;
	talloc_set_destructor(c, pending_count_destructor);
	return mt;
}

int smsc_db_load_pending(struct smsc *smsc)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT id, account, src_ton, src_npi, src, dst_ton, dst_npi, dst,"
				     " esm_class, protocol_id, data_coding, registered_delivery, payload, sar_ref,"
				     " sar_total, sar_seq, submit_ms, expiry_ms, next_ms, attempts, parts_done,"
				     " service_type, concat_ref, group_id, dc0, err"
				     " FROM messages WHERE state = 1 ORDER BY id");
	int n = 0;
	int64_t now = store_now_ms();
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		struct sms_mt *mt = smsc_db_mt_alloc(smsc);
		if (!mt) {
			LOGP(DSMS, LOGL_ERROR, "no memory for the messages of the store: %d loaded\n", n);
			break;
		}
		mt->id = sqlite3_column_int64(s, 0);
		snprintf(mt->account, sizeof(mt->account), "%s", (const char *)sqlite3_column_text(s, 1));
		load_addr(s, 2, &mt->src);
		load_addr(s, 5, &mt->dst);
		mt->esm_class = (uint8_t)sqlite3_column_int(s, 8);
		mt->protocol_id = (uint8_t)sqlite3_column_int(s, 9);
		mt->data_coding = (uint8_t)sqlite3_column_int(s, 10);
		mt->registered_delivery = (uint8_t)sqlite3_column_int(s, 11);
		mt->payload_len = (size_t)sqlite3_column_bytes(s, 12);
		mt->payload = talloc_size(mt, mt->payload_len + 1);
		if (!mt->payload) {
			osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_ERROR, NULL);
			LOGP(DSMS, LOGL_ERROR, "no memory for the messages of the store: %d loaded\n", n);
			break;
		}
		if (mt->payload_len)
			memcpy(mt->payload, sqlite3_column_blob(s, 12), mt->payload_len);
		mt->payload[mt->payload_len] = 0;
		mt->sar_ref = (uint16_t)sqlite3_column_int(s, 13);
		mt->sar_total = (uint8_t)sqlite3_column_int(s, 14);
		mt->sar_seq = (uint8_t)sqlite3_column_int(s, 15);
		mt->submit_ms = sqlite3_column_int64(s, 16);
		mt->expiry_ms = sqlite3_column_int64(s, 17);
		int64_t next_ms = sqlite3_column_int64(s, 18);
		mt->attempts = (unsigned int)sqlite3_column_int(s, 19);
		mt->parts_done = (uint8_t)sqlite3_column_int(s, 20);
		snprintf(mt->service_type, sizeof(mt->service_type), "%s", (const char *)sqlite3_column_text(s, 21));
		mt->concat_ref = sqlite3_column_int(s, 22);
		mt->group_id = sqlite3_column_int64(s, 23);
		mt->dc0 = (uint8_t)sqlite3_column_int(s, 24);
		mt->last_err = sqlite3_column_int(s, 25);
		/* waiting for the end of its validity: that attempt is its last */
		mt->last_try = mt->attempts && next_ms >= mt->expiry_ms;
		smsc_mt_set_ids(mt);
		if (sms_mt_set_dest(mt) < 0) {
			osmo_fsm_inst_term(mt->fi, OSMO_FSM_TERM_ERROR, NULL);
			LOGP(DSMS, LOGL_ERROR, "no memory for the messages of the store: %d loaded\n", n);
			break;
		}
		/* a reference of the destination's still in use on a handset */
		if (mt->concat_ref >= 0 && mt->parts_done)
			mt->dest->next_ref = (uint16_t)(mt->concat_ref + 1);
		sms_mt_wait(mt, next_ms > now ? next_ms - now : 0);
		n++;
	}
	return n;
}

void smsc_db_message_final(struct smsc *smsc, struct sms_mt *mt, uint8_t state, int err)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET state = ?, err = ?, done_ms = ?,"
				     " parts = ?, parts_done = ?, attempts = ?, operator = ? WHERE id = ?");
	if (!s)
		return;
	store_write(smsc->store);
	sqlite3_bind_int(s, 1, state);
	sqlite3_bind_int(s, 2, err);
	sqlite3_bind_int64(s, 3, store_now_ms());
	sqlite3_bind_int(s, 4, mt->n_parts);
	sqlite3_bind_int(s, 5, mt->parts_done);
	sqlite3_bind_int(s, 6, (int)mt->attempts);
	sqlite3_bind_text(s, 7, mt->op ? mt->op->name : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 8, mt->id);
	if (store_step(smsc->store, s) != SQLITE_DONE)
		LOGP(DSMS, LOGL_ERROR, "message %s: cannot store its final state\n", mt->msg_id);
}

void smsc_db_message_ref(struct smsc *smsc, struct sms_mt *mt)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET concat_ref = ? WHERE id = ?");
	if (!s)
		return;
	store_write(smsc->store);
	sqlite3_bind_int(s, 1, mt->concat_ref);
	sqlite3_bind_int64(s, 2, mt->id);
	store_step(smsc->store, s);
}

int smsc_db_message_deleted(struct smsc *smsc, struct sms_mt *mt)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET state = ?, done_ms = ?, attempts = ?"
				     " WHERE id = ? AND state = 1");
	/* the request's answer waits for this commit: refused when busy */
	if (!s || store_write(smsc->store) < 0)
		return -EIO;
	sqlite3_bind_int(s, 1, SMPP_STATE_DELETED);
	sqlite3_bind_int64(s, 2, store_now_ms());
	sqlite3_bind_int(s, 3, (int)mt->attempts);
	sqlite3_bind_int64(s, 4, mt->id);
	return sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(store_db(smsc->store)) == 1 ? 0 : -EIO;
}

void smsc_db_message_undeleted(struct smsc *smsc, struct sms_mt *mt)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET state = 1, done_ms = NULL WHERE id = ?"
				     " AND state = ?");
	if (!s || store_busy(smsc->store))	/* the transaction is lost anyway */
		return;
	sqlite3_bind_int64(s, 1, mt->id);
	sqlite3_bind_int(s, 2, SMPP_STATE_DELETED);
	sqlite3_step(s);
}

void smsc_db_message_drop(struct smsc *smsc, int64_t id)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET state = 8, done_ms = ? WHERE id = ?");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, store_now_ms());
	sqlite3_bind_int64(s, 2, id);
	sqlite3_step(s);
}

void smsc_db_message_retry(struct smsc *smsc, struct sms_mt *mt, int64_t next_ms, int err)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET next_ms = ?, err = ?, attempts = ?,"
				     " parts_done = ? WHERE id = ?");
	if (!s)
		return;
	store_write(smsc->store);
	sqlite3_bind_int64(s, 1, next_ms);
	sqlite3_bind_int(s, 2, err);
	sqlite3_bind_int(s, 3, (int)mt->attempts);
	sqlite3_bind_int(s, 4, mt->parts_done);
	sqlite3_bind_int64(s, 5, mt->id);
	store_step(smsc->store, s);
}

int smsc_db_message_replace(struct smsc *smsc, struct sms_mt *mt, const uint8_t *payload, size_t len,
			    uint8_t registered_delivery, int64_t expiry_ms, int64_t next_ms)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET payload = ?, registered_delivery = ?,"
				     " expiry_ms = ?, next_ms = ? WHERE id = ? AND state = 1");
	/* the answer waits for this commit: refused when busy */
	if (!s || store_write(smsc->store) < 0)
		return -EIO;
	sqlite3_bind_blob(s, 1, len ? payload : (const uint8_t *)"", (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, registered_delivery);
	sqlite3_bind_int64(s, 3, expiry_ms);
	sqlite3_bind_int64(s, 4, next_ms);
	sqlite3_bind_int64(s, 5, mt->id);
	return sqlite3_step(s) == SQLITE_DONE && sqlite3_changes(store_db(smsc->store)) == 1 ? 0 : -EIO;
}

/* a part was accepted: a restart must not send it again */
void smsc_db_message_progress(struct smsc *smsc, struct sms_mt *mt)
{
	sqlite3_stmt *s = store_stmt(smsc->store, "UPDATE messages SET parts_done = ?, parts = ? WHERE id = ?");
	if (!s)
		return;
	store_write(smsc->store);
	sqlite3_bind_int(s, 1, mt->parts_done);
	sqlite3_bind_int(s, 2, mt->n_parts);
	sqlite3_bind_int64(s, 3, mt->id);
	store_step(smsc->store, s);
}

void smsc_db_audit(struct smsc *smsc, const struct smsc_dlg *d, const char *step, const char *outcome)
{
	struct audit_row r = { .msg_id = d->msg_id, .msisdn = d->msisdn, .step = step, .calling_gt = d->calling_gt,
			       .called_gt = d->called_gt, .answer_gt = d->answer_gt, .otid = d->otid, .dtid = d->dtid,
			       .start_ms = d->start_ms, .end_ms = store_now_ms(), .outcome = outcome };
	audit_write(smsc->store, &r);
}

/* ------------------------------------------------------------ retention */

#define PURGE_BATCH	500

/* Deletes up to PURGE_BATCH rows of one statement; true when it found a full batch */
static bool purge_one(struct smsc *smsc, const char *sql, int64_t before_ms)
{
	sqlite3_stmt *s = store_stmt(smsc->store, sql);
	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, before_ms);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return false;
	}
	return sqlite3_changes(store_db(smsc->store)) >= PURGE_BATCH;
}

/* Finished messages older than the retention go with their audit rows,
 * and answered deliver_sm, a batch of each at a time (a few ms): every 10
 * s, or every second while a batch came back full. The audit rows of
 * lookups are not the SMS core's (they go with the lookup log, see
 * lookup_db_purge()). Billing records stay (append-only, exported by the
 * operator). Nothing is purged while the store is busy. */
void smsc_db_purge(struct smsc *smsc, unsigned int tick)
{
	if (!smsc->cfg.retention_s || (!smsc->purge_backlog && tick % 10) || store_busy(smsc->store))
		return;
	int64_t before = store_now_ms() - smsc->cfg.retention_s * 1000LL;
	/* a look first: no transaction when nothing is due */
	sqlite3_stmt *s = store_stmt(smsc->store, "SELECT EXISTS (SELECT 1 FROM messages WHERE done_ms < ?1)"
				     " OR EXISTS (SELECT 1 FROM outbox WHERE done_ms < ?1)");
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, before);
	bool due = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	smsc->purge_backlog = false;
	if (!due || store_write(smsc->store) < 0)
		return;
	/* the audit rows first: found by the ids of the same batch of messages */
	purge_one(smsc, "DELETE FROM audit WHERE msg_id IN (SELECT CAST(id AS TEXT) FROM messages WHERE done_ms < ?"
		  " ORDER BY done_ms LIMIT 500)", before);
	bool more = purge_one(smsc, "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE done_ms < ?"
			      " ORDER BY done_ms LIMIT 500)", before);
	more |= purge_one(smsc, "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE done_ms < ?"
			  " ORDER BY done_ms LIMIT 500)", before);
	smsc->purge_backlog = more;
}
