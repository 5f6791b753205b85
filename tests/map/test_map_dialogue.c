/* The MAP dialogue layer: two MAP instances (and a raw TCAP peer for what
 * the MAP API cannot produce) back to back through a queued fake SCCP. Each
 * primitive, each refuse and abort reason is checked on the wire by tshark. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/timer_compat.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/tcap/tcap.h>
#include "dissect.h"

/* ---------------------------------------------------------- fake SCCP */

enum { EP_A, EP_B, EP_RAW, N_EP };	/* MAP initiator, MAP responder, raw TCAP peer */
static const char *const ep_gt[N_EP] = { "491720000099", "491710000001", "491730000001" };

struct queued {
	int to;
	struct sccp_unitdata ud;
	uint8_t data[4000];
};
static struct queued queue[64];
static int q_head, q_tail;
static struct map_instance *mi[2];
static struct tcap_instance *raw;
static struct sccp_addr addr[N_EP];
static bool send_fails[N_EP];
/* the last message each endpoint sent */
static uint8_t sent[N_EP][4000];
static size_t sent_len[N_EP];
static int n_sent[N_EP];

static int fake_unitdata_req(void *priv, const struct sccp_unitdata *ud)
{
	int from = (int)(intptr_t)priv;
	if (send_fails[from])
		return -EHOSTUNREACH;
	int to = -1;
	for (int i = 0; i < N_EP; i++)
		if (!strcmp(ud->called.gt.digits, ep_gt[i]))
			to = i;
	assert_true(to >= 0);
	struct queued *q = &queue[q_tail++ % 64];
	q->to = to;
	q->ud = *ud;
	memcpy(q->data, ud->data, ud->len);
	q->ud.data = q->data;
	memcpy(sent[from], ud->data, ud->len);
	sent_len[from] = ud->len;
	n_sent[from]++;
	return 0;
}

static void deliver_one(struct queued *q)
{
	if (q->to == EP_RAW)
		tcap_rx_unitdata(raw, &q->ud);
	else
		map_sccp_user_ops.unitdata_ind(mi[q->to], &q->ud);
}

static int pump(void)
{
	int n = 0;
	while (q_head != q_tail) {
		deliver_one(&queue[q_head++ % 64]);
		n++;
	}
	return n;
}

/* fields tshark reads in what endpoint `from` sent last */
static void tshark(int from, const char *fields, char *out, size_t len)
{
	int rc = dissect_run(sent[from], sent_len[from], "tcap", fields, out, len);
	if (rc) {
		fprintf(stderr, "tshark calls this malformed: ");
		for (size_t i = 0; i < sent_len[from]; i++)
			fprintf(stderr, "%02x", sent[from][i]);
		fprintf(stderr, "\n");
	}
	assert_int_equal(rc, 0);
}

/* ---------------------------------------------------------- MAP users */

struct ind_log {
	struct map_ind ind[16];
	struct map_open_ind open;
	struct sccp_addr open_calling;
	union map_res res;
	union map_arg arg;
	int n;
	struct map_dialogue *md;
};
static struct ind_log lg[2];

/* what the responder does */
enum mode {
	R_RESULT_CLOSE,		/* answer each request with a result and close */
	R_ERROR_ABSENT,		/* absentSubscriberSM with diagnostic */
	R_REFUSE,		/* refuse with refuse_reason */
	R_U_ABORT,		/* abort with abort_reason */
	R_CONTINUE,		/* answer each request with a result in a Continue */
	R_QUIET,
};
static enum mode mode;
static enum map_refuse_reason refuse_reason;
static int refuse_left;		/* R_REFUSE: opens to refuse before answering (-1: all) */
static uint8_t refuse_version;
static enum map_user_abort_reason abort_reason;
static uint8_t abort_diag;

static void record(int side, struct map_dialogue *md, const struct map_ind *ind)
{
	struct ind_log *l = &lg[side];
	assert_true(l->n < 16);
	l->ind[l->n++] = *ind;
	l->md = md;
	if (ind->open) {
		l->open = *ind->open;
		l->open_calling = *ind->open->calling;
	}
	if (ind->res)
		l->res = *ind->res;
	if (ind->arg)
		l->arg = *ind->arg;
}

static void responder_ind(void *priv, struct map_dialogue *md, const struct map_ind *ind)
{
	record(EP_B, md, ind);
	switch (ind->type) {
	case MAP_IND_OPEN:
		if (mode == R_REFUSE && refuse_left) {
			refuse_left--;
			map_refuse(md, refuse_reason, refuse_version);
		}
		else if (mode == R_U_ABORT)
			map_u_abort(md, abort_reason, abort_diag);
		break;
	case MAP_IND_INVOKE:
		if (mode == R_ERROR_ABSENT) {
			struct map_error_param e = { .code = MAP_ERR_ABSENT_SUBSCRIBER_SM, .absent_diag_present = true,
						     .absent_diag = 2 };
			map_response_error(md, ind->invoke_id, &e);
		} else if (ind->svc == MAP_SVC_PROCESS_USS || ind->svc == MAP_SVC_USSR) {
			union map_res r = { .ussd = { .dcs = 0x0f, .string = (const uint8_t *)"\xb1\x58\x2c\x06", .string_len = 4 } };
			map_response(md, ind->invoke_id, ind->svc, &r);
		} else if (ind->svc == MAP_SVC_PROCESS_USS_DATA) {
			union map_res r = { .ss_data = { .text = "Balance 5 EUR", .len = 13 } };
			map_response(md, ind->invoke_id, ind->svc, &r);
		} else if (ind->svc == MAP_SVC_SRI_FOR_SM) {
			union map_res r = { .sri_sm = { .imsi = "262011234567890", .network_node = { true, 0x91, "491710000002" } } };
			map_response(md, ind->invoke_id, ind->svc, &r);
		} else {
			map_response(md, ind->invoke_id, ind->svc, NULL);
		}
		break;
	case MAP_IND_DELIMITER:
		if (mode == R_CONTINUE)
			map_delimit(md);
		else if (mode != R_QUIET)
			map_close(md, false);
		break;
	default:
		break;
	}
}

static void initiator_ind(void *priv, struct map_dialogue *md, const struct map_ind *ind)
{
	record(EP_A, md, ind);
}

/* the Begins the initiator's dialogues counted at each reopening, and the
 * indications the initiator had had by then */
static unsigned int reopened_begins[4], reopened_inds[4], n_reopened;

static void initiator_reopened(void *priv, struct map_dialogue *md)
{
	if (n_reopened < ARRAY_SIZE(reopened_begins)) {
		reopened_inds[n_reopened] = lg[EP_A].n;
		reopened_begins[n_reopened++] = map_dialogue_begins(md);
	}
}

static const struct map_user initiator = { "initiator", initiator_ind, NULL, initiator_reopened };
static const struct map_user responder = { "responder", responder_ind, NULL };

/* ---------------------------------------------------------- raw TCAP peer */

static struct tcap_dialogue *raw_dlg;
static enum tcap_ind_type raw_last;
static void raw_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	raw_last = ind->type;
	if (ind->type == TCAP_IND_BEGIN || ind->type == TCAP_IND_CONTINUE)
		raw_dlg = dlg;
	else if (dlg == raw_dlg)
		raw_dlg = NULL;
}
static const struct tcap_user_ops raw_ops = { .dialogue_ind = raw_ind };

/* ------------------------------------------------------------ fixture */

static void *ctx;
static struct timeval fake_now;

static int setup(void **state)
{
	ctx = talloc_named_const(NULL, 0, "test");
	memset(lg, 0, sizeof(lg));
	n_reopened = 0;
	memset(send_fails, 0, sizeof(send_fails));
	memset(n_sent, 0, sizeof(n_sent));
	q_head = q_tail = 0;
	mode = R_RESULT_CLOSE;
	refuse_left = -1;
	for (int i = 0; i < N_EP; i++) {
		struct sccp_sap_down down = { .unitdata_req = fake_unitdata_req, .priv = (void *)(intptr_t)i };
		sccp_addr_set_e164(&addr[i], ep_gt[i], i == EP_A ? 8 : 6);
		if (i == EP_RAW)
			raw = tcap_instance_alloc(ctx, &down, &raw_ops, NULL);
		else
			mi[i] = map_instance_alloc(ctx, &down);
	}
	raw_dlg = NULL;
	/* B: an HLR (SRI v1-v3, USSD v2), A: an SMSC that takes alerts */
	assert_int_equal(map_register(mi[EP_B], MAP_AC_SHORT_MSG_GATEWAY, 1, 3, &responder), 0);
	assert_int_equal(map_register(mi[EP_B], MAP_AC_NETWORK_USSD, 2, 2, &responder), 0);
	assert_int_equal(map_register(mi[EP_B], MAP_AC_SHORT_MSG_MT_RELAY, 2, 3, &responder), 0);
	assert_int_equal(map_register(mi[EP_A], MAP_AC_SHORT_MSG_ALERT, 1, 2, &initiator), 0);
	assert_int_equal(map_register(mi[EP_A], MAP_AC_SHORT_MSG_ALERT, 1, 2, &initiator), -EINVAL);
	osmo_gettimeofday_override = true;
	fake_now = (struct timeval){ 1000, 0 };
	osmo_gettimeofday_override_time = fake_now;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(map_instance_live_dialogues(mi[0]), 0);
	assert_int_equal(map_instance_live_dialogues(mi[1]), 0);
	talloc_free(ctx);
	map_peers_free();
	osmo_gettimeofday_override = false;
	return 0;
}

static void advance_ms(unsigned int ms)
{
	osmo_gettimeofday_override_add(ms / 1000, (ms % 1000) * 1000);
	osmo_timers_prepare();
	osmo_timers_update();
}

static struct map_dialogue *open_to(int to, enum map_ac ac, struct map_peer *peer, const struct map_open_info *refs)
{
	struct map_open_req req = { .ac = ac, .peer = peer, .called = &addr[to], .calling = &addr[EP_A],
				    .refs = refs, .user = &initiator };
	struct map_dialogue *md = map_open(mi[EP_A], &req);
	assert_non_null(md);
	return md;
}

static struct map_dialogue *sri(int to, struct map_peer *peer)
{
	struct map_dialogue *md = open_to(to, MAP_AC_SHORT_MSG_GATEWAY, peer, NULL);
	union map_arg a = { .sri_sm = { .msisdn = { true, 0x91, "491770000001" }, .sm_rp_pri = true,
					.sc_address = { true, 0x91, "491720000099" } } };
	int8_t id = -1;
	assert_int_equal(map_request(md, MAP_SVC_SRI_FOR_SM, &a, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(map_delimit(md), 0);
	return md;
}

static int find(int side, enum map_ind_type t)
{
	for (int i = 0; i < lg[side].n; i++)
		if (lg[side].ind[i].type == t)
			return i;
	return -1;
}

/* ------------------------------------------------------------ tests */

static void test_open_result_close(void **state)
{
	char out[256];
	sri(EP_B, NULL);
	tshark(EP_A, "-e tcap.begin_element -e gsm_old.localValue -e tcap.application_context_name", out, sizeof(out));
	assert_string_equal(out, "1\t45\t0.4.0.0.1.0.20.3");
	assert_int_equal(pump(), 2);
	/* the responder: OPEN, INVOKE, DELIMITER */
	assert_int_equal(lg[EP_B].n, 3);
	assert_int_equal(lg[EP_B].ind[0].type, MAP_IND_OPEN);
	assert_int_equal(lg[EP_B].open.ac, MAP_AC_SHORT_MSG_GATEWAY);
	assert_int_equal(lg[EP_B].open.version, 3);
	assert_string_equal(lg[EP_B].open_calling.gt.digits, "491720000099");
	assert_int_equal(lg[EP_B].ind[1].type, MAP_IND_INVOKE);
	assert_int_equal(lg[EP_B].ind[1].svc, MAP_SVC_SRI_FOR_SM);
	assert_string_equal(lg[EP_B].arg.sri_sm.msisdn.digits, "491770000001");
	assert_int_equal(lg[EP_B].ind[2].type, MAP_IND_DELIMITER);
	/* the initiator: ACCEPT, RESULT (typed), CLOSE (last) */
	assert_int_equal(lg[EP_A].n, 3);
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_ACCEPT);
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
	assert_int_equal(lg[EP_A].ind[1].invoke_id, 1);
	assert_string_equal(lg[EP_A].res.sri_sm.imsi, "262011234567890");
	assert_string_equal(lg[EP_A].res.sri_sm.network_node.digits, "491710000002");
	assert_int_equal(lg[EP_A].ind[2].type, MAP_IND_CLOSE);
	assert_true(lg[EP_A].ind[2].last);
	/* the End carries the AARE (accepted) and the result */
	tshark(EP_B, "-e tcap.end_element -e tcap.result -e gsm_map.sm.msisdn", out, sizeof(out));
	assert_int_equal(strncmp(out, "1\t0", 3), 0);
}

static void test_open_info_refs(void **state)
{
	char out[512];
	struct map_open_info refs = { .destination_reference = { true, 0x96, "262011234567890" },
				      .origination_reference = { true, 0x91, "491720000099" } };
	struct map_dialogue *md = open_to(EP_B, MAP_AC_SHORT_MSG_MT_RELAY, NULL, &refs);
	union map_arg a = { .forward_sm = { .da_type = MAP_DA_IMSI, .da_imsi = "262011234567890",
					    .oa_type = MAP_OA_SC_ADDRESS, .oa_address = { true, 0x91, "491720000099" },
					    .sm_rp_ui = (const uint8_t *)"\x04\x04\x81\x21\x43\x00\x00\x52\x11\x42\x21\x00\x00\x00\x02\xc8\x34",
					    .sm_rp_ui_len = 17 } };
	assert_int_equal(map_request(md, MAP_SVC_MT_FORWARD_SM, &a, NULL), 0);
	map_delimit(md);
	tshark(EP_A, "-e gsm_map.dialogue.MAP_DialoguePDU -e gsm_old.localValue", out, sizeof(out));
	assert_string_equal(out, "0\t44");	/* map-open, mt-forwardSM */
	pump();
	assert_int_equal(lg[EP_B].ind[0].type, MAP_IND_OPEN);
	assert_string_equal(lg[EP_B].open.refs.destination_reference.digits, "262011234567890");
	assert_int_equal(lg[EP_B].open.refs.destination_reference.ton_npi, 0x96);
	assert_string_equal(lg[EP_B].open.refs.origination_reference.digits, "491720000099");
	assert_int_equal(lg[EP_B].ind[1].svc, MAP_SVC_MT_FORWARD_SM);
	assert_int_equal(lg[EP_B].arg.forward_sm.sm_rp_ui_len, 17);
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
}

static void test_user_error(void **state)
{
	mode = R_ERROR_ABSENT;
	sri(EP_B, NULL);
	pump();
	int e = find(EP_A, MAP_IND_ERROR);
	assert_true(e >= 0);
	assert_int_equal(lg[EP_A].ind[e].err.kind, MAP_EK_USER);
	assert_int_equal(lg[EP_A].ind[e].err.user.code, MAP_ERR_ABSENT_SUBSCRIBER_SM);
	assert_true(lg[EP_A].ind[e].err.user.absent_diag_present);
	assert_int_equal(lg[EP_A].ind[e].err.user.absent_diag, 2);
	assert_int_equal(lg[EP_A].ind[e].svc, MAP_SVC_SRI_FOR_SM);
	char buf[64];
	assert_string_equal(map_err_str(&lg[EP_A].ind[e].err, buf, sizeof(buf)), "absentSubscriberSM");
	assert_int_equal(lg[EP_A].ind[lg[EP_A].n - 1].type, MAP_IND_CLOSE);
}

/* refuse reasons carried in MAP-RefuseInfo */
static void test_refuse_reasons(void **state)
{
	static const struct { enum map_refuse_reason r; const char *wire; } cases[] = {
		{ MAP_REFUSE_NO_REASON, "0" }, { MAP_REFUSE_INVALID_DEST_REF, "1" }, { MAP_REFUSE_INVALID_ORIG_REF, "2" },
	};
	char out[256];
	mode = R_REFUSE;
	for (unsigned int i = 0; i < 3; i++) {
		lg[EP_A].n = lg[EP_B].n = 0;
		refuse_reason = cases[i].r;
		sri(EP_B, NULL);
		pump();
		tshark(EP_B, "-e tcap.result -e gsm_map.dialogue.MAP_DialoguePDU -e gsm_map.dialogue.reason",
		       out, sizeof(out));
		char want[32];
		snprintf(want, sizeof(want), "1\t3\t%s", cases[i].wire);	/* reject-permanent, map-refuse */
		assert_string_equal(out, want);
		assert_int_equal(lg[EP_A].n, 1);
		assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_REFUSE);
		assert_true(lg[EP_A].ind[0].last);
		assert_int_equal(lg[EP_A].ind[0].err.kind, MAP_EK_REFUSED);
		assert_int_equal(lg[EP_A].ind[0].err.refuse, cases[i].r);
	}
}

/* ACN not supported with a lower version proposed: the layer opens again in
 * that version with the same request, remembers it for the peer, and the
 * user sees only the answer */
static void test_version_fallback_learned(void **state)
{
	char out[256];
	struct map_peer *p = map_peer_get("hlr");
	map_peer_set_prefix(p, "4917100");
	map_peer_set_max_version(p, 3);
	mode = R_REFUSE;
	refuse_reason = MAP_REFUSE_ACN_NOT_SUPPORTED;
	refuse_version = 2;
	refuse_left = 1;
	sri(EP_B, NULL);	/* the peer is found by the called GT */
	assert_int_equal(pump(), 4);	/* Begin v3, refusal, Begin v2, End */
	/* the user heard of the second Begin when it left, before the answer */
	assert_int_equal(n_reopened, 1);
	assert_int_equal(reopened_begins[0], 2);
	assert_int_equal(reopened_inds[0], 0);
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_ACCEPT);
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
	assert_string_equal(lg[EP_A].res.sri_sm.imsi, "262011234567890");
	assert_int_equal(map_peer_learned(p, MAP_AC_SHORT_MSG_GATEWAY), 2);
	assert_int_equal(map_peer_version(p, MAP_AC_SHORT_MSG_GATEWAY), 2);
	assert_int_equal(map_peer_learned(p, MAP_AC_SHORT_MSG_MT_RELAY), 0);
	/* the refusal on the wire: AARE reject-permanent, ACN not supported, v2 proposed */
	assert_int_equal(n_sent[EP_B], 2);
	/* the next dialogue opens in v2 at once */
	lg[EP_A].n = 0;
	sri(EP_B, p);
	tshark(EP_A, "-e tcap.application_context_name", out, sizeof(out));
	assert_string_equal(out, "0.4.0.0.1.0.20.2");
	assert_int_equal(pump(), 2);
	assert_int_equal(n_reopened, 1);	/* no fallback this time */
	/* a reset forgets it */
	map_peer_reset(NULL);
	assert_int_equal(map_peer_version(p, MAP_AC_SHORT_MSG_GATEWAY), 3);
	/* a caller's cap */
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_GATEWAY, .max_version = 1, .called = &addr[EP_B],
				    .calling = &addr[EP_A], .user = &initiator };
	struct map_dialogue *md = map_open(mi[EP_A], &req);
	assert_int_equal(map_dialogue_version(md), 1);
	map_close(md, true);
}

static void test_refuse_acn_on_the_wire(void **state)
{
	char out[256];
	mode = R_REFUSE;
	refuse_reason = MAP_REFUSE_ACN_NOT_SUPPORTED;
	refuse_version = 0;	/* nothing lower to offer */
	sri(EP_B, NULL);
	pump();
	tshark(EP_B, "-e tcap.result -e tcap.dialogue_service_user -e tcap.application_context_name", out, sizeof(out));
	assert_string_equal(out, "1\t2\t0.4.0.0.1.0.20.3");
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_REFUSE);
	assert_int_equal(lg[EP_A].ind[0].err.refuse, MAP_REFUSE_ACN_NOT_SUPPORTED);
}

/* a context nobody serves is refused on the wire, not aborted */
static void test_context_nobody_serves(void **state)
{
	char out[256];
	struct map_dialogue *md = open_to(EP_B, MAP_AC_SHORT_MSG_ALERT, NULL, NULL);
	union map_arg a = { .alert_sc = { .msisdn = { true, 0x91, "491770000001" }, .sc_address = { true, 0x91, "491720000099" } } };
	assert_int_equal(map_request(md, MAP_SVC_ALERT_SC, &a, NULL), 0);
	map_delimit(md);
	pump();
	tshark(EP_B, "-e tcap.abort_element -e tcap.result -e tcap.dialogue_service_user", out, sizeof(out));
	assert_string_equal(out, "1\t1\t2");	/* TC-ABORT with AARE: reject-permanent, ACN not supported */
	assert_int_equal(lg[EP_B].n, 0);	/* no user saw it */
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_REFUSE);
	assert_int_equal(lg[EP_A].ind[0].err.refuse, MAP_REFUSE_ACN_NOT_SUPPORTED);
	/* above the served versions: refused proposing the highest, the layer falls back */
	lg[EP_A].n = 0;
	md = open_to(EP_B, MAP_AC_NETWORK_USSD, NULL, NULL);
	union map_arg u = { .ussd = { .dcs = 0x0f, .string = (const uint8_t *)"\xaa\x98\x0c\x36\x02", .string_len = 5 } };
	/* USSD has only v2: asking for v3 is capped by the context itself */
	assert_int_equal(map_dialogue_version(md), 2);
	assert_int_equal(map_request(md, MAP_SVC_PROCESS_USS, &u, NULL), 0);
	assert_int_equal(map_request(md, MAP_SVC_SRI_FOR_SM, &(union map_arg){ 0 }, NULL), -EINVAL);
	map_delimit(md);
	pump();
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
	assert_int_equal(lg[EP_A].ind[1].svc, MAP_SVC_PROCESS_USS);
}

/* "potential version incompatibility": the responder answers like a node
 * without dialogue handling; the initiator opens again in v1 where the
 * context has one, and reports the refusal where it has not */
static void test_version_incompatibility(void **state)
{
	char out[256];
	mode = R_REFUSE;
	refuse_reason = MAP_REFUSE_VERSION_INCOMPATIBILITY;
	sri(EP_B, NULL);
	assert_int_equal(pump(), 4);	/* Begin v3, bare abort, Begin v1, bare abort */
	/* the abort has no dialogue portion */
	assert_int_not_equal(dissect_run(sent[EP_B], sent_len[EP_B], "tcap", "-e tcap.dialoguePortion", out,
					 sizeof(out)), -1);
	assert_string_equal(out, "");
	/* the v1 Begin, without a dialogue portion, was refused the same way */
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_REFUSE);
	assert_int_equal(lg[EP_A].ind[0].err.refuse, MAP_REFUSE_VERSION_INCOMPATIBILITY);
	/* now the responder takes v1 */
	lg[EP_A].n = lg[EP_B].n = 0;
	mode = R_RESULT_CLOSE;
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_GATEWAY, .max_version = 1, .called = &addr[EP_B],
				    .calling = &addr[EP_A], .user = &initiator };
	struct map_dialogue *md = map_open(mi[EP_A], &req);
	union map_arg a = { .sri_sm = { .msisdn = { true, 0x91, "491770000001" }, .sc_address = { true, 0x91, "491720000099" } } };
	map_request(md, MAP_SVC_SRI_FOR_SM, &a, NULL);
	map_delimit(md);
	tshark(EP_A, "-e tcap.dialoguePortion -e gsm_old.localValue", out, sizeof(out));
	assert_string_equal(out, "\t45");
	pump();
	assert_int_equal(lg[EP_B].open.version, 1);
	assert_int_equal(lg[EP_B].open.ac, MAP_AC_SHORT_MSG_GATEWAY);
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
}

static void test_user_abort_reasons(void **state)
{
	static const struct { enum map_user_abort_reason r; uint8_t diag; const char *field, *want; } cases[] = {
		{ MAP_UA_USER_SPECIFIC, 0, "gsm_map.dialogue.map_UserAbortChoice", "0" },
		{ MAP_UA_USER_RESOURCE_LIMITATION, 0, "gsm_map.dialogue.map_UserAbortChoice", "1" },
		{ MAP_UA_RESOURCE_UNAVAILABLE, 1, "gsm_map.dialogue.resourceUnavailable", "1" },
		{ MAP_UA_PROCEDURE_CANCELLATION, 5, "gsm_map.dialogue.applicationProcedureCancellation", "5" },
	};
	char out[256], fields[128];
	mode = R_U_ABORT;
	for (unsigned int i = 0; i < 4; i++) {
		lg[EP_A].n = 0;
		abort_reason = cases[i].r;
		abort_diag = cases[i].diag;
		sri(EP_B, NULL);
		pump();
		snprintf(fields, sizeof(fields), "-e gsm_map.dialogue.MAP_DialoguePDU -e %s", cases[i].field);
		tshark(EP_B, fields, out, sizeof(out));
		char want[32];
		snprintf(want, sizeof(want), "4\t%s", cases[i].want);
		assert_string_equal(out, want);
		assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_U_ABORT);
		assert_int_equal(lg[EP_A].ind[0].err.u_abort, cases[i].r);
		assert_int_equal(lg[EP_A].ind[0].err.u_abort_diag, cases[i].diag);
	}
}

/* a dialogue in progress, then a user abort from the initiator */
static void test_continue_then_abort(void **state)
{
	mode = R_CONTINUE;
	struct map_dialogue *md = sri(EP_B, NULL);
	pump();
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_ACCEPT);
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
	assert_int_equal(lg[EP_A].ind[2].type, MAP_IND_DELIMITER);
	assert_false(lg[EP_A].ind[2].last);
	assert_int_equal(map_u_abort(md, MAP_UA_USER_SPECIFIC, 0), 0);
	pump();
	int a = find(EP_B, MAP_IND_U_ABORT);
	assert_true(a >= 0);
	assert_true(lg[EP_B].ind[a].last);
}

/* TC-P-ABORT (unknown TID at the peer) becomes MAP-P-ABORT */
static void test_p_abort_from_tc(void **state)
{
	mode = R_CONTINUE;
	struct map_dialogue *md = sri(EP_B, NULL);
	pump();
	/* the responder's side goes away without a word */
	map_release(lg[EP_B].md);
	union map_arg a = { .sri_sm = { .msisdn = { true, 0x91, "491770000001" }, .sc_address = { true, 0x91, "491720000099" } } };
	map_request(md, MAP_SVC_SRI_FOR_SM, &a, NULL);
	map_delimit(md);
	pump();
	int p = find(EP_A, MAP_IND_P_ABORT);
	assert_true(p >= 0);
	assert_int_equal(lg[EP_A].ind[p].err.p_abort, MAP_PA_DIALOGUE_RELEASED);
	assert_int_equal(lg[EP_A].ind[p].err.p_abort_source, MAP_SRC_TC_PROBLEM);
	assert_true(lg[EP_A].ind[p].last);
}

/* a message SCCP cannot send (dead route): P-ABORT from the loop, not from
 * inside the request */
static void test_p_abort_dead_route(void **state)
{
	send_fails[EP_A] = true;
	sri(EP_B, NULL);
	assert_int_equal(lg[EP_A].n, 0);
	advance_ms(1);
	assert_int_equal(lg[EP_A].n, 1);
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_P_ABORT);
	assert_int_equal(lg[EP_A].ind[0].err.p_abort_source, MAP_SRC_NETWORK_SERVICE_PROBLEM);
	assert_true(lg[EP_A].ind[0].last);
	/* closing before the report comes drops it */
	lg[EP_A].n = 0;
	struct map_dialogue *md = sri(EP_B, NULL);
	map_close(md, false);
	advance_ms(1);
	assert_int_equal(lg[EP_A].n, 0);
}

/* the invoke timer: no response; with no answer at all the dialogue ends */
static void test_no_response(void **state)
{
	mode = R_QUIET;
	sri(EP_B, NULL);
	q_head = q_tail;	/* the Begin is lost */
	advance_ms(map_service_timeout_ms(MAP_SVC_SRI_FOR_SM) + 1);
	assert_int_equal(lg[EP_A].n, 1);
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_ERROR);
	assert_int_equal(lg[EP_A].ind[0].err.kind, MAP_EK_PROVIDER);
	assert_int_equal(lg[EP_A].ind[0].err.provider, MAP_PE_NO_RESPONSE);
	assert_true(lg[EP_A].ind[0].last);
	/* the responder that never answered is cleaned up by TCAP's guard */
	map_instance_set_dialogue_timeout(mi[EP_B], 1);
	sri(EP_B, NULL);
	pump();
	advance_ms(map_service_timeout_ms(MAP_SVC_SRI_FOR_SM) + 1);
	advance_ms(2000);
	int p = find(EP_B, MAP_IND_P_ABORT);
	assert_true(p >= 0);
	assert_int_equal(lg[EP_B].ind[p].err.p_abort, MAP_PA_ABNORMAL_DIALOGUE);
}

/* SCCP returned the Begin: remote node not reachable; returned later: NOTICE */
static void test_notice(void **state)
{
	sri(EP_B, NULL);
	struct queued *q = &queue[q_head++ % 64];	/* the Begin, returned instead of delivered */
	map_sccp_user_ops.notice_ind(mi[EP_A], &q->ud, SCCP_RC_NO_TRANSLATION_ADDRESS);
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_REFUSE);
	assert_int_equal(lg[EP_A].ind[0].err.refuse, MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE);
	assert_true(lg[EP_A].ind[0].last);
	/* in an active dialogue */
	lg[EP_A].n = 0;
	mode = R_CONTINUE;
	struct map_dialogue *md = sri(EP_B, NULL);
	pump();
	union map_arg a = { .sri_sm = { .msisdn = { true, 0x91, "491770000001" }, .sc_address = { true, 0x91, "491720000099" } } };
	map_request(md, MAP_SVC_SRI_FOR_SM, &a, NULL);
	map_delimit(md);
	q = &queue[q_head++ % 64];
	map_sccp_user_ops.notice_ind(mi[EP_A], &q->ud, SCCP_RC_NETWORK_CONGESTION);
	int n = find(EP_A, MAP_IND_NOTICE);
	assert_true(n >= 0);
	assert_false(lg[EP_A].ind[n].last);
	map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
	pump();
}

/* what the MAP API cannot send, from a raw TCAP peer: an operation outside
 * the context, a mistyped parameter, an empty Continue */
static void test_rejects_and_empty_continue(void **state)
{
	char out[256];
	struct tcap_acn acn;
	map_acn(&acn, MAP_AC_NETWORK_USSD, 2);
	mode = R_CONTINUE;
	struct tcap_dialogue *d = tcap_dialogue_alloc(raw, &addr[EP_B], &addr[EP_RAW], &acn, NULL);
	static const uint8_t bad[] = { 0x30, 0x03, 0x04, 0x01, 0xff };	/* USSD-Arg without its string */
	tcap_invoke(d, MAP_OP_SRI_FOR_SM, bad, sizeof(bad), 1000, NULL);	/* not in networkUnstructuredSs */
	tcap_invoke(d, MAP_OP_PROCESS_USS, bad, sizeof(bad), 1000, NULL);	/* mistyped */
	tcap_begin(d, NULL, 0);
	pump();
	/* the user saw the open and the delimiter, not the two invokes */
	assert_int_equal(lg[EP_B].n, 2);
	assert_int_equal(lg[EP_B].ind[1].type, MAP_IND_DELIMITER);
	tshark(EP_B, "-e gsm_old.invokeProblem", out, sizeof(out));
	assert_string_equal(out, "1,2");	/* unrecognizedOperation, mistypedParameter */
	assert_int_equal(raw_last, TCAP_IND_CONTINUE);
	/* an empty Continue: a DELIMITER, nothing else, nothing breaks */
	lg[EP_B].n = 0;
	tcap_continue(raw_dlg, NULL, 0);
	pump();
	assert_int_equal(lg[EP_B].n, 1);
	assert_int_equal(lg[EP_B].ind[0].type, MAP_IND_DELIMITER);
	tcap_end(raw_dlg, false, NULL, 0);
	pump();
	assert_int_equal(lg[EP_B].ind[lg[EP_B].n - 1].type, MAP_IND_CLOSE);
	/* a v1 Begin of an operation nobody serves is aborted without a dialogue portion */
	d = tcap_dialogue_alloc(raw, &addr[EP_B], &addr[EP_RAW], NULL, NULL);
	tcap_invoke(d, MAP_OP_ALERT_SC_WITHOUT_RESULT, bad, sizeof(bad), 1000, NULL);
	tcap_begin(d, NULL, 0);
	pump();
	assert_int_equal(raw_last, TCAP_IND_U_ABORT);
}

/* MAP v1 USSD: processUnstructuredSS-Data on networkFunctionalSs v1, no
 * dialogue portion either way, dispatched by its operation code; a v2 open
 * of that context is refused (we serve its v1 USSD only), a string that is
 * not IA5 is rejected as mistyped */
static void test_v1_ussd(void **state)
{
	char out[256];
	assert_int_equal(map_register(mi[EP_B], MAP_AC_NETWORK_FUNCTIONAL_SS, 1, 1, &responder), 0);
	struct map_dialogue *md = open_to(EP_B, MAP_AC_NETWORK_FUNCTIONAL_SS, NULL, NULL);
	assert_int_equal(map_dialogue_version(md), 1);
	union map_arg a = { .ss_data = { .text = "*100#", .len = 5 } };
	assert_int_equal(map_request(md, MAP_SVC_PROCESS_USS_DATA, &a, NULL), 0);
	/* not in this context */
	union map_arg u = { .ussd = { .dcs = 0x0f, .string = (const uint8_t *)"\xaa\x98\x0c\x36\x02", .string_len = 5 } };
	assert_int_equal(map_request(md, MAP_SVC_PROCESS_USS, &u, NULL), -EINVAL);
	assert_int_equal(map_delimit(md), 0);
	tshark(EP_A, "-e tcap.begin_element -e tcap.application_context_name -e gsm_old.localValue -e gsm_ss.SS_UserData",
	       out, sizeof(out));
	assert_string_equal(out, "1\t\t19\t*100#");
	assert_int_equal(pump(), 2);
	assert_int_equal(lg[EP_B].ind[0].type, MAP_IND_OPEN);
	assert_int_equal(lg[EP_B].open.ac, MAP_AC_NETWORK_FUNCTIONAL_SS);
	assert_int_equal(lg[EP_B].open.version, 1);
	assert_int_equal(lg[EP_B].ind[1].type, MAP_IND_INVOKE);
	assert_int_equal(lg[EP_B].ind[1].svc, MAP_SVC_PROCESS_USS_DATA);
	assert_int_equal(lg[EP_B].arg.ss_data.len, 5);
	tshark(EP_B, "-e tcap.end_element -e tcap.application_context_name -e gsm_old.localValue -e gsm_ss.SS_UserData",
	       out, sizeof(out));
	assert_string_equal(out, "1\t\t19\tBalance 5 EUR");
	int r = find(EP_A, MAP_IND_RESULT);
	assert_true(r >= 0);
	assert_int_equal(lg[EP_A].ind[r].svc, MAP_SVC_PROCESS_USS_DATA);
	assert_int_equal(lg[EP_A].res.ss_data.len, 13);
	assert_memory_equal(lg[EP_A].res.ss_data.text, "Balance 5 EUR", 13);
	assert_int_equal(lg[EP_A].ind[lg[EP_A].n - 1].type, MAP_IND_CLOSE);

	/* networkFunctionalSs v2 (registerSS and friends): not served */
	struct tcap_acn acn;
	map_acn(&acn, MAP_AC_NETWORK_FUNCTIONAL_SS, 2);
	struct tcap_dialogue *d = tcap_dialogue_alloc(raw, &addr[EP_B], &addr[EP_RAW], &acn, NULL);
	static const uint8_t star100[] = { 0x16, 0x05, '*', '1', '0', '0', '#' };
	tcap_invoke(d, MAP_OP_PROCESS_USS_DATA, star100, sizeof(star100), 1000, NULL);
	tcap_begin(d, NULL, 0);
	lg[EP_B].n = 0;
	pump();
	assert_int_equal(lg[EP_B].n, 0);
	tshark(EP_B, "-e tcap.abort_element -e tcap.result -e tcap.dialogue_service_user", out, sizeof(out));
	assert_string_equal(out, "1\t1\t2");	/* AARE reject-permanent, ACN not supported */
	assert_int_equal(raw_last, TCAP_IND_U_ABORT);

	/* a v1 Begin whose SS-UserData is not IA5: rejected before the user sees an invoke */
	d = tcap_dialogue_alloc(raw, &addr[EP_B], &addr[EP_RAW], NULL, NULL);
	static const uint8_t high[] = { 0x16, 0x02, '*', 0xe9 };
	tcap_invoke(d, MAP_OP_PROCESS_USS_DATA, high, sizeof(high), 1000, NULL);
	tcap_begin(d, NULL, 0);
	mode = R_CONTINUE;
	pump();
	assert_int_equal(lg[EP_B].ind[0].type, MAP_IND_OPEN);
	assert_int_equal(find(EP_B, MAP_IND_INVOKE), -1);
	tshark(EP_B, "-e tcap.application_context_name -e gsm_old.invokeProblem", out, sizeof(out));
	assert_string_equal(out, "\t2");	/* mistypedParameter, still no dialogue portion */
	tcap_end(raw_dlg, false, NULL, 0);
	pump();
}

/* the peer rejects our request: a provider error */
static void test_reject_received(void **state)
{
	char out[64];
	struct map_open_req req = { .ac = MAP_AC_NETWORK_USSD, .called = &addr[EP_RAW], .calling = &addr[EP_A],
				    .user = &initiator };
	struct map_dialogue *md = map_open(mi[EP_A], &req);
	union map_arg u = { .ussd = { .dcs = 0x0f, .string = (const uint8_t *)"\xaa\x98\x0c\x36\x02", .string_len = 5 } };
	map_request(md, MAP_SVC_USSR, &u, NULL);
	map_delimit(md);
	tshark(EP_A, "-e gsm_old.localValue", out, sizeof(out));
	assert_string_equal(out, "60");
	pump();
	assert_non_null(raw_dlg);
	tcap_reject(raw_dlg, true, 1, TCAP_PROBLEM_INVOKE, TCAP_IP_MISTYPED_PARAMETER);
	tcap_end(raw_dlg, false, NULL, 0);
	pump();
	int e = find(EP_A, MAP_IND_ERROR);
	assert_true(e >= 0);
	assert_int_equal(lg[EP_A].ind[e].err.kind, MAP_EK_PROVIDER);
	assert_int_equal(lg[EP_A].ind[e].err.provider, MAP_PE_MISTYPED_PARAMETER);
	assert_int_equal(lg[EP_A].ind[e].svc, MAP_SVC_USSR);
	assert_int_equal(lg[EP_A].ind[lg[EP_A].n - 1].type, MAP_IND_CLOSE);
}

/* several parts in one dialogue: Begin, Continue(result), Continue(invoke), End */
static void test_parts_in_one_dialogue(void **state)
{
	mode = R_CONTINUE;
	struct map_dialogue *md = open_to(EP_B, MAP_AC_SHORT_MSG_MT_RELAY, NULL, NULL);
	union map_arg a = { .forward_sm = { .da_type = MAP_DA_IMSI, .da_imsi = "262011234567890",
					    .oa_type = MAP_OA_SC_ADDRESS, .oa_address = { true, 0x91, "491720000099" },
					    .sm_rp_ui = (const uint8_t *)"\x04\x04\x81\x21\x43\x00\x00\x52\x11\x42\x21\x00\x00\x00\x02\xc8\x34",
					    .sm_rp_ui_len = 17, .more_messages_to_send = true } };
	map_request(md, MAP_SVC_MT_FORWARD_SM, &a, NULL);
	map_delimit(md);
	pump();
	assert_int_equal(lg[EP_A].ind[1].type, MAP_IND_RESULT);
	assert_int_equal(lg[EP_A].ind[2].type, MAP_IND_DELIMITER);
	a.forward_sm.more_messages_to_send = false;
	mode = R_RESULT_CLOSE;
	assert_int_equal(map_request(md, MAP_SVC_MT_FORWARD_SM, &a, NULL), 0);
	assert_int_equal(map_delimit(md), 0);
	pump();
	assert_int_equal(lg[EP_A].ind[3].type, MAP_IND_RESULT);
	assert_int_equal(lg[EP_A].ind[4].type, MAP_IND_CLOSE);
	assert_int_equal(lg[EP_B].arg.forward_sm.more_messages_to_send, false);
}

/* dispatch by application context: each registration gets its own */
static void test_dispatch_by_context(void **state)
{
	/* B sends alertServiceCentre to A (A serves shortMsgAlert) */
	struct map_open_req req = { .ac = MAP_AC_SHORT_MSG_ALERT, .called = &addr[EP_A], .calling = &addr[EP_B],
				    .user = &responder };
	struct map_dialogue *md = map_open(mi[EP_B], &req);
	assert_int_equal(map_dialogue_version(md), 2);
	union map_arg a = { .alert_sc = { .msisdn = { true, 0x91, "491770000001" }, .sc_address = { true, 0x91, "491720000099" } } };
	map_request(md, MAP_SVC_ALERT_SC, &a, NULL);
	map_delimit(md);
	pump();
	assert_int_equal(lg[EP_A].ind[0].type, MAP_IND_OPEN);
	assert_int_equal(lg[EP_A].open.ac, MAP_AC_SHORT_MSG_ALERT);
	assert_int_equal(lg[EP_A].ind[1].svc, MAP_SVC_ALERT_SC);
	assert_string_equal(lg[EP_A].arg.alert_sc.msisdn.digits, "491770000001");
	map_response(lg[EP_A].md, lg[EP_A].ind[1].invoke_id, MAP_SVC_ALERT_SC, NULL);
	map_close(lg[EP_A].md, false);
	pump();
	assert_int_equal(lg[EP_B].ind[lg[EP_B].n - 2].type, MAP_IND_RESULT);
}

/* many dialogues, every ending: nothing left behind (teardown checks) */
static void test_no_leak(void **state)
{
	for (int i = 0; i < 500; i++) {
		mode = (enum mode)(i % 4);
		refuse_reason = MAP_REFUSE_NO_REASON;
		lg[EP_A].n = lg[EP_B].n = 0;
		sri(EP_B, NULL);
		pump();
	}
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	int rc = dissect_require();
	if (rc)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_result_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_info_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_fallback_learned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_acn_on_the_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_context_nobody_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_incompatibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_abort_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_then_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p_abort_from_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p_abort_dead_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_and_empty_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_received, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_ussd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts_in_one_dialogue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_by_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_leak, setup, teardown),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	talloc_free(log_ctx);
	return rc;
}
