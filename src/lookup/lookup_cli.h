/* sigway-lookup's parts besides its loop: what it prints (readable, CSV,
 * JSON lines, the progress line) and what it remembers across runs (the
 * numbers done, for --resume). No SS7 code: it speaks to sigwayd's API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

enum cli_format { CLI_TEXT, CLI_CSV, CLI_JSON };

/* exit codes, the worst of every number wins */
enum cli_exit {
	CLI_EXIT_REACHABLE = 0,		/* every number CONNECTED */
	CLI_EXIT_NOT_REACHABLE = 1,	/* absent, unknown, barred, not provisioned */
	CLI_EXIT_UNDETERMINED = 2,	/* the network did not say (timeout, failure, home routing) */
	CLI_EXIT_ERROR = 3,		/* usage, the API, the connection, inputs not understood */
	CLI_EXIT_INTERRUPTED = 130,	/* Ctrl-C: --resume goes on */
};

/* what a result means for the exit code */
enum cli_exit cli_result_exit(const json_t *result);

/* One result: `line` is the input's line (0: from the command line), input as typed */
void cli_print_header(FILE *out, enum cli_format f);
void cli_print_result(FILE *out, enum cli_format f, bool detailed, unsigned long line, const char *input,
		      const json_t *result);

/* ---- the progress line on stderr ---- */
struct cli_progress {
	bool tty;			/* a bar redrawn in place; else a plain line now and then */
	unsigned long total;		/* inputs (0: unknown, stdin) */
	unsigned long done;		/* inputs dealt with: looked up, skipped, not understood, failed */
	unsigned long looked;		/* answers of this run (the rate) */
	unsigned long errors;
	double t0, last_draw;
};
double cli_now(void);
/* draws when due (force: now); the last call with final set ends the line */
void cli_progress_draw(struct cli_progress *p, bool force, bool final);

/* ---- numbers done, by value (E.164 fits 64 bits: it never starts with 0) ---- */
struct cli_set {
	uint64_t *slot;
	size_t cap, n;
};
int cli_set_add(struct cli_set *s, const char *e164);		/* 1 added, 0 there already, <0 error */
bool cli_set_has(const struct cli_set *s, const char *e164);
void cli_set_free(struct cli_set *s);

/* ---- the state file: one line per number done, appended and flushed ---- */
struct cli_state {
	FILE *f;
	bool complete;			/* the run it records had finished */
};
/* Opens path; resume: reads the numbers done into done (and keeps
 * appending), else the file must not exist. Returns 0, or -1 with why. */
int cli_state_open(struct cli_state *st, const char *path, bool resume, struct cli_set *done, char *why, size_t len);
int cli_state_done(struct cli_state *st, const char *e164);
void cli_state_close(struct cli_state *st, bool complete);
