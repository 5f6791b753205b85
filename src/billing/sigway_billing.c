/* sigway-billing: export the billing records of a period from the
 * gateway's store file (safe while sigwayd runs: WAL readers never block it). */

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <sigway/common/utc_time.h>
#include <sigway/billing/billing.h>

static void usage(void)
{
	printf("Usage: sigway-billing export --db FILE [--from TIME] [--to TIME] [--format csv|jsonl]\n"
	       "  TIME: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC) or milliseconds since the epoch;\n"
	       "  records with from <= event time < to. Default: everything, CSV.\n");
}


int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' }, { "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL;
	int64_t from = 0, to = INT64_MAX;
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'f': if (sigway_utc_parse(optarg, &from) < 0) { fprintf(stderr, "bad --from\n"); return 2; } break;
		case 't': if (sigway_utc_parse(optarg, &to) < 0) { fprintf(stderr, "bad --to\n"); return 2; } break;
		case 'o':
			if (strcmp(optarg, "csv") && strcmp(optarg, "jsonl")) { usage(); return 2; }
			json = !strcmp(optarg, "jsonl");
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (optind != argc - 1 || strcmp(argv[optind], "export") || !db_path) {
		usage();
		return 2;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "sigway-billing: cannot open %s: %s\n", db_path, sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	int n = billing_export(db, stdout, from, to, json);
	sqlite3_close(db);
	if (n < 0) {
		fprintf(stderr, "sigway-billing: cannot read the billing records\n");
		return 1;
	}
	fprintf(stderr, "%d records\n", n);
	return 0;
}
