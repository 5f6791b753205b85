/* The accounts' caches of answers: per (account, number) the network's
 * answer as it came (IMSI, serving node, answering GT, or the MAP error),
 * so that a hit is derived again with today's numbering data. One table
 * for every account, bounded (the least recently used entry goes first);
 * each account's TTL decides what is fresh enough. */

#include <string.h>
#include <talloc.h>
#include <osmocom/core/hashtable.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/utils.h>
#include "lookup_int.h"

#define CACHE_HASH_BITS 16

struct cache_entry {
	struct hlist_node hnode;
	struct llist_head lru;		/* the least recently used first */
	const struct account *a;
	char msisdn[NUMBERING_E164_MAX + 1];
	int64_t at_ms;
	char op[32];
	/* the answer */
	bool user_error;
	uint8_t code;
	bool absent_diag_present, failure_cause_present;
	uint8_t diag;
	uint8_t version;
	char imsi[MAP_IMSI_MAX + 1];
	char msc[MAP_DIGITS_MAX + 1];
	char answer_gt[SCCP_GT_DIGITS_MAX + 1];
};

struct lookup_cache {
	DECLARE_HASHTABLE(table, CACHE_HASH_BITS);
	struct llist_head lru;
	unsigned int n;
};

struct lookup_cache *lookup_cache_alloc(void *ctx)
{
	struct lookup_cache *c = talloc_zero(ctx, struct lookup_cache);
	if (!c)
		return NULL;
	hash_init(c->table);
	INIT_LLIST_HEAD(&c->lru);
	return c;
}

unsigned int lookup_cache_size(const struct lookup_cache *c)
{
	return c->n;
}

static uint32_t key_hash(const struct account *a, const char *msisdn)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	uintptr_t p = (uintptr_t)a;
	for (size_t i = 0; i < sizeof(p); i++, p >>= 8)
		h = (h ^ (p & 0xff)) * 16777619u;
	for (; *msisdn; msisdn++)
		h = (h ^ (uint8_t)*msisdn) * 16777619u;
	return h;
}

static struct cache_entry *find(struct lookup_cache *c, const struct account *a, const char *msisdn, uint32_t h)
{
	struct cache_entry *e;
	hash_for_each_possible(c->table, e, hnode, h)
		if (e->a == a && !strcmp(e->msisdn, msisdn))
			return e;
	return NULL;
}

static void drop(struct lookup_cache *c, struct cache_entry *e)
{
	hash_del(&e->hnode);
	llist_del(&e->lru);
	c->n--;
	talloc_free(e);
}

int lookup_cache_get(struct lookup_cache *c, const struct account *a, const char *msisdn, int64_t ttl_ms, int64_t now,
		     struct routing_sri_result *sri, int64_t *age_ms, char *operator_name, size_t oplen)
{
	struct cache_entry *e = find(c, a, msisdn, key_hash(a, msisdn));
	if (!e)
		return -1;
	if (now - e->at_ms > ttl_ms) {
		drop(c, e);
		return -1;
	}
	llist_del(&e->lru);
	llist_add_tail(&e->lru, &c->lru);
	memset(sri, 0, sizeof(*sri));
	sri->version = e->version;
	osmo_strlcpy(sri->trace.answer_gt, e->answer_gt, sizeof(sri->trace.answer_gt));
	if (e->user_error) {
		sri->err.kind = MAP_EK_USER;
		sri->err.user.code = e->code;
		sri->err.user.absent_diag_present = e->absent_diag_present;
		sri->err.user.failure_cause_present = e->failure_cause_present;
		sri->err.user.absent_diag = e->diag;
		sri->err.user.failure_cause = e->diag;
	} else {
		osmo_strlcpy(sri->res.imsi, e->imsi, sizeof(sri->res.imsi));
		sri->res.network_node.present = true;
		sri->res.network_node.ton_npi = 0x91;
		osmo_strlcpy(sri->res.network_node.digits, e->msc, sizeof(sri->res.network_node.digits));
	}
	*age_ms = now - e->at_ms;
	osmo_strlcpy(operator_name, e->op, oplen);
	return 0;
}

void lookup_cache_put(struct lookup_cache *c, const struct account *a, const char *msisdn,
		      const struct routing_sri_result *sri, const char *operator_name, int64_t now, unsigned int max)
{
	uint32_t h = key_hash(a, msisdn);
	struct cache_entry *e = find(c, a, msisdn, h);
	if (!max)
		return;
	if (!e) {
		while (c->n >= max && !llist_empty(&c->lru))
			drop(c, llist_first_entry(&c->lru, struct cache_entry, lru));
		e = talloc_zero(c, struct cache_entry);
		if (!e)
			return;
		e->a = a;
		osmo_strlcpy(e->msisdn, msisdn, sizeof(e->msisdn));
		hash_add(c->table, &e->hnode, h);
		c->n++;
	} else {
		llist_del(&e->lru);
	}
	llist_add_tail(&e->lru, &c->lru);
	e->at_ms = now;
	osmo_strlcpy(e->op, operator_name, sizeof(e->op));
	e->version = sri->version;
	osmo_strlcpy(e->answer_gt, sri->trace.answer_gt, sizeof(e->answer_gt));
	e->user_error = sri->err.kind == MAP_EK_USER;
	e->code = (uint8_t)sri->err.user.code;
	e->absent_diag_present = e->user_error && sri->err.user.absent_diag_present;
	e->failure_cause_present = e->user_error && sri->err.user.failure_cause_present;
	e->diag = e->absent_diag_present ? sri->err.user.absent_diag : (uint8_t)sri->err.user.failure_cause;
	osmo_strlcpy(e->imsi, e->user_error ? "" : sri->res.imsi, sizeof(e->imsi));
	osmo_strlcpy(e->msc, e->user_error ? "" : sri->res.network_node.digits, sizeof(e->msc));
}
