/* SCCP management (ITU-T Q.714 section 5) on an endpoint:
 * - the status of the remote subsystems we send to, per (point code, SSN):
 *   SSP marks one prohibited and starts the subsystem status test (an SST
 *   every T(stat.info)); SSA, or MTP-RESUME of its point code, allows it;
 * - remote point codes MTP reports inaccessible (MTP-PAUSE) or without SCCP
 *   (MTP-STATUS, tested with SSTs for SSN 1);
 * - local subsystems made prohibited or allowed by the operator: SSP / SSA
 *   to the concerned nodes, SSTs answered only while allowed, messages for
 *   a prohibited one returned (and its sender told with SSP).
 * Nothing is sent towards a prohibited subsystem or a paused point code:
 * the sender gets the error from N-UNITDATA.req. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_scmg.h>
#include "sccp_internal.h"

/* A remote signalling point we know something about */
struct sccp_rsp {
	struct hlist_node hnode;
	struct sccp_layer *layer;
	uint32_t pc;
	bool paused;			/* MTP-PAUSE: inaccessible */
	struct llist_head subsystems;	/* struct sccp_rss */
};

/* A remote subsystem at it */
struct sccp_rss {
	struct llist_head list;
	struct sccp_rsp *sp;
	uint8_t ssn;
	bool prohibited;
	int64_t since_s;
	unsigned int sst_sent;
	struct osmo_timer_list sst_timer;
};

/* the response-method SSP goes to one sender at most this often */
#define RESPONSE_SSP_MIN_S 1

static int64_t now_s(void)
{
	struct timespec ts;
	osmo_clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void sccp_mgmt_init(struct sccp_layer *layer)
{
	hash_init(layer->remote_sp);
	layer->sst_interval_s = SCCP_DEFAULT_SST_S;
	layer->concerned_window_s = SCCP_DEFAULT_WINDOW_S;
}

void sccp_mgmt_flush(struct sccp_layer *layer)
{
	struct sccp_rsp *sp;
	struct sccp_rss *ss;
	struct hlist_node *tmp;
	unsigned int bkt;
	hash_for_each_safe(layer->remote_sp, bkt, tmp, sp, hnode) {
		llist_for_each_entry(ss, &sp->subsystems, list)
			osmo_timer_del(&ss->sst_timer);
		hash_del(&sp->hnode);
		talloc_free(sp);
	}
	layer->n_remote_sp = layer->n_remote_ss = 0;
}

/* ------------------------------------------------------------- tables */

static struct sccp_rsp *rsp_find(const struct sccp_layer *layer, uint32_t pc)
{
	struct sccp_rsp *sp;
	/* hash_for_each_possible does not take a const table */
	hash_for_each_possible(((struct sccp_layer *)layer)->remote_sp, sp, hnode, pc)
		if (sp->pc == pc)
			return sp;
	return NULL;
}

static struct sccp_rsp *rsp_get(struct sccp_layer *layer, uint32_t pc)
{
	struct sccp_rsp *sp = rsp_find(layer, pc);
	if (sp)
		return sp;
	if (layer->n_remote_sp >= SCCP_MAX_REMOTE_SP)
		return NULL;
	sp = talloc_zero(layer, struct sccp_rsp);
	if (!sp)
		return NULL;
	sp->layer = layer;
	sp->pc = pc;
	INIT_LLIST_HEAD(&sp->subsystems);
	hash_add(layer->remote_sp, &sp->hnode, pc);
	layer->n_remote_sp++;
	return sp;
}

static struct sccp_rss *rss_find(const struct sccp_rsp *sp, uint8_t ssn)
{
	struct sccp_rss *ss;
	if (!sp)
		return NULL;
	llist_for_each_entry(ss, &sp->subsystems, list)
		if (ss->ssn == ssn)
			return ss;
	return NULL;
}

static void sst_timer_cb(void *data);

/* Finds or starts tracking (pc, ssn); NULL when the tables are full.
 * quiet: a send we merely list; otherwise a state we cannot record (counted). */
static struct sccp_rss *rss_get(struct sccp_layer *layer, uint32_t pc, uint8_t ssn, bool quiet)
{
	struct sccp_rsp *sp = rsp_get(layer, pc);
	struct sccp_rss *ss = rss_find(sp, ssn);
	if (ss)
		return ss;
	if (!sp || layer->n_remote_ss >= SCCP_MAX_REMOTE_SS) {
		if (quiet)
			return NULL;
		sccp_ctr_inc(layer, SCCP_CTR_DROP_SCMG_TABLE_FULL);
		LOGP(DSCCP, LOGL_ERROR, "subsystem table full: PC %u SSN %u not tracked\n", pc, ssn);
		return NULL;
	}
	ss = talloc_zero(sp, struct sccp_rss);
	if (!ss)
		return NULL;
	ss->sp = sp;
	ss->ssn = ssn;
	ss->since_s = now_s();
	osmo_timer_setup(&ss->sst_timer, sst_timer_cb, ss);
	llist_add_tail(&ss->list, &sp->subsystems);
	layer->n_remote_ss++;
	return ss;
}

/* ------------------------------------------------------ indications up */

static void notify_state(struct sccp_layer *layer, uint32_t pc, uint8_t ssn, bool allowed)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(layer->users); i++) {
		struct sccp_user *u = layer->users[i];
		if (u && u->ops.state_ind)
			u->ops.state_ind(u->priv, pc, ssn, allowed);
	}
}

static void notify_pcstate(struct sccp_layer *layer, uint32_t pc, enum sccp_pc_state state)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(layer->users); i++) {
		struct sccp_user *u = layer->users[i];
		if (u && u->ops.pcstate_ind)
			u->ops.pcstate_ind(u->priv, pc, state);
	}
}

/* ---------------------------------------------------------- SCMG out */

static void scmg_addr(struct sccp_addr *a, uint32_t pc)
{
	memset(a, 0, sizeof(*a));
	a->ri = SCCP_RI_SSN_PC;
	a->pc_present = true;
	a->pc = (uint16_t)pc;
	a->ssn_present = true;
	a->ssn = SCCP_SSN_MGMT;
}

/* One SCMG message in a UDT, class 0, no return (Q.714 5.1), to SSN 1 at dpc */
static void scmg_send(struct sccp_layer *layer, uint32_t dpc, enum sccp_scmg_type type,
		      uint8_t affected_ssn, uint32_t affected_pc)
{
	uint8_t data[SCCP_SCMG_SSC_LEN], buf[64];
	struct sccp_scmg_msg s = { .type = type, .affected_ssn = affected_ssn, .affected_pc = (uint16_t)affected_pc };
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .protocol_class = 0 };
	struct sccp_rsp *sp = rsp_find(layer, dpc);

	if (sp && sp->paused)
		return;		/* MTP cannot reach it; RESUME tells us when it can */
	if (affected_pc > 0x3fff || dpc > 0x3fff)
		return;		/* ITU 14-bit point codes only */
	int dlen = sccp_scmg_encode(data, sizeof(data), &s);
	scmg_addr(&m.called, dpc);
	scmg_addr(&m.calling, layer->local_pc);
	m.data = data;
	m.len = dlen > 0 ? (size_t)dlen : 0;
	int len = dlen > 0 ? sccp_msg_encode(buf, sizeof(buf), &m) : -1;
	if (len < 0) {
		LOGP(DSCCP, LOGL_ERROR, "cannot encode %s\n", sccp_scmg_type_name(type));
		return;
	}
	LOGP(DSCCP, LOGL_INFO, "%s (SSN %u at PC %u) to PC %u\n", sccp_scmg_type_name(type), affected_ssn,
	     affected_pc, dpc);
	if (sccp_mtp_send(layer, dpc, layer->next_sls++ & 0x0f, buf, len) < 0)
		return;
	switch (type) {
	case SCCP_SCMG_SSA: sccp_ctr_inc(layer, SCCP_CTR_TX_SSA); break;
	case SCCP_SCMG_SSP: sccp_ctr_inc(layer, SCCP_CTR_TX_SSP); break;
	case SCCP_SCMG_SST: sccp_ctr_inc(layer, SCCP_CTR_TX_SST); break;
	default: break;
	}
}

/* ------------------------------------------ remote subsystem status */

static void sst_schedule(struct sccp_rss *ss)
{
	osmo_timer_schedule(&ss->sst_timer, ss->sp->layer->sst_interval_s, 0);
}

/* T(stat.info) expired: test the subsystem again (Q.714 5.3.4.2). While
 * its point code is paused nothing goes out; the test goes on. */
static void sst_timer_cb(void *data)
{
	struct sccp_rss *ss = data;
	struct sccp_layer *layer = ss->sp->layer;
	if (!ss->prohibited)
		return;
	if (!ss->sp->paused) {
		scmg_send(layer, ss->sp->pc, SCCP_SCMG_SST, ss->ssn, ss->sp->pc);
		ss->sst_sent++;
	}
	sst_schedule(ss);
}

static void rss_prohibit(struct sccp_rss *ss, const char *why)
{
	if (ss->prohibited)
		return;
	ss->prohibited = true;
	ss->since_s = now_s();
	ss->sst_sent = 0;
	sst_schedule(ss);
	LOGP(DSCCP, LOGL_NOTICE, "remote subsystem SSN %u at PC %u prohibited (%s)\n", ss->ssn, ss->sp->pc, why);
	notify_state(ss->sp->layer, ss->sp->pc, ss->ssn, false);
}

static void rss_allow(struct sccp_rss *ss, const char *why)
{
	if (!ss->prohibited)
		return;
	ss->prohibited = false;
	ss->since_s = now_s();
	osmo_timer_del(&ss->sst_timer);
	LOGP(DSCCP, LOGL_NOTICE, "remote subsystem SSN %u at PC %u allowed (%s)\n", ss->ssn, ss->sp->pc, why);
	notify_state(ss->sp->layer, ss->sp->pc, ss->ssn, true);
}

int sccp_mgmt_tx_check(struct sccp_layer *layer, uint32_t dpc, const struct sccp_addr *called, bool record)
{
	uint8_t ssn = called->ssn_present ? called->ssn : 0;
	struct sccp_rsp *sp = rsp_find(layer, dpc);

	if (sp && sp->paused) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_PC_PAUSED);
		LOGP(DSCCP, LOGL_INFO, "not sent: PC %u is inaccessible (MTP-PAUSE)\n", dpc);
		return -ENETUNREACH;
	}
	const struct sccp_rss *sccp_itself = rss_find(sp, SCCP_SSN_MGMT);
	const struct sccp_rss *ss = ssn > SCCP_SSN_MGMT ? rss_find(sp, ssn) : NULL;
	if ((sccp_itself && sccp_itself->prohibited) || (ss && ss->prohibited)) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_SS_PROHIBITED);
		LOGP(DSCCP, LOGL_INFO, "not sent: SSN %u at PC %u is prohibited\n",
		     ss && ss->prohibited ? ssn : SCCP_SSN_MGMT, dpc);
		return -EHOSTDOWN;
	}
	/* the table lists the subsystems we send to; SSN 0 is "unknown" */
	if (record && !ss && ssn > SCCP_SSN_MGMT && dpc != layer->local_pc)
		rss_get(layer, dpc, ssn, true);
	return 0;
}

/* ------------------------------------------------- local subsystems */

static void recent_note(struct sccp_layer *layer, uint32_t opc, uint8_t ssn, struct sccp_recent_peer **out)
{
	struct sccp_recent_peer *free_slot = NULL, *oldest = NULL;
	int64_t now = now_s();
	for (unsigned int i = 0; i < SCCP_MAX_RECENT; i++) {
		struct sccp_recent_peer *p = &layer->recent[i];
		if (!p->used) {
			if (!free_slot)
				free_slot = p;
			continue;
		}
		if (p->opc == opc && p->ssn == ssn) {
			p->last_rx_s = now;
			*out = p;
			return;
		}
		if (!oldest || p->last_rx_s < oldest->last_rx_s)
			oldest = p;
	}
	struct sccp_recent_peer *p = free_slot ? free_slot : oldest;
	*p = (struct sccp_recent_peer){ .opc = opc, .ssn = ssn, .used = true, .last_rx_s = now,
					.last_ssp_s = INT64_MIN / 2 };
	*out = p;
}

static bool pc_in(const uint32_t *pcs, unsigned int n, uint32_t pc)
{
	for (unsigned int i = 0; i < n; i++)
		if (pcs[i] == pc)
			return true;
	return false;
}

/* The nodes told about a local subsystem: the configured ones, and those
 * that sent it traffic within the window */
static unsigned int concerned_nodes(const struct sccp_layer *layer, uint8_t ssn, uint32_t *out)
{
	unsigned int n = 0;
	int64_t now = now_s();
	for (unsigned int i = 0; i < layer->n_concerned; i++)
		if (!pc_in(out, n, layer->concerned[i]))
			out[n++] = layer->concerned[i];
	if (!layer->concerned_window_s)
		return n;
	for (unsigned int i = 0; i < SCCP_MAX_RECENT; i++) {
		const struct sccp_recent_peer *p = &layer->recent[i];
		if (p->used && p->ssn == ssn && now - p->last_rx_s <= (int64_t)layer->concerned_window_s &&
		    !pc_in(out, n, p->opc))
			out[n++] = p->opc;
	}
	return n;
}

int sccp_layer_set_local_ss(struct sccp_layer *layer, uint8_t ssn, bool allowed)
{
	uint32_t nodes[SCCP_MAX_CONCERNED + SCCP_MAX_RECENT];
	if (ssn <= SCCP_SSN_MGMT)
		return -EINVAL;
	if (layer->local_prohibited[ssn] == !allowed)
		return 0;
	layer->local_prohibited[ssn] = !allowed;
	unsigned int n = concerned_nodes(layer, ssn, nodes);
	LOGP(DSCCP, LOGL_NOTICE, "local subsystem SSN %u %s, telling %u node(s)\n", ssn,
	     allowed ? "allowed" : "prohibited", n);
	for (unsigned int i = 0; i < n; i++)
		scmg_send(layer, nodes[i], allowed ? SCCP_SCMG_SSA : SCCP_SCMG_SSP, ssn, layer->local_pc);
	return (int)n;
}

bool sccp_layer_local_ss_allowed(const struct sccp_layer *layer, uint8_t ssn)
{
	return !layer->local_prohibited[ssn];
}

bool sccp_mgmt_local_rx(struct sccp_layer *layer, const struct sccp_msg *m, uint32_t opc, uint8_t sls)
{
	struct sccp_recent_peer *peer;
	uint8_t ssn = m->called.ssn;
	recent_note(layer, opc, ssn, &peer);
	if (!layer->local_prohibited[ssn])
		return true;
	sccp_ctr_inc(layer, SCCP_CTR_DROP_LOCAL_PROHIBITED);
	LOGP(DSCCP, LOGL_INFO, "%s from OPC %u for prohibited SSN %u\n", sccp_msg_type_name(m->type), opc, ssn);
	if (m->type == SCCP_MSGT_UDTS || m->type == SCCP_MSGT_XUDTS)
		return false;
	sccp_return_msg(layer, m, opc, sls, SCCP_RC_SUBSYSTEM_FAILURE);
	/* the response method: tell the sender, so it stops and tests */
	int64_t now = now_s();
	if (now - peer->last_ssp_s >= RESPONSE_SSP_MIN_S) {
		peer->last_ssp_s = now;
		scmg_send(layer, opc, SCCP_SCMG_SSP, ssn, layer->local_pc);
	}
	return false;
}

/* ----------------------------------------------------------- SCMG in */

static void rx_sst(struct sccp_layer *layer, const struct sccp_scmg_msg *s, uint32_t opc)
{
	uint8_t ssn = s->affected_ssn;
	bool ours = s->affected_pc == layer->local_pc;
	/* SSN 1 tests our SCCP itself, which is answering */
	bool up = ssn == SCCP_SSN_MGMT || (ssn > SCCP_SSN_MGMT && layer->users[ssn] && !layer->local_prohibited[ssn]);
	if (ours && up)
		scmg_send(layer, opc, SCCP_SCMG_SSA, ssn, layer->local_pc);
	else
		LOGP(DSCCP, LOGL_INFO, "SST from OPC %u for SSN %u at PC %u: not answered\n", opc, ssn, s->affected_pc);
}

static void rx_ssa_ssp(struct sccp_layer *layer, const struct sccp_scmg_msg *s, uint32_t opc)
{
	bool allowed = s->type == SCCP_SCMG_SSA;
	if (s->affected_pc == layer->local_pc) {
		LOGP(DSCCP, LOGL_NOTICE, "%s from OPC %u about our own PC ignored\n", sccp_scmg_type_name(s->type), opc);
		return;
	}
	struct sccp_rsp *sp = rsp_find(layer, s->affected_pc);
	struct sccp_rss *ss = allowed ? rss_find(sp, s->affected_ssn) : rss_get(layer, s->affected_pc, s->affected_ssn, false);
	if (!ss)
		return;		/* SSA for a subsystem we never marked: nothing to do */
	if (allowed)
		rss_allow(ss, "SSA");
	else
		rss_prohibit(ss, "SSP");
}

void sccp_mgmt_rx(struct sccp_layer *layer, const struct sccp_msg *m, uint32_t opc, uint8_t sls)
{
	struct sccp_scmg_msg s;
	if (m->type == SCCP_MSGT_UDTS || m->type == SCCP_MSGT_XUDTS) {
		/* one of ours came back: they go without return option, so a
		 * return is from a confused node; nothing to answer */
		sccp_ctr_inc(layer, SCCP_CTR_DROP_SCMG_MALFORMED);
		return;
	}
	int rc = sccp_scmg_decode(&s, m->data, m->len);
	if (rc < 0) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_SCMG_MALFORMED);
		LOGP(DSCCP, LOGL_NOTICE, "SCMG message from OPC %u dropped: %s\n", opc, sccp_codec_strerror(rc));
		return;
	}
	LOGP(DSCCP, LOGL_INFO, "%s from OPC %u: SSN %u at PC %u\n", sccp_scmg_type_name(s.type), opc,
	     s.affected_ssn, s.affected_pc);
	switch (s.type) {
	case SCCP_SCMG_SST:
		sccp_ctr_inc(layer, SCCP_CTR_RX_SST);
		rx_sst(layer, &s, opc);
		break;
	case SCCP_SCMG_SSA:
		sccp_ctr_inc(layer, SCCP_CTR_RX_SSA);
		rx_ssa_ssp(layer, &s, opc);
		break;
	case SCCP_SCMG_SSP:
		sccp_ctr_inc(layer, SCCP_CTR_RX_SSP);
		rx_ssa_ssp(layer, &s, opc);
		break;
	default:
		/* SOR/SOG (replicated subsystems) and SSC: not used by an endpoint */
		sccp_ctr_inc(layer, SCCP_CTR_RX_SCMG_OTHER);
		break;
	}
}

/* -------------------------------------------------------- MTP state */

void sccp_layer_mtp_pause(struct sccp_layer *layer, uint32_t pc)
{
	sccp_ctr_inc(layer, SCCP_CTR_MTP_PAUSE);
	struct sccp_rsp *sp = rsp_get(layer, pc);
	if (!sp) {
		sccp_ctr_inc(layer, SCCP_CTR_DROP_SCMG_TABLE_FULL);
		LOGP(DSCCP, LOGL_ERROR, "MTP-PAUSE for PC %u: point code table full\n", pc);
		return;
	}
	if (sp->paused)
		return;
	sp->paused = true;
	LOGP(DSCCP, LOGL_NOTICE, "MTP-PAUSE: PC %u inaccessible\n", pc);
	notify_pcstate(layer, pc, SCCP_PC_INACCESSIBLE);
}

/* Q.714 5.2.3: the point code is accessible again, and so are its SCCP and
 * subsystems: each prohibited one is allowed and its test stopped */
void sccp_layer_mtp_resume(struct sccp_layer *layer, uint32_t pc)
{
	struct sccp_rss *ss;
	sccp_ctr_inc(layer, SCCP_CTR_MTP_RESUME);
	struct sccp_rsp *sp = rsp_find(layer, pc);
	if (!sp)
		return;
	bool was_paused = sp->paused;
	sp->paused = false;
	if (was_paused) {
		LOGP(DSCCP, LOGL_NOTICE, "MTP-RESUME: PC %u accessible\n", pc);
		notify_pcstate(layer, pc, SCCP_PC_ACCESSIBLE);
	}
	llist_for_each_entry(ss, &sp->subsystems, list)
		rss_allow(ss, "MTP-RESUME");
}

/* Q.714 5.2.4: the SCCP at pc is unavailable; it is tested with SST for SSN 1.
 * Causes 0-2 are Q.704's user part unavailability causes; libosmo-sigtran
 * (from 2.2) also reports signalling network congestion with cause 3: that
 * does not stop traffic (we do no SCCP congestion control). */
void sccp_layer_mtp_status(struct sccp_layer *layer, uint32_t pc, unsigned int cause)
{
	sccp_ctr_inc(layer, SCCP_CTR_MTP_STATUS);
	if (cause > SCCP_MTP_CAUSE_INACCESSIBLE) {
		LOGP(DSCCP, LOGL_NOTICE, "MTP-STATUS for PC %u, cause %u (congestion?): ignored\n", pc, cause);
		return;
	}
	LOGP(DSCCP, LOGL_NOTICE, "MTP-STATUS: SCCP at PC %u unavailable (cause %u)\n", pc, cause);
	struct sccp_rss *ss = rss_get(layer, pc, SCCP_SSN_MGMT, false);
	if (!ss || ss->prohibited)
		return;
	rss_prohibit(ss, "MTP-STATUS");
	notify_pcstate(layer, pc, SCCP_PC_SCCP_UNAVAILABLE);
}

/* ------------------------------------------------------- config, show */

void sccp_layer_set_sst_interval(struct sccp_layer *layer, unsigned int s)
{
	layer->sst_interval_s = s ? s : 1;
}

unsigned int sccp_layer_sst_interval(const struct sccp_layer *layer) { return layer->sst_interval_s; }
void sccp_layer_set_concerned_window(struct sccp_layer *layer, unsigned int s) { layer->concerned_window_s = s; }
unsigned int sccp_layer_concerned_window(const struct sccp_layer *layer) { return layer->concerned_window_s; }
unsigned int sccp_layer_concerned_pc_count(const struct sccp_layer *layer) { return layer->n_concerned; }

uint32_t sccp_layer_concerned_pc_get(const struct sccp_layer *layer, unsigned int i)
{
	return i < layer->n_concerned ? layer->concerned[i] : 0;
}

int sccp_layer_add_concerned_pc(struct sccp_layer *layer, uint32_t pc)
{
	if (pc_in(layer->concerned, layer->n_concerned, pc))
		return 0;
	if (layer->n_concerned >= SCCP_MAX_CONCERNED || pc > 0x3fff)
		return -EINVAL;
	layer->concerned[layer->n_concerned++] = pc;
	return 0;
}

int sccp_layer_del_concerned_pc(struct sccp_layer *layer, uint32_t pc)
{
	for (unsigned int i = 0; i < layer->n_concerned; i++) {
		if (layer->concerned[i] != pc)
			continue;
		memmove(&layer->concerned[i], &layer->concerned[i + 1],
			(layer->n_concerned - i - 1) * sizeof(layer->concerned[0]));
		layer->n_concerned--;
		return 0;
	}
	return -ENOENT;
}

bool sccp_layer_remote_ss_allowed(const struct sccp_layer *layer, uint32_t pc, uint8_t ssn)
{
	const struct sccp_rss *ss = rss_find(rsp_find(layer, pc), ssn);
	return !ss || !ss->prohibited;
}

bool sccp_layer_pc_accessible(const struct sccp_layer *layer, uint32_t pc)
{
	const struct sccp_rsp *sp = rsp_find(layer, pc);
	return !sp || !sp->paused;
}

void sccp_layer_for_each_remote_ss(struct sccp_layer *layer,
				   void (*cb)(void *arg, const struct sccp_remote_ss_info *info), void *arg)
{
	struct sccp_rsp *sp;
	struct sccp_rss *ss;
	unsigned int bkt;
	int64_t now = now_s();
	hash_for_each(layer->remote_sp, bkt, sp, hnode) {
		llist_for_each_entry(ss, &sp->subsystems, list) {
			struct sccp_remote_ss_info info = {
				.pc = sp->pc, .ssn = ss->ssn, .pc_paused = sp->paused, .prohibited = ss->prohibited,
				.for_s = (unsigned int)(now - ss->since_s), .sst_sent = ss->sst_sent,
			};
			cb(arg, &info);
		}
	}
}

void sccp_layer_for_each_paused_pc(struct sccp_layer *layer, void (*cb)(void *arg, uint32_t pc), void *arg)
{
	struct sccp_rsp *sp;
	unsigned int bkt;
	hash_for_each(layer->remote_sp, bkt, sp, hnode)
		if (sp->paused)
			cb(arg, sp->pc);
}
