/* Log lines about what peers send: their strings escaped (a newline in a
 * system_id must not start a forged line), and repeated lines limited (a
 * flood of failed binds must not become a flood of log lines). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>

/* Room for n peer octets, each escaped as \xNN at worst, and the NUL */
#define SIGWAY_LOG_ESC_SIZE(n)	(4 * (n) + 1)

/* Copies s into buf for a log line: printable ASCII as it is, '\' as "\\",
 * anything else (control characters, octets above 0x7e) as \xNN. Cut to
 * fit with "..." at the end. Returns buf. */
const char *sigway_log_escape(char *buf, size_t size, const char *s);
/* the same for n octets that need not end with a NUL */
const char *sigway_log_escape_n(char *buf, size_t size, const uint8_t *s, size_t n);

/* At most `burst` lines of one kind per interval; the lines over it are
 * counted, and when the interval ends one line says how many were
 * suppressed. */
struct sigway_log_limit {
	int subsys;
	int level;
	const char *what;		/* names the kind in the summary: "failed binds" */
	unsigned int burst;
	unsigned int interval_ms;
	/* state */
	int64_t start_ms;
	unsigned int lines;		/* logged in this interval */
	unsigned long suppressed;
	unsigned long suppressed_total;
	struct osmo_timer_list timer;	/* the summary at the interval's end */
};

void sigway_log_limit_init(struct sigway_log_limit *l, int subsys, int level, const char *what,
			   unsigned int burst, unsigned int interval_ms);
/* true: log this line now; false: suppressed (and counted). Lines whose
 * category and level are switched off count for nothing. */
bool sigway_log_limit_pass(struct sigway_log_limit *l);
/* Stops the summary timer (logs a pending summary first); call before freeing */
void sigway_log_limit_stop(struct sigway_log_limit *l);

#define LOGP_LIMITED(l, fmt, args...) \
	do { \
		if (sigway_log_limit_pass(l)) \
			LOGP((l)->subsys, (l)->level, fmt, ##args); \
	} while (0)
