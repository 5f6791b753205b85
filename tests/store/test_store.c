/* The store when writes cannot be made (issue 10 items 12-15): a database
 * whose max_page_count is reached fails writes with SQLITE_FULL as a full
 * volume does. The transaction is rolled back; what waited for it hears so;
 * the writes nobody waits for are kept and written once, in order, when a
 * commit succeeds again; answers wait for that commit. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>

static char dir[] = "/tmp/sigway-store-test-XXXXXX";
static char path[128];

struct answer {
	int calls;
	bool ok;
};

static void answered(void *data, bool ok)
{
	struct answer *a = data;
	a->calls++;
	a->ok = ok;
}

static int count(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store_stmt(st, sql);
	int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_reset(s);
	return n;
}

/* a background write of a row with a tag and a blob of len octets */
static int background(struct store *st, const char *tag, int len)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO t (tag, data) VALUES (?, zeroblob(?))");
	store_write(st);
	sqlite3_bind_text(s, 1, tag, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, len);
	return store_step(st, s);
}

/* an acknowledged write: refused while the store is busy */
static int acknowledged(struct store *st, const char *tag, struct answer *a)
{
	sqlite3_stmt *s = store_stmt(st, "INSERT INTO t (tag, data) VALUES (?, zeroblob(10))");
	if (store_write(st) < 0)
		return -EBUSY;
	sqlite3_bind_text(s, 1, tag, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -EIO;
	store_after_commit(st, answered, a);
	return 0;
}

static void run_loop_until(struct store *st, bool (*done)(struct store *), int ms)
{
	for (int i = 0; i < ms / 10 && !done(st); i++)
		osmo_select_main(1), usleep(10000);
}

static bool not_busy(struct store *st)
{
	return !store_busy(st);
}

static void test_full_then_space(void **state)
{
	void *ctx = *state;
	struct answer before = { 0 }, lost = { 0 }, later = { 0 };
	struct store *st = store_open(ctx, path);
	assert_non_null(st);
	/* the volume of the test has room: max_page_count makes it "full" */
	store_journal_always(st, true);
	assert_int_equal(store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT, data BLOB)"), 0);
	/* a commit that works */
	assert_int_equal(acknowledged(st, "ack-1", &before), 0);
	assert_int_equal(background(st, "bg-1", 10), SQLITE_DONE);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(before.calls, 1);
	assert_true(before.ok);

	/* no room: the database may not grow */
	int pages = count(st, "PRAGMA page_count");
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", pages);
	assert_int_equal(store_exec(st, sql), 0);
	/* in one transaction: an acknowledged write, then background writes until one fails */
	assert_int_equal(acknowledged(st, "ack-lost", &lost), 0);
	assert_int_equal(background(st, "bg-2", 10), SQLITE_DONE);
	for (int i = 0; i < 20 && !store_busy(st); i++)
		assert_int_equal(background(st, "bg-big", 8192), SQLITE_DONE);
	assert_true(store_busy(st));
	/* later writes of the tick and while it lasts: kept */
	assert_int_equal(background(st, "bg-3", 10), SQLITE_DONE);
	assert_int_equal(store_commit(st), -EIO);
	assert_int_equal(lost.calls, 1);
	assert_false(lost.ok);
	assert_true(store_busy(st));
	assert_int_equal(acknowledged(st, "ack-refused", &later), -EBUSY);
	assert_int_equal(background(st, "bg-4", 10), SQLITE_DONE);
	/* someone waits for the next commit: it waits through the trouble */
	store_after_commit(st, answered, &later);
	osmo_select_main(1);
	assert_int_equal(later.calls, 0);
	/* still no room: one retry fails and keeps everything */
	run_loop_until(st, not_busy, 1500);
	assert_true(store_busy(st));
	assert_true(store_stats(st)->full_periods >= 1);

	/* space again: everything kept is written, once, in order */
	assert_int_equal(store_exec(st, "PRAGMA max_page_count = 1073741823"), 0);
	run_loop_until(st, not_busy, 3000);
	assert_false(store_busy(st));
	assert_int_equal(later.calls, 1);
	assert_true(later.ok);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'ack-lost'"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'ack-refused'"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-1'"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-2'"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-3'"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-4'"), 1);
	assert_true(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-big'") >= 1);
	assert_true(count(st, "SELECT min(id) FROM t WHERE tag = 'bg-2'") <
		    count(st, "SELECT min(id) FROM t WHERE tag = 'bg-3'"));
	assert_true(count(st, "SELECT min(id) FROM t WHERE tag = 'bg-3'") <
		    count(st, "SELECT min(id) FROM t WHERE tag = 'bg-4'"));
	assert_int_equal(store_stats(st)->kept_dropped, 0);
	/* and the store works as before */
	struct answer again = { 0 };
	assert_int_equal(acknowledged(st, "ack-2", &again), 0);
	assert_int_equal(store_commit(st), 0);
	assert_true(again.ok);
	store_close(st);
}

/* The default on a volume with room (64 MiB or more free): background
 * writes are not journalled, so a commit that fails anyway (here: the
 * database may not grow) loses its transaction's background writes, said
 * and counted; what comes after the failure is kept and written */
static void test_full_not_journalled(void **state)
{
	void *ctx = *state;
	struct statvfs vfs;
	if (statvfs(dir, &vfs) != 0 || (uint64_t)vfs.f_bavail * vfs.f_frsize < 64ULL * 1024 * 1024 + 1024 * 1024)
		skip();	/* a volume this small journals every transaction */
	char path2[160];
	snprintf(path2, sizeof(path2), "%s/store2.db", dir);
	struct store *st = store_open(ctx, path2);
	assert_non_null(st);
	assert_int_equal(store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT, data BLOB)"), 0);
	assert_int_equal(background(st, "bg-1", 10), SQLITE_DONE);
	assert_int_equal(store_commit(st), 0);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", count(st, "PRAGMA page_count"));
	assert_int_equal(store_exec(st, sql), 0);
	assert_int_equal(background(st, "bg-2", 10), SQLITE_DONE);
	for (int i = 0; i < 20 && !store_busy(st); i++)
		assert_int_equal(background(st, "bg-big", 8192), SQLITE_DONE);
	assert_true(store_busy(st));
	assert_int_equal(background(st, "bg-3", 10), SQLITE_DONE);
	assert_int_equal(store_commit(st), -EIO);
	assert_int_equal(store_exec(st, "PRAGMA max_page_count = 1073741823"), 0);
	run_loop_until(st, not_busy, 3000);
	assert_false(store_busy(st));
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-2'"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM t WHERE tag = 'bg-3'"), 1);
	assert_true(store_stats(st)->kept_dropped >= 2);	/* bg-2 and the bg-big before the failure */
	store_close(st);
}

/* the WAL is truncated at open and after an idle second */
static void test_wal_truncated(void **state)
{
	void *ctx = *state;
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	struct store *st = store_open(ctx, path);
	assert_non_null(st);
	for (int i = 0; i < 50; i++)
		assert_int_equal(background(st, "wal", 4096), SQLITE_DONE);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(access(wal, F_OK), 0);
	assert_true(store_stats(st)->checkpoints >= 1);	/* the one at open */
	uint64_t before = store_stats(st)->checkpoints;
	for (int i = 0; i < 300 && store_stats(st)->checkpoints == before; i++)
		osmo_select_main(1), usleep(10000);
	assert_true(store_stats(st)->checkpoints > before);
	assert_int_equal(store_stats(st)->wal_bytes, 0);
	store_close(st);
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "test");
	osmo_init_logging2(ctx, &sigway_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_full_then_space, ctx),
		cmocka_unit_test_prestate(test_full_not_journalled, ctx),
		cmocka_unit_test_prestate(test_wal_truncated, ctx),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	log_fini();
	talloc_free(ctx);
	return rc;
}
