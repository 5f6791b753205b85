/* The body of a lookup request: a JSON object ({"to": ["+49 171 ...", ...]},
 * with notifyUrl, notifyBatchSize and reference for a bulk job) or, for
 * bulk jobs, plain text with one number a line. Every number is normalised
 * (src/numbering); the numbers that cannot be are listed with the reason.
 * Pure: no I/O; allocations under the caller's talloc context. Fuzzed
 * (tests/lookup/fuzz_lookup_request.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>

#define LOOKUP_NOTIFY_URL_MAX	512
#define LOOKUP_REFERENCE_MAX	64
#define LOOKUP_BAD_REPORTED	100	/* numbers a refusal names at most */

struct lookup_number {
	char e164[NUMBERING_E164_MAX + 1];
	const char *input;		/* as given (UTF-8, no control characters), in the request's arena */
};

struct lookup_bad_number {
	unsigned int index;		/* 0-based position in the list (line - 1 for text) */
	char input[4 * NUMBERING_NORM_INPUT_MAX + 8];	/* printable: other bytes as \xNN, cut at 64 input bytes */
	const char *reason;
};

struct lookup_request {
	struct lookup_number *numbers;
	unsigned int n;
	struct lookup_bad_number *bad;	/* the first LOOKUP_BAD_REPORTED */
	unsigned int n_bad_reported, n_bad, bad_cap;
	/* bulk jobs */
	char notify_url[LOOKUP_NOTIFY_URL_MAX + 1];	/* "" none */
	unsigned int notify_batch;	/* 0: the default */
	char reference[LOOKUP_REFERENCE_MAX + 1];
};

struct lookup_parse_opts {
	const struct numbering_norm_cfg *norm;
	unsigned int max_numbers;	/* more: LOOKUP_PARSE_TOO_MANY */
	bool job;			/* the job fields are allowed */
	unsigned int max_notify_batch;
};

enum lookup_parse_rc {
	LOOKUP_PARSE_OK = 0,
	LOOKUP_PARSE_BAD_BODY = -1,	/* not JSON (or not UTF-8), not an object, a wrong field: why */
	LOOKUP_PARSE_BAD_NUMBERS = -2,	/* some numbers could not be normalised: req->bad */
	LOOKUP_PARSE_TOO_MANY = -3,	/* more than max_numbers */
	LOOKUP_PARSE_EMPTY = -4,	/* no number at all */
};

/* JSON body. Everything is allocated under ctx (free it to free all). */
int lookup_request_parse_json(void *ctx, const char *body, size_t len, const struct lookup_parse_opts *o,
			      struct lookup_request *req, char *why, size_t whylen);
/* Plain text, one number a line (CR LF or LF; blank lines skipped) */
int lookup_request_parse_text(void *ctx, const char *body, size_t len, const struct lookup_parse_opts *o,
			      struct lookup_request *req, char *why, size_t whylen);
/* One number as given in a URL path */
int lookup_request_parse_one(void *ctx, const char *input, const struct lookup_parse_opts *o,
			     struct lookup_request *req);
/* true for an http:// or https:// URL we would post to */
bool lookup_notify_url_ok(const char *url);
