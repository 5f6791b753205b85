/* libFuzzer harness: the lookup request parser (JSON and plain text). The
 * first octet picks the parser, the limits and whether job fields are
 * allowed; the rest is the body. Whatever it takes must be numbers of 1-15
 * digits with their input, every refusal must be printable JSON, and the
 * counts must agree. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>
#include <jansson.h>

#include <sigway/common/net_addr.h>
#include <sigway/common/url.h>
#include <sigway/lookup/lookup_request.h>

static struct numbering *nb;

static void check(int rc, const struct lookup_request *r, const struct lookup_parse_opts *o)
{
	if (rc > 0 || rc < LOOKUP_PARSE_EMPTY)
		__builtin_trap();
	if (rc == LOOKUP_PARSE_OK && (!r->n || r->n > o->max_numbers || r->n_bad))
		__builtin_trap();
	if (rc == LOOKUP_PARSE_BAD_NUMBERS && (!r->n_bad || !r->n_bad_reported))
		__builtin_trap();
	if (r->n_bad_reported > LOOKUP_BAD_REPORTED || r->n_bad_reported > r->n_bad)
		__builtin_trap();
	for (unsigned int i = 0; rc == LOOKUP_PARSE_OK && i < r->n; i++) {
		const char *d = r->numbers[i].e164;
		if (!numbering_is_digits(d, 1, NUMBERING_E164_MAX) || d[0] == '0' || !r->numbers[i].input)
			__builtin_trap();
		/* what is echoed back goes into JSON answers */
		json_t *s = json_string(r->numbers[i].input);
		if (!s)
			__builtin_trap();
		json_decref(s);
	}
	for (unsigned int i = 0; i < r->n_bad_reported; i++) {
		json_t *s = json_string(r->bad[i].input);
		if (!s || !r->bad[i].reason)
			__builtin_trap();
		json_decref(s);
	}
	if (o->job && r->notify_url[0] && !lookup_notify_url_ok(r->notify_url))
		__builtin_trap();
	/* the post reads its host: an address, or a name (public addresses only) */
	if (r->notify_url[0] && url_host_is_ip_literal(r->notify_url) && !url_http_host(r->notify_url))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct numbering_norm_cfg norm = { .country_code = "49" };
	char why[200];
	if (!nb) {
		char err[200];
		nb = numbering_alloc(NULL);
		numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err));
		norm.nb = nb;
	}
	if (size < 1)
		return 0;
	struct lookup_parse_opts o = { .norm = &norm, .max_numbers = (data[0] & 2) ? 3 : 1000, .job = data[0] & 4,
				       .max_notify_batch = 100 };
	void *ctx = talloc_new(NULL);
	struct lookup_request r;
	int rc = data[0] & 1 ? lookup_request_parse_text(ctx, (const char *)data + 1, size - 1, &o, &r, why, sizeof(why)) :
			       lookup_request_parse_json(ctx, (const char *)data + 1, size - 1, &o, &r, why, sizeof(why));
	check(rc, &r, &o);
	if (rc == LOOKUP_PARSE_BAD_BODY || rc == LOOKUP_PARSE_TOO_MANY) {
		json_t *s = json_string(why);
		if (!s)
			__builtin_trap();
		json_decref(s);
	}
	talloc_free(ctx);
	return 0;
}
