/* Path patterns and request paths of the HTTP server: what we parse
 * ourselves (MHD hands us the raw path and the raw query arguments).
 * Pure functions without allocation; fuzzed (tests/http/fuzz_http_route.c).
 *
 * A pattern is "/" followed by segments separated by "/":
 *   literal   "lookup"     matches that segment exactly (after percent-decoding)
 *   parameter "{id}"       matches any one non-empty segment, readable by name
 *   rest      "*"          last segment only: matches zero or more segments (a prefix route)
 * e.g. "/v1/lookup/{id}/results", or "/static" followed by "/" "*" (a prefix). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define HTTP_PATTERN_LEN_MAX	255
#define HTTP_PATH_LEN_MAX	2048
#define HTTP_SEGMENTS_MAX	24
#define HTTP_PARAMS_MAX		8

enum http_seg_kind {
	HTTP_SEG_LITERAL,
	HTTP_SEG_PARAM,
	HTTP_SEG_REST,
};

struct http_pattern {
	unsigned int n_seg;
	struct {
		enum http_seg_kind kind;
		const char *text;	/* the literal, or the parameter's name (into buf) */
	} seg[HTTP_SEGMENTS_MAX];
	char buf[HTTP_PATTERN_LEN_MAX + 1];
};

/* A request path cut into percent-decoded segments; the raw path is kept
 * for "*" routes (their rest is handed over undecoded). */
struct http_path {
	unsigned int n_seg;
	char *seg[HTTP_SEGMENTS_MAX];
	unsigned int raw_off[HTTP_SEGMENTS_MAX];	/* where each segment starts in raw */
	char raw[HTTP_PATH_LEN_MAX + 1];
	char buf[HTTP_PATH_LEN_MAX + 1];
};

struct http_match {
	unsigned int n_params;
	struct {
		const char *name;
		const char *value;
	} param[HTTP_PARAMS_MAX];
	const char *rest;	/* "*" routes: the raw remainder ("" when none), else NULL */
};

/* 0, or -EINVAL (not "/...", a "{" that is not a whole "{name}" segment,
 * "*" not last, more than HTTP_PARAMS_MAX parameters, a duplicate name),
 * -E2BIG (too long, too many segments) */
int http_pattern_compile(struct http_pattern *pat, const char *pattern);

/* 0, or -EINVAL (no leading "/", a bad or NUL escape), -E2BIG (too long,
 * too many segments). "/" is one empty segment; "/a/" is "a" and "". */
int http_path_split(struct http_path *p, const char *raw);

/* How specific the match is (>= 0; higher wins: a literal beats a
 * parameter beats "*", position by position), or -1 when the path does
 * not match. m (may be NULL) gets the parameters, pointing into pat and path. */
long http_pattern_match(const struct http_pattern *pat, const struct http_path *path, struct http_match *m);

/* Percent-decodes s in place ("+" is a space when plus_is_space, as in
 * query strings). Returns the new length, or -1 for a malformed escape or
 * an escaped NUL. */
int http_pct_decode(char *s, bool plus_is_space);

const char *http_match_param(const struct http_match *m, const char *name);
