/* Global title translation (Q.714 2.4): local GTs and the rule table. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include "sccp_internal.h"

static bool valid_digits(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SCCP_GT_DIGITS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'e')))
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sccp_layer_gt_is_local(const struct sccp_layer *layer, const char *digits)
{
	for (unsigned int i = 0; i < layer->n_local_gt; i++)
		if (starts_with(digits, layer->local_gt[i]))
			return true;
	return false;
}

int sccp_layer_add_local_gt(struct sccp_layer *layer, const char *prefix)
{
	if (!valid_digits(prefix))
		return -EINVAL;
	for (unsigned int i = 0; i < layer->n_local_gt; i++)
		if (!strcmp(layer->local_gt[i], prefix))
			return 0;
	if (layer->n_local_gt >= SCCP_MAX_LOCAL_GT)
		return -ENOSPC;
	strcpy(layer->local_gt[layer->n_local_gt++], prefix);
	return 0;
}

int sccp_layer_del_local_gt(struct sccp_layer *layer, const char *prefix)
{
	for (unsigned int i = 0; i < layer->n_local_gt; i++) {
		if (strcmp(layer->local_gt[i], prefix))
			continue;
		memmove(layer->local_gt[i], layer->local_gt[i + 1],
			(layer->n_local_gt - i - 1) * sizeof(layer->local_gt[0]));
		layer->n_local_gt--;
		return 0;
	}
	return -ENOENT;
}

unsigned int sccp_layer_local_gt_count(const struct sccp_layer *layer)
{
	return layer->n_local_gt;
}

const char *sccp_layer_local_gt_get(const struct sccp_layer *layer, unsigned int i)
{
	return i < layer->n_local_gt ? layer->local_gt[i] : NULL;
}

static bool same_key(const struct sccp_gtt_rule *a, const char *prefix, int tt, int np)
{
	return !strcmp(a->prefix, prefix) && a->tt == tt && a->np == np;
}

/* Keeps the table ordered: longer prefixes first, then rules with more
 * qualifiers (TT/NP) before wildcard ones, so the first match is the best. */
static int rule_cmp(const void *pa, const void *pb)
{
	const struct sccp_gtt_rule *a = pa, *b = pb;
	int d = (int)strlen(b->prefix) - (int)strlen(a->prefix);
	if (d)
		return d;
	return ((b->tt >= 0) + (b->np >= 0)) - ((a->tt >= 0) + (a->np >= 0));
}

int sccp_layer_add_gtt(struct sccp_layer *layer, const struct sccp_gtt_rule *rule)
{
	if (!valid_digits(rule->prefix) || (rule->has_replace && strlen(rule->replace) > SCCP_GT_DIGITS_MAX))
		return -EINVAL;
	for (unsigned int i = 0; i < layer->n_gtt; i++) {
		if (same_key(&layer->gtt[i], rule->prefix, rule->tt, rule->np)) {
			layer->gtt[i] = *rule;
			return 0;
		}
	}
	struct sccp_gtt_rule *t = talloc_realloc(layer, layer->gtt, struct sccp_gtt_rule, layer->n_gtt + 1);
	if (!t)
		return -ENOMEM;
	layer->gtt = t;
	layer->gtt[layer->n_gtt++] = *rule;
	qsort(layer->gtt, layer->n_gtt, sizeof(*layer->gtt), rule_cmp);
	return 0;
}

int sccp_layer_del_gtt(struct sccp_layer *layer, const char *prefix, int tt, int np)
{
	for (unsigned int i = 0; i < layer->n_gtt; i++) {
		if (!same_key(&layer->gtt[i], prefix, tt, np))
			continue;
		memmove(&layer->gtt[i], &layer->gtt[i + 1], (layer->n_gtt - i - 1) * sizeof(*layer->gtt));
		layer->n_gtt--;
		return 0;
	}
	return -ENOENT;
}

unsigned int sccp_layer_gtt_count(const struct sccp_layer *layer)
{
	return layer->n_gtt;
}

const struct sccp_gtt_rule *sccp_layer_gtt_get(const struct sccp_layer *layer, unsigned int i)
{
	return i < layer->n_gtt ? &layer->gtt[i] : NULL;
}

static bool rule_matches(const struct sccp_gtt_rule *r, const struct sccp_addr *called)
{
	bool has_tt = called->gti >= SCCP_GTI_TT;
	bool has_np = called->gti >= SCCP_GTI_TT_NP_ES;
	if (r->tt >= 0 && (!has_tt || called->gt.tt != r->tt))
		return false;
	if (r->np >= 0 && (!has_np || called->gt.np != r->np))
		return false;
	return starts_with(called->gt.digits, r->prefix);
}

const struct sccp_gtt_rule *sccp_layer_gtt_lookup(const struct sccp_layer *layer,
						  const struct sccp_addr *called)
{
	if (called->gti == SCCP_GTI_NONE)
		return NULL;
	for (unsigned int i = 0; i < layer->n_gtt; i++)
		if (rule_matches(&layer->gtt[i], called))
			return &layer->gtt[i];
	return NULL;
}

void sccp_gtt_apply(const struct sccp_gtt_rule *r, struct sccp_addr *called)
{
	if (r->has_replace) {
		char out[2 * SCCP_GT_DIGITS_MAX + 1];
		size_t plen = strlen(r->prefix);
		snprintf(out, sizeof(out), "%s%s", r->replace, called->gt.digits + plen);
		/* never produce a GT we could not encode */
		out[SCCP_GT_DIGITS_MAX] = '\0';
		strcpy(called->gt.digits, out);
	}
	if (r->new_ri >= 0)
		called->ri = (enum sccp_routing_ind)r->new_ri;
	if (r->new_ssn >= 0) {
		called->ssn_present = true;
		called->ssn = (uint8_t)r->new_ssn;
	}
	if (called->ri == SCCP_RI_SSN_PC) {
		called->pc_present = true;
		called->pc = (uint16_t)r->dpc;
	}
}
