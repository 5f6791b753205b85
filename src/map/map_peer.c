/* MAP peers: the versions remote networks speak, configured and learned.
 * One table per process; a peer is found by the longest GT prefix. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include "map_internal.h"

#define MAP_DEFAULT_VERSION 3
#define MAP_PEERS_MAX 1024	/* configuration only: operators and "map" peers */
#define MAP_PEER_RANGES_MAX 64

struct map_peer {
	struct llist_head list;
	char name[32];
	char prefix[SCCP_GT_DIGITS_MAX + 1];
	uint8_t max_version;
	uint8_t learned[MAP_AC_MAX];	/* 0: nothing learned for that context */
	char ranges[MAP_PEER_RANGES_MAX][SCCP_GT_DIGITS_MAX + 1];
	unsigned int n_ranges;
};

static LLIST_HEAD(peers);
static void *peers_ctx;
static unsigned int n_peers;

struct map_peer *map_peer_find(const char *name)
{
	struct map_peer *p;
	llist_for_each_entry(p, &peers, list)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

struct map_peer *map_peer_get(const char *name)
{
	struct map_peer *p = map_peer_find(name);
	if (p)
		return p;
	if (n_peers >= MAP_PEERS_MAX)
		return NULL;
	if (!peers_ctx)
		peers_ctx = talloc_named_const(NULL, 0, "map peers");
	p = talloc_zero(peers_ctx, struct map_peer);
	if (!p)
		return NULL;
	osmo_strlcpy(p->name, name, sizeof(p->name));
	p->max_version = MAP_DEFAULT_VERSION;
	llist_add_tail(&p->list, &peers);
	n_peers++;
	return p;
}

void map_peers_free(void)
{
	INIT_LLIST_HEAD(&peers);
	n_peers = 0;
	TALLOC_FREE(peers_ctx);
}

void map_peer_set_prefix(struct map_peer *p, const char *gt_prefix)
{
	osmo_strlcpy(p->prefix, gt_prefix, sizeof(p->prefix));
}

void map_peer_set_max_version(struct map_peer *p, uint8_t version)
{
	p->max_version = version;
}

uint8_t map_peer_max_version(const struct map_peer *p) { return p->max_version; }
const char *map_peer_name(const struct map_peer *p) { return p->name; }
const char *map_peer_prefix(const struct map_peer *p) { return p->prefix; }

struct map_peer *map_peer_by_gt(const char *gt)
{
	struct map_peer *p, *best = NULL;
	llist_for_each_entry(p, &peers, list) {
		size_t n = strlen(p->prefix);
		if (n && !strncmp(gt, p->prefix, n) && (!best || n > strlen(best->prefix)))
			best = p;
	}
	return best;
}

uint8_t map_peer_learned(const struct map_peer *p, enum map_ac ac)
{
	return p && ac < MAP_AC_MAX ? p->learned[ac] : 0;
}

uint8_t map_peer_version(const struct map_peer *p, enum map_ac ac)
{
	if (!p)
		return MAP_DEFAULT_VERSION;
	uint8_t l = map_peer_learned(p, ac);
	return l && l < p->max_version ? l : p->max_version;
}

void map_peer_learn(struct map_peer *p, enum map_ac ac, uint8_t version)
{
	if (!p || ac >= MAP_AC_MAX || p->learned[ac] == version)
		return;
	p->learned[ac] = version;
	LOGP(DMAP, LOGL_NOTICE, "peer %s speaks %s v%u\n", p->name, map_ac_name(ac), version);
}

void map_peer_reset(struct map_peer *p)
{
	struct map_peer *q;
	llist_for_each_entry(q, &peers, list)
		if (!p || q == p)
			memset(q->learned, 0, sizeof(q->learned));
}

/* for the VTY: every peer in configuration order */
struct map_peer *map_peer_next(struct map_peer *prev)
{
	struct llist_head *n = prev ? prev->list.next : peers.next;
	return n == &peers ? NULL : llist_entry(n, struct map_peer, list);
}

int map_peer_add_range(struct map_peer *p, const char *gt_prefix)
{
	for (unsigned int i = 0; i < p->n_ranges; i++)
		if (!strcmp(p->ranges[i], gt_prefix))
			return 0;
	if (p->n_ranges >= MAP_PEER_RANGES_MAX || !*gt_prefix)
		return -ENOSPC;
	osmo_strlcpy(p->ranges[p->n_ranges++], gt_prefix, sizeof(p->ranges[0]));
	return 0;
}

const char *map_peer_range(const struct map_peer *p, unsigned int i)
{
	return i < p->n_ranges ? p->ranges[i] : NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return *prefix && !strncmp(s, prefix, strlen(prefix));
}

bool map_peer_covers(const struct map_peer *p, const char *gt)
{
	if (!p || !gt || !*gt)
		return false;
	if (starts_with(gt, p->prefix))
		return true;
	for (unsigned int i = 0; i < p->n_ranges; i++)
		if (starts_with(gt, p->ranges[i]))
			return true;
	return false;
}
