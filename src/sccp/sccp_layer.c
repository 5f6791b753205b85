/* SCCP connectionless routing and control (ITU-T Q.714 section 4):
 * local delivery per SSN, GT translation and relay, returns (UDTS/XUDTS),
 * and the transmit side with XUDT segmentation. Reassembly is in
 * sccp_reassembly.c. */

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include "sccp_internal.h"

static const struct rate_ctr_desc sccp_ctr_desc[] = {
	[SCCP_CTR_RX_UDT]   = { "rx:udt", "UDT received" },
	[SCCP_CTR_RX_XUDT]  = { "rx:xudt", "XUDT received" },
	[SCCP_CTR_RX_UDTS]  = { "rx:udts", "UDTS received" },
	[SCCP_CTR_RX_XUDTS] = { "rx:xudts", "XUDTS received" },
	[SCCP_CTR_TX_UDT]   = { "tx:udt", "UDT sent" },
	[SCCP_CTR_TX_XUDT]  = { "tx:xudt", "XUDT sent" },
	[SCCP_CTR_TX_UDTS]  = { "tx:udts", "UDTS sent" },
	[SCCP_CTR_TX_XUDTS] = { "tx:xudts", "XUDTS sent" },
	[SCCP_CTR_RX_DELIVERED] = { "rx:delivered", "Messages delivered to a local SSN" },
	[SCCP_CTR_RELAYED]  = { "relayed", "Messages translated and relayed to another node" },
	[SCCP_CTR_DROP_RELAY_DENIED] = { "drop:relay_denied", "Messages for a GT not ours that no relay rule allows" },
	[SCCP_CTR_DROP_REASM_PER_CALLING] = { "drop:reasm_per_calling",
					      "Segments dropped: their calling address has its share of reassemblies" },
	[SCCP_CTR_SEGMENTS_TX] = { "tx:segments", "XUDT segments sent" },
	[SCCP_CTR_REASSEMBLED] = { "rx:reassembled", "Segmented messages reassembled" },
	[SCCP_CTR_DROP_MALFORMED] = { "drop:malformed", "Dropped: malformed message" },
	[SCCP_CTR_DROP_GT_TOO_LONG] = { "drop:gt_too_long", "Dropped: global title over 32 digits" },
	[SCCP_CTR_DROP_NO_TRANSLATION] = { "drop:no_translation", "No GT translation for the called address" },
	[SCCP_CTR_DROP_UNEQUIPPED] = { "drop:unequipped", "Called SSN not bound locally" },
	[SCCP_CTR_DROP_HOP_COUNTER] = { "drop:hop_counter", "Hop counter violation" },
	[SCCP_CTR_DROP_REASSEMBLY] = { "drop:reassembly", "Segment dropped (duplicate, limits, inconsistent)" },
	[SCCP_CTR_REASSEMBLY_TIMEOUT] = { "reassembly:timeout", "Reassembly timed out" },
	[SCCP_CTR_TX_FAIL] = { "tx:fail", "MTP refused a message" },
	[SCCP_CTR_DROP_LOOP] = { "drop:loop", "Relay refused: back to its origin (routing loop)" },
	[SCCP_CTR_RX_SSA] = { "rx:ssa", "SCMG subsystem allowed received" },
	[SCCP_CTR_RX_SSP] = { "rx:ssp", "SCMG subsystem prohibited received" },
	[SCCP_CTR_RX_SST] = { "rx:sst", "SCMG subsystem status test received" },
	[SCCP_CTR_RX_SCMG_OTHER] = { "rx:scmg_other", "SCMG SOR, SOG or SSC received (ignored)" },
	[SCCP_CTR_TX_SSA] = { "tx:ssa", "SCMG subsystem allowed sent" },
	[SCCP_CTR_TX_SSP] = { "tx:ssp", "SCMG subsystem prohibited sent" },
	[SCCP_CTR_TX_SST] = { "tx:sst", "SCMG subsystem status test sent" },
	[SCCP_CTR_DROP_SCMG_MALFORMED] = { "drop:scmg_malformed", "SCMG message dropped: malformed or a return" },
	[SCCP_CTR_DROP_SCMG_TABLE_FULL] = { "drop:scmg_table_full", "Subsystem/point code state not recorded: table full" },
	[SCCP_CTR_DROP_SS_PROHIBITED] = { "drop:ss_prohibited", "Not sent: remote subsystem (or its SCCP) prohibited" },
	[SCCP_CTR_DROP_PC_PAUSED] = { "drop:pc_paused", "Not sent: remote point code inaccessible (MTP-PAUSE)" },
	[SCCP_CTR_DROP_LOCAL_PROHIBITED] = { "drop:local_prohibited", "Received for a prohibited local subsystem" },
	[SCCP_CTR_MTP_PAUSE] = { "mtp:pause", "MTP-PAUSE received" },
	[SCCP_CTR_MTP_RESUME] = { "mtp:resume", "MTP-RESUME received" },
	[SCCP_CTR_MTP_STATUS] = { "mtp:status", "MTP-STATUS received" },
};

static const struct rate_ctr_group_desc sccp_ctrg_desc = {
	.group_name_prefix = "sccp",
	.group_description = "SCCP connectionless layer",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(sccp_ctr_desc),
	.ctr_desc = sccp_ctr_desc,
};

osmo_static_assert(ARRAY_SIZE(sccp_ctr_desc) == _SCCP_CTR_COUNT, sccp_ctr_desc_complete);

static unsigned int sccp_layer_idx;

static int layer_destructor(struct sccp_layer *layer)
{
	sccp_reasm_flush(layer);
	sccp_mgmt_flush(layer);
	rate_ctr_group_free(layer->ctrg);
	return 0;
}

struct sccp_layer *sccp_layer_alloc(void *ctx, const struct sccp_mtp_down *down)
{
	struct sccp_layer *layer = talloc_zero(ctx, struct sccp_layer);
	if (!layer)
		return NULL;
	if (down)
		layer->down = *down;
	layer->max_msg_size = SCCP_DEFAULT_MAX_MSG;
	layer->reasm_timeout_s = 10;
	layer->hop_counter = 15;
	layer->reasm_max = 4096;
	layer->reasm_max_per_calling = 16;
	layer->reasm_max_bytes = 16 * 1024 * 1024;
	INIT_LLIST_HEAD(&layer->reasm_list);
	sccp_mgmt_init(layer);
	/* segmentation local references start at a random point, so a restart
	 * does not reuse references a peer may still be reassembling */
	if (getrandom(&layer->next_local_ref, sizeof(layer->next_local_ref), GRND_NONBLOCK) < 0)
		layer->next_local_ref = 0;
	layer->ctrg = rate_ctr_group_alloc(layer, &sccp_ctrg_desc, sccp_layer_idx++);
	if (!layer->ctrg) {
		talloc_free(layer);
		return NULL;
	}
	talloc_set_destructor(layer, layer_destructor);
	return layer;
}

void sccp_layer_free(struct sccp_layer *layer)
{
	talloc_free(layer);
}

void sccp_layer_set_mtp_down(struct sccp_layer *layer, const struct sccp_mtp_down *down)
{
	layer->down = *down;
}

void sccp_ctr_inc(struct sccp_layer *layer, enum sccp_ctr ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(layer->ctrg, ctr));
}

uint64_t sccp_layer_ctr(const struct sccp_layer *layer, enum sccp_ctr ctr)
{
	return rate_ctr_group_get_ctr(layer->ctrg, ctr)->current;
}

struct rate_ctr_group *sccp_layer_ctrg(struct sccp_layer *layer)
{
	return layer->ctrg;
}

/* ------------------------------------------------------------ MTP down */

int sccp_mtp_send(struct sccp_layer *layer, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	int rc = layer->down.transfer_req ? layer->down.transfer_req(layer->down.priv, dpc, sls, data, len)
					  : -ENOTCONN;
	if (rc < 0) {
		sccp_ctr_inc(layer, SCCP_CTR_TX_FAIL);
		LOGP(DSCCP, LOGL_ERROR, "MTP-TRANSFER.req to DPC %u failed: %d\n", dpc, rc);
		return rc;
	}
	switch (data[0]) {
	case SCCP_MSGT_UDT: sccp_ctr_inc(layer, SCCP_CTR_TX_UDT); break;
	case SCCP_MSGT_XUDT: sccp_ctr_inc(layer, SCCP_CTR_TX_XUDT); break;
	case SCCP_MSGT_UDTS: sccp_ctr_inc(layer, SCCP_CTR_TX_UDTS); break;
	case SCCP_MSGT_XUDTS: sccp_ctr_inc(layer, SCCP_CTR_TX_XUDTS); break;
	}
	return 0;
}

/* Sends a message back to where it came from with a return cause (Q.714
 * 4.8): UDT -> UDTS, XUDT -> XUDTS, only when the sender asked for it, and
 * never for a message that is itself a return. */
void sccp_return_msg(struct sccp_layer *layer, const struct sccp_msg *orig, uint32_t opc,
		     uint8_t sls, enum sccp_return_cause cause)
{
	uint8_t buf[SCCP_MAX_MSG_LIMIT];
	struct sccp_msg ret;

	if (!orig->return_on_error || orig->type == SCCP_MSGT_UDTS || orig->type == SCCP_MSGT_XUDTS)
		return;
	/* Q.714 4.1.1.2.3: of a segmented message only the first segment is returned */
	if (orig->seg_present && !orig->seg.first)
		return;
	memset(&ret, 0, sizeof(ret));
	ret.type = orig->type == SCCP_MSGT_UDT ? SCCP_MSGT_UDTS : SCCP_MSGT_XUDTS;
	ret.return_cause = cause;
	ret.hop_counter = layer->hop_counter;
	ret.called = orig->calling;
	ret.calling = orig->called;
	ret.data = orig->data;
	ret.len = orig->len;
	if (orig->type == SCCP_MSGT_XUDT && orig->seg_present) {
		ret.seg_present = true;
		ret.seg = orig->seg;
	}
	int len = sccp_msg_encode(buf, layer->max_msg_size, &ret);
	if (len < 0) {
		LOGP(DSCCP, LOGL_NOTICE, "cannot encode return message: %s\n", sccp_codec_strerror(len));
		return;
	}
	LOGP(DSCCP, LOGL_INFO, "returning %s to OPC %u, cause 0x%02x\n",
	     sccp_msg_type_name(orig->type), opc, cause);
	sccp_mtp_send(layer, opc, sls, buf, len);
}

/* -------------------------------------------------------------- users */

struct sccp_user *sccp_user_bind(struct sccp_layer *layer, uint8_t ssn,
				 const struct sccp_user_ops *ops, void *priv)
{
	/* SSN 1 is SCCP management, served by the layer itself */
	if (ssn <= SCCP_SSN_MGMT || layer->users[ssn]) {
		LOGP(DSCCP, LOGL_ERROR, "SSN %u: %s\n", ssn, ssn > SCCP_SSN_MGMT ? "already bound" : "invalid");
		return NULL;
	}
	struct sccp_user *u = talloc_zero(layer, struct sccp_user);
	if (!u)
		return NULL;
	u->layer = layer;
	u->ssn = ssn;
	u->ops = *ops;
	u->priv = priv;
	layer->users[ssn] = u;
	LOGP(DSCCP, LOGL_INFO, "SSN %u bound\n", ssn);
	return u;
}

void sccp_user_unbind(struct sccp_user *u)
{
	if (!u)
		return;
	u->layer->users[u->ssn] = NULL;
	talloc_free(u);
}

uint8_t sccp_user_ssn(const struct sccp_user *u)
{
	return u->ssn;
}

bool sccp_layer_ssn_bound(const struct sccp_layer *layer, uint8_t ssn)
{
	return layer->users[ssn] != NULL;
}

void sccp_user_set_priv(struct sccp_user *u, void *priv)
{
	u->priv = priv;
}

int sccp_layer_send_raw(struct sccp_layer *layer, uint32_t dpc, const uint8_t *data, size_t len)
{
	if (len == 0)
		return -EINVAL;
	return sccp_mtp_send(layer, dpc, 0, data, len);
}

void sccp_layer_for_each_user(struct sccp_layer *layer,
			      void (*cb)(void *arg, uint8_t ssn, const void *priv), void *arg)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(layer->users); i++)
		if (layer->users[i])
			cb(arg, (uint8_t)i, layer->users[i]->priv);
}

static void fill_unitdata(struct sccp_unitdata *ud, const struct sccp_msg *m,
			  uint32_t opc, uint32_t dpc, uint8_t sls)
{
	memset(ud, 0, sizeof(*ud));
	ud->called = m->called;
	ud->calling = m->calling;
	ud->protocol_class = m->protocol_class;
	ud->return_on_error = m->return_on_error;
	ud->sls = sls;
	ud->data = m->data;
	ud->len = m->len;
	ud->opc = opc;
	ud->dpc = dpc;
}

/* A message for one of our SSNs, complete (not a segment) */
void sccp_deliver_local(struct sccp_layer *layer, const struct sccp_msg *m,
			uint32_t opc, uint32_t dpc, uint8_t sls)
{
	struct sccp_unitdata ud;
	bool is_return = m->type == SCCP_MSGT_UDTS || m->type == SCCP_MSGT_XUDTS;
	struct sccp_user *u = m->called.ssn_present ? layer->users[m->called.ssn] : NULL;

	if (m->called.ssn_present && m->called.ssn == SCCP_SSN_MGMT) {
		sccp_mgmt_rx(layer, m, opc, sls);
		return;
	}
	if (!u) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_UNEQUIPPED);
		LOGP(DSCCP, LOGL_NOTICE, "%s from OPC %u for SSN %u: no such local user\n",
		     sccp_msg_type_name(m->type), opc, m->called.ssn);
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_UNEQUIPPED_USER);
		return;
	}
	if (!sccp_mgmt_local_rx(layer, m, opc, sls))
		return;
	sccp_ctr_inc(layer, SCCP_CTR_RX_DELIVERED);
	fill_unitdata(&ud, m, opc, dpc, sls);
	if (is_return) {
		/* a returned message names our original called party as calling */
		ud.called = m->calling;
		ud.calling = m->called;
		if (u->ops.notice_ind)
			u->ops.notice_ind(u->priv, &ud, m->return_cause);
	} else if (u->ops.unitdata_ind) {
		u->ops.unitdata_ind(u->priv, &ud);
	}
}

/* ----------------------------------------------------------------- rx */

static void count_rx(struct sccp_layer *layer, enum sccp_msg_type t)
{
	switch (t) {
	case SCCP_MSGT_UDT: sccp_ctr_inc(layer, SCCP_CTR_RX_UDT); break;
	case SCCP_MSGT_XUDT: sccp_ctr_inc(layer, SCCP_CTR_RX_XUDT); break;
	case SCCP_MSGT_UDTS: sccp_ctr_inc(layer, SCCP_CTR_RX_UDTS); break;
	case SCCP_MSGT_XUDTS: sccp_ctr_inc(layer, SCCP_CTR_RX_XUDTS); break;
	}
}

/* Local delivery of a received message, through reassembly when segmented */
static void rx_local(struct sccp_layer *layer, const struct sccp_msg *m,
		     uint32_t opc, uint32_t dpc, uint8_t sls)
{
	bool single = !m->seg_present || (m->seg.first && m->seg.remaining == 0);
	bool is_return = m->type == SCCP_MSGT_UDTS || m->type == SCCP_MSGT_XUDTS;
	if (single || is_return)
		sccp_deliver_local(layer, m, opc, dpc, sls);
	else
		sccp_reasm_rx(layer, m, opc, dpc, sls);
}

static bool relay_allowed(const struct sccp_layer *layer, const char *gt)
{
	for (unsigned int i = 0; i < layer->n_relay_allow; i++)
		if (!strncmp(gt, layer->relay_allow[i], strlen(layer->relay_allow[i])))
			return true;
	return false;
}

int sccp_layer_add_relay(struct sccp_layer *layer, const char *prefix)
{
	if (!*prefix || strlen(prefix) > SCCP_GT_DIGITS_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < layer->n_relay_allow; i++)
		if (!strcmp(layer->relay_allow[i], prefix))
			return 0;
	if (layer->n_relay_allow >= SCCP_MAX_RELAY)
		return -ENOSPC;
	osmo_strlcpy(layer->relay_allow[layer->n_relay_allow++], prefix, sizeof(layer->relay_allow[0]));
	return 0;
}

int sccp_layer_del_relay(struct sccp_layer *layer, const char *prefix)
{
	for (unsigned int i = 0; i < layer->n_relay_allow; i++) {
		if (strcmp(layer->relay_allow[i], prefix))
			continue;
		memmove(layer->relay_allow[i], layer->relay_allow[i + 1],
			(layer->n_relay_allow - i - 1) * sizeof(layer->relay_allow[0]));
		layer->n_relay_allow--;
		return 0;
	}
	return -ENOENT;
}

const char *sccp_layer_relay_get(const struct sccp_layer *layer, unsigned int i)
{
	return i < layer->n_relay_allow ? layer->relay_allow[i] : NULL;
}

void sccp_layer_set_reassembly_per_calling(struct sccp_layer *layer, unsigned int n)
{
	layer->reasm_max_per_calling = n;
}

unsigned int sccp_layer_reassembly_per_calling(const struct sccp_layer *layer)
{
	return layer->reasm_max_per_calling;
}

/* Rewrites the called address per rule and sends it on (Q.714 2.4 relay). */
static void relay(struct sccp_layer *layer, const struct sccp_msg *m, const struct sccp_gtt_rule *r,
		  uint32_t opc, uint8_t sls)
{
	uint8_t buf[SCCP_MAX_MSG_LIMIT];
	struct sccp_msg out = *m;

	sccp_gtt_apply(r, &out.called);
	if (out.type == SCCP_MSGT_XUDT || out.type == SCCP_MSGT_XUDTS) {
		if (m->hop_counter <= 1) {
			sccp_ctr_inc(layer, SCCP_CTR_DROP_HOP_COUNTER);
			LOGP(DSCCP, LOGL_NOTICE, "hop counter violation for GT %s from OPC %u\n",
			     m->called.gt.digits, opc);
			sccp_return_msg(layer, m, opc, sls, SCCP_RC_HOP_COUNTER_VIOLATION);
			return;
		}
		out.hop_counter = m->hop_counter - 1;
	}
	/* Q.714 5.3.2: nothing goes to a prohibited subsystem or a paused point code */
	int rc = sccp_mgmt_tx_check(layer, r->dpc, &out.called, false);
	if (rc < 0) {
		sccp_return_msg(layer, m, opc, sls, rc == -ENETUNREACH ? SCCP_RC_MTP_FAILURE : SCCP_RC_SUBSYSTEM_FAILURE);
		return;
	}
	/* a relay does not re-segment: the message fits where it came from */
	int len = sccp_msg_encode(buf, sizeof(buf), &out);
	if (len < 0) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_NO_TRANSLATION);
		LOGP(DSCCP, LOGL_NOTICE, "cannot re-encode relayed message: %s\n", sccp_codec_strerror(len));
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_ERROR_IN_LOCAL_PROCESSING);
		return;
	}
	sccp_ctr_inc(layer, SCCP_CTR_RELAYED);
	sccp_mtp_send(layer, r->dpc, sls, buf, len);
}

static void route_on_gt(struct sccp_layer *layer, const struct sccp_msg *m,
			uint32_t opc, uint32_t dpc, uint8_t sls)
{
	if (m->called.gti == SCCP_GTI_NONE) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_NO_TRANSLATION);
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_NO_TRANSLATION_NATURE);
		return;
	}
	if (sccp_layer_gt_is_local(layer, m->called.gt.digits)) {
		rx_local(layer, m, opc, dpc, sls);
		return;
	}
	const struct sccp_gtt_rule *r = sccp_layer_gtt_lookup(layer, &m->called);
	if (r && r->dpc != layer->local_pc && !relay_allowed(layer, m->called.gt.digits)) {
		/* not an open relay: answered as if we knew no translation */
		sccp_ctr_inc(layer, SCCP_CTR_DROP_RELAY_DENIED);
		LOGP(DSCCP, LOGL_NOTICE, "message for %s from OPC %u (calling %s) not relayed: no relay rule allows it\n",
		     m->called.gt.digits, opc, m->calling.gt.digits[0] ? m->calling.gt.digits : "no GT");
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_NO_TRANSLATION_ADDRESS);
		return;
	}
	if (!r) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_NO_TRANSLATION);
		LOGP(DSCCP, LOGL_NOTICE, "no GT translation for %s from OPC %u\n", m->called.gt.digits, opc);
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_NO_TRANSLATION_ADDRESS);
		return;
	}
	if (r->dpc == layer->local_pc) {
		/* translated to one of our own subsystems */
		struct sccp_msg local = *m;
		sccp_gtt_apply(r, &local.called);
		rx_local(layer, &local, opc, dpc, sls);
		return;
	}
	/* UDTs carry no hop counter: a translation that sends a message back where
	 * it came from (or to us again) would loop until a link fills up */
	if (opc == layer->local_pc || opc == r->dpc) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_LOOP);
		LOGP(DSCCP, LOGL_ERROR, "GT %s from OPC %u translates back to DPC %u: routing loop, dropped\n",
		     m->called.gt.digits, opc, r->dpc);
		sccp_return_msg(layer, m, opc, sls, SCCP_RC_NO_TRANSLATION_ADDRESS);
		return;
	}
	relay(layer, m, r, opc, sls);
}

int sccp_layer_rx_mtp(struct sccp_layer *layer, uint32_t opc, uint32_t dpc, uint8_t sls,
		      const uint8_t *data, size_t len)
{
	struct sccp_msg m;
	int rc = sccp_msg_decode(&m, data, len);
	if (rc < 0) {
		sccp_ctr_inc(layer, rc == -SCCP_ERR_GT_TOO_LONG ? SCCP_CTR_DROP_GT_TOO_LONG
								 : SCCP_CTR_DROP_MALFORMED);
		LOGP(DSCCP, LOGL_NOTICE, "dropping %zu octets from OPC %u: %s\n", len, opc,
		     sccp_codec_strerror(rc));
		return 0;
	}
	count_rx(layer, m.type);
	if (m.called.ri == SCCP_RI_SSN_PC)
		rx_local(layer, &m, opc, dpc, sls);
	else
		route_on_gt(layer, &m, opc, dpc, sls);
	return 0;
}
