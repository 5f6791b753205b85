/* Overrides from the configuration. The list, in the order given, is what the
 * configuration writes back; the override table is built from it (added to
 * for a new entry, rebuilt when one is replaced or removed). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include "numbering_int.h"

static int apply(struct nb_table *t, const struct numbering_override *o)
{
	switch (o->kind) {
	case NUMBERING_OVR_RANGE: {
		int idx = nb_table_add_network(t, o->name, o->iso);
		if (idx < 0)
			return idx;
		if (o->mccmnc[0] && nb_network_add_mccmnc(&t->networks[idx], o->mccmnc) < 0)
			return -EINVAL;
		int32_t node = nb_table_node(t, o->key);
		if (node < 0)
			return -ENOSPC;
		if (t->nodes[node].net < 0)
			t->n_ranges++;
		t->nodes[node].net = idx;
		return 0;
	}
	case NUMBERING_OVR_NETWORK: {
		int rc = nb_table_add_mccmnc(t, o->key, o->iso, o->name);
		if (rc == 0) {
			t->mccmncs[t->n_mccmncs - 1].from_config = true;
			nb_table_sort_mccmncs(t);
		}
		return rc;
	}
	case NUMBERING_OVR_COUNTRY:
		return nb_table_add_country(t, o->iso, o->key, o->name, true);
	}
	return -EINVAL;
}

static int rebuild(struct numbering *nb)
{
	struct nb_table *t = nb_table_alloc(nb);
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < nb->n_ovr; i++) {
		if (apply(t, &nb->ovr_list[i]) < 0) {
			talloc_free(t);
			return -EINVAL;
		}
	}
	talloc_free(nb->ovr);
	nb->ovr = t;
	return 0;
}

static struct numbering_override *find(struct numbering *nb, enum numbering_override_kind kind, const char *key)
{
	for (unsigned i = 0; i < nb->n_ovr; i++)
		if (nb->ovr_list[i].kind == kind && !strcmp(nb->ovr_list[i].key, key))
			return &nb->ovr_list[i];
	return NULL;
}

/* add or replace an override and make it effective */
static int put(struct numbering *nb, const struct numbering_override *o, const char **why)
{
	struct numbering_override *old = find(nb, o->kind, o->key);
	if (old) {
		struct numbering_override keep = *old;
		*old = *o;
		if (rebuild(nb) < 0) {
			*old = keep;
			rebuild(nb);
			*why = "it conflicts with another override";
			return -EINVAL;
		}
		return 0;
	}
	if (nb->n_ovr >= NUMBERING_MAX_OVERRIDES) {
		*why = "too many overrides";
		return -ENOSPC;
	}
	struct numbering_override *l = talloc_realloc(nb, nb->ovr_list, struct numbering_override, nb->n_ovr + 1);
	if (!l) {
		*why = "out of memory";
		return -ENOMEM;
	}
	nb->ovr_list = l;
	int rc = apply(nb->ovr, o);
	if (rc < 0) {
		*why = rc == -EEXIST ? "the calling code overlaps another overridden one" : "it does not fit the limits";
		/* a failed add may have left a part behind (a network without a range) */
		rebuild(nb);
		return rc;
	}
	nb->ovr_list[nb->n_ovr++] = *o;
	return 0;
}

static const char *dummy_why;

int numbering_override_range(struct numbering *nb, const char *prefix, const char *mcc_mnc, const char *name,
			     const char *country, const char **why)
{
	struct numbering_override o = { .kind = NUMBERING_OVR_RANGE };
	if (!why)
		why = &dummy_why;
	if (!numbering_is_digits(prefix, 1, NUMBERING_E164_MAX) || prefix[0] == '0') {
		*why = "the prefix is not 1-15 international digits";
		return -EINVAL;
	}
	if (mcc_mnc && mcc_mnc[0] && !nb_mccmnc_key(mcc_mnc)) {
		*why = "the MCC-MNC is not 5-6 digits";
		return -EINVAL;
	}
	if (!numbering_is_name(name)) {
		*why = "the name is not 1-63 bytes of UTF-8 without '|' or control characters";
		return -EINVAL;
	}
	if (country && country[0] && !numbering_is_iso(country)) {
		*why = "the country is not an ISO 3166 code (DE) or 001";
		return -EINVAL;
	}
	snprintf(o.key, sizeof(o.key), "%s", prefix);
	snprintf(o.mccmnc, sizeof(o.mccmnc), "%s", mcc_mnc ? mcc_mnc : "");
	snprintf(o.iso, sizeof(o.iso), "%s", country ? country : "");
	snprintf(o.name, sizeof(o.name), "%s", name);
	return put(nb, &o, why);
}

int numbering_override_network(struct numbering *nb, const char *mcc_mnc, const char *name, const char *country,
			       const char **why)
{
	struct numbering_override o = { .kind = NUMBERING_OVR_NETWORK };
	if (!why)
		why = &dummy_why;
	if (!nb_mccmnc_key(mcc_mnc)) {
		*why = "the MCC-MNC is not 5-6 digits";
		return -EINVAL;
	}
	if (!numbering_is_name(name)) {
		*why = "the name is not 1-63 bytes of UTF-8 without '|' or control characters";
		return -EINVAL;
	}
	if (country && country[0] && !numbering_is_iso(country)) {
		*why = "the country is not an ISO 3166 code (DE) or 001";
		return -EINVAL;
	}
	snprintf(o.key, sizeof(o.key), "%s", mcc_mnc);
	snprintf(o.iso, sizeof(o.iso), "%s", country ? country : "");
	snprintf(o.name, sizeof(o.name), "%s", name);
	return put(nb, &o, why);
}

int numbering_override_country(struct numbering *nb, const char *cc, const char *iso, const char *name,
			       const char **why)
{
	struct numbering_override o = { .kind = NUMBERING_OVR_COUNTRY };
	if (!why)
		why = &dummy_why;
	if (!numbering_is_digits(cc, 1, 3) || cc[0] == '0') {
		*why = "the calling code is not 1-3 digits not starting with 0";
		return -EINVAL;
	}
	if (!numbering_is_iso(iso)) {
		*why = "the country is not an ISO 3166 code (DE) or 001";
		return -EINVAL;
	}
	if (!numbering_is_name(name)) {
		*why = "the name is not 1-63 bytes of UTF-8 without '|' or control characters";
		return -EINVAL;
	}
	snprintf(o.key, sizeof(o.key), "%s", cc);
	snprintf(o.iso, sizeof(o.iso), "%s", iso);
	snprintf(o.name, sizeof(o.name), "%s", name);
	return put(nb, &o, why);
}

static int remove_one(struct numbering *nb, enum numbering_override_kind kind, const char *key)
{
	struct numbering_override *o = key ? find(nb, kind, key) : NULL;
	if (!o)
		return -ENOENT;
	unsigned i = (unsigned)(o - nb->ovr_list);
	memmove(o, o + 1, (nb->n_ovr - i - 1) * sizeof(*o));
	nb->n_ovr--;
	return rebuild(nb);
}

int numbering_override_remove_range(struct numbering *nb, const char *prefix)
{
	return remove_one(nb, NUMBERING_OVR_RANGE, prefix);
}

int numbering_override_remove_network(struct numbering *nb, const char *mcc_mnc)
{
	return remove_one(nb, NUMBERING_OVR_NETWORK, mcc_mnc);
}

int numbering_override_remove_country(struct numbering *nb, const char *cc)
{
	return remove_one(nb, NUMBERING_OVR_COUNTRY, cc);
}

const struct numbering_override *numbering_override_next(const struct numbering *nb,
							 const struct numbering_override *prev)
{
	unsigned i = prev ? (unsigned)(prev - nb->ovr_list) + 1 : 0;
	return i < nb->n_ovr ? &nb->ovr_list[i] : NULL;
}
