/* Destinations: the messages to one MSISDN go one at a time, in submission
 * order (what a subscriber expects, and what keeps the parts of two long
 * messages apart on the handset), and each destination hands out its own
 * concatenation references, so that two messages to one number never share
 * one. See struct smsc_dest. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/utils.h>
#include "smsc_int.h"

#define DEST_BUCKETS	16384

static unsigned int hash_of(const char *msisdn)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (const char *c = msisdn; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h % DEST_BUCKETS;
}

void smsc_lanes_init(struct smsc *smsc)
{
	smsc->dest_hash = talloc_array(smsc, struct llist_head, DEST_BUCKETS);
	OSMO_ASSERT(smsc->dest_hash);
	for (unsigned int i = 0; i < DEST_BUCKETS; i++)
		INIT_LLIST_HEAD(&smsc->dest_hash[i]);
}

struct smsc_dest *smsc_dest_find(struct smsc *smsc, const char *msisdn)
{
	struct smsc_dest *d;
	llist_for_each_entry(d, &smsc->dest_hash[hash_of(msisdn)], hash)
		if (!strcmp(d->msisdn, msisdn))
			return d;
	return NULL;
}

/* a reference for the destination's next message */
struct smsc_dest *smsc_dest_get(struct smsc *smsc, const char *msisdn)
{
	struct smsc_dest *d = smsc_dest_find(smsc, msisdn);
	if (!d) {
		d = talloc_zero(smsc, struct smsc_dest);
		if (!d)
			return NULL;
		d->smsc = smsc;
		osmo_strlcpy(d->msisdn, msisdn, sizeof(d->msisdn));
		INIT_LLIST_HEAD(&d->lane);
		INIT_LLIST_HEAD(&d->msgs);
		/* a start of its own: the first message after a restart does not
		 * take the reference of one whose parts the handset still holds */
		d->next_ref = (uint16_t)random();
		llist_add(&d->hash, &smsc->dest_hash[hash_of(msisdn)]);
		smsc->n_dests++;
	}
	d->refs++;
	return d;
}

void smsc_dest_put(struct smsc_dest *d)
{
	if (--d->refs)
		return;
	llist_del(&d->hash);
	d->smsc->n_dests--;
	talloc_free(d);
}

/* in id order: submission order (ids grow) */
void smsc_lane_join(struct sms_mt *mt)
{
	struct smsc_dest *d = mt->dest;
	if (mt->in_lane || !d)
		return;
	struct sms_mt *o;
	struct llist_head *after = &d->lane;
	llist_for_each_entry_reverse(o, &d->lane, lane) {
		if (o->id < mt->id) {
			after = &o->lane;
			break;
		}
	}
	llist_add(&mt->lane, after);
	mt->in_lane = true;
}

void smsc_lane_leave(struct sms_mt *mt)
{
	if (!mt->in_lane)
		return;
	llist_del_init(&mt->lane);
	mt->in_lane = false;
}

struct sms_mt *smsc_lane_first(struct smsc_dest *d)
{
	return llist_empty(&d->lane) ? NULL : llist_first_entry(&d->lane, struct sms_mt, lane);
}
