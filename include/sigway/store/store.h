/* The gateway's durable store: one SQLite file in WAL mode with
 * synchronous=FULL, shared by every service (SMS core, billing, audit).
 *
 * Group commit: writers call store_write() before their statements; the
 * first write of a main-loop tick opens a transaction, and a zero timer
 * commits it after the tick, so one fsync covers every PDU read in that
 * tick. Whatever must wait for durability (a submit_sm_resp, a MAP result)
 * is queued with store_after_commit() and runs once the commit returned.
 *
 * Another process may hold the write lock (an operator's sqlite3 shell, a
 * backup), or the volume may be full or failing: the loop never waits for
 * either. The store is then "busy": writes somebody waits for are refused
 * at once by their service (store_busy()), writes nobody waits for run
 * through store_step() and are kept in memory (bounded) until a timer gets
 * a commit through again and writes them first. A transaction whose write
 * or commit fails is rolled back and its store_step() writes are kept the
 * same way (each is journalled as SQL with its values until its commit):
 * a commit that fails loses nothing nobody was told about. The WAL is kept
 * short (checkpointed past 1 MiB, truncated when idle) and low free space on
 * the store's volume is logged and counted. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

struct store;

/* Opens (creating when needed) the database at path and applies the schema */
struct store *store_open(void *ctx, const char *path);
void store_close(struct store *st);
sqlite3 *store_db(struct store *st);
/* Runs SQL outside the group commit (each service's CREATE TABLE IF NOT EXISTS) */
int store_exec(struct store *st, const char *sql);
/* Whether the table (false: there is none) has the column */
bool store_has_column(struct store *st, const char *table, const char *column);
/* Adds the column a store made by an earlier version lacks ("TEXT NOT NULL
 * DEFAULT ''"); 0 when it is there */
int store_add_column(struct store *st, const char *table, const char *column, const char *definition);

/* A prepared statement cached by its SQL text (reset and unbound for reuse);
 * found by the text's address first, so pass literals where it matters */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Opens this tick's transaction if none is open. Writes nobody waits for
 * (delivery progress, audit records) commit within the background delay;
 * store_after_commit() brings the commit forward to the end of the tick.
 * Returns 0, -EBUSY while another process holds the write lock, -EIO. */
int store_write(struct store *st);
/* true while no commit can succeed (another process holds the write lock,
 * the volume is full): refuse what would have to wait for a commit (an
 * acknowledgement) instead of waiting */
bool store_busy(const struct store *st);
/* Steps a write statement nobody waits for. In a transaction it runs (and
 * its SQL is journalled until the commit); while the store is busy, or when
 * it fails for want of space or the lock, its SQL with the values bound is
 * kept and runs when a commit is possible again, before anything else.
 * Returns what sqlite3_step returns (SQLITE_DONE when kept). Not for
 * statements whose result is used (a rowid, a count), nor for writes that
 * belong to an acknowledgement (those use sqlite3_step after store_write()
 * succeeded: a failed commit must not write them later). */
int store_step(struct store *st, sqlite3_stmt *s);
/* The background delay in ms (0: every write commits at the end of its tick) */
void store_set_background_delay(struct store *st, unsigned int ms);
/* cb(data, ok) after this tick's commit (ok false: it failed and was rolled
 * back). Without an open transaction cb runs on the next tick; while the
 * store is busy, after the commit that follows the lock's return. */
void store_after_commit(struct store *st, void (*cb)(void *data, bool ok), void *data);
/* forgets cb(data) waiting for a commit (its owner goes away first) */
void store_after_commit_cancel(struct store *st, void (*cb)(void *data, bool ok), void *data);
/* Group commit: what waits for a commit is committed by the main loop once
 * no more input is ready (store_commit_wanted(), then store_commit()), so
 * that a burst of answers shares one fsync; at the latest group_ms after
 * the first waiter. 0 (the default): at the end of the tick. */
void store_group_commits(struct store *st, unsigned int group_ms);
/* Background writes are journalled (kept as SQL, replayed after a failed
 * commit) while the volume has less than 64 MiB free; always: on every
 * volume (a commit that fails for an I/O error then loses nothing either) */
void store_journal_always(struct store *st, bool always);
bool store_commit_wanted(const struct store *st);
/* Commits now (shutdown, tests) */
int store_commit(struct store *st);
/* The open transaction commits at the end of this tick instead of after
 * the background delay (a write whose loss would be seen twice) */
void store_commit_soon(struct store *st);

/* milliseconds since the epoch, the store's time unit */
int64_t store_now_ms(void);

/* counters for "show store" */
struct store_stats {
	uint64_t commits, failed_commits, statements, callbacks;
	double commit_ms_total, commit_ms_max;
	/* another process held the write lock */
	uint64_t busy_periods, busy_writes, kept, kept_dropped;
	double busy_ms_total;
	/* no commit succeeded (volume full, I/O errors) */
	uint64_t full_periods;
	double full_ms_total;
	/* the volume: free space at the last look, warnings; the WAL */
	uint64_t free_bytes, low_space, wal_bytes, checkpoints;
};
const struct store_stats *store_stats(const struct store *st);
