/* The transmit side of the connectionless service: N-UNITDATA.req ->
 * route -> UDT, or XUDT (segmented when the data does not fit one message,
 * Q.714 4.1.1.2). */

#include <errno.h>
#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include "sccp_internal.h"

/* Where a message for `called` goes: DPC, and the called address as sent */
static int route_tx(struct sccp_layer *layer, const struct sccp_addr *called,
		    struct sccp_addr *out, uint32_t *dpc)
{
	*out = *called;
	if (called->ri == SCCP_RI_SSN_PC) {
		if (!called->pc_present || !called->ssn_present)
			return -EINVAL;
		*dpc = called->pc;
		return 0;
	}
	const struct sccp_gtt_rule *r = sccp_layer_gtt_lookup(layer, called);
	if (!r) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_NO_TRANSLATION);
		LOGP(DSCCP, LOGL_NOTICE, "no GT translation for called GT %s\n",
		     called->gti ? called->gt.digits : "(none)");
		return -EHOSTUNREACH;
	}
	sccp_gtt_apply(r, out);
	*dpc = r->dpc;
	return 0;
}

static void msg_from_unitdata(struct sccp_msg *m, const struct sccp_unitdata *ud,
			      const struct sccp_addr *called, uint8_t hops)
{
	memset(m, 0, sizeof(*m));
	m->protocol_class = ud->protocol_class;
	m->return_on_error = ud->return_on_error;
	m->hop_counter = hops;
	m->called = *called;
	m->calling = ud->calling;
	m->data = ud->data;
	m->len = ud->len;
}

/* Octets an XUDT with a segmentation parameter adds around its user data */
static int xudt_overhead(const struct sccp_msg *m)
{
	int called = sccp_addr_encoded_len(&m->called);
	int calling = sccp_addr_encoded_len(&m->calling);
	if (called < 0 || calling < 0)
		return -EINVAL;
	/* type, class, hop counter, 4 pointers, 3 length octets, segmentation (6), end (1) */
	return 3 + 4 + 1 + called + 1 + calling + 1 + 6 + 1;
}

static int send_segmented(struct sccp_layer *layer, struct sccp_msg *m, uint32_t dpc, uint8_t sls)
{
	uint8_t buf[SCCP_MAX_MSG_LIMIT];
	const uint8_t *data = m->data;
	size_t total = m->len;
	int overhead = xudt_overhead(m);
	if (overhead < 0)
		return overhead;
	int room = (int)layer->max_msg_size - overhead;
	if (room > 254)
		room = 254;
	if (room < 16)
		return -EMSGSIZE;
	size_t nseg = (total + room - 1) / room;
	if (nseg > SCCP_MAX_SEGMENTS)
		return -EMSGSIZE;
	/* equal-sized segments: the last is no runt, and each stays under room */
	size_t seg_size = (total + nseg - 1) / nseg;

	m->type = SCCP_MSGT_XUDT;
	m->seg_present = true;
	m->seg.class1 = m->protocol_class == 1;
	m->seg.local_ref = layer->next_local_ref++ & 0xffffff;
	/* Q.714 4.1.1.2.2: segments travel as class 1 so MTP keeps their order */
	m->protocol_class = 1;
	for (size_t i = 0, off = 0; i < nseg; i++, off += seg_size) {
		m->seg.first = i == 0;
		m->seg.remaining = (uint8_t)(nseg - 1 - i);
		m->data = data + off;
		m->len = (i == nseg - 1) ? total - off : seg_size;
		/* only the first segment may come back (Q.714 4.1.1.2.3) */
		if (i == 1)
			m->return_on_error = false;
		int len = sccp_msg_encode(buf, layer->max_msg_size, m);
		if (len < 0)
			return -EMSGSIZE;
		int rc = sccp_mtp_send(layer, dpc, sls, buf, len);
		if (rc < 0)
			return rc;
		sccp_ctr_inc(layer, SCCP_CTR_SEGMENTS_TX);
	}
	return 0;
}

int sccp_user_unitdata_req(struct sccp_user *u, const struct sccp_unitdata *ud)
{
	struct sccp_layer *layer = u->layer;
	uint8_t buf[SCCP_MAX_MSG_LIMIT];
	struct sccp_addr called;
	struct sccp_msg m;
	uint32_t dpc;
	int rc;

	if (!ud->data || ud->len == 0 || ud->len > SCCP_USER_DATA_MAX || ud->protocol_class > 1)
		return -EINVAL;
	if ((rc = route_tx(layer, &ud->called, &called, &dpc)) < 0)
		return rc;
	if ((rc = sccp_mgmt_tx_check(layer, dpc, &called, true)) < 0)
		return rc;
	/* class 0: spread over links; class 1: the user's sequence keeps one SLS */
	uint8_t sls = ud->protocol_class == 1 ? (ud->sls & 0x0f) : (layer->next_sls++ & 0x0f);
	msg_from_unitdata(&m, ud, &called, layer->hop_counter);

	if (ud->len <= 255) {
		m.type = layer->always_xudt ? SCCP_MSGT_XUDT : SCCP_MSGT_UDT;
		int len = sccp_msg_encode(buf, layer->max_msg_size, &m);
		if (len > 0)
			return sccp_mtp_send(layer, dpc, sls, buf, len);
		if (len != -SCCP_ERR_NO_SPACE)
			return -EINVAL;
	}
	rc = send_segmented(layer, &m, dpc, sls);
	if (rc < 0)
		LOGP(DSCCP, LOGL_ERROR, "cannot send %zu octets to DPC %u: %d\n", ud->len, dpc, rc);
	return rc;
}

static int sap_unitdata_req(void *priv, const struct sccp_unitdata *ud)
{
	return sccp_user_unitdata_req(priv, ud);
}

struct sccp_sap_down sccp_user_sap_down(struct sccp_user *u)
{
	return (struct sccp_sap_down){ .unitdata_req = sap_unitdata_req, .priv = u };
}

/* --------------------------------------------------------------- config */

void sccp_layer_set_local_pc(struct sccp_layer *layer, uint32_t pc) { layer->local_pc = pc; }
uint32_t sccp_layer_local_pc(const struct sccp_layer *layer) { return layer->local_pc; }

void sccp_layer_set_max_msg_size(struct sccp_layer *layer, unsigned int octets)
{
	if (octets > SCCP_MAX_MSG_LIMIT)
		octets = SCCP_MAX_MSG_LIMIT;
	layer->max_msg_size = octets;
}

unsigned int sccp_layer_max_msg_size(const struct sccp_layer *layer) { return layer->max_msg_size; }
void sccp_layer_set_reassembly_timeout(struct sccp_layer *layer, unsigned int s) { layer->reasm_timeout_s = s; }
unsigned int sccp_layer_reassembly_timeout(const struct sccp_layer *layer) { return layer->reasm_timeout_s; }
void sccp_layer_set_always_xudt(struct sccp_layer *layer, bool on) { layer->always_xudt = on; }
bool sccp_layer_always_xudt(const struct sccp_layer *layer) { return layer->always_xudt; }
void sccp_layer_set_hop_counter(struct sccp_layer *layer, uint8_t hops) { layer->hop_counter = hops; }
uint8_t sccp_layer_hop_counter(const struct sccp_layer *layer) { return layer->hop_counter; }
