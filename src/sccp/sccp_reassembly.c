/* XUDT reassembly (Q.714 4.1.1.3). A message is identified by OPC, calling
 * address and segmentation local reference; segments are indexed by their
 * "remaining segments" value, so they may arrive in any order. */

#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include "sccp_internal.h"

struct sccp_reasm {
	struct llist_head entry;
	struct sccp_layer *layer;
	uint32_t opc, dpc;
	uint8_t sls;
	uint8_t calling_enc[32];
	int calling_len;
	uint32_t local_ref;
	int total;			/* known once the first segment arrived; else -1 */
	uint16_t have;			/* bit r set: segment with remaining=r stored */
	struct sccp_msg first;		/* copy of the first segment's header fields */
	uint8_t *seg_data[SCCP_MAX_SEGMENTS];
	uint8_t seg_len[SCCP_MAX_SEGMENTS];
	size_t bytes;
	struct osmo_timer_list timer;
};

static void reasm_free(struct sccp_reasm *r)
{
	struct sccp_layer *layer = r->layer;
	osmo_timer_del(&r->timer);
	llist_del(&r->entry);
	layer->reasm_count--;
	layer->reasm_bytes -= r->bytes;
	talloc_free(r);
}

void sccp_reasm_flush(struct sccp_layer *layer)
{
	struct sccp_reasm *r, *tmp;
	llist_for_each_entry_safe(r, tmp, &layer->reasm_list, entry)
		reasm_free(r);
}

static void reasm_fail(struct sccp_reasm *r, enum sccp_return_cause cause)
{
	/* Only the first segment carries what a return needs (Q.714 4.1.1.3.4) */
	if (r->total >= 0) {
		struct sccp_msg m = r->first;
		m.data = r->seg_data[r->total - 1];
		m.len = r->seg_len[r->total - 1];
		sccp_return_msg(r->layer, &m, r->opc, r->sls, cause);
	}
	reasm_free(r);
}

static void reasm_timeout(void *data)
{
	struct sccp_reasm *r = data;
	sccp_ctr_inc(r->layer, SCCP_CTR_REASSEMBLY_TIMEOUT);
	LOGP(DSCCP, LOGL_NOTICE, "reassembly of local ref 0x%06x from OPC %u timed out\n",
	     r->local_ref, r->opc);
	reasm_fail(r, SCCP_RC_SEGMENTATION_FAILURE);
}

static struct sccp_reasm *reasm_find(struct sccp_layer *layer, uint32_t opc,
				     const uint8_t *calling, int calling_len, uint32_t ref)
{
	struct sccp_reasm *r;
	llist_for_each_entry(r, &layer->reasm_list, entry) {
		if (r->opc == opc && r->local_ref == ref && r->calling_len == calling_len &&
		    !memcmp(r->calling_enc, calling, calling_len))
			return r;
	}
	return NULL;
}

/* reassemblies in progress from one calling address */
static unsigned int reasm_of_calling(const struct sccp_layer *layer, const uint8_t *calling, int calling_len)
{
	const struct sccp_reasm *r;
	unsigned int n = 0;
	llist_for_each_entry(r, &layer->reasm_list, entry)
		if (r->calling_len == calling_len && !memcmp(r->calling_enc, calling, calling_len))
			n++;
	return n;
}

static struct sccp_reasm *reasm_new(struct sccp_layer *layer, uint32_t opc, uint32_t dpc, uint8_t sls,
				    const uint8_t *calling, int calling_len, uint32_t ref)
{
	if (layer->reasm_count >= layer->reasm_max)
		return NULL;
	struct sccp_reasm *r = talloc_zero(layer, struct sccp_reasm);
	if (!r)
		return NULL;
	r->layer = layer;
	r->opc = opc;
	r->dpc = dpc;
	r->sls = sls;
	memcpy(r->calling_enc, calling, calling_len);
	r->calling_len = calling_len;
	r->local_ref = ref;
	r->total = -1;
	osmo_timer_setup(&r->timer, reasm_timeout, r);
	osmo_timer_schedule(&r->timer, layer->reasm_timeout_s, 0);
	llist_add_tail(&r->entry, &layer->reasm_list);
	layer->reasm_count++;
	return r;
}

static bool reasm_complete(const struct sccp_reasm *r)
{
	return r->total > 0 && r->have == (uint16_t)((1u << r->total) - 1);
}

static void reasm_deliver(struct sccp_reasm *r)
{
	uint8_t buf[SCCP_MAX_SEGMENTS * 255];
	size_t len = 0;
	for (int rem = r->total - 1; rem >= 0; rem--) {
		memcpy(buf + len, r->seg_data[rem], r->seg_len[rem]);
		len += r->seg_len[rem];
	}
	struct sccp_msg m = r->first;
	m.data = buf;
	m.len = len;
	m.seg_present = false;
	m.protocol_class = r->first.seg.class1 ? 1 : 0;
	struct sccp_layer *layer = r->layer;
	uint32_t opc = r->opc, dpc = r->dpc;
	uint8_t sls = r->sls;
	sccp_ctr_inc(layer, SCCP_CTR_REASSEMBLED);
	reasm_free(r);	/* before the user runs: it may send and segment again */
	sccp_deliver_local(layer, &m, opc, dpc, sls);
}

static void drop_segment(struct sccp_layer *layer, const struct sccp_msg *m, uint32_t opc,
			 uint8_t sls, const char *why)
{
	sccp_ctr_inc(layer, SCCP_CTR_DROP_REASSEMBLY);
	LOGP(DSCCP, LOGL_NOTICE, "segment (ref 0x%06x, remaining %u) from OPC %u dropped: %s\n",
	     m->seg.local_ref, m->seg.remaining, opc, why);
	sccp_return_msg(layer, m, opc, sls, SCCP_RC_SEGMENTATION_FAILURE);
}

void sccp_reasm_rx(struct sccp_layer *layer, const struct sccp_msg *m,
		   uint32_t opc, uint32_t dpc, uint8_t sls)
{
	uint8_t calling[32];
	int clen = sccp_addr_encode(calling, sizeof(calling), &m->calling);
	if (clen < 0) {
		drop_segment(layer, m, opc, sls, "calling address");
		return;
	}
	struct sccp_reasm *r = reasm_find(layer, opc, calling, clen, m->seg.local_ref);
	if (!r && layer->reasm_max_per_calling &&
	    reasm_of_calling(layer, calling, clen) >= layer->reasm_max_per_calling) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_REASM_PER_CALLING);
		drop_segment(layer, m, opc, sls, "its calling address has its share of reassemblies");
		return;
	}
	if (!r && !(r = reasm_new(layer, opc, dpc, sls, calling, clen, m->seg.local_ref))) {
		drop_segment(layer, m, opc, sls, "too many reassemblies");
		return;
	}
	uint8_t rem = m->seg.remaining;
	if (r->have & (1u << rem)) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_REASSEMBLY);
		LOGP(DSCCP, LOGL_INFO, "duplicate segment (ref 0x%06x, remaining %u) ignored\n",
		     m->seg.local_ref, rem);
		return;
	}
	if (m->seg.first) {
		if (r->total >= 0 || (r->have >> (rem + 1))) {
			/* a second "first", or segments beyond what the first announced */
			drop_segment(layer, m, opc, sls, "inconsistent segments");
			reasm_free(r);
			return;
		}
		r->total = rem + 1;
		r->first = *m;
	} else if (r->total >= 0 && rem >= r->total - 1) {
		drop_segment(layer, m, opc, sls, "remaining count beyond first segment");
		reasm_free(r);
		return;
	}
	if (layer->reasm_bytes + m->len > layer->reasm_max_bytes) {
		drop_segment(layer, m, opc, sls, "reassembly memory limit");
		reasm_free(r);
		return;
	}
	r->seg_data[rem] = talloc_memdup(r, m->data, m->len);
	if (!r->seg_data[rem]) {
		reasm_fail(r, SCCP_RC_SEGMENTATION_FAILURE);
		return;
	}
	r->seg_len[rem] = (uint8_t)m->len;
	r->have |= 1u << rem;
	r->bytes += m->len;
	layer->reasm_bytes += m->len;
	if (reasm_complete(r))
		reasm_deliver(r);
}
