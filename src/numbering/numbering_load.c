/* The numbering data file parser: one record a line, fields separated by '|'
 * (format in doc/numbering.md). Every field is checked; the first bad line
 * fails the whole file, so a half-read file never replaces a good one. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include "numbering_int.h"

#define NB_FORMAT	1
#define NB_FIELDS_MAX	6
#define NB_NET_ID_MAX	65535

struct nb_parser {
	struct nb_table *t;
	int32_t *net_of_id;	/* file's network id -> index, -1: not defined */
	bool format_seen;
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct nb_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "line %u: ", p->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_country(struct nb_parser *p, char **f, int n)
{
	if (n != 4 && !(n == 5 && !strcmp(f[4], "main")))
		return fail(p, "country needs ISO|CC|NAME and an optional |main");
	int rc = nb_table_add_country(p->t, f[1], f[2], f[3], n == 5);
	if (rc == -EEXIST)
		return fail(p, "calling code %s overlaps another one (codes are prefix-free)", f[2]);
	if (rc == -ENOSPC)
		return fail(p, "more than %d countries", NUMBERING_MAX_COUNTRIES);
	if (rc < 0)
		return fail(p, "country needs an ISO code (AA or 001), a calling code of 1-3 digits not "
			    "starting with 0 and a name");
	return 0;
}

static int add_prefix_count(struct nb_parser *p)
{
	if (p->t->n_ranges + p->t->n_cprefixes >= NUMBERING_MAX_RANGES)
		return fail(p, "more than %d range and cprefix lines", NUMBERING_MAX_RANGES);
	return 0;
}

static int32_t node_of(struct nb_parser *p, const char *digits)
{
	int32_t node = nb_table_node(p->t, digits);
	if (node < 0)
		fail(p, "more than %d trie nodes", NUMBERING_MAX_TRIE_NODES);
	return node;
}

static int parse_cprefix(struct nb_parser *p, char **f, int n)
{
	if (n != 3 || !numbering_is_digits(f[1], 2, NUMBERING_E164_MAX) || !numbering_is_iso(f[2]))
		return fail(p, "cprefix needs DIGITS (2-%d)|ISO", NUMBERING_E164_MAX);
	const struct numbering_country *c = nb_table_country_iso(p->t, f[2]);
	if (!c)
		return fail(p, "cprefix of country %s, which no country line defines", f[2]);
	int cc_len = nb_table_cc_len(p->t, f[1]);
	if (!cc_len || (size_t)cc_len >= strlen(f[1]) || strncmp(f[1], c->cc, strlen(c->cc)))
		return fail(p, "cprefix %s is not within calling code %s of %s", f[1], c->cc, f[2]);
	if (add_prefix_count(p) < 0)
		return -EINVAL;
	int32_t node = node_of(p, f[1]);
	if (node < 0)
		return -ENOSPC;
	if (p->t->nodes[node].country >= 0)
		return fail(p, "cprefix %s given twice", f[1]);
	p->t->nodes[node].country = (int16_t)(c - p->t->countries);
	p->t->n_cprefixes++;
	return 0;
}

static int parse_mccmnc(struct nb_parser *p, char **f, int n)
{
	if (n != 4)
		return fail(p, "mccmnc needs MCCMNC|ISO|NAME");
	int rc = nb_table_add_mccmnc(p->t, f[1], f[2], f[3]);
	if (rc == -ENOSPC)
		return fail(p, "more than %d mccmnc lines", NUMBERING_MAX_MCCMNCS);
	if (rc < 0)
		return fail(p, "mccmnc needs 5-6 digits, an ISO code or nothing, and a name");
	return 0;
}

static int parse_network(struct nb_parser *p, char **f, int n)
{
	if (n != 5 || !numbering_is_digits(f[1], 1, 5))
		return fail(p, "network needs ID|ISO|NAME|MCCMNC,...");
	long id = strtol(f[1], NULL, 10);
	if (id < 1 || id > NB_NET_ID_MAX)
		return fail(p, "network id %s is not 1-%d", f[1], NB_NET_ID_MAX);
	if (!p->net_of_id) {	/* on the first network line: most bad files never get here */
		p->net_of_id = talloc_array(p->t, int32_t, NB_NET_ID_MAX + 1);
		if (!p->net_of_id)
			return fail(p, "out of memory");
		memset(p->net_of_id, 0xff, sizeof(int32_t) * (NB_NET_ID_MAX + 1));
	}
	if (p->net_of_id[id] >= 0)
		return fail(p, "network id %ld given twice", id);
	int idx = nb_table_add_network(p->t, f[3], f[2]);
	if (idx == -ENOSPC)
		return fail(p, "more than %d networks", NUMBERING_MAX_NETWORKS);
	if (idx < 0)
		return fail(p, "network needs an ISO code or nothing, and a name");
	struct numbering_network *net = &p->t->networks[idx];
	char *save = NULL;
	for (char *m = strtok_r(f[4], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		int rc = nb_network_add_mccmnc(net, m);
		if (rc == -ENOSPC)
			return fail(p, "more than %d MCC-MNC for one network", NUMBERING_NET_MCCMNC_MAX);
		if (rc < 0)
			return fail(p, "MCC-MNC '%s' is not 5-6 digits", m);
	}
	p->net_of_id[id] = idx;
	return 0;
}

static int parse_range(struct nb_parser *p, char **f, int n)
{
	if (n != 3 || !numbering_is_digits(f[1], 1, NUMBERING_E164_MAX) || !numbering_is_digits(f[2], 1, 5))
		return fail(p, "range needs PREFIX (1-%d digits)|NETWORK-ID", NUMBERING_E164_MAX);
	long id = strtol(f[2], NULL, 10);
	if (id < 1 || id > NB_NET_ID_MAX || !p->net_of_id || p->net_of_id[id] < 0)
		return fail(p, "range %s names network %s, which no earlier network line defines", f[1], f[2]);
	if (!nb_table_cc_len(p->t, f[1]))
		return fail(p, "range %s is not within a calling code of a country line", f[1]);
	if (add_prefix_count(p) < 0)
		return -EINVAL;
	int32_t node = node_of(p, f[1]);
	if (node < 0)
		return -ENOSPC;
	if (p->t->nodes[node].net >= 0)
		return fail(p, "range %s given twice", f[1]);
	p->t->nodes[node].net = p->net_of_id[id];
	p->t->n_ranges++;
	return 0;
}

static int parse_line(struct nb_parser *p, char *line)
{
	char *f[NB_FIELDS_MAX + 1] = { NULL };
	int n = 0;
	for (char *s = line;; n++) {
		if (n == NB_FIELDS_MAX)
			return fail(p, "more than %d fields", NB_FIELDS_MAX);
		f[n] = s;
		char *bar = strchr(s, '|');
		if (!bar) {
			n++;
			break;
		}
		*bar = '\0';
		s = bar + 1;
	}
	if (!p->format_seen) {
		if (n != 2 || strcmp(f[0], "format"))
			return fail(p, "the first record must be format|%d", NB_FORMAT);
		if (strcmp(f[1], "1"))
			return fail(p, "format %.8s is not known (this build reads format %d)", f[1], NB_FORMAT);
		p->format_seen = true;
		return 0;
	}
	if (!strcmp(f[0], "country"))
		return parse_country(p, f, n);
	if (!strcmp(f[0], "cprefix"))
		return parse_cprefix(p, f, n);
	if (!strcmp(f[0], "mccmnc"))
		return parse_mccmnc(p, f, n);
	if (!strcmp(f[0], "network"))
		return parse_network(p, f, n);
	if (!strcmp(f[0], "range"))
		return parse_range(p, f, n);
	return fail(p, "unknown record '%.16s'", f[0]);
}

static int check_mccmncs(struct nb_parser *p)
{
	struct nb_table *t = p->t;
	nb_table_sort_mccmncs(t);
	for (unsigned i = 1; i < t->n_mccmncs; i++) {
		if (t->mccmnc_keys[i] == t->mccmnc_keys[i - 1]) {
			snprintf(p->err, p->errlen, "mccmnc %s given twice", t->mccmncs[i].mccmnc);
			return -EINVAL;
		}
	}
	return 0;
}

int nb_parse(struct nb_table *t, const char *buf, size_t len, char *err, size_t errlen)
{
	struct nb_parser p = { .t = t, .err = err, .errlen = errlen };
	char line[NUMBERING_LINE_MAX + 2];
	int rc = 0;

	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "a NUL byte: not a text file");
		rc = -EINVAL;
	}
	for (size_t pos = 0; rc == 0 && pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		p.line++;
		if (l > NUMBERING_LINE_MAX) {
			rc = fail(&p, "longer than %d bytes", NUMBERING_LINE_MAX);
			break;
		}
		memcpy(line, buf + pos, l);
		line[l] = '\0';
		pos += l + 1;
		if (l && line[l - 1] == '\r')	/* a file edited elsewhere */
			line[--l] = '\0';
		if (l == 0 || line[0] == '#')
			continue;
		rc = parse_line(&p, line);
	}
	if (rc == 0 && !p.format_seen) {
		snprintf(err, errlen, "no format|%d record: not a numbering data file", NB_FORMAT);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = check_mccmncs(&p);
	talloc_free(p.net_of_id);
	p.net_of_id = NULL;
	return rc;
}
