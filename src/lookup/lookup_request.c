/* Lookup request bodies (see lookup_request.h) */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <jansson.h>
#include <osmocom/core/utils.h>
#include <sigway/common/url.h>
#include <sigway/lookup/lookup_request.h>

/* true for well-formed UTF-8 without control characters */
static bool clean_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned char c = *p;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t n = c >= 0xf5 ? 0 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (!n || (size_t)(end - p) < n)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) || (c == 0xf0 && p[1] < 0x90) ||
		    (c == 0xf4 && p[1] >= 0x90))
			return false;
		p += n;
	}
	return true;
}

/* what a refusal shows of an input: UTF-8 as it is, anything else as \xNN */
static void echo_input(char *out, size_t outlen, const char *in, size_t len)
{
	size_t o = 0;
	if (len > NUMBERING_NORM_INPUT_MAX)
		len = NUMBERING_NORM_INPUT_MAX;
	bool clean = clean_utf8(in, len);
	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = in[i];
		if (clean || (c >= 0x20 && c < 0x7f && c != '\\'))
			out[o++] = c;
		else
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	/* a cut in the middle of a UTF-8 sequence: drop its start */
	while (clean && o && !clean_utf8(out, o))
		o--;
	out[o] = '\0';
}

static void add_bad(struct lookup_request *req, unsigned int index, const char *in, size_t len, const char *reason)
{
	if (req->n_bad_reported < req->bad_cap) {
		struct lookup_bad_number *b = &req->bad[req->n_bad_reported++];
		b->index = index;
		echo_input(b->input, sizeof(b->input), in, len);
		b->reason = reason;
	}
	req->n_bad++;
}

/* The inputs, one after the other in one buffer (no allocation per number:
 * a bulk job has a million) */
struct arena {
	char *buf;
	size_t used, cap;
};

static const char *arena_put(struct arena *a, const char *s, size_t len)
{
	if (a->cap - a->used < len + 1)
		return NULL;
	char *p = a->buf + a->used;
	memcpy(p, s, len);
	p[len] = '\0';
	a->used += len + 1;
	return p;
}

/* Normalises one input into the next slot; bad ones are listed */
static void add_number(struct arena *arena, struct lookup_request *req, const struct lookup_parse_opts *o,
		       unsigned int index, const char *in, size_t len)
{
	char buf[NUMBERING_NORM_INPUT_MAX + 1];
	const char *why = NULL;
	if (len > NUMBERING_NORM_INPUT_MAX) {
		add_bad(req, index, in, len, "too long: more than 64 characters");
		return;
	}
	if (!clean_utf8(in, len)) {
		add_bad(req, index, in, len, "not UTF-8 text, or a control character");
		return;
	}
	memcpy(buf, in, len);
	buf[len] = '\0';
	struct lookup_number *n = &req->numbers[req->n];
	if (numbering_normalise(buf, o->norm, n->e164, sizeof(n->e164), &why) != NUMBERING_NORM_OK) {
		add_bad(req, index, in, len, why ? why : "not a phone number");
		return;
	}
	n->input = arena_put(arena, in, len);
	if (!n->input) {
		add_bad(req, index, in, len, "out of memory");
		return;
	}
	req->n++;
}

/* n numbers whose inputs take at most bytes (with their NULs) */
static int alloc_lists(void *ctx, struct lookup_request *req, struct arena *arena, unsigned int n, size_t bytes)
{
	req->numbers = talloc_array(ctx, struct lookup_number, n ? n : 1);
	/* no more than one per number: a full list is 28 KiB, and zeroing it took
	 * 2% of sigwayd's time per lookup (each entry is written before it is read) */
	req->bad_cap = n && n < LOOKUP_BAD_REPORTED ? n : LOOKUP_BAD_REPORTED;
	req->bad = talloc_array(ctx, struct lookup_bad_number, req->bad_cap);
	arena->buf = talloc_size(ctx, bytes + 1);
	arena->used = 0;
	arena->cap = bytes + 1;
	return req->numbers && req->bad && arena->buf ? 0 : -ENOMEM;
}

static int finish(const struct lookup_request *req)
{
	if (req->n_bad)
		return LOOKUP_PARSE_BAD_NUMBERS;
	return req->n ? LOOKUP_PARSE_OK : LOOKUP_PARSE_EMPTY;
}

bool lookup_notify_url_ok(const char *url)
{
	if (strlen(url) > LOOKUP_NOTIFY_URL_MAX)
		return false;
	const char *host = url_http_host(url);
	return host && *host && *host != '/';
}

static int job_fields(struct lookup_request *req, const struct lookup_parse_opts *o, const char *key, json_t *v,
		      char *why, size_t whylen)
{
	if (!strcmp(key, "notifyUrl")) {
		const char *s = json_string_value(v);
		if (!s || !lookup_notify_url_ok(s)) {
			snprintf(why, whylen, "notifyUrl must be an http:// or https:// URL of at most %d characters",
				 LOOKUP_NOTIFY_URL_MAX);
			return LOOKUP_PARSE_BAD_BODY;
		}
		osmo_strlcpy(req->notify_url, s, sizeof(req->notify_url));
		return 0;
	}
	if (!strcmp(key, "notifyBatchSize")) {
		json_int_t b = json_is_integer(v) ? json_integer_value(v) : 0;
		if (b < 1 || b > o->max_notify_batch) {
			snprintf(why, whylen, "notifyBatchSize must be an integer from 1 to %u", o->max_notify_batch);
			return LOOKUP_PARSE_BAD_BODY;
		}
		req->notify_batch = (unsigned int)b;
		return 0;
	}
	if (!strcmp(key, "reference")) {
		const char *s = json_string_value(v);
		if (!s || strlen(s) > LOOKUP_REFERENCE_MAX || !clean_utf8(s, strlen(s))) {
			snprintf(why, whylen, "reference must be a string of at most %d bytes without control characters",
				 LOOKUP_REFERENCE_MAX);
			return LOOKUP_PARSE_BAD_BODY;
		}
		osmo_strlcpy(req->reference, s, sizeof(req->reference));
		return 0;
	}
	return 1;
}

/* "to": a string, or an array of strings (or of non-negative integers) */
static int parse_to(void *ctx, struct lookup_request *req, const struct lookup_parse_opts *o, json_t *to,
		    size_t body_len, char *why, size_t whylen)
{
	struct arena arena;
	size_t n = json_is_array(to) ? json_array_size(to) : 1;
	if (!json_is_array(to) && !json_is_string(to)) {
		snprintf(why, whylen, "\"to\" must be a number as a string, or an array of them");
		return LOOKUP_PARSE_BAD_BODY;
	}
	if (n > o->max_numbers) {
		snprintf(why, whylen, "%zu numbers: at most %u in one request", n, o->max_numbers);
		return LOOKUP_PARSE_TOO_MANY;
	}
	/* every input is at most as long as it was in the body; integers take up to 20 digits */
	if (alloc_lists(ctx, req, &arena, (unsigned int)n, body_len + n * 21) < 0) {
		snprintf(why, whylen, "out of memory");
		return LOOKUP_PARSE_BAD_BODY;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_is_array(to) ? json_array_get(to, i) : to;
		char digits[24];
		if (json_is_string(v)) {
			add_number(&arena, req, o, i, json_string_value(v), json_string_length(v));
		} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
			int len = snprintf(digits, sizeof(digits), "%lld", (long long)json_integer_value(v));
			add_number(&arena, req, o, i, digits, len);
		} else {
			add_bad(req, i, "", 0, "not a string");
		}
	}
	return finish(req);
}

int lookup_request_parse_json(void *ctx, const char *body, size_t len, const struct lookup_parse_opts *o,
			      struct lookup_request *req, char *why, size_t whylen)
{
	json_error_t err;
	memset(req, 0, sizeof(*req));
	why[0] = '\0';
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		/* jansson quotes the body near the error: only printable ASCII of it */
		for (char *p = err.text; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		snprintf(why, whylen, "invalid JSON: %s (line %d, column %d)", err.text, err.line, err.column);
		return LOOKUP_PARSE_BAD_BODY;
	}
	int rc = LOOKUP_PARSE_BAD_BODY;
	json_t *to = NULL;
	const char *key;
	json_t *v;
	if (!json_is_object(root)) {
		snprintf(why, whylen, "the body must be a JSON object such as {\"to\": [\"+49 171 1234567\"]}");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "to")) {
			to = v;
			continue;
		}
		int f = o->job ? job_fields(req, o, key, v, why, whylen) : 1;
		if (f < 0) {
			rc = f;
			goto out;
		}
		if (f > 0) {
			char k[48];
			echo_input(k, sizeof(k), key, strlen(key) > 32 ? 32 : strlen(key));
			snprintf(why, whylen, "unknown field \"%s\"", k);
			goto out;
		}
	}
	if (!to) {
		snprintf(why, whylen, "no \"to\": the numbers to look up");
		goto out;
	}
	rc = parse_to(ctx, req, o, to, len, why, whylen);
out:
	json_decref(root);
	return rc;
}

int lookup_request_parse_text(void *ctx, const char *body, size_t len, const struct lookup_parse_opts *o,
			      struct lookup_request *req, char *why, size_t whylen)
{
	memset(req, 0, sizeof(*req));
	why[0] = '\0';
	/* count first: one allocation for the numbers */
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += body[i] == '\n';
	lines++;
	struct arena arena;
	if (alloc_lists(ctx, req, &arena, lines > o->max_numbers ? o->max_numbers + 1 : (unsigned int)lines, len + lines) < 0) {
		snprintf(why, whylen, "out of memory");
		return LOOKUP_PARSE_BAD_BODY;
	}
	unsigned int line = 0, count = 0;
	for (size_t i = 0; i < len; line++) {
		const char *s = body + i;
		const char *nl = memchr(s, '\n', len - i);
		size_t l = nl ? (size_t)(nl - s) : len - i;
		i += l + (nl ? 1 : 0);
		if (l && s[l - 1] == '\r')
			l--;
		size_t lead = 0;
		while (lead < l && (s[lead] == ' ' || s[lead] == '\t'))
			lead++;
		if (lead == l)
			continue;	/* blank line */
		if (++count > o->max_numbers) {
			snprintf(why, whylen, "more than %u numbers in one request", o->max_numbers);
			return LOOKUP_PARSE_TOO_MANY;
		}
		add_number(&arena, req, o, line, s, l);
	}
	return finish(req);
}

int lookup_request_parse_one(void *ctx, const char *input, const struct lookup_parse_opts *o,
			     struct lookup_request *req)
{
	struct arena arena;
	memset(req, 0, sizeof(*req));
	if (alloc_lists(ctx, req, &arena, 1, strlen(input) + 1) < 0)
		return LOOKUP_PARSE_BAD_BODY;
	add_number(&arena, req, o, 0, input, strlen(input));
	return finish(req);
}
