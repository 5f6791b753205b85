/* sigway-audit: the MAP evidence for the messages to one MSISDN, its
 * number lookups and its USSD sessions in a time range, read from the
 * gateway's store file (see audit_report.h); --ussd lists every USSD session
 * of the range. Exit status 3 when a delivered message lacks its SRI-for-SM
 * from the same GT, or a lookup went out from another GT than the SMS
 * core's dialogues. */

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <sigway/common/utc_time.h>
#include <sigway/audit/audit_report.h>

static void usage(void)
{
	printf("Usage: sigway-audit --db FILE [--from TIME] [--to TIME] MSISDN\n"
	       "  the messages to MSISDN and its number lookups, each with its MAP dialogues, and its USSD sessions\n"
	       "       sigway-audit --db FILE [--from TIME] [--to TIME] --ussd [MSISDN]\n"
	       "  the USSD sessions of the range (of MSISDN only, when given)\n"
	       "  TIME: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC) or milliseconds since the epoch\n");
}

static void print_line(void *priv, const char *line)
{
	puts(line);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' }, { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ "ussd", no_argument, NULL, 'u' }, { NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL;
	int64_t from = 0, to = INT64_MAX;
	int c;
	bool ussd_only = false;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'f': if (sigway_utc_parse(optarg, &from) < 0) { fprintf(stderr, "bad --from\n"); return 2; } break;
		case 't': if (sigway_utc_parse(optarg, &to) < 0) { fprintf(stderr, "bad --to\n"); return 2; } break;
		case 'u': ussd_only = true; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (!db_path || (ussd_only ? optind < argc - 1 : optind != argc - 1)) {
		usage();
		return 2;
	}
	sqlite3 *db;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "sigway-audit: cannot open %s: %s\n", db_path, sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_busy_timeout(db, 5000);
	const char *msisdn = optind < argc ? argv[optind] : NULL;
	int bad = 0, bad_lookups = 0, n = 0, nl = 0;
	if (!ussd_only) {
		n = audit_report_sms(db, msisdn, from, to, print_line, NULL, &bad);
		nl = n < 0 ? 0 : audit_report_lookups(db, msisdn, from, to, print_line, NULL, &bad_lookups);
	}
	int u = n < 0 || nl < 0 ? 0 : audit_report_ussd(db, msisdn, from, to, print_line, NULL);
	sqlite3_close(db);
	if (n < 0 || nl < 0 || u < 0) {
		fprintf(stderr, "sigway-audit: cannot read the audit records\n");
		return 1;
	}
	if (ussd_only)
		printf("%d USSD sessions\n", u);
	else
		printf("%d messages, %d lookups, %d USSD sessions, %d mismatches\n", n, nl, u, bad + bad_lookups);
	return bad + bad_lookups ? 3 : 0;
}
