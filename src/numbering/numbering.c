/* Numbering data: the tables, the lookups, and the overrides of the
 * configuration (see numbering.h). The file and the overrides are two tables
 * of one layout; every lookup asks the overrides first. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <sigway/numbering/numbering_norm.h>
#include "numbering_int.h"

/* ------------------------------------------------------------ syntax */

bool numbering_is_digits(const char *s, size_t min, size_t max)
{
	if (!s)
		return false;
	size_t n = strspn(s, "0123456789");
	return s[n] == '\0' && n >= min && n <= max;
}

bool numbering_is_iso(const char *s)
{
	if (!s)
		return false;
	if (!strcmp(s, "001"))
		return true;
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == '\0';
}

/* well-formed UTF-8 (names go into JSON answers), no control character, no '|' */
bool numbering_is_name(const char *s)
{
	if (!s || !*s)
		return false;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (p[n]) {
		unsigned char c = p[n];
		unsigned follow;
		uint32_t cp;
		if (c < 0x20 || c == 0x7f || c == '|')
			return false;
		if (c < 0x80) {
			n++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			follow = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			follow = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			follow = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= follow; i++) {
			if ((p[n + i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[n + i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((follow == 1 && cp < 0x80) || (follow == 2 && cp < 0x800) || (follow == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		n += follow + 1;
	}
	return n < NUMBERING_NAME_MAX;
}

int nb_iso_slot(const char *iso)
{
	if (!numbering_is_iso(iso))
		return -1;
	if (iso[0] == '0')
		return 26 * 26;
	return (iso[0] - 'A') * 26 + (iso[1] - 'A');
}

/* 2-digit and 3-digit MNCs are different networks (310-26 is not 310-260) */
uint32_t nb_mccmnc_key(const char *mccmnc)
{
	if (!numbering_is_digits(mccmnc, 5, 6))
		return 0;
	uint32_t v = (uint32_t)atoi(mccmnc);
	bool three = strlen(mccmnc) == 6;
	uint32_t mcc = three ? v / 1000 : v / 100, mnc = three ? v % 1000 : v % 100;
	return ((mcc * 1000 + mnc) << 1) | three;
}

/* ------------------------------------------------------------ tables */

struct nb_table *nb_table_alloc(void *ctx)
{
	struct nb_table *t = talloc_zero(ctx, struct nb_table);
	if (!t)
		return NULL;
	memset(t->cc_main, 0xff, sizeof(t->cc_main));
	memset(t->iso_idx, 0xff, sizeof(t->iso_idx));
	t->cap_nodes = 64;
	t->nodes = talloc_array(t, struct nb_node, t->cap_nodes);
	if (!t->nodes) {
		talloc_free(t);
		return NULL;
	}
	memset(&t->nodes[0], 0, sizeof(t->nodes[0]));
	t->nodes[0].net = -1;
	t->nodes[0].country = -1;
	t->n_nodes = 1;
	return t;
}

/* grow an array of n elements to hold one more, doubling */
static void *grow(struct nb_table *t, void *arr, size_t elem, unsigned n, unsigned max)
{
	if (n >= max)
		return NULL;
	/* the capacity is 16, then the next power of two */
	if (n && (n < 16 || (n & (n - 1))))
		return arr;
	size_t cap = n ? 2 * (size_t)n : 16;
	return talloc_realloc_size(t, arr, cap * elem);
}

int nb_table_add_country(struct nb_table *t, const char *iso, const char *cc, const char *name, bool main)
{
	int slot = nb_iso_slot(iso);
	if (slot < 0 || !numbering_is_digits(cc, 1, 3) || cc[0] == '0' || !numbering_is_name(name))
		return -EINVAL;
	size_t len = strlen(cc);
	unsigned code = (unsigned)atoi(cc);
	/* calling codes are a prefix-free set: a number has one */
	for (size_t l = 1; l < len; l++) {
		unsigned v = 0;
		for (size_t i = 0; i < l; i++)
			v = v * 10 + (unsigned)(cc[i] - '0');
		if (t->cc_main[l - 1][v] >= 0)
			return -EEXIST;
	}
	for (size_t l = len + 1, span = 10; l <= 3; l++, span *= 10) {
		for (unsigned v = code * span; v < (code + 1) * span; v++)
			if (t->cc_main[l - 1][v] >= 0)
				return -EEXIST;
	}
	void *a = grow(t, t->countries, sizeof(*t->countries), t->n_countries, NUMBERING_MAX_COUNTRIES);
	if (!a)
		return -ENOSPC;
	t->countries = a;
	struct numbering_country *c = &t->countries[t->n_countries];
	memset(c, 0, sizeof(*c));
	snprintf(c->iso, sizeof(c->iso), "%s", iso);
	snprintf(c->cc, sizeof(c->cc), "%s", cc);
	snprintf(c->name, sizeof(c->name), "%s", name);
	int16_t *m = &t->cc_main[len - 1][code];
	if (*m < 0 || main) {
		if (*m >= 0)
			t->countries[*m].main = false;
		*m = (int16_t)t->n_countries;
		c->main = true;
	}
	if (t->iso_idx[slot] < 0)
		t->iso_idx[slot] = (int16_t)t->n_countries;
	return (int)t->n_countries++;
}

int nb_table_add_mccmnc(struct nb_table *t, const char *mccmnc, const char *iso, const char *name)
{
	uint32_t key = nb_mccmnc_key(mccmnc);
	if (!key || (iso[0] && !numbering_is_iso(iso)) || !numbering_is_name(name))
		return -EINVAL;
	void *a = grow(t, t->mccmncs, sizeof(*t->mccmncs), t->n_mccmncs, NUMBERING_MAX_MCCMNCS);
	void *k = a ? grow(t, t->mccmnc_keys, sizeof(*t->mccmnc_keys), t->n_mccmncs, NUMBERING_MAX_MCCMNCS) : NULL;
	if (a)
		t->mccmncs = a;
	if (!k)
		return -ENOSPC;
	t->mccmnc_keys = k;
	struct numbering_mccmnc *m = &t->mccmncs[t->n_mccmncs];
	memset(m, 0, sizeof(*m));
	snprintf(m->mccmnc, sizeof(m->mccmnc), "%s", mccmnc);
	snprintf(m->iso, sizeof(m->iso), "%s", iso);
	snprintf(m->name, sizeof(m->name), "%s", name);
	t->mccmnc_keys[t->n_mccmncs] = key;
	t->mnc_len_seen[(key >> 1) / 1000] |= (key & 1) ? 2 : 1;
	t->n_mccmncs++;
	return 0;
}

static int cmp_mccmnc(const void *a, const void *b)
{
	uint32_t x = nb_mccmnc_key(((const struct numbering_mccmnc *)a)->mccmnc);
	uint32_t y = nb_mccmnc_key(((const struct numbering_mccmnc *)b)->mccmnc);
	return x < y ? -1 : x > y;
}

void nb_table_sort_mccmncs(struct nb_table *t)
{
	if (!t->n_mccmncs)
		return;
	qsort(t->mccmncs, t->n_mccmncs, sizeof(*t->mccmncs), cmp_mccmnc);
	for (unsigned i = 0; i < t->n_mccmncs; i++)
		t->mccmnc_keys[i] = nb_mccmnc_key(t->mccmncs[i].mccmnc);
}

int nb_table_add_network(struct nb_table *t, const char *name, const char *iso)
{
	if (!numbering_is_name(name) || (iso[0] && !numbering_is_iso(iso)))
		return -EINVAL;
	void *a = grow(t, t->networks, sizeof(*t->networks), t->n_networks, NUMBERING_MAX_NETWORKS);
	if (!a)
		return -ENOSPC;
	t->networks = a;
	struct numbering_network *n = &t->networks[t->n_networks];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->iso, sizeof(n->iso), "%s", iso);
	return (int)t->n_networks++;
}

int nb_network_add_mccmnc(struct numbering_network *net, const char *mccmnc)
{
	if (!nb_mccmnc_key(mccmnc))
		return -EINVAL;
	if (numbering_network_has_mccmnc(net, mccmnc))
		return 0;
	if (net->n_mccmnc >= NUMBERING_NET_MCCMNC_MAX)
		return -ENOSPC;
	snprintf(net->mccmnc[net->n_mccmnc++], NUMBERING_MCCMNC_MAX, "%s", mccmnc);
	return 0;
}

/* give back what the doubling of the arrays left unused */
void nb_table_trim(struct nb_table *t)
{
	struct nb_node *n = talloc_realloc(t, t->nodes, struct nb_node, t->n_nodes);
	if (n) {
		t->nodes = n;
		t->cap_nodes = t->n_nodes;
	}
	if (t->n_networks) {
		struct numbering_network *a = talloc_realloc(t, t->networks, struct numbering_network, t->n_networks);
		if (a)
			t->networks = a;
	}
}

int32_t nb_table_node(struct nb_table *t, const char *digits)
{
	uint32_t cur = 0;
	for (const char *d = digits; *d; d++) {
		unsigned i = (unsigned)(*d - '0');
		if (i > 9)
			return -1;
		if (t->nodes[cur].child[i]) {
			cur = t->nodes[cur].child[i];
			continue;
		}
		if (t->n_nodes >= NUMBERING_MAX_TRIE_NODES)
			return -1;
		if (t->n_nodes == t->cap_nodes) {
			struct nb_node *n = talloc_realloc(t, t->nodes, struct nb_node, t->cap_nodes * 2);
			if (!n)
				return -1;
			t->nodes = n;
			t->cap_nodes *= 2;
		}
		struct nb_node *n = &t->nodes[t->n_nodes];
		memset(n, 0, sizeof(*n));
		n->net = -1;
		n->country = -1;
		t->nodes[cur].child[i] = t->n_nodes;
		cur = t->n_nodes++;
	}
	return (int32_t)cur;
}

void nb_table_walk(const struct nb_table *t, const char *digits, int32_t *net, unsigned *net_len, int16_t *country)
{
	uint32_t cur = 0;
	unsigned depth = 0;
	*net = -1;
	*net_len = 0;
	*country = -1;
	for (const char *d = digits; *d >= '0' && *d <= '9'; d++) {
		cur = t->nodes[cur].child[*d - '0'];
		if (!cur)
			break;
		depth++;
		if (t->nodes[cur].net >= 0) {
			*net = t->nodes[cur].net;
			*net_len = depth;
		}
		if (t->nodes[cur].country >= 0)
			*country = t->nodes[cur].country;
	}
}

int nb_table_cc_len(const struct nb_table *t, const char *digits)
{
	unsigned v = 0;
	for (int l = 1; l <= 3 && digits[l - 1] >= '0' && digits[l - 1] <= '9'; l++) {
		v = v * 10 + (unsigned)(digits[l - 1] - '0');
		if (t->cc_main[l - 1][v] >= 0)
			return l;
	}
	return 0;
}

static const struct numbering_country *table_cc(const struct nb_table *t, const char *digits, int len)
{
	unsigned v = 0;
	for (int i = 0; i < len; i++)
		v = v * 10 + (unsigned)(digits[i] - '0');
	int16_t i = t->cc_main[len - 1][v];
	return i >= 0 ? &t->countries[i] : NULL;
}

const struct numbering_country *nb_table_country_iso(const struct nb_table *t, const char *iso)
{
	int slot = nb_iso_slot(iso);
	if (!t || slot < 0 || t->iso_idx[slot] < 0)
		return NULL;
	return &t->countries[t->iso_idx[slot]];
}

const struct numbering_mccmnc *nb_table_mccmnc(const struct nb_table *t, const char *mccmnc)
{
	uint32_t key = nb_mccmnc_key(mccmnc);
	if (!t || !key)
		return NULL;
	size_t lo = 0, hi = t->n_mccmncs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->mccmnc_keys[mid] == key)
			return &t->mccmncs[mid];
		if (t->mccmnc_keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ------------------------------------------------------------ the API */

struct numbering *numbering_alloc(void *ctx)
{
	struct numbering *nb = talloc_zero(ctx, struct numbering);
	if (!nb)
		return NULL;
	nb->data = nb_table_alloc(nb);
	nb->ovr = nb_table_alloc(nb);
	if (!nb->data || !nb->ovr) {
		talloc_free(nb);
		return NULL;
	}
	numbering_set_norm(nb, NULL, NULL, NULL, NULL);
	return nb;
}

int numbering_set_data_file(struct numbering *nb, const char *path)
{
	if (path && strlen(path) >= sizeof(nb->data_file))
		return -ENAMETOOLONG;
	snprintf(nb->data_file, sizeof(nb->data_file), "%s", path ? path : "");
	return 0;
}

const char *numbering_data_file(const struct numbering *nb)
{
	return nb->data_file[0] ? nb->data_file : NULL;
}

int numbering_load_configured(struct numbering *nb, char *err, size_t errlen)
{
	return numbering_load(nb, numbering_data_file(nb), err, errlen);
}

int numbering_set_norm(struct numbering *nb, const char *country_code, const char *trunk_prefix,
		       const char *intl_prefixes, const char **why)
{
	/* the arguments may be the current settings: copy them first */
	char cc[sizeof(nb->country_code)], trunk[sizeof(nb->trunk_prefix)], intl[sizeof(nb->intl_prefixes)];
	if ((country_code && strlen(country_code) >= sizeof(cc)) || (trunk_prefix && strlen(trunk_prefix) >= sizeof(trunk)) ||
	    (intl_prefixes && strlen(intl_prefixes) >= sizeof(intl))) {
		if (why)
			*why = numbering_norm_strerror(NUMBERING_NORM_BAD_CFG);
		return NUMBERING_NORM_BAD_CFG;
	}
	snprintf(cc, sizeof(cc), "%s", country_code ? country_code : "");
	snprintf(trunk, sizeof(trunk), "%s", trunk_prefix ? trunk_prefix : "");
	snprintf(intl, sizeof(intl), "%s", intl_prefixes ? intl_prefixes : "");
	struct numbering_norm_cfg c = {
		.country_code = cc, .trunk_prefix = trunk_prefix ? trunk : NULL,
		.intl_prefixes = intl_prefixes ? intl : NULL, .nb = nb,
	};
	int rc = numbering_norm_cfg_check(&c, why);
	if (rc < 0)
		return rc;
	memcpy(nb->country_code, cc, sizeof(cc));
	memcpy(nb->trunk_prefix, trunk, sizeof(trunk));
	memcpy(nb->intl_prefixes, intl, sizeof(intl));
	nb->trunk_set = trunk_prefix != NULL;
	nb->intl_set = intl_prefixes != NULL;
	nb->norm = (struct numbering_norm_cfg){
		.country_code = nb->country_code[0] ? nb->country_code : NULL,
		.trunk_prefix = nb->trunk_set ? nb->trunk_prefix : NULL,
		.intl_prefixes = nb->intl_set ? nb->intl_prefixes : NULL,
		.nb = nb,
	};
	return 0;
}

const struct numbering_norm_cfg *numbering_norm_defaults(const struct numbering *nb)
{
	return &nb->norm;
}

const char *numbering_default_path(void)
{
	static const char *const paths[] = { NUMBERING_DATA_INSTALLED, NUMBERING_DATA_SOURCE_TREE };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = fopen(paths[i], "r");
		if (f) {
			fclose(f);
			return paths[i];
		}
	}
	return paths[0];
}

int numbering_load_buf(struct numbering *nb, const char *buf, size_t len, char *err, size_t errlen)
{
	struct nb_table *t = nb_table_alloc(nb);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = nb_parse(t, buf, len, err, errlen);
	if (rc < 0) {
		talloc_free(t);
		return rc;
	}
	nb_table_trim(t);
	talloc_free(nb->data);
	nb->data = t;
	return 0;
}

int numbering_load(struct numbering *nb, const char *path, char *err, size_t errlen)
{
	if (!path)
		path = numbering_default_path();
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;
	if (fseek(f, 0, SEEK_END) == 0) {
		long sz = ftell(f);
		if (sz < 0 || (unsigned long)sz > NUMBERING_FILE_MAX_BYTES) {
			snprintf(err, errlen, "%s: larger than %u bytes", path, NUMBERING_FILE_MAX_BYTES);
			rc = -EFBIG;
		} else {
			rewind(f);
			buf = talloc_size(nb, (size_t)sz + 1);
			len = buf ? fread(buf, 1, (size_t)sz, f) : 0;
			if (!buf || len != (size_t)sz) {
				snprintf(err, errlen, "%s: cannot read", path);
				rc = -EIO;
			}
		}
	} else {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -errno;
	}
	fclose(f);
	if (rc == 0) {
		char lerr[200];
		rc = numbering_load_buf(nb, buf, len, lerr, sizeof(lerr));
		if (rc < 0)
			snprintf(err, errlen, "%s: %s", path, lerr);
		else
			snprintf(nb->data->path, sizeof(nb->data->path), "%s", path);
	}
	talloc_free(buf);
	return rc;
}

void numbering_stats(const struct numbering *nb, struct numbering_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->countries = nb->data->n_countries;
	st->cprefixes = nb->data->n_cprefixes;
	st->mccmncs = nb->data->n_mccmncs;
	st->networks = nb->data->n_networks;
	st->ranges = nb->data->n_ranges;
	st->trie_nodes = nb->data->n_nodes;
	st->bytes = talloc_total_size(nb->data);
	st->overrides = nb->n_ovr;
}

const char *numbering_loaded_path(const struct numbering *nb)
{
	return nb->data->path[0] ? nb->data->path : NULL;
}

int numbering_cc_len(const struct numbering *nb, const char *digits)
{
	if (!digits)
		return 0;
	int l = nb_table_cc_len(nb->ovr, digits);
	return l ? l : nb_table_cc_len(nb->data, digits);
}

const struct numbering_country *numbering_country_by_cc(const struct numbering *nb, const char *cc)
{
	if (!numbering_is_digits(cc, 1, 3))
		return NULL;
	int len = (int)strlen(cc);
	const struct numbering_country *c = table_cc(nb->ovr, cc, len);
	return c ? c : table_cc(nb->data, cc, len);
}

const struct numbering_country *numbering_country_by_iso(const struct numbering *nb, const char *iso)
{
	const struct numbering_country *c = nb_table_country_iso(nb->ovr, iso);
	return c ? c : nb_table_country_iso(nb->data, iso);
}

int numbering_lookup(const struct numbering *nb, const char *digits, struct numbering_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!numbering_is_digits(digits, 1, NUMBERING_E164_MAX))
		return -EINVAL;
	int cc_len = numbering_cc_len(nb, digits);
	if (!cc_len)
		return -ENOENT;
	memcpy(info->cc, digits, (size_t)cc_len);
	info->cc[cc_len] = '\0';

	int32_t net;
	unsigned net_len;
	int16_t cprefix;
	nb_table_walk(nb->ovr, digits, &net, &net_len, &cprefix);
	if (net >= 0) {
		info->network = &nb->ovr->networks[net];
		info->range_len = (uint8_t)net_len;
		info->from_config = true;
	}
	int32_t dnet;
	nb_table_walk(nb->data, digits, &dnet, &net_len, &cprefix);
	if (!info->network && dnet >= 0) {
		info->network = &nb->data->networks[dnet];
		info->range_len = (uint8_t)net_len;
	}
	/* the finest country known: the range owner's, a prefix's of a shared code, the code's */
	/* "001" names no one country: the non-geographic codes all have it */
	if (info->network && info->network->iso[0] && strcmp(info->network->iso, "001"))
		info->country = numbering_country_by_iso(nb, info->network->iso);
	if (!info->country && cprefix >= 0)
		info->country = &nb->data->countries[cprefix];
	if (!info->country)
		info->country = numbering_country_by_cc(nb, info->cc);
	return 0;
}

const struct numbering_mccmnc *numbering_lookup_mccmnc(const struct numbering *nb, const char *mccmnc)
{
	const struct numbering_mccmnc *m = nb_table_mccmnc(nb->ovr, mccmnc);
	return m ? m : nb_table_mccmnc(nb->data, mccmnc);
}

const struct numbering_mccmnc *numbering_imsi_mccmnc(const struct numbering *nb, const char *imsi, char *out,
						     size_t outlen)
{
	char buf[NUMBERING_MCCMNC_MAX];
	if (outlen)
		out[0] = '\0';
	if (!imsi || strspn(imsi, "0123456789") < 6 || outlen < NUMBERING_MCCMNC_MAX)
		return NULL;
	for (size_t len = 6; len >= 5; len--) {
		memcpy(buf, imsi, len);
		buf[len] = '\0';
		const struct numbering_mccmnc *m = numbering_lookup_mccmnc(nb, buf);
		if (m) {
			memcpy(out, buf, len + 1);
			return m;
		}
	}
	/* unknown network: the MNC length the data uses for this MCC */
	unsigned mcc = (unsigned)(imsi[0] - '0') * 100 + (unsigned)(imsi[1] - '0') * 10 + (unsigned)(imsi[2] - '0');
	uint8_t seen = nb->ovr->mnc_len_seen[mcc] | nb->data->mnc_len_seen[mcc];
	size_t len = seen == 2 ? 6 : 5;
	memcpy(out, imsi, len);
	out[len] = '\0';
	return NULL;
}

bool numbering_network_has_mccmnc(const struct numbering_network *net, const char *mccmnc)
{
	uint32_t key = nb_mccmnc_key(mccmnc);
	if (!net || !key)
		return false;
	for (unsigned i = 0; i < net->n_mccmnc; i++)
		if (nb_mccmnc_key(net->mccmnc[i]) == key)
			return true;
	return false;
}
