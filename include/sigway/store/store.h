/* The gateway's durable store: one SQLite file in WAL mode with
 * synchronous=FULL, shared by every service (SMS core, billing, audit).
 *
 * Group commit: writers call store_write() before their statements; the
 * first write of a main-loop tick opens a transaction, and a zero timer
 * commits it after the tick, so one fsync covers every PDU read in that
 * tick. Whatever must wait for durability (a submit_sm_resp, a MAP result)
 * is queued with store_after_commit() and runs once the commit returned. */
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

/* A prepared statement cached by its SQL text (reset and unbound for reuse);
 * found by the text's address first, so pass literals where it matters */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Opens this tick's transaction if none is open. Writes nobody waits for
 * (delivery progress, audit records) commit within the background delay;
 * store_after_commit() brings the commit forward to the end of the tick. */
void store_write(struct store *st);
/* The background delay in ms (0: every write commits at the end of its tick) */
void store_set_background_delay(struct store *st, unsigned int ms);
/* cb(data, ok) after this tick's commit (ok false: it failed and was rolled
 * back). Without an open transaction cb runs on the next tick. */
void store_after_commit(struct store *st, void (*cb)(void *data, bool ok), void *data);
/* Commits now (shutdown, tests) */
int store_commit(struct store *st);

/* milliseconds since the epoch, the store's time unit */
int64_t store_now_ms(void);

/* counters for "show store" */
struct store_stats {
	uint64_t commits, failed_commits, statements, callbacks;
	double commit_ms_total, commit_ms_max;
};
const struct store_stats *store_stats(const struct store *st);
