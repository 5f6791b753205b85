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

struct store {
	sqlite3 *db;
	bool in_tx;
	bool commit_soon;		/* someone waits: commit at the end of this tick */
	unsigned int background_ms;
	struct osmo_timer_list commit_timer;
	struct llist_head stmts;
	struct llist_head waiting;	/* struct after_commit */
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

int store_commit(struct store *st)
{
	int rc = 0;
	osmo_timer_del(&st->commit_timer);
	st->commit_soon = false;
	if (st->in_tx) {
		double t0 = mono_ms();
		st->in_tx = false;
		rc = store_exec(st, "COMMIT");
		if (rc < 0) {
			st->stats.failed_commits++;
			store_exec(st, "ROLLBACK");
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

void store_write(struct store *st)
{
	if (st->in_tx)
		return;
	if (store_exec(st, "BEGIN IMMEDIATE") == 0)
		st->in_tx = true;
	if (!osmo_timer_pending(&st->commit_timer))
		osmo_timer_schedule(&st->commit_timer, st->background_ms / 1000, (st->background_ms % 1000) * 1000);
}

void store_set_background_delay(struct store *st, unsigned int ms)
{
	st->background_ms = ms;
}

void store_after_commit(struct store *st, void (*cb)(void *data, bool ok), void *data)
{
	struct after_commit *ac = talloc_zero(st, struct after_commit);
	ac->cb = cb;
	ac->data = data;
	llist_add_tail(&ac->list, &st->waiting);
	/* a zero timer runs after the current select round: the tick's end */
	if (!st->commit_soon) {
		st->commit_soon = true;
		osmo_timer_schedule(&st->commit_timer, 0, 0);
	}
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
	if (sqlite3_prepare_v2(st->db, sql, -1, &cs->stmt, NULL) != SQLITE_OK) {
		LOGP(DAPP, LOGL_ERROR, "store: cannot prepare '%s': %s\n", sql, sqlite3_errmsg(st->db));
		talloc_free(cs);
		return NULL;
	}
	cs->sql = talloc_strdup(cs, sql);
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
	INIT_LLIST_HEAD(&st->stmts);
	INIT_LLIST_HEAD(&st->waiting);
	osmo_timer_setup(&st->commit_timer, commit_timer_cb, st);
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
	sqlite3_busy_timeout(st->db, 5000);
	LOGP(DAPP, LOGL_NOTICE, "store: %s open\n", path);
	return st;
}

void store_close(struct store *st)
{
	talloc_free(st);
}
