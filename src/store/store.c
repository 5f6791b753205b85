/* SQLite store with one transaction per main-loop tick (see store.h).
 *
 * Writes nobody waits for (store_step) are also kept as SQL with their
 * values in the transaction's journal until it commits. When a write or the
 * commit fails (another process holds the lock, the volume is full, an I/O
 * error), the transaction is rolled back, its journal becomes the "kept"
 * writes, and the store is in trouble: acknowledged writes are refused at
 * once, later background writes are kept too, and a timer begins a
 * transaction again, replays what was kept, in order, and commits. Nothing
 * kept is dropped before a commit that holds it succeeded. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>

struct cached_stmt {
	struct llist_head list;
	const char *key;		/* the caller's pointer (a literal): the fast match */
	const char *sql;		/* our copy of the text */
	sqlite3_stmt *stmt;
};

struct after_commit {
	struct llist_head list;
	void (*cb)(void *data, bool ok);
	void *data;
};

/* a write statement with its values, in the journal or kept */
struct kept_sql {
	struct llist_head list;
	bool dead;			/* refused for good on replay (not for want of space): dropped */
	size_t len;
	char sql[];
};

/* how long SQLite itself may wait for a lock (the loop must not) */
#define STORE_BUSY_TIMEOUT_MS	1
/* how often a locked store tries to get the lock back, a full one to commit */
#define STORE_LOCKED_RETRY_MS	50
#define STORE_FULL_RETRY_MS	1000
/* what a store in trouble keeps at most; beyond it writes are lost (and logged) */
#define STORE_KEPT_MAX		(32 * 1024 * 1024)
/* the WAL: checkpointed past this many pages, cut back to this size after a
 * checkpoint, truncated when the store is idle (a small volume stays usable) */
#define STORE_WAL_PAGES		256
#define STORE_WAL_LIMIT		(1024 * 1024)
/* a transaction's background writes are journalled (kept as SQL for a
 * replay) while the volume has less free space than this, or always
 * (store_journal_always()): with more, a commit cannot run out of space
 * unless another process writes this much within one transaction, and
 * the expansion of every write as SQL (a third of an MT's instructions,
 * callgrind) is saved */
#define STORE_JOURNAL_BELOW	(64ULL * 1024 * 1024)
/* free space on the store's volume below which the log warns (two WALs) */
#define STORE_LOW_SPACE		(2 * 1024 * 1024)
#define STORE_WATCH_MS		1000
#define STORE_IDLE_MS		1000
#define STORE_LOW_SPACE_LOG_MS	60000

enum store_trouble { STORE_OK, STORE_LOCKED, STORE_FULL };

enum store_ctr {
	STORE_CTR_COMMIT_FAILED, STORE_CTR_LOCKED, STORE_CTR_FULL, STORE_CTR_LOW_SPACE, STORE_CTR_KEPT,
	STORE_CTR_KEPT_LOST, STORE_CTR_CHECKPOINT,
};

static const struct rate_ctr_desc store_ctr_desc[] = {
	[STORE_CTR_COMMIT_FAILED] = { "commit:failed", "commits that failed (rolled back; their background writes kept)" },
	[STORE_CTR_LOCKED] = { "trouble:locked", "times another process held the write lock" },
	[STORE_CTR_FULL] = { "trouble:full", "times no commit succeeded (volume full, I/O error)" },
	[STORE_CTR_LOW_SPACE] = { "space:low", "warnings: little free space on the store's volume" },
	[STORE_CTR_KEPT] = { "write:kept", "background writes kept in memory while the store was in trouble" },
	[STORE_CTR_KEPT_LOST] = { "write:lost", "background writes lost: over the memory bound, or refused on replay" },
	[STORE_CTR_CHECKPOINT] = { "wal:truncated", "idle checkpoints that truncated the WAL" },
};
static const struct rate_ctr_group_desc store_ctrg_desc = {
	"store", "Gateway store (SQLite)", OSMO_STATS_CLASS_GLOBAL, ARRAY_SIZE(store_ctr_desc), store_ctr_desc,
};

struct store {
	sqlite3 *db;
	char *path;
	char *dir;			/* the volume whose free space is watched */
	bool in_tx;
	bool tx_failed;			/* a write of this transaction failed: rolled back at its end */
	bool commit_soon;		/* someone waits: commit at the end of this tick */
	unsigned int background_ms;
	unsigned int group_ms;		/* 0: waiters commit at the tick's end; else the loop's idle */
	struct osmo_timer_list commit_timer;
	struct llist_head stmts;
	struct llist_head waiting;	/* struct after_commit */
	bool running;			/* past start-up: SQLite waits STORE_BUSY_TIMEOUT_MS for a lock */
	/* this transaction's background writes, for a replay if it fails */
	struct llist_head journal;
	size_t journal_bytes;
	bool journal_on;		/* this transaction's writes are journalled */
	bool journal_always;
	unsigned int tx_unjournalled;	/* background writes of this transaction not journalled */
	/* trouble: no write can commit now */
	enum store_trouble trouble;
	double trouble_since_ms, trouble_logged_ms;
	char trouble_why[96];
	struct osmo_timer_list retry_timer;
	struct llist_head kept;		/* struct kept_sql, in order */
	size_t kept_bytes;
	uint64_t kept_now;		/* in this period of trouble */
	/* the volume and the WAL */
	struct osmo_timer_list watch_timer;
	double last_write_ms, last_checkpoint_ms, low_logged_ms;
	bool low;
	struct rate_ctr_group *ctrg;
	struct store_stats stats;
};

int64_t store_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void ctr_add(struct store *st, enum store_ctr c, unsigned int n)
{
	if (st->ctrg)
		rate_ctr_add(rate_ctr_group_get_ctr(st->ctrg, c), n);
}

static void ctr_inc(struct store *st, enum store_ctr c)
{
	ctr_add(st, c, 1);
}

int store_exec(struct store *st, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: %s\n", err ? err : "?");
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

/* A failure a later attempt may get past: the volume (full, I/O), a lock */
static bool transient(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_CANTOPEN:
	case SQLITE_NOMEM: case SQLITE_PROTOCOL:
		return true;
	default:
		return false;
	}
}

static void run_callbacks(struct store *st, bool ok)
{
	/* callbacks may write again: they join the next tick's transaction */
	struct llist_head done;
	INIT_LLIST_HEAD(&done);
	llist_splice_init(&st->waiting, &done);
	struct after_commit *ac, *tmp;
	llist_for_each_entry_safe(ac, tmp, &done, list) {
		llist_del(&ac->list);
		st->stats.callbacks++;
		ac->cb(ac->data, ok);
		talloc_free(ac);
	}
}

/* A statement still running keeps COMMIT from ending the transaction (a
 * write that met the lock stays resumable, a SELECT not read to its end):
 * none is in use between ticks, so each is reset */
static void reset_running(struct store *st)
{
	sqlite3_stmt *s = NULL;
	while ((s = sqlite3_next_stmt(st->db, s)))
		if (sqlite3_stmt_busy(s))
			sqlite3_reset(s);
}

static void rollback(struct store *st)
{
	reset_running(st);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A commit within ms: a zero timer runs after the current select round,
 * the tick's end; with group commits the loop commits once idle
 * (store_commit_wanted()) and the timer is the deadline */
static void commit_within(struct store *st, unsigned int ms)
{
	struct timeval left;
	if (st->commit_soon)
		return;
	st->commit_soon = true;
	if (!ms || !osmo_timer_pending(&st->commit_timer) ||
	    (!osmo_timer_remaining(&st->commit_timer, NULL, &left) && left.tv_sec * 1000 + left.tv_usec / 1000 > ms))
		osmo_timer_schedule(&st->commit_timer, ms / 1000, (ms % 1000) * 1000);
}

static void commit_at_tick_end(struct store *st)
{
	commit_within(st, 0);
}

/* ------------------------------------------------------------ kept writes */

static void free_list(struct llist_head *l)
{
	struct kept_sql *k, *tmp;
	llist_for_each_entry_safe(k, tmp, l, list) {
		llist_del(&k->list);
		talloc_free(k);
	}
}

/* s with its values as SQL at the end of list; false when it could not be kept */
static bool keep_on(struct store *st, struct llist_head *list, size_t *bytes, sqlite3_stmt *s)
{
	char *sql = sqlite3_expanded_sql(s);
	size_t len = sql ? strlen(sql) : 0;
	struct kept_sql *k = NULL;
	if (sql && st->kept_bytes + st->journal_bytes + len <= STORE_KEPT_MAX)
		k = talloc_size(st, sizeof(*k) + len + 1);
	if (!k) {
		st->stats.kept_dropped++;
		ctr_inc(st, STORE_CTR_KEPT_LOST);
		LOGP(DAPP, LOGL_ERROR, "store: no room to keep a write: lost (%s)\n", sql ? "over the limit" : "no memory");
		sqlite3_free(sql);
		return false;
	}
	talloc_set_name_const(k, "struct kept_sql");
	k->dead = false;
	k->len = len;
	memcpy(k->sql, sql, len + 1);
	sqlite3_free(sql);
	llist_add_tail(&k->list, list);
	*bytes += len;
	return true;
}

static void keep(struct store *st, sqlite3_stmt *s)
{
	if (keep_on(st, &st->kept, &st->kept_bytes, s)) {
		st->kept_now++;
		st->stats.kept++;
		ctr_inc(st, STORE_CTR_KEPT);
	}
}

static void journal(struct store *st, sqlite3_stmt *s)
{
	if (st->journal_on)
		keep_on(st, &st->journal, &st->journal_bytes, s);
	else
		st->tx_unjournalled++;
}

/* the failed transaction's background writes go before anything kept later */
static void journal_to_kept(struct store *st)
{
	/* llist_splice_init puts a list at the head of another */
	llist_splice_init(&st->journal, &st->kept);
	st->kept_bytes += st->journal_bytes;
	st->journal_bytes = 0;
	if (st->tx_unjournalled) {
		LOGP(DAPP, LOGL_ERROR, "store: %u background writes of the failed transaction were not journalled"
		     " (more than %llu MiB were free when it began): lost\n", st->tx_unjournalled,
		     STORE_JOURNAL_BELOW >> 20);
		st->stats.kept_dropped += st->tx_unjournalled;
		ctr_add(st, STORE_CTR_KEPT_LOST, st->tx_unjournalled);
		st->tx_unjournalled = 0;
	}
}

/* ------------------------------------------------------------ trouble */

static void trouble_schedule(struct store *st)
{
	unsigned int ms = st->trouble == STORE_LOCKED ? STORE_LOCKED_RETRY_MS : STORE_FULL_RETRY_MS;
	osmo_timer_schedule(&st->retry_timer, ms / 1000, (ms % 1000) * 1000);
}

static void trouble_begin(struct store *st, enum store_trouble t, const char *why)
{
	if (st->trouble == t)
		return;
	bool was_ok = st->trouble == STORE_OK;
	st->trouble = t;
	osmo_strlcpy(st->trouble_why, why ? why : "?", sizeof(st->trouble_why));
	if (was_ok) {
		st->trouble_since_ms = st->trouble_logged_ms = mono_ms();
		st->kept_now = 0;
	}
	if (t == STORE_LOCKED) {
		st->stats.busy_periods++;
		ctr_inc(st, STORE_CTR_LOCKED);
		LOGP(DAPP, LOGL_ERROR, "store: another process holds the database's write lock; acknowledged writes are"
		     " refused, the others kept in memory until it is free (tried every %d ms)\n", STORE_LOCKED_RETRY_MS);
	} else {
		st->stats.full_periods++;
		ctr_inc(st, STORE_CTR_FULL);
		LOGP(DAPP, LOGL_ERROR, "store: cannot commit to %s (%s): the volume is full or failing; acknowledged"
		     " writes are refused, the others kept in memory and written when a commit succeeds again"
		     " (tried every %d ms)\n", st->path, st->trouble_why, STORE_FULL_RETRY_MS);
	}
	trouble_schedule(st);
}

static void trouble_end(struct store *st)
{
	double dt = mono_ms() - st->trouble_since_ms;
	if (st->trouble == STORE_LOCKED) {
		st->stats.busy_ms_total += dt;
		LOGP(DAPP, LOGL_NOTICE, "store: the write lock is back after %.0f ms; %llu writes kept meanwhile are"
		     " written\n", dt, (unsigned long long)st->kept_now);
	} else {
		st->stats.full_ms_total += dt;
		LOGP(DAPP, LOGL_NOTICE, "store: commits succeed again after %.0f ms; %llu writes kept meanwhile are"
		     " written\n", dt, (unsigned long long)st->kept_now);
	}
	st->trouble = STORE_OK;
}

/* A write of the open transaction failed for want of space (or I/O): the
 * transaction is lost; it is rolled back at the end of the tick and its
 * background writes kept, and nothing acknowledged is taken meanwhile */
static void tx_fail(struct store *st, int rc)
{
	if (!st->tx_failed)
		LOGP(DAPP, LOGL_ERROR, "store: a write failed: %s\n", sqlite3_errstr(rc));
	st->tx_failed = true;
	trouble_begin(st, (rc & 0xff) == SQLITE_BUSY ? STORE_LOCKED : STORE_FULL, sqlite3_errstr(rc));
	if (sqlite3_get_autocommit(st->db)) {
		/* SQLite rolled it back already: later writes must not run outside one */
		st->in_tx = false;
	}
	commit_at_tick_end(st);
}

/* The end of a transaction that failed: rolled back, its background writes
 * kept, whoever waited told */
static void tx_failed_end(struct store *st, const char *why)
{
	rollback(st);
	st->in_tx = false;
	st->tx_failed = false;
	st->stats.failed_commits++;
	ctr_inc(st, STORE_CTR_COMMIT_FAILED);
	journal_to_kept(st);
	if (st->trouble == STORE_OK)
		trouble_begin(st, STORE_FULL, why);
	run_callbacks(st, false);
}

static void checkpoint_truncate(struct store *st)
{
	int log = 0, done = 0;
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) == SQLITE_OK) {
		st->stats.checkpoints++;
		ctr_inc(st, STORE_CTR_CHECKPOINT);
	}
	st->last_checkpoint_ms = mono_ms();
}

/* One attempt to get out of trouble: begin, replay what was kept, commit.
 * Returns true when it committed. */
static bool recover(struct store *st)
{
	rollback(st);
	if (st->trouble == STORE_FULL)
		checkpoint_truncate(st);	/* a shorter WAL may be the room the commit needs */
	int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		trouble_begin(st, (rc & 0xff) == SQLITE_BUSY ? STORE_LOCKED : STORE_FULL, sqlite3_errstr(rc));
		return false;
	}
	struct kept_sql *k;
	llist_for_each_entry(k, &st->kept, list) {
		if (k->dead)
			continue;
		char *err = NULL;
		rc = sqlite3_exec(st->db, k->sql, NULL, NULL, &err);
		if (rc == SQLITE_OK)
			continue;
		if (transient(rc)) {
			sqlite3_free(err);
			rollback(st);
			trouble_begin(st, (rc & 0xff) == SQLITE_BUSY ? STORE_LOCKED : STORE_FULL, sqlite3_errstr(rc));
			return false;
		}
		/* it can never be written (a constraint): said, and left out */
		LOGP(DAPP, LOGL_ERROR, "store: a kept write is refused: %s; lost\n", err ? err : "?");
		sqlite3_free(err);
		k->dead = true;
		st->stats.kept_dropped++;
		ctr_inc(st, STORE_CTR_KEPT_LOST);
	}
	rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st->stats.failed_commits++;
		ctr_inc(st, STORE_CTR_COMMIT_FAILED);
		rollback(st);
		trouble_begin(st, (rc & 0xff) == SQLITE_BUSY ? STORE_LOCKED : STORE_FULL, sqlite3_errstr(rc));
		return false;
	}
	st->stats.commits++;
	free_list(&st->kept);
	st->kept_bytes = 0;
	trouble_end(st);
	return true;
}

static void retry_timer_cb(void *data)
{
	struct store *st = data;
	double now = mono_ms();
	if (st->in_tx) {
		/* the transaction whose write failed has not ended yet */
		trouble_schedule(st);
		return;
	}
	if (recover(st)) {
		/* whatever waited for a commit ran in this one */
		run_callbacks(st, true);
		return;
	}
	if (now - st->trouble_logged_ms >= 10000) {
		st->trouble_logged_ms = now;
		LOGP(DAPP, LOGL_ERROR, "store: %s after %.0f s (%llu writes kept, %zu octets)\n",
		     st->trouble == STORE_LOCKED ? "still locked by another process" : "commits still fail",
		     (now - st->trouble_since_ms) / 1000, (unsigned long long)st->kept_now, st->kept_bytes);
	}
	trouble_schedule(st);
}

bool store_busy(const struct store *st)
{
	return st->trouble != STORE_OK || st->tx_failed;
}

/* ------------------------------------------------------------ transactions */

int store_commit(struct store *st)
{
	osmo_timer_del(&st->commit_timer);
	st->commit_soon = false;
	if (st->tx_failed) {
		tx_failed_end(st, st->trouble_why);
		return -EIO;
	}
	if (!st->in_tx) {
		/* in trouble: what waits for a commit waits for the one of the recovery */
		if (st->trouble != STORE_OK)
			return -EBUSY;
		run_callbacks(st, true);
		return 0;
	}
	double t0 = mono_ms();
	st->in_tx = false;
	reset_running(st);
	int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		char why[96];
		osmo_strlcpy(why, sqlite3_errmsg(st->db), sizeof(why));
		LOGP(DAPP, LOGL_ERROR, "store: commit failed: %s\n", why);
		st->tx_failed = true;
		tx_failed_end(st, why);
		return -EIO;
	}
	free_list(&st->journal);
	st->journal_bytes = 0;
	st->tx_unjournalled = 0;
	double dt = mono_ms() - t0;
	st->stats.commits++;
	st->stats.commit_ms_total += dt;
	if (dt > st->stats.commit_ms_max)
		st->stats.commit_ms_max = dt;
	run_callbacks(st, true);
	return 0;
}

static void commit_timer_cb(void *data)
{
	store_commit(data);
}

/* The free space of the store's volume now, kept in the stats; false:
 * unknown */
static bool volume_free(struct store *st, uint64_t *free_b)
{
	struct statvfs vfs;
	if (statvfs(st->dir, &vfs) != 0)
		return false;
	*free_b = st->stats.free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	return true;
}

void store_journal_always(struct store *st, bool always)
{
	st->journal_always = always;
}

int store_step(struct store *st, sqlite3_stmt *s)
{
	if (!st->in_tx) {
		if (st->trouble == STORE_OK && !st->tx_failed)
			return sqlite3_step(s);		/* no transaction asked for: autocommit */
		keep(st, s);
		sqlite3_reset(s);
		return SQLITE_DONE;
	}
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		journal(st, s);
		return rc;
	}
	if (!transient(rc))
		return rc;	/* this statement is wrong (a constraint): it alone failed */
	/* not written for want of space or the lock: kept with the transaction */
	journal(st, s);
	sqlite3_reset(s);
	tx_fail(st, rc);
	return SQLITE_DONE;
}

int store_write(struct store *st)
{
	if (st->in_tx)
		return 0;
	if (!st->running) {
		/* running now: another process holding the lock must not hold
		 * the loop; fail fast, and the store is busy */
		sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
		st->running = true;
	}
	if (st->trouble != STORE_OK || st->tx_failed) {
		st->stats.busy_writes++;
		return -EBUSY;
	}
	int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st->stats.busy_writes++;
		trouble_begin(st, (rc & 0xff) == SQLITE_BUSY ? STORE_LOCKED : STORE_FULL, sqlite3_errstr(rc));
		return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
	}
	st->in_tx = true;
	st->last_write_ms = mono_ms();
	uint64_t free_b;
	st->journal_on = st->journal_always || !volume_free(st, &free_b) || free_b < STORE_JOURNAL_BELOW;
	if (!osmo_timer_pending(&st->commit_timer))
		osmo_timer_schedule(&st->commit_timer, st->background_ms / 1000, (st->background_ms % 1000) * 1000);
	return 0;
}

void store_set_background_delay(struct store *st, unsigned int ms)
{
	st->background_ms = ms;
}

void store_after_commit(struct store *st, void (*cb)(void *data, bool ok), void *data)
{
	struct after_commit *ac = talloc_zero(st, struct after_commit);
	if (!ac) {
		LOGP(DAPP, LOGL_ERROR, "store: no memory to wait for a commit: answered as failed\n");
		cb(data, false);
		return;
	}
	ac->cb = cb;
	ac->data = data;
	llist_add_tail(&ac->list, &st->waiting);
	commit_within(st, st->group_ms);
}

void store_after_commit_cancel(struct store *st, void (*cb)(void *data, bool ok), void *data)
{
	struct after_commit *ac, *tmp;
	llist_for_each_entry_safe(ac, tmp, &st->waiting, list) {
		if (ac->cb == cb && ac->data == data) {
			llist_del(&ac->list);
			talloc_free(ac);
		}
	}
}

void store_group_commits(struct store *st, unsigned int group_ms)
{
	st->group_ms = group_ms;
}

bool store_commit_wanted(const struct store *st)
{
	return st->commit_soon;
}

void store_commit_soon(struct store *st)
{
	if (st->in_tx)
		commit_at_tick_end(st);
}

/* ------------------------------------------------------------ the volume */

static uint64_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* Free space on the store's volume, said (log, counter) while it is low;
 * the WAL truncated when the store has been idle a moment */
static void watch_timer_cb(void *data)
{
	struct store *st = data;
	double now = mono_ms();
	uint64_t free_b;
	if (volume_free(st, &free_b)) {
		if (free_b < STORE_LOW_SPACE) {
			if (!st->low || now - st->low_logged_ms >= STORE_LOW_SPACE_LOG_MS) {
				st->low_logged_ms = now;
				st->stats.low_space++;
				ctr_inc(st, STORE_CTR_LOW_SPACE);
				LOGP(DAPP, LOGL_ERROR, "store: only %llu KiB free on the volume of %s (warning below %u KiB):"
				     " commits fail once it is full\n", (unsigned long long)(free_b / 1024), st->path,
				     STORE_LOW_SPACE / 1024);
			}
			st->low = true;
		} else if (st->low) {
			st->low = false;
			LOGP(DAPP, LOGL_NOTICE, "store: %llu KiB free on the volume of %s again\n",
			     (unsigned long long)(free_b / 1024), st->path);
		}
	}
	char wal[1100];
	snprintf(wal, sizeof(wal), "%s-wal", st->path);
	st->stats.wal_bytes = file_size(wal);
	if (!st->in_tx && st->trouble == STORE_OK && st->stats.wal_bytes && now - st->last_write_ms >= STORE_IDLE_MS &&
	    now - st->last_checkpoint_ms >= STORE_IDLE_MS) {
		checkpoint_truncate(st);
		st->stats.wal_bytes = file_size(wal);
	}
	osmo_timer_schedule(&st->watch_timer, STORE_WATCH_MS / 1000, (STORE_WATCH_MS % 1000) * 1000);
}

/* ------------------------------------------------------------ statements */

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
	struct cached_stmt *cs, *found = NULL;
	st->stats.statements++;
	/* the pointer finds a literal's statement fast; the text confirms it
	 * (a caller's buffer may hold another statement at the same address) */
	llist_for_each_entry(cs, &st->stmts, list)
		if (cs->key == sql && !strcmp(cs->sql, sql)) {
			found = cs;
			break;
		}
	if (!found)
		llist_for_each_entry(cs, &st->stmts, list)
			if (!strcmp(cs->sql, sql)) {
				found = cs;
				break;
			}
	if (found) {
		sqlite3_reset(found->stmt);
		sqlite3_clear_bindings(found->stmt);
		return found->stmt;
	}
	cs = talloc_zero(st, struct cached_stmt);
	if (!cs || !(cs->sql = talloc_strdup(cs, sql))) {
		talloc_free(cs);
		return NULL;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &cs->stmt, NULL) != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: cannot prepare '%s': %s\n", sql, sqlite3_errmsg(st->db));
		talloc_free(cs);
		return NULL;
	}
	cs->key = sql;
	llist_add(&cs->list, &st->stmts);
	return cs->stmt;
}

bool store_has_column(struct store *st, const char *table, const char *column)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", -1, &s, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, column, -1, SQLITE_STATIC);
	bool found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return found;
}

int store_add_column(struct store *st, const char *table, const char *column, const char *definition)
{
	char sql[256];
	if (store_has_column(st, table, column))
		return 0;
	if (snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", table, column, definition) >= (int)sizeof(sql))
		return -EINVAL;
	return store_exec(st, sql);
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const struct store_stats *store_stats(const struct store *st)
{
	return &st->stats;
}

static int store_destructor(struct store *st)
{
	osmo_timer_del(&st->retry_timer);
	osmo_timer_del(&st->watch_timer);
	if (st->in_tx || st->tx_failed)
		store_commit(st);
	if (st->trouble != STORE_OK) {
		/* a last try for what was kept (one more second at most) */
		sqlite3_busy_timeout(st->db, 1000);
		if (recover(st))
			run_callbacks(st, true);
		else if (!llist_empty(&st->kept))
			LOGP(DAPP, LOGL_ERROR, "store: no commit possible at exit: %zu octets of kept writes lost\n",
			     st->kept_bytes);
	}
	osmo_timer_del(&st->retry_timer);
	store_commit(st);
	struct cached_stmt *cs;
	llist_for_each_entry(cs, &st->stmts, list)
		sqlite3_finalize(cs->stmt);
	sqlite3_close(st->db);
	rate_ctr_group_free(st->ctrg);
	return 0;
}

struct store *store_open(void *ctx, const char *path)
{
	struct store *st = talloc_zero(ctx, struct store);
	if (!st)
		return NULL;
	INIT_LLIST_HEAD(&st->stmts);
	INIT_LLIST_HEAD(&st->waiting);
	INIT_LLIST_HEAD(&st->kept);
	INIT_LLIST_HEAD(&st->journal);
	osmo_timer_setup(&st->commit_timer, commit_timer_cb, st);
	osmo_timer_setup(&st->retry_timer, retry_timer_cb, st);
	osmo_timer_setup(&st->watch_timer, watch_timer_cb, st);
	st->path = talloc_strdup(st, path);
	const char *slash = strrchr(path, '/');
	st->dir = slash ? talloc_strndup(st, path, slash == path ? 1 : (size_t)(slash - path)) : talloc_strdup(st, ".");
	if (!st->path || !st->dir) {
		talloc_free(st);
		return NULL;
	}
	/* one thread uses SQLite in this process: no mutex around every call and
	 * every allocation (6% of an MT's instructions). Only possible before
	 * SQLite is first used; later it is refused and nothing changes. */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open(path, &st->db) != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: cannot open %s: %s\n", path, sqlite3_errmsg(st->db));
		sqlite3_close(st->db);
		talloc_free(st);
		return NULL;
	}
	talloc_set_destructor(st, store_destructor);
	/* WAL: readers (sigway-audit, exports) never block the gateway;
	 * synchronous FULL: a commit survives power loss, not only a crash.
	 * The WAL is checkpointed past STORE_WAL_PAGES pages and cut back to
	 * STORE_WAL_LIMIT after it: it never takes a small volume (doc/smsc.md) */
	char pragmas[256];
	snprintf(pragmas, sizeof(pragmas), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
		 " PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=%d; PRAGMA journal_size_limit=%d;",
		 STORE_WAL_PAGES, STORE_WAL_LIMIT);
	if (store_exec(st, pragmas) < 0) {
		talloc_free(st);
		return NULL;
	}
	/* a long WAL left by an earlier run (a crash, a full volume) goes first */
	checkpoint_truncate(st);
	/* the services create their tables next: at start-up a lock held
	 * elsewhere may be waited for (store_write() shortens the wait) */
	sqlite3_busy_timeout(st->db, 5000);
	st->ctrg = rate_ctr_group_alloc(st, &store_ctrg_desc, 0);
	st->last_write_ms = mono_ms();
	osmo_timer_schedule(&st->watch_timer, STORE_WATCH_MS / 1000, (STORE_WATCH_MS % 1000) * 1000);
	LOGP(DAPP, LOGL_NOTICE, "store: %s open\n", path);
	return st;
}

void store_close(struct store *st)
{
	talloc_free(st);
}
