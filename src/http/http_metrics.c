/* /metrics: the rate counters and stat items of every layer in the
 * Prometheus text format, so operators watch the gateway with the tools
 * they run already; /health and /ready with the daemon's checks. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <sigway/http/http_metrics.h>
#include "http_int.h"

#define METRIC_NAME_MAX (7 + 64 + 96)	/* "sigway_" group "_" item */

/* One sample; samples of a family must be printed together, and two
 * groups with the same prefix (index 0 and 1) give samples of the same
 * families, so we collect, sort by name, then print. */
struct sample {
	char name[METRIC_NAME_MAX];
	const char *type;	/* "counter", "gauge" */
	const char *help;
	const char *group_name;	/* optional name label */
	unsigned int index;
	long long value;
	unsigned int seq;	/* keeps the order of groups within a family */
};

struct samples {
	void *ctx;
	struct sample *s;
	unsigned int n, cap;
};

void http_metric_name_sanitise(char *out, size_t len, const char *in)
{
	size_t i;
	if (!len)
		return;
	for (i = 0; in[i] && i + 1 < len; i++) {
		char c = in[i];
		out[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
	}
	out[i] = '\0';
}

static struct sample *sample_add(struct samples *ss, const char *group, const char *item)
{
	char g[64], it[96];
	struct sample *s;

	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 256;
		ss->s = talloc_realloc(ss->ctx, ss->s, struct sample, ss->cap);
	}
	s = &ss->s[ss->n];
	memset(s, 0, sizeof(*s));
	s->seq = ss->n++;
	http_metric_name_sanitise(g, sizeof(g), group ? group : "unnamed");
	http_metric_name_sanitise(it, sizeof(it), item ? item : "unnamed");
	snprintf(s->name, sizeof(s->name), "sigway_%s_%s", g, it);
	return s;
}

static int add_ctr(struct rate_ctr_group *g, struct rate_ctr *ctr, const struct rate_ctr_desc *desc, void *data)
{
	struct sample *s = sample_add(data, g->desc->group_name_prefix, desc->name);
	s->type = "counter";
	s->help = desc->description;
	s->group_name = g->name;
	s->index = g->idx;
	s->value = (long long)ctr->current;
	return 0;
}

static int add_ctr_group(struct rate_ctr_group *g, void *data)
{
	return rate_ctr_for_each_counter(g, add_ctr, data);
}

static int add_item(struct osmo_stat_item_group *g, struct osmo_stat_item *item, void *data)
{
	const struct osmo_stat_item_desc *desc = osmo_stat_item_get_desc(item);
	struct sample *s = sample_add(data, g->desc->group_name_prefix, desc->name);
	s->type = "gauge";
	s->help = desc->description;
	s->group_name = g->name;
	s->index = g->idx;
	s->value = osmo_stat_item_get_last(item);
	return 0;
}

static int add_item_group(struct osmo_stat_item_group *g, void *data)
{
	return osmo_stat_item_for_each_item(g, add_item, data);
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* HELP text: backslash and newline escaped; label values also quotes */
static char *escape(void *ctx, char *out, const char *in, bool label)
{
	for (; in && *in; in++) {
		if (*in == '\\')
			out = talloc_strdup_append_buffer(out, "\\\\");
		else if (*in == '\n')
			out = talloc_strdup_append_buffer(out, "\\n");
		else if (*in == '"' && label)
			out = talloc_strdup_append_buffer(out, "\\\"");
		else
			out = talloc_strndup_append_buffer(out, in, 1);
	}
	return out;
}

static char *print_samples(void *ctx, const struct samples *ss)
{
	char *out = talloc_strdup(ctx, "");
	const char *family = NULL, *type = NULL;

	for (unsigned int i = 0; i < ss->n; i++) {
		const struct sample *s = &ss->s[i];
		if (!family || strcmp(family, s->name)) {
			family = s->name;
			type = s->type;
			out = talloc_asprintf_append_buffer(out, "# HELP %s ", s->name);
			out = escape(ctx, out, s->help ? s->help : s->name, false);
			out = talloc_asprintf_append_buffer(out, "\n# TYPE %s %s\n", s->name, s->type);
		} else if (strcmp(type, s->type)) {
			continue;	/* a stat item named like a counter: one type per family */
		}
		out = talloc_asprintf_append_buffer(out, "%s{index=\"%u\"", s->name, s->index);
		if (s->group_name) {
			out = talloc_strdup_append_buffer(out, ",name=\"");
			out = escape(ctx, out, s->group_name, true);
			out = talloc_strdup_append_buffer(out, "\"");
		}
		out = talloc_asprintf_append_buffer(out, "} %lld\n", s->value);
	}
	return out;
}

char *http_metrics_render(void *ctx)
{
	struct samples ss = { .ctx = talloc_new(ctx) };
	char *out;

	rate_ctr_for_each_group(add_ctr_group, &ss);
	osmo_stat_item_for_each_group(add_item_group, &ss);
	if (ss.n)
		qsort(ss.s, ss.n, sizeof(*ss.s), sample_cmp);
	out = print_samples(ctx, &ss);
	talloc_free(ss.ctx);
	return out;
}

static void metrics_get(struct http_request *req, void *data)
{
	char *text = http_metrics_render(req);
	http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
	talloc_free(text);
}

/* {"status": "ok", "uptime_s": 12, "checks": {"ss7_link": {"ok": true, "detail": "up"}}} */
static json_t *health_body(struct http_server *srv, bool *all_ok)
{
	json_t *checks = json_object();
	struct http_health_check *c;

	*all_ok = true;
	llist_for_each_entry(c, &srv->health_checks, list) {
		const char *detail = NULL;
		bool ok = c->cb(c->data, &detail);
		json_t *o = json_pack("{s:b}", "ok", ok);
		if (detail)
			json_object_set_new(o, "detail", json_string(detail));
		json_object_set_new(checks, c->name, o);
		*all_ok &= ok;
	}
	return json_pack("{s:s, s:I, s:o}", "status", *all_ok ? "ok" : "degraded", "uptime_s",
			 (json_int_t)(time(NULL) - srv->started), "checks", checks);
}

/* the process runs: 200, whatever the checks say */
static void health_get(struct http_request *req, void *data)
{
	bool ok;
	http_respond_json(req, 200, health_body(data, &ok));
}

/* for load balancers: 503 while a check fails */
static void ready_get(struct http_request *req, void *data)
{
	bool ok;
	json_t *body = health_body(data, &ok);
	http_respond_json(req, ok ? 200 : 503, body);
}

int http_metrics_register(struct http_server *srv)
{
	const struct http_route_opts pub = { .public = true };
	if (http_server_route(srv, HTTP_GET, "/metrics", &pub, metrics_get, srv) < 0 ||
	    http_server_route(srv, HTTP_GET, "/health", &pub, health_get, srv) < 0 ||
	    http_server_route(srv, HTTP_GET, "/ready", &pub, ready_get, srv) < 0)
		return -1;
	return 0;
}

void http_health_add_check(struct http_server *srv, const char *name,
			   bool (*cb)(void *data, const char **detail), void *data)
{
	struct http_health_check *c = talloc_zero(srv, struct http_health_check);
	c->name = talloc_strdup(c, name);
	c->cb = cb;
	c->data = data;
	llist_add_tail(&c->list, &srv->health_checks);
}
