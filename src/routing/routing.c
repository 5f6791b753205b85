/* Operators, number routes, pacing, and the SendRoutingInfoForSM step the
 * services share (see routing.h). */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/audit/audit.h>
#include <sigway/common/logging.h>
#include <sigway/routing/routing.h>
#include <sigway/sccp/sccp_codec.h>
#include "routing_int.h"

struct routing_sri {
	struct routing *rt;
	struct map_dialogue *md;
	void (*cb)(void *priv, const struct routing_sri_result *r);
	void (*resent)(void *priv, unsigned int begins);
	void *priv;
	struct routing_sri_result r;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct routing *routing_alloc(void *ctx)
{
	struct routing *rt = talloc_zero(ctx, struct routing);
	if (!rt)
		return NULL;
	INIT_LLIST_HEAD(&rt->operators);
	INIT_LLIST_HEAD(&rt->routes);
	return rt;
}

int routing_start(struct routing *rt, struct map_instance *mi, const char *calling_gt)
{
	rt->mi = mi;
	return sccp_addr_set_e164(&rt->calling, calling_gt, SCCP_SSN_MSC) < 0 ? -EINVAL : 0;
}

struct map_instance *routing_map(const struct routing *rt) { return rt->mi; }
const struct sccp_addr *routing_calling(const struct routing *rt) { return &rt->calling; }

struct operator *routing_operator(struct routing *rt, const char *name)
{
	struct operator *op;
	llist_for_each_entry(op, &rt->operators, list)
		if (!strcmp(op->name, name))
			return op;
	return NULL;
}

struct operator *routing_next_operator(struct routing *rt, struct operator *prev)
{
	struct llist_head *n = prev ? prev->list.next : rt->operators.next;
	return n == &rt->operators ? NULL : llist_entry(n, struct operator, list);
}

struct operator *routing_route(struct routing *rt, const char *msisdn)
{
	struct routing_route *r, *best = NULL;
	llist_for_each_entry(r, &rt->routes, list)
		if (!strncmp(msisdn, r->prefix, strlen(r->prefix)) && (!best || strlen(r->prefix) > strlen(best->prefix)))
			best = r;
	return best ? best->op : NULL;
}

struct operator *routing_operator_of_gt(struct routing *rt, const char *gt)
{
	struct operator *op;
	llist_for_each_entry(op, &rt->operators, list)
		if (map_peer_covers(op->peer, gt))
			return op;
	return NULL;
}

uint8_t operator_version(const struct operator *op)
{
	return map_peer_version(op->peer, MAP_AC_SHORT_MSG_GATEWAY);
}

/* A token bucket of rate per second with one second of burst (at least
 * one token): refilled to now; 0 and *tokens can pay, else the ms until one */
static int64_t bucket_wait(double *tokens, int64_t *tokens_ms, double rate, int64_t now)
{
	double burst = rate < 1 ? 1 : rate;
	*tokens += (now - *tokens_ms) * rate / 1000.0;
	*tokens_ms = now;
	if (*tokens > burst)
		*tokens = burst;
	if (*tokens >= 1)
		return 0;
	return rate > 0 ? (int64_t)((1 - *tokens) * 1000 / rate) + 1 : 1000;
}

/* The classes with a share, indexed by the class; the VTY command, its
 * help and `write file` follow this order */
static const struct routing_class_desc class_desc[ROUTING_CLASS_COUNT] = {
	[ROUTING_CLASS_LOOKUP] = { .keyword = "lookup-share", .share_default = 30,
		.help = "While SMS waits for the operator's throughput, number lookups get at most this share of it" },
	[ROUTING_CLASS_USSD_PUSH] = { .keyword = "ussd-push-share", .share_default = 10,
		.help = "While SMS waits for the operator's throughput, USSD pushes get at most this share of it" },
};

const struct routing_class_desc *routing_class_desc(enum routing_class cls)
{
	if ((unsigned int)cls >= ROUTING_CLASS_COUNT || !class_desc[cls].keyword)
		return NULL;
	return &class_desc[cls];
}

void operator_shares_default(struct operator *op)
{
	for (unsigned int c = 0; c < ROUTING_CLASS_COUNT; c++)
		op->share[c].percent = class_desc[c].share_default;
}

/* while an SMS waited this recently, the other classes are held to their share */
#define SMS_HELD_WINDOW_MS 1000

/* SMS, priority: the throughput's bucket alone (wait: what it said) */
static int64_t sms_wait(struct operator *op, int64_t wait, int64_t now)
{
	if (wait > 0) {
		op->sms_held_ms = now;
		return wait;
	}
	op->tokens -= 1;
	return 0;
}

int64_t operator_wait_ms_for(struct operator *op, enum routing_class cls, int64_t now)
{
	OSMO_ASSERT((unsigned int)cls < ROUTING_CLASS_COUNT);
	if (!op || !op->throughput)
		return 0;
	int64_t wait = bucket_wait(&op->tokens, &op->tokens_ms, op->throughput, now);
	if (cls == ROUTING_CLASS_SMS)
		return sms_wait(op, wait, now);
	/* the class's own bucket: its share of the throughput */
	struct routing_share *sh = &op->share[cls];
	int64_t share_wait = bucket_wait(&sh->tokens, &sh->tokens_ms, op->throughput * sh->percent / 100.0, now);
	bool sms_waiting = op->sms_held_ms && now - op->sms_held_ms < SMS_HELD_WINDOW_MS;
	if (sms_waiting) {
		if (!sh->percent)
			return SMS_HELD_WINDOW_MS - (now - op->sms_held_ms) + 1;
		if (share_wait > wait)
			wait = share_wait;
	}
	if (wait > 0)
		return wait;
	op->tokens -= 1;
	/* the share bucket counts every one, so that a flood that started
	 * while SMS was idle is held at once when SMS comes */
	sh->tokens -= 1;
	if (sh->tokens < -1)
		sh->tokens = -1;
	return 0;
}

int64_t operator_wait_ms(struct operator *op, int64_t now)
{
	return operator_wait_ms_for(op, ROUTING_CLASS_SMS, now);
}

void routing_trace_audit(struct store *st, const struct routing_trace *t, const char *msg_id, const char *msisdn,
			 int64_t end_ms, const char *outcome)
{
	struct audit_row row = { .msg_id = msg_id, .msisdn = msisdn, .step = "sri-for-sm", .calling_gt = t->calling_gt,
				 .called_gt = t->called_gt, .answer_gt = "", .dtid = "", .start_ms = t->start_ms,
				 .end_ms = end_ms, .outcome = AUDIT_OUTCOME_VERSION_REFUSED };
	for (unsigned int i = 0; i + 1 < routing_trace_begins(t); i++) {
		row.otid = t->begin_otids[i];
		audit_write(st, &row);
	}
	row.otid = t->otid;
	row.dtid = t->dtid;
	row.answer_gt = t->answer_gt;
	row.outcome = outcome;
	audit_write(st, &row);
}

void routing_trace_fill(struct routing_trace *t, const struct map_dialogue *md)
{
	osmo_strlcpy(t->calling_gt, map_dialogue_local_addr(md)->gt.digits, sizeof(t->calling_gt));
	if (!t->otid)
		t->otid = map_dialogue_local_tid(md);
	if (!t->dtid[0])
		map_dialogue_remote_tid_hex(md, t->dtid, sizeof(t->dtid));
}

/* ------------------------------------------------------- SRI-for-SM */

static void sri_done(struct routing_sri *q)
{
	q->r.version = map_dialogue_version(q->md);
	q->r.trace.begins = map_dialogue_begins(q->md);
	for (unsigned int i = 0; i < q->r.trace.begins; i++)
		q->r.trace.begin_otids[i] = map_dialogue_begin_tid(q->md, i);
	q->md = NULL;
	if (q->cb)
		q->cb(q->priv, &q->r);
	talloc_free(q);
}

/* informServiceCentre with the answer: MW-Status bit 0 is
 * sc-AddressNotIncluded; mnrf, mcef, mnrg follow */
static void inform_sc(struct routing_sri *q, const struct map_inform_sc_arg *a)
{
	q->r.inform_sc = true;
	if (!a->mw_status_present)
		return;
	q->r.mw_status = a->mw_status;
	q->r.hlr_will_alert = !(a->mw_status & 0x01) && (a->mw_status & 0x0e);
}

static void sri_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct routing_sri *q = map_dialogue_priv(md);
	switch (ind->type) {
	case MAP_IND_ACCEPT:
		/* the peer's TID and address are known from its first answer on */
		routing_trace_fill(&q->r.trace, md);
		osmo_strlcpy(q->r.trace.answer_gt, map_dialogue_remote_addr(md)->gt.digits, sizeof(q->r.trace.answer_gt));
		break;
	case MAP_IND_INVOKE:
		if (ind->svc == MAP_SVC_INFORM_SC)
			inform_sc(q, &ind->arg->inform_sc);
		break;
	case MAP_IND_RESULT:
		q->r.res = ind->res->sri_sm;
		if (!q->r.res.network_node.digits[0])
			q->r.err = (struct map_err){ .kind = MAP_EK_PROVIDER, .provider = MAP_PE_INVALID_RESPONSE };
		break;
	case MAP_IND_ERROR:
		q->r.err = ind->err;
		break;
	case MAP_IND_DELIMITER:
		/* the HLR keeps the dialogue open after it answered: we are done with it */
		if (q->r.err.kind != MAP_EK_NONE || q->r.res.network_node.digits[0]) {
			map_close(md, false);
			sri_done(q);
		}
		return;
	case MAP_IND_CLOSE:
		if (q->r.err.kind == MAP_EK_NONE && !q->r.res.network_node.digits[0])
			q->r.err = (struct map_err){ .kind = MAP_EK_PROVIDER, .provider = MAP_PE_INVALID_RESPONSE };
		break;
	case MAP_IND_REFUSE: case MAP_IND_U_ABORT: case MAP_IND_P_ABORT:
		q->r.err = ind->err;
		break;
	case MAP_IND_NOTICE: case MAP_IND_OPEN:
		break;
	}
	if (ind->last)
		sri_done(q);
}

static void sri_reopened(void *user_priv, struct map_dialogue *md)
{
	struct routing_sri *q = map_dialogue_priv(md);
	q->r.trace.otid = map_dialogue_local_tid(md);	/* the trace names the dialogue that answers */
	if (q->resent)
		q->resent(q->priv, map_dialogue_begins(md));
}

static const struct map_user sri_user = { "sri-for-sm", sri_ind, NULL, sri_reopened };

struct routing_sri *routing_sri_sm(struct routing *rt, struct operator *op, const char *msisdn,
				   uint8_t max_version,
				   void (*cb)(void *priv, const struct routing_sri_result *r), void *priv)
{
	struct sccp_addr called;
	if (!rt->mi || sccp_addr_set_e164(&called, op->hlr_gt, SCCP_SSN_HLR) < 0)
		return NULL;
	struct routing_sri *q = talloc_zero(rt, struct routing_sri);
	if (!q)
		return NULL;
	q->rt = rt;
	q->cb = cb;
	q->priv = priv;
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_GATEWAY, .max_version = max_version, .peer = op->peer,
				    .called = &called, .calling = &rt->calling, .user = &sri_user, .priv = q };
	union map_arg a = { .sri_sm = { .msisdn = { true, 0x91 }, .sm_rp_pri = false, .sc_address = { true, 0x91 } } };
	osmo_strlcpy(a.sri_sm.msisdn.digits, msisdn, sizeof(a.sri_sm.msisdn.digits));
	osmo_strlcpy(a.sri_sm.sc_address.digits, rt->calling.gt.digits, sizeof(a.sri_sm.sc_address.digits));
	q->md = map_open(rt->mi, &req);
	if (!q->md || map_request(q->md, MAP_SVC_SRI_FOR_SM, &a, NULL) < 0) {
		if (q->md)
			map_close(q->md, true);
		talloc_free(q);
		return NULL;
	}
	osmo_strlcpy(q->r.trace.called_gt, op->hlr_gt, sizeof(q->r.trace.called_gt));
	q->r.trace.start_ms = now_ms();
	routing_trace_fill(&q->r.trace, q->md);
	map_delimit(q->md);	/* a send failure comes back as a P-ABORT */
	return q;
}

void routing_sri_on_resend(struct routing_sri *q, void (*resent)(void *priv, unsigned int begins))
{
	q->resent = resent;
}

void routing_sri_cancel(struct routing_sri *q)
{
	if (q->md)
		map_release(q->md);
	talloc_free(q);
}
