/* What a lookup's durable rows cost sigwayd's loop, alone: the same
 * functions sigwayd calls (src/lookup/lookup_db.c, billing, audit, the
 * store), on a fresh SQLite file, without the network or HTTP around them.
 *
 * Per lookup, as in sigwayd: its pending row when the SRI-for-SM leaves;
 * when it ends, the pending row deleted and its billing record, audit row
 * and log row written. The store commits every --per-commit lookups (what
 * sigwayd's group commit gathers under load: doc/performance.md). Each set
 * of rows runs --runs times on a new file; printed: medians of the CPU time
 * (user + system) and the wall time per lookup.
 *
 *   build/contrib/bench/bench_lookup_rows [--lookups 100000] [--per-commit 30]
 *       [--runs 5] [--dir DIR] [--rows all|pending|billing|audit|log]
 *
 * --rows runs one set alone (under callgrind: instructions of that set).
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/billing/billing.h>
#include <sigway/common/logging.h>
#include <sigway/store/store.h>
#include "lookup_int.h"

enum rows { ROWS_PENDING = 1, ROWS_BILLING = 2, ROWS_AUDIT = 4, ROWS_LOG = 8 };

static const struct {
	const char *opt, *name;
	unsigned int rows;
} sets[] = {
	{ "all", "all (as sigwayd)", ROWS_PENDING | ROWS_BILLING | ROWS_AUDIT | ROWS_LOG },
	{ "pending", "pending row only", ROWS_PENDING },
	{ "billing", "billing record only", ROWS_BILLING },
	{ "audit", "audit row only", ROWS_AUDIT },
	{ "log", "log row only", ROWS_LOG },
};

static double clock_us(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* a result as the benchmark's network answers it: an attached subscriber */
static void fill_result(struct lookup_result *r, unsigned int i)
{
	snprintf(r->id, sizeof(r->id), "lk19ad3e2c1f2a0-%x", i);
	snprintf(r->to, sizeof(r->to), "4917%08u", i);
	r->status = LOOKUP_CONNECTED;
	snprintf(r->imsi, sizeof(r->imsi), "26201%010u", i);
	osmo_strlcpy(r->mccmnc, "26201", sizeof(r->mccmnc));
	osmo_strlcpy(r->serving_msc, "491770000001", sizeof(r->serving_msc));
	osmo_strlcpy(r->hlr_gt, "491770000000", sizeof(r->hlr_gt));
	osmo_strlcpy(r->operator_name, "home", sizeof(r->operator_name));
	r->map_version = 3;
	r->source = LOOKUP_SRC_NETWORK;
	r->request_ms = store_now_ms();
	r->done_ms = r->request_ms + 1;
}

static void end_lookup(struct lookup_svc *svc, struct lookup_item *it, unsigned int rows,
		       const struct routing_trace *trace)
{
	if (rows & ROWS_PENDING)
		lookup_db_pending(svc, it, 0);
	if (rows & ROWS_AUDIT && !(rows & (ROWS_BILLING | ROWS_LOG))) {
		char msg_id[LOOKUP_ID_LEN + 8];
		snprintf(msg_id, sizeof(msg_id), "lookup:%s", it->res.id);
		store_write(svc->d.store);
		routing_trace_audit(svc->d.store, trace, msg_id, it->res.to, it->res.done_ms, "ok");
		return;
	}
	if (rows & ROWS_LOG || rows & ROWS_BILLING) {
		it->res.billed = rows & ROWS_BILLING;
		if (rows & ROWS_LOG) {
			lookup_db_record(svc, it, rows & ROWS_AUDIT ? trace : NULL);
		} else {
			struct billing_event ev = { .kind = BILL_LOOKUP, .account = it->acct->name, .ref = it->res.id,
						    .units = 1, .operator = "home", .event_ms = it->res.done_ms };
			store_write(svc->d.store);
			billing_record(svc->d.store, &ev);
		}
	}
}

/* one run: CPU and wall microseconds per lookup */
static int run(void *ctx, const char *dir, unsigned int rows, unsigned int lookups, unsigned int per_commit,
	       double *cpu_us, double *wall_us)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/lookup_rows.db", dir);
	for (const char *sfx = ""; sfx; sfx = !*sfx ? "-wal" : !strcmp(sfx, "-wal") ? "-shm" : NULL) {
		char p[520];
		snprintf(p, sizeof(p), "%s%s", path, sfx);
		unlink(p);
	}
	struct store *st = store_open(ctx, path);
	if (!st || billing_init(st) < 0 || lookup_db_init(st) < 0)
		return -1;
	struct lookup_svc *svc = talloc_zero(ctx, struct lookup_svc);
	struct account *acct = talloc_zero(ctx, struct account);
	struct lookup_item *items = talloc_zero_array(ctx, struct lookup_item, 2 * per_commit);
	osmo_strlcpy(acct->name, "bench", sizeof(acct->name));
	svc->d.store = st;
	struct routing_trace trace = { .calling_gt = "491700000000", .called_gt = "491770000000",
				       .answer_gt = "491770000000", .otid = 0x1e240, .dtid = "000abcde", .begins = 1 };
	struct lookup_result sample;
	memset(&sample, 0, sizeof(sample));
	fill_result(&sample, 0);
	/* the log row's JSON as sigwayd renders it (rendering is not measured) */
	char *text = lookup_result_text(ctx, &sample, true, NULL);
	/* a tenth as warm-up: the first pages of every table and index exist */
	unsigned int warm = lookups / 10, total = lookups + warm;
	double cpu0 = 0, wall0 = 0;
	for (unsigned int i = 0; i < total + per_commit; i += per_commit) {
		if (i >= warm && !wall0) {
			cpu0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
			wall0 = clock_us(CLOCK_MONOTONIC);
		}
		/* one commit: the lookups leaving now (their pending rows) and
		 * the ones that left with the commit before, now answered */
		struct lookup_item *now = &items[(i / per_commit) % 2 * per_commit];
		struct lookup_item *before = &items[(i / per_commit + 1) % 2 * per_commit];
		for (unsigned int k = 0; i < total && k < per_commit; k++) {
			struct lookup_item *it = &now[k];
			memset(it, 0, sizeof(*it));
			it->acct = acct;
			it->text = text;
			fill_result(&it->res, i + k);
			if (rows & ROWS_PENDING)
				lookup_db_pending(svc, it, 1);
		}
		for (unsigned int k = 0; i && k < per_commit; k++)
			end_lookup(svc, &before[k], rows, &trace);
		store_commit(st);
	}
	*cpu_us = (clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / (total - warm);
	*wall_us = (clock_us(CLOCK_MONOTONIC) - wall0) / (total - warm);
	store_close(st);
	talloc_free(svc);
	talloc_free(acct);
	talloc_free(items);
	talloc_free(text);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int lookups = 100000, per_commit = 30, runs = 5;
	const char *dir = ".", *only = NULL;
	static const struct option opts[] = {
		{ "lookups", required_argument, NULL, 'n' }, { "per-commit", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' }, { "dir", required_argument, NULL, 'd' },
		{ "rows", required_argument, NULL, 's' }, { 0 } };
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': lookups = atoi(optarg); break;
		case 'c': per_commit = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 's': only = optarg; break;
		default: fprintf(stderr, "usage: %s [--lookups N] [--per-commit N] [--runs N] [--dir DIR]"
				 " [--rows all|pending|billing|audit|log]\n", argv[0]);
			return 2;
		}
	}
	bool known = !only;
	for (unsigned int s = 0; s < ARRAY_SIZE(sets); s++)
		known |= only && !strcmp(only, sets[s].opt);
	if (!lookups || !per_commit || !runs || runs > 99 || !known) {
		fprintf(stderr, "%s: bad option value\n", argv[0]);
		return 2;
	}
	lookups -= lookups % per_commit;
	void *ctx = talloc_named_const(NULL, 0, "bench_lookup_rows");
	osmo_init_logging2(ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	printf("%u lookups, %u a commit, %u runs each (medians; min-max of CPU)\n", lookups, per_commit, runs);
	for (unsigned int s = 0; s < ARRAY_SIZE(sets); s++) {
		double cpu[99], wall[99];
		if (only && strcmp(only, sets[s].opt))
			continue;
		for (unsigned int r = 0; r < runs; r++)
			if (run(ctx, dir, sets[s].rows, lookups, per_commit, &cpu[r], &wall[r]) < 0) {
				fprintf(stderr, "cannot open a store in %s\n", dir);
				return 1;
			}
		qsort(cpu, runs, sizeof(double), cmp_double);
		qsort(wall, runs, sizeof(double), cmp_double);
		printf("%-22s CPU %6.2f us (%.2f-%.2f), wall %6.2f us per lookup\n", sets[s].name, cpu[runs / 2], cpu[0],
		       cpu[runs - 1], wall[runs / 2]);
	}
	talloc_free(ctx);
	return 0;
}
