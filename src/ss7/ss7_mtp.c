/* MTP SAP glue between libosmo-sigtran (transport) and our SCCP layer.
 * Received MTP-TRANSFER.ind for SI 3 go to sccp_layer_rx_mtp(); the layer's
 * MTP-TRANSFER.req become osmo_ss7_user_mtp_xfer_req(). The library gives no
 * up-call when an AS comes up, so the link state is polled (ss7-facts.md). */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/sigtran/mtp_sap.h>
#include <osmocom/sigtran/osmo_ss7.h>
#include <osmocom/sigtran/sigtran_sap.h>
#include <sigway/common/logging.h>
#include <sigway/ss7/ss7_mtp.h>

#define MTP_SI_SCCP 3
#define LINK_POLL_MS 200

enum ss7_ctr {
	SS7_CTR_RX, SS7_CTR_TX, SS7_CTR_TX_FAIL, SS7_CTR_RX_OTHER_PRIM, SS7_CTR_LINK_UP, SS7_CTR_LINK_DOWN,
	SS7_CTR_RX_PAUSE, SS7_CTR_RX_RESUME, SS7_CTR_RX_STATUS,
};

static const struct rate_ctr_desc ss7_ctr_desc[] = {
	[SS7_CTR_RX] = { "mtp:rx", "MTP-TRANSFER.ind for SCCP received" },
	[SS7_CTR_TX] = { "mtp:tx", "MTP-TRANSFER.req sent" },
	[SS7_CTR_TX_FAIL] = { "mtp:tx_fail", "MTP-TRANSFER.req refused (no route / link down)" },
	[SS7_CTR_RX_OTHER_PRIM] = { "mtp:rx_other", "Unknown MTP primitives (ignored)" },
	[SS7_CTR_LINK_UP] = { "link:up", "Transitions of the SS7 link (any AS) to active" },
	[SS7_CTR_LINK_DOWN] = { "link:down", "Transitions of the SS7 link to inactive" },
	[SS7_CTR_RX_PAUSE] = { "mtp:rx_pause", "MTP-PAUSE.ind received (to SCCP)" },
	[SS7_CTR_RX_RESUME] = { "mtp:rx_resume", "MTP-RESUME.ind received (to SCCP)" },
	[SS7_CTR_RX_STATUS] = { "mtp:rx_status", "MTP-STATUS.ind received (to SCCP)" },
};

static const struct rate_ctr_group_desc ss7_ctrg_desc = {
	.group_name_prefix = "ss7",
	.group_description = "MTP SAP glue",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(ss7_ctr_desc),
	.ctr_desc = ss7_ctr_desc,
};

struct ss7_mtp {
	struct osmo_ss7_instance *inst;
	struct osmo_ss7_user user;
	struct sccp_layer *sccp;
	struct osmo_timer_list poll;
	bool link_up;
	struct rate_ctr_group *ctrg;
};

static void ctr_inc(struct ss7_mtp *mtp, int idx)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(mtp->ctrg, idx));
}

/* MTP -> SCCP. The library hands us the msgb and expects us to free it.
 * libosmo-sigtran 1.6 only ever delivers TRANSFER to a registered MTP user
 * (its DUNA/DAVA/DUPU handling feeds only its own SCCP instance, and IPA has
 * no network management at all); later versions also deliver PAUSE, RESUME
 * and STATUS here, and our SCCP acts on them (Q.714 5.2). */
static int mtp_prim_cb(struct osmo_prim_hdr *oph, void *priv)
{
	struct ss7_mtp *mtp = priv;
	struct osmo_mtp_prim *omp = (struct osmo_mtp_prim *)oph;
	struct msgb *msg = oph->msg;

	if (oph->sap != MTP_SAP_USER || oph->operation != PRIM_OP_INDICATION)
		goto other;
	switch (oph->primitive) {
	case OSMO_MTP_PRIM_TRANSFER:
		ctr_inc(mtp, SS7_CTR_RX);
		if (msg && msg->l2h)
			sccp_layer_rx_mtp(mtp->sccp, omp->u.transfer.opc, omp->u.transfer.dpc, omp->u.transfer.sls,
					  msgb_l2(msg), msgb_l2len(msg));
		break;
	case OSMO_MTP_PRIM_PAUSE:
		ctr_inc(mtp, SS7_CTR_RX_PAUSE);
		sccp_layer_mtp_pause(mtp->sccp, omp->u.pause.affected_dpc);
		break;
	case OSMO_MTP_PRIM_RESUME:
		ctr_inc(mtp, SS7_CTR_RX_RESUME);
		sccp_layer_mtp_resume(mtp->sccp, omp->u.resume.affected_dpc);
		break;
	case OSMO_MTP_PRIM_STATUS:
		ctr_inc(mtp, SS7_CTR_RX_STATUS);
		sccp_layer_mtp_status(mtp->sccp, omp->u.status.affected_dpc, omp->u.status.cause);
		break;
	default:
		goto other;
	}
	msgb_free(msg);
	return 0;
other:
	ctr_inc(mtp, SS7_CTR_RX_OTHER_PRIM);
	LOGP(DSS7, LOGL_INFO, "ignoring MTP primitive %u/%u\n", oph->primitive, oph->operation);
	msgb_free(msg);
	return 0;
}

/* SCCP -> MTP */
static int mtp_transfer_req(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	struct ss7_mtp *mtp = priv;
	struct msgb *msg = msgb_alloc_headroom(len + sizeof(struct osmo_mtp_prim) + 128, 128, "MTP-TRANSFER.req");
	if (!msg)
		return -ENOMEM;
	struct osmo_mtp_prim *omp = (struct osmo_mtp_prim *)msgb_put(msg, sizeof(*omp));
	osmo_prim_init(&omp->oph, MTP_SAP_USER, OSMO_MTP_PRIM_TRANSFER, PRIM_OP_REQUEST, msg);
	omp->u.transfer.opc = sccp_layer_local_pc(mtp->sccp);
	omp->u.transfer.dpc = dpc;
	omp->u.transfer.sls = sls;
	omp->u.transfer.sio = MTP_SIO(MTP_SI_SCCP, mtp->inst->cfg.network_indicator);
	msg->l2h = msgb_put(msg, len);
	memcpy(msg->l2h, data, len);
	/* the library frees msg in every case */
	int rc = osmo_ss7_user_mtp_xfer_req(mtp->inst, omp);
	if (rc < 0) {
		ctr_inc(mtp, SS7_CTR_TX_FAIL);
		return -EHOSTUNREACH;
	}
	ctr_inc(mtp, SS7_CTR_TX);
	return 0;
}

static bool any_as_active(struct osmo_ss7_instance *inst)
{
	struct osmo_ss7_as *as;
	llist_for_each_entry(as, &inst->as_list, list)
		if (osmo_ss7_as_active(as))
			return true;
	return false;
}

static void link_poll(void *data)
{
	struct ss7_mtp *mtp = data;
	bool up = any_as_active(mtp->inst);
	if (up != mtp->link_up) {
		mtp->link_up = up;
		ctr_inc(mtp, up ? SS7_CTR_LINK_UP : SS7_CTR_LINK_DOWN);
		LOGP(DSS7, up ? LOGL_NOTICE : LOGL_ERROR, "SS7 link %s\n", up ? "up" : "DOWN");
	}
	osmo_timer_schedule(&mtp->poll, 0, LINK_POLL_MS * 1000);
}

static int mtp_destructor(struct ss7_mtp *mtp)
{
	osmo_timer_del(&mtp->poll);
	osmo_ss7_user_unregister(mtp->inst, MTP_SI_SCCP, &mtp->user);
	sccp_layer_set_mtp_down(mtp->sccp, &(struct sccp_mtp_down){ 0 });
	rate_ctr_group_free(mtp->ctrg);
	return 0;
}

/* libosmo-sigtran 1.6 offers no route-table node to an ASP-side config, so a
 * client has no route until one is made: like osmo's simple client, send
 * everything through the first AS unless a default route exists. */
static void ensure_default_route(struct osmo_ss7_instance *inst)
{
	if (osmo_ss7_route_lookup(inst, 0) || llist_empty(&inst->as_list))
		return;
	struct osmo_ss7_as *as = llist_first_entry(&inst->as_list, struct osmo_ss7_as, list);
	if (osmo_ss7_route_create(inst->rtable_system, 0, 0, as->cfg.name))
		LOGP(DSS7, LOGL_NOTICE, "default route via AS %s\n", as->cfg.name);
}

struct ss7_mtp *ss7_mtp_bind(void *ctx, uint32_t instance_id, struct sccp_layer *sccp)
{
	struct osmo_ss7_instance *inst = osmo_ss7_instance_find(instance_id);
	if (!inst) {
		LOGP(DSS7, LOGL_ERROR, "cs7 instance %u is not configured\n", instance_id);
		return NULL;
	}
	struct ss7_mtp *mtp = talloc_zero(ctx, struct ss7_mtp);
	mtp->inst = inst;
	mtp->sccp = sccp;
	mtp->user = (struct osmo_ss7_user){ .inst = inst, .name = "sigway-SCCP", .prim_cb = mtp_prim_cb, .priv = mtp };
	if (osmo_ss7_user_register(inst, MTP_SI_SCCP, &mtp->user) < 0) {
		LOGP(DSS7, LOGL_ERROR, "SI 3 of cs7 instance %u already has a user\n", instance_id);
		talloc_free(mtp);
		return NULL;
	}
	mtp->ctrg = rate_ctr_group_alloc(mtp, &ss7_ctrg_desc, instance_id);
	ensure_default_route(inst);
	talloc_set_destructor(mtp, mtp_destructor);
	if (!sccp_layer_local_pc(sccp))
		sccp_layer_set_local_pc(sccp, inst->cfg.primary_pc);
	sccp_layer_set_mtp_down(sccp, &(struct sccp_mtp_down){ .transfer_req = mtp_transfer_req, .priv = mtp });
	osmo_timer_setup(&mtp->poll, link_poll, mtp);
	osmo_timer_schedule(&mtp->poll, 0, LINK_POLL_MS * 1000);
	LOGP(DSS7, LOGL_NOTICE, "SCCP bound to cs7 instance %u as PC %s\n", instance_id,
	     osmo_ss7_pointcode_print(inst, sccp_layer_local_pc(sccp)));
	return mtp;
}

void ss7_mtp_unbind(struct ss7_mtp *mtp)
{
	talloc_free(mtp);
}

bool ss7_mtp_link_up(const struct ss7_mtp *mtp)
{
	return mtp->link_up;
}

struct osmo_ss7_instance *ss7_mtp_instance(const struct ss7_mtp *mtp)
{
	return mtp->inst;
}
