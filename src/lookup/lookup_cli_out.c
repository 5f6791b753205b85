/* sigway-lookup: output formats, the progress line, the state of a run */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lookup_cli.h"

/* ------------------------------------------------------------ results */

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *tri(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "unknown";
}

enum cli_exit cli_result_exit(const json_t *result)
{
	const char *status = str(result, "status");
	if (!strcmp(status, "CONNECTED"))
		return CLI_EXIT_REACHABLE;
	if (!strcmp(status, "ABSENT") || !strcmp(status, "INVALID") || !strcmp(status, "BARRED") ||
	    !strcmp(status, "NOT_PROVISIONED"))
		return CLI_EXIT_NOT_REACHABLE;
	return CLI_EXIT_UNDETERMINED;
}

static const char *status_words(const char *status)
{
	static const struct { const char *status, *words; } w[] = {
		{ "CONNECTED", "reachable" }, { "ABSENT", "not reachable now" }, { "INVALID", "no such subscriber" },
		{ "BARRED", "barred" }, { "NOT_PROVISIONED", "no SMS service" },
		{ "UNDETERMINED", "the network did not say" },
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(w[i].status, status))
			return w[i].words;
	return "";
}

/* "T-Mobile (26201), Germany" */
static void net_text(char *out, size_t len, const json_t *net)
{
	const json_t *c = json_object_get(net, "country");
	const char *name = str(net, "name"), *mm = str(net, "mccMnc"), *country = str(c, "name");
	snprintf(out, len, "%s%s%s%s%s%s", name[0] ? name : "?", mm[0] ? " (" : "", mm, mm[0] ? ")" : "",
		 country[0] ? ", " : "", country);
}

static void error_text(char *out, size_t len, const json_t *err)
{
	const json_t *d = json_object_get(err, "diagnostic");
	if (!json_is_object(err)) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%s%s%s", str(err, "name"), d ? ": " : "", d ? str(d, "name") : "");
}

static void print_detailed(FILE *out, const char *input, const json_t *r)
{
	char buf[200], err[120];
	const json_t *e = json_object_get(r, "error");
	fprintf(out, "%s -> +%s\n", input, str(r, "to"));
	error_text(err, sizeof(err), e);
	fprintf(out, "  status       %s (%s%s%s)%s\n", str(r, "status"), status_words(str(r, "status")),
		err[0] ? "; " : "", err, json_is_true(json_object_get(r, "permanent")) ? ", permanent" : "");
	if (json_is_object(e) && str(e, "description")[0])
		fprintf(out, "  why          %s\n", str(e, "description"));
	if (json_is_object(json_object_get(r, "originalNetwork"))) {
		net_text(buf, sizeof(buf), json_object_get(r, "originalNetwork"));
		fprintf(out, "  network      %s\n", buf);
	}
	fprintf(out, "  ported       %s", tri(r, "ported"));
	if (json_is_object(json_object_get(r, "portedNetwork"))) {
		net_text(buf, sizeof(buf), json_object_get(r, "portedNetwork"));
		fprintf(out, ", now %s", buf);
	}
	fprintf(out, "\n  roaming      %s", tri(r, "roaming"));
	if (json_is_object(json_object_get(r, "roamingNetwork"))) {
		const json_t *rn = json_object_get(r, "roamingNetwork");
		if (json_is_true(json_object_get(rn, "national")))
			fprintf(out, ", national, on %s", str(rn, "name")[0] ? str(rn, "name") : "another network");
		else
			fprintf(out, ", in %s", str(json_object_get(rn, "country"), "name"));
		if (str(rn, "name")[0] && !json_is_true(json_object_get(rn, "national")))
			fprintf(out, " on %s", str(rn, "name"));
		if (str(rn, "operator")[0])
			fprintf(out, " (%s)", str(rn, "operator"));
	}
	fprintf(out, "\n");
	if (json_is_object(json_object_get(r, "homeRouting")))
		fprintf(out, "  home routing answered by %s (%s): network, porting and roaming unknown\n",
			str(json_object_get(r, "homeRouting"), "node"), str(json_object_get(r, "homeRouting"), "by"));
	if (str(r, "imsi")[0])
		fprintf(out, "  IMSI         %s\n", str(r, "imsi"));
	if (str(r, "servingMsc")[0])
		fprintf(out, "  serving MSC  %s\n", str(r, "servingMsc"));
	if (str(r, "hlrGt")[0])
		fprintf(out, "  HLR          %s\n", str(r, "hlrGt"));
	json_int_t age = json_integer_value(json_object_get(r, "cacheAgeSeconds"));
	fprintf(out, "  source       %s", str(r, "source"));
	if (!strcmp(str(r, "source"), "cache"))
		fprintf(out, " (%lld s old)", (long long)age);
	fprintf(out, ", %s, lookup %s\n", json_is_true(json_object_get(r, "billed")) ? "billed" : "not billed",
		str(r, "id"));
}

static void print_line(FILE *out, const char *input, const json_t *r)
{
	char err[120], net[160] = "";
	error_text(err, sizeof(err), json_object_get(r, "error"));
	if (json_is_object(json_object_get(r, "originalNetwork")))
		net_text(net, sizeof(net), json_object_get(r, "originalNetwork"));
	fprintf(out, "%s\t+%s\t%s%s%s%s\t%s\tported=%s roaming=%s\t%s\n", input, str(r, "to"), str(r, "status"),
		err[0] ? " (" : "", err, err[0] ? ")" : "", net, tri(r, "ported"), tri(r, "roaming"), str(r, "source"));
}

/* a CSV field: quoted when it holds a comma, a quote or a line end */
static void csv(FILE *out, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

static const char *tri_csv(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_true(v) ? "true" : json_is_false(v) ? "false" : "";
}

void cli_print_header(FILE *out, enum cli_format f)
{
	if (f == CLI_CSV)
		fputs("line,input,number,status,permanent,error,diagnostic,mcc_mnc,imsi,serving_msc,hlr_gt,"
		      "original_network,ported,ported_network,roaming,roaming_country,home_routing,source,billed,id\n", out);
}

void cli_print_result(FILE *out, enum cli_format f, bool detailed, unsigned long line, const char *input,
		      const json_t *r)
{
	char num[24], buf[160];
	if (f == CLI_JSON) {
		json_t *o = json_deep_copy(r);
		json_object_set_new(o, "input", json_string(input));
		if (line)
			json_object_set_new(o, "line", json_integer(line));
		json_dumpf(o, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(o);
		return;
	}
	if (f == CLI_TEXT) {
		if (detailed)
			print_detailed(out, input, r);
		else
			print_line(out, input, r);
		return;
	}
	const json_t *e = json_object_get(r, "error");
	snprintf(num, sizeof(num), "%lu", line);
	csv(out, num, false);
	csv(out, input, false);
	csv(out, str(r, "to"), false);
	csv(out, str(r, "status"), false);
	csv(out, tri_csv(r, "permanent"), false);
	csv(out, json_is_object(e) ? str(e, "name") : "", false);
	csv(out, json_is_object(e) ? str(json_object_get(e, "diagnostic"), "name") : "", false);
	csv(out, str(r, "mccMnc"), false);
	csv(out, str(r, "imsi"), false);
	csv(out, str(r, "servingMsc"), false);
	csv(out, str(r, "hlrGt"), false);
	csv(out, str(json_object_get(r, "originalNetwork"), "name"), false);
	csv(out, tri_csv(r, "ported"), false);
	net_text(buf, sizeof(buf), json_object_get(r, "portedNetwork"));
	csv(out, json_is_object(json_object_get(r, "portedNetwork")) ? buf : "", false);
	csv(out, tri_csv(r, "roaming"), false);
	csv(out, str(json_object_get(json_object_get(r, "roamingNetwork"), "country"), "iso"), false);
	csv(out, str(json_object_get(r, "homeRouting"), "by"), false);
	csv(out, str(r, "source"), false);
	csv(out, tri_csv(r, "billed"), false);
	csv(out, str(r, "id"), true);
}

/* ------------------------------------------------------------ progress */

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hms(char *out, size_t len, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, len, "%ld:%02ld", t / 60, t % 60);
}

void cli_progress_draw(struct cli_progress *p, bool force, bool final)
{
	double now = cli_now();
	if (!force && now - p->last_draw < (p->tty ? 0.1 : 5.0))
		return;
	p->last_draw = now;
	unsigned long done = p->done;
	double rate = now > p->t0 ? p->looked / (now - p->t0) : 0;
	char eta[24] = "-";
	if (p->total && rate > 0 && done <= p->total)
		hms(eta, sizeof(eta), (p->total - done) / rate);
	if (p->tty) {
		char bar[32];
		int width = 24, fill = p->total ? (int)(width * (double)done / p->total) : 0;
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
		bar[width] = '\0';
		if (p->total)
			fprintf(stderr, "\r[%s] %lu/%lu %3.0f%%  %.0f/s  ETA %s  errors %lu ", bar, done, p->total,
				100.0 * done / p->total, rate, eta, p->errors);
		else
			fprintf(stderr, "\r%lu done  %.0f/s  errors %lu ", done, rate, p->errors);
		if (final)
			fputc('\n', stderr);
	} else if (p->total) {
		fprintf(stderr, "sigway-lookup: %lu/%lu done (%.0f%%), %.0f/s, ETA %s, %lu errors\n", done, p->total,
			100.0 * done / p->total, rate, eta, p->errors);
	} else {
		fprintf(stderr, "sigway-lookup: %lu done, %.0f/s, %lu errors\n", done, rate, p->errors);
	}
	fflush(stderr);
}

/* ------------------------------------------------------------ the set */

static uint64_t key_of(const char *e164)
{
	uint64_t k = 0;
	for (; *e164; e164++)
		k = k * 10 + (uint64_t)(*e164 - '0');
	return k;
}

static size_t home(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)(k & (cap - 1));
}

static int grow(struct cli_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint64_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slot[i])
			continue;
		size_t h = home(s->slot[i], cap);
		while (slot[h])
			h = (h + 1) & (cap - 1);
		slot[h] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

bool cli_set_has(const struct cli_set *s, const char *e164)
{
	uint64_t k = key_of(e164);
	if (!s->cap || !k)
		return false;
	for (size_t h = home(k, s->cap); s->slot[h]; h = (h + 1) & (s->cap - 1))
		if (s->slot[h] == k)
			return true;
	return false;
}

int cli_set_add(struct cli_set *s, const char *e164)
{
	uint64_t k = key_of(e164);
	if (!k)
		return -EINVAL;
	if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
		return -ENOMEM;
	size_t h = home(k, s->cap);
	for (; s->slot[h]; h = (h + 1) & (s->cap - 1))
		if (s->slot[h] == k)
			return 0;
	s->slot[h] = k;
	s->n++;
	return 1;
}

void cli_set_free(struct cli_set *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}

/* ------------------------------------------------------------ the state file */

#define STATE_HEADER "# sigway-lookup state 1: the numbers done, one a line; 'complete' when the run finished\n"

int cli_state_open(struct cli_state *st, const char *path, bool resume, struct cli_set *done, char *why, size_t len)
{
	char line[64];
	memset(st, 0, sizeof(*st));
	FILE *f = fopen(path, "r");
	if (f && !resume) {
		fclose(f);
		snprintf(why, len, "%s holds the state of an earlier run: continue it with --resume, or remove it", path);
		return -1;
	}
	if (!f && resume) {
		snprintf(why, len, "nothing to resume: no state file %s", path);
		return -1;
	}
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			if (!strcmp(line, "complete"))
				st->complete = true;
			else if (line[0] >= '1' && line[0] <= '9' && strspn(line, "0123456789") == strlen(line) &&
				 strlen(line) <= 15)
				cli_set_add(done, line);
		}
		fclose(f);
	}
	st->f = fopen(path, "a");
	if (!st->f) {
		snprintf(why, len, "cannot write the state file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!resume)
		fputs(STATE_HEADER, st->f);
	fflush(st->f);
	return 0;
}

int cli_state_done(struct cli_state *st, const char *e164)
{
	if (!st->f)
		return 0;
	fprintf(st->f, "%s\n", e164);
	/* flushed per number: a run killed outright loses at most what is in flight */
	return fflush(st->f) == 0 ? 0 : -EIO;
}

void cli_state_close(struct cli_state *st, bool complete)
{
	if (!st->f)
		return;
	if (complete)
		fputs("complete\n", st->f);
	fclose(st->f);
	st->f = NULL;
}
