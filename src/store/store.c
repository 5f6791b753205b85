/* SQLite store with one transaction per main-loop tick (see store.h). */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
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

/* a write statement kept while another process holds the lock */
struct kept_sql {
	struct llist_head list;
	size_t len;
	char sql[];
};

/* how long SQLite itself may wait for a lock (the loop must not) */
#define STORE_BUSY_TIMEOUT_MS	1
/* how often a busy store tries to get the lock back */
#define STORE_BUSY_RETRY_MS	50
/* what a busy store keeps at most; beyond it writes are lost (and logged) */
#define STORE_KEPT_MAX		(32 * 1024 * 1024)

struct store {
	sqlite3 *db;
	bool in_tx;
	bool commit_soon;		/* someone waits: commit at the end of this tick */
	unsigned int background_ms;
	unsigned int group_ms;		/* 0: waiters commit at the tick's end; else the loop's idle */
	struct osmo_timer_list commit_timer;
	struct llist_head stmts;
	struct llist_head waiting;	/* struct after_commit */
	bool running;			/* past start-up: SQLite waits STORE_BUSY_TIMEOUT_MS for a lock */
	/* another process holds the write lock */
	bool busy;
	double busy_since_ms, busy_logged_ms;
	struct osmo_timer_list busy_timer;
	struct llist_head kept;		/* struct kept_sql, in order */
	size_t kept_bytes;
	uint64_t kept_now;		/* in this busy period */
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

int store_commit(struct store *st)
{
	int rc = 0;
	osmo_timer_del(&st->commit_timer);
	st->commit_soon = false;
	/* busy: what waits for a commit waits for the one after the lock's return */
	if (st->busy && !st->in_tx)
		return -EBUSY;
	if (st->in_tx) {
		double t0 = mono_ms();
		st->in_tx = false;
		reset_running(st);
		rc = store_exec(st, "COMMIT");
		if (rc < 0) {
			st->stats.failed_commits++;
			store_exec(st, "ROLLBACK");
		}
		if (!sqlite3_get_autocommit(st->db)) {
			/* neither ended it: nothing can be written until it ends */
			LOGP(DAPP, LOGL_ERROR, "store: the transaction did not end; committing again in 100 ms\n");
			st->in_tx = true;
			osmo_timer_schedule(&st->commit_timer, 0, 100 * 1000);
		}
		double dt = mono_ms() - t0;
		st->stats.commits++;
		st->stats.commit_ms_total += dt;
		if (dt > st->stats.commit_ms_max)
			st->stats.commit_ms_max = dt;
	}
	run_callbacks(st, rc == 0);
	return rc;
}

static void commit_timer_cb(void *data)
{
	store_commit(data);
}

/* ------------------------------------------------------------ busy */

static void busy_begin(struct store *st)
{
	st->busy = true;
	st->busy_since_ms = st->busy_logged_ms = mono_ms();
	st->kept_now = 0;
	st->stats.busy_periods++;
	LOGP(DAPP, LOGL_ERROR, "store: another process holds the database's write lock; acknowledged writes are"
	     " refused, the others kept in memory until it is free (tried every %d ms)\n", STORE_BUSY_RETRY_MS);
	osmo_timer_schedule(&st->busy_timer, 0, STORE_BUSY_RETRY_MS * 1000);
}

/* the lock is ours again: what was kept goes first, in order, in the
 * transaction just begun */
static void replay_kept(struct store *st)
{
	struct kept_sql *k, *tmp;
	llist_for_each_entry_safe(k, tmp, &st->kept, list) {
		char *err = NULL;
		if (sqlite3_exec(st->db, k->sql, NULL, NULL, &err) != SQLITE_OK) {
			LOGP(DAPP, LOGL_ERROR, "store: a kept write failed: %s\n", err ? err : "?");
			sqlite3_free(err);
		}
		llist_del(&k->list);
		talloc_free(k);
	}
	st->kept_bytes = 0;
}

static void busy_timer_cb(void *data)
{
	struct store *st = data;
	double now = mono_ms();
	int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_BUSY) {
		if (now - st->busy_logged_ms >= 10000) {
			st->busy_logged_ms = now;
			LOGP(DAPP, LOGL_ERROR, "store: still locked by another process after %.0f s (%llu writes kept)\n",
			     (now - st->busy_since_ms) / 1000, (unsigned long long)st->kept_now);
		}
		osmo_timer_schedule(&st->busy_timer, 0, STORE_BUSY_RETRY_MS * 1000);
		return;
	}
	st->busy = false;
	st->stats.busy_ms_total += now - st->busy_since_ms;
	if (rc != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: cannot begin a transaction: %s\n", sqlite3_errmsg(st->db));
		return;
	}
	st->in_tx = true;
	replay_kept(st);
	LOGP(DAPP, LOGL_NOTICE, "store: the write lock is back after %.0f ms; %llu writes kept meanwhile are written\n",
	     now - st->busy_since_ms, (unsigned long long)st->kept_now);
	store_commit(st);
}

bool store_busy(const struct store *st)
{
	return st->busy;
}

static void keep(struct store *st, sqlite3_stmt *s)
{
	char *sql = sqlite3_expanded_sql(s);
	size_t len = sql ? strlen(sql) : 0;
	struct kept_sql *k = NULL;
	if (sql && st->kept_bytes + len <= STORE_KEPT_MAX)
		k = talloc_size(st, sizeof(*k) + len + 1);
	if (!k) {
		st->stats.kept_dropped++;
		LOGP(DAPP, LOGL_ERROR, "store: busy, and no room to keep a write: lost (%s)\n",
		     sql ? "over the limit" : "no memory");
		sqlite3_free(sql);
		return;
	}
	talloc_set_name_const(k, "struct kept_sql");
	k->len = len;
	memcpy(k->sql, sql, len + 1);
	sqlite3_free(sql);
	llist_add_tail(&k->list, &st->kept);
	st->kept_bytes += len;
	st->kept_now++;
	st->stats.kept++;
}

int store_step(struct store *st, sqlite3_stmt *s)
{
	if (st->in_tx || !st->busy)
		return sqlite3_step(s);
	keep(st, s);
	sqlite3_reset(s);
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
	if (st->busy) {
		st->stats.busy_writes++;
		return -EBUSY;
	}
	char *err = NULL;
	int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &err);
	if (rc == SQLITE_BUSY) {
		sqlite3_free(err);
		st->stats.busy_writes++;
		busy_begin(st);
		return -EBUSY;
	}
	if (rc != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: cannot begin a transaction: %s\n", err ? err : "?");
		sqlite3_free(err);
		return -EIO;
	}
	st->in_tx = true;
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
	if (st->commit_soon)
		return;
	st->commit_soon = true;
	/* a zero timer runs after the current select round: the tick's end;
	 * grouped, the loop commits once idle and the timer is the deadline */
	struct timeval left;
	if (!st->group_ms || !osmo_timer_pending(&st->commit_timer))
		osmo_timer_schedule(&st->commit_timer, st->group_ms / 1000, (st->group_ms % 1000) * 1000);
	else if (!osmo_timer_remaining(&st->commit_timer, NULL, &left) &&
		 left.tv_sec * 1000 + left.tv_usec / 1000 > st->group_ms)
		osmo_timer_schedule(&st->commit_timer, st->group_ms / 1000, (st->group_ms % 1000) * 1000);
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
	return st->commit_soon && !st->busy;
}

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
	osmo_timer_del(&st->busy_timer);
	if (st->busy) {
		/* a last try for what was kept (one more second at most) */
		sqlite3_busy_timeout(st->db, 1000);
		busy_timer_cb(st);
		osmo_timer_del(&st->busy_timer);
		if (!llist_empty(&st->kept))
			LOGP(DAPP, LOGL_ERROR, "store: still locked at exit: %zu octets of kept writes lost\n",
			     st->kept_bytes);
	}
	store_commit(st);
	struct cached_stmt *cs;
	llist_for_each_entry(cs, &st->stmts, list)
		sqlite3_finalize(cs->stmt);
	sqlite3_close(st->db);
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
	osmo_timer_setup(&st->commit_timer, commit_timer_cb, st);
	osmo_timer_setup(&st->busy_timer, busy_timer_cb, st);
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
	 * synchronous FULL: a commit survives power loss, not only a crash */
	if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;") < 0) {
		talloc_free(st);
		return NULL;
	}
	/* the services create their tables next: at start-up a lock held
	 * elsewhere may be waited for (store_write() shortens the wait) */
	sqlite3_busy_timeout(st->db, 5000);
	LOGP(DAPP, LOGL_NOTICE, "store: %s open\n", path);
	return st;
}

void store_close(struct store *st)
{
	talloc_free(st);
}
