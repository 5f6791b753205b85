/* TCAP transaction/component sublayers: two instances back to back through a
 * queued fake SCCP, driving the dialogues the MAP services need. */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/timer_compat.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/tcap/tcap.h>
#include "dissect.h"

static const struct tcap_acn acn_v3 = { 7, { 0x04, 0x00, 0x00, 0x01, 0x00, 0x14, 0x03 } };
static const struct tcap_acn acn_v2 = { 7, { 0x04, 0x00, 0x00, 0x01, 0x00, 0x14, 0x02 } };
/* SRI-for-SM argument and result, so tshark's MAP dissector is satisfied */
static const uint8_t param[] = { 0x30, 0x13, 0x80, 0x07, 0x91, 0x94, 0x71, 0x02, 0x00, 0x00, 0xf1,
				 0x81, 0x01, 0xff, 0x82, 0x05, 0x91, 0x94, 0x71, 0x00, 0x00 };
static const uint8_t result[] = { 0x30, 0x14, 0x04, 0x08, 0x62, 0x02, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0,
				  0xa0, 0x08, 0x81, 0x06, 0x91, 0x94, 0x71, 0x00, 0x00, 0x10 };

/* ---------------------------------------------------------- fake SCCP */

struct queued {
	int to;			/* instance index */
	struct sccp_unitdata ud;
	uint8_t data[4000];
};
static struct queued queue[64];
static int q_head, q_tail;
static struct tcap_instance *inst[2];
static struct sccp_addr addr[2];
static uint8_t last_sent[4000];
static size_t last_sent_len;

static int fake_unitdata_req(void *priv, const struct sccp_unitdata *ud)
{
	int from = (int)(intptr_t)priv;
	struct queued *q = &queue[q_tail++ % 64];
	q->to = !from;
	q->ud = *ud;
	memcpy(q->data, ud->data, ud->len);
	q->ud.data = q->data;
	memcpy(last_sent, ud->data, ud->len);
	last_sent_len = ud->len;
	return 0;
}

static int pump(void)
{
	int n = 0;
	while (q_head != q_tail) {
		struct queued *q = &queue[q_head++ % 64];
		tcap_rx_unitdata(inst[q->to], &q->ud);
		n++;
	}
	return n;
}

/* ----------------------------------------------------- the two users */

struct user_log {
	enum tcap_ind_type type[16];
	int n;
	struct tcap_component comp[16];
	int n_comp;
	struct tcap_acn acn;
	bool had_acn, refused, acn_not_supported;
	unsigned int cause;
	int l_cancel;
	struct tcap_dialogue *dlg;
};
static struct user_log log_[2];

/* what the responder does with a Begin */
enum responder_mode { R_END_RESULT, R_CONTINUE, R_ABORT, R_REFUSE_V3, R_QUIET };
static enum responder_mode responder_mode;

static void record(struct user_log *l, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	l->type[l->n++ % 16] = ind->type;
	l->dlg = dlg;
	l->had_acn = ind->acn != NULL;
	if (ind->acn)
		l->acn = *ind->acn;
	l->refused = ind->refused;
	l->acn_not_supported = ind->acn_not_supported;
	l->cause = ind->cause;
	for (unsigned int i = 0; i < ind->n_comp && l->n_comp < 16; i++)
		l->comp[l->n_comp++] = ind->comp[i];
}

static void responder_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	record(&log_[1], dlg, ind);
	if (ind->type == TCAP_IND_BEGIN) {
		switch (responder_mode) {
		case R_END_RESULT:
			for (unsigned int i = 0; i < ind->n_comp; i++)
				tcap_result(dlg, ind->comp[i].invoke_id, true, ind->comp[i].opcode, result, sizeof(result));
			tcap_end(dlg, false, NULL, 0);
			break;
		case R_CONTINUE:
			tcap_result(dlg, ind->comp[0].invoke_id, false, ind->comp[0].opcode, result, sizeof(result));
			tcap_continue(dlg, NULL, 0);
			break;
		case R_ABORT:
			tcap_u_abort(dlg, NULL, 0);
			break;
		case R_REFUSE_V3:
			if (tcap_acn_equal(ind->acn, &acn_v3)) {
				tcap_refuse_acn(dlg, &acn_v2);
			} else {
				tcap_result(dlg, ind->comp[0].invoke_id, true, ind->comp[0].opcode, result, sizeof(result));
				tcap_end(dlg, false, NULL, 0);
			}
			break;
		case R_QUIET:
			break;
		}
	} else if (ind->type == TCAP_IND_CONTINUE && responder_mode == R_CONTINUE) {
		tcap_result(dlg, ind->comp[0].invoke_id, true, ind->comp[0].opcode, result, sizeof(result));
		tcap_end(dlg, false, NULL, 0);
	}
}

static void initiator_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	record(&log_[0], dlg, ind);
	if (ind->type == TCAP_IND_CONTINUE && responder_mode == R_CONTINUE) {
		/* second step of the dialogue: one more invoke */
		tcap_invoke(dlg, 45, param, sizeof(param), 10000, NULL);
		tcap_continue(dlg, NULL, 0);
	}
}

static void l_cancel(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	log_[0].l_cancel++;
	tcap_dialogue_release(dlg);
}

static const struct tcap_user_ops ops[2] = {
	{ .dialogue_ind = initiator_ind, .l_cancel_ind = l_cancel },
	{ .dialogue_ind = responder_ind },
};

static void *ctx;

static int setup(void **state)
{
	ctx = talloc_named_const(NULL, 0, "test");
	memset(log_, 0, sizeof(log_));
	q_head = q_tail = 0;
	for (int i = 0; i < 2; i++) {
		struct sccp_sap_down down = { .unitdata_req = fake_unitdata_req, .priv = (void *)(intptr_t)i };
		inst[i] = tcap_instance_alloc(ctx, &down, &ops[i], NULL);
		sccp_addr_set_e164(&addr[i], i ? "491720000001" : "491720000099", i ? 6 : 8);
	}
	return 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < 2; i++)
		if (inst[i])
			assert_int_equal(tcap_instance_live_dialogues(inst[i]), 0);
	talloc_free(ctx);
	return 0;
}

static struct tcap_dialogue *start(const struct tcap_acn *acn)
{
	struct tcap_dialogue *dlg = tcap_dialogue_alloc(inst[0], &addr[1], &addr[0], acn, NULL);
	assert_non_null(dlg);
	assert_int_equal(tcap_invoke(dlg, 45, param, sizeof(param), 10000, NULL), 0);
	assert_int_equal(tcap_begin(dlg, NULL, 0), 0);
	return dlg;
}

static void test_begin_end_with_result(void **state)
{
	responder_mode = R_END_RESULT;
	start(&acn_v3);
	assert_int_equal(pump(), 2);
	assert_int_equal(log_[1].type[0], TCAP_IND_BEGIN);
	assert_true(log_[1].had_acn && tcap_acn_equal(&log_[1].acn, &acn_v3));
	assert_int_equal(log_[0].n, 1);
	assert_int_equal(log_[0].type[0], TCAP_IND_END);
	assert_true(log_[0].had_acn && tcap_acn_equal(&log_[0].acn, &acn_v3));	/* AARE */
	assert_int_equal(log_[0].n_comp, 1);
	assert_int_equal(log_[0].comp[0].type, TCAP_COMP_RESULT_LAST);
	assert_int_equal(log_[0].comp[0].opcode, 45);
	/* the End went out with the AARE: tshark agrees */
	char out[256];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap", "-e tcap.result -e gsm_old.localValue",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "0\t45");
}

static void test_begin_continue_end(void **state)
{
	responder_mode = R_CONTINUE;
	start(&acn_v3);
	assert_int_equal(pump(), 4);	/* Begin, Continue, Continue, End */
	assert_int_equal(log_[0].n, 2);
	assert_int_equal(log_[0].type[0], TCAP_IND_CONTINUE);
	assert_int_equal(log_[0].type[1], TCAP_IND_END);
	assert_int_equal(log_[0].comp[0].type, TCAP_COMP_RESULT_NOT_LAST);
	assert_int_equal(log_[1].type[1], TCAP_IND_CONTINUE);
}

static void test_user_abort(void **state)
{
	responder_mode = R_ABORT;
	start(&acn_v3);
	pump();
	assert_int_equal(log_[0].type[0], TCAP_IND_U_ABORT);
	assert_false(log_[0].refused);
}

static void test_refused_acn_fallback(void **state)
{
	responder_mode = R_REFUSE_V3;
	start(&acn_v3);
	pump();
	assert_int_equal(log_[0].type[0], TCAP_IND_U_ABORT);
	assert_true(log_[0].refused);
	assert_true(log_[0].acn_not_supported);
	assert_true(tcap_acn_equal(&log_[0].acn, &acn_v2));
	/* the refusal as tshark sees it: AARE reject-permanent, user diag 2 */
	char out[256];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap",
				     "-e tcap.result -e tcap.dialogue_service_user", out, sizeof(out)), 0);
	assert_string_equal(out, "1\t2");
	/* the initiator retries with the proposed version */
	struct tcap_acn proposed = log_[0].acn;
	start(&proposed);
	pump();
	assert_int_equal(log_[0].type[1], TCAP_IND_END);
	assert_true(tcap_acn_equal(&log_[0].acn, &acn_v2));
}

static void test_no_dialogue_portion(void **state)
{
	/* MAP v1 style: no AARQ, so no AARE either */
	responder_mode = R_END_RESULT;
	start(NULL);
	pump();
	assert_false(log_[1].had_acn);
	assert_int_equal(log_[0].type[0], TCAP_IND_END);
	assert_false(log_[0].had_acn);
}

static void test_unknown_tid_p_abort(void **state)
{
	/* a Continue for a TID nobody has: P-Abort unrecognizedTransactionID to its OTID */
	static const uint8_t cont[] = { 0x65, 0x0c, 0x48, 0x04, 0xde, 0xad, 0xbe, 0xef,
					0x49, 0x04, 0x00, 0x00, 0x00, 0x01 };
	struct sccp_unitdata ud = { .called = addr[1], .calling = addr[0], .data = cont, .len = sizeof(cont) };
	tcap_rx_unitdata(inst[1], &ud);
	assert_int_equal(q_tail - q_head, 1);
	char out[256];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap", "-e tcap.dtid -e tcap.p_abortCause",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "deadbeef\t1");
	assert_int_equal(tcap_instance_ctr(inst[1], TCAP_CTR_RX_UNKNOWN_TID), 1);
	/* the P-Abort reaches the initiator, who has no such TID either: counted, no answer */
	pump();
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_UNKNOWN_TID), 1);
	assert_int_equal(q_tail - q_head, 0);
}

static void test_duplicate_invoke_id(void **state)
{
	/* Begin with two invokes both using invokeID 1: the second is rejected */
	static const uint8_t begin[] = { 0x62, 0x16, 0x48, 0x04, 0x00, 0x00, 0x00, 0x07, 0x6c, 0x0e,
					 0xa1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x2d,
					 0xa1, 0x04, 0x02, 0x01, 0x01, 0x02 };
	uint8_t fixed[sizeof(begin) + 2];
	/* second invoke: invokeID 1, opcode 46 */
	memcpy(fixed, begin, 18);
	const uint8_t inv2[] = { 0xa1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x2e };
	memcpy(fixed + 18, inv2, sizeof(inv2));
	fixed[1] = sizeof(fixed) - 2;
	fixed[9] = 16;
	responder_mode = R_END_RESULT;
	struct sccp_unitdata ud = { .called = addr[1], .calling = addr[0], .data = fixed, .len = sizeof(fixed) };
	tcap_rx_unitdata(inst[1], &ud);
	assert_int_equal(log_[1].n_comp, 1);	/* only the first invoke reaches the user */
	char out[256];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap",
				     "-e tcap.dtid -e gsm_old.derivable -e gsm_old.invokeProblem", out, sizeof(out)), 0);
	assert_string_equal(out, "00000007\t1\t0");	/* Reject duplicateInvocation for invoke 1 */
	q_head = q_tail;	/* nobody at the other end */
}

static void test_result_for_unknown_invoke_rejected(void **state)
{
	/* the peer answers invoke 5 which we never sent: Reject unrecognizedInvokeID */
	responder_mode = R_QUIET;
	struct tcap_dialogue *dlg = start(&acn_v3);
	pump();
	struct tcap_dialogue *peer = log_[1].dlg;
	tcap_result(peer, 5, true, 45, result, sizeof(result));
	tcap_continue(peer, NULL, 0);
	pump();
	assert_int_equal(log_[0].type[0], TCAP_IND_CONTINUE);
	assert_int_equal(log_[0].n_comp, 0);
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_TX_REJECT), 1);
	tcap_u_abort(dlg, NULL, 0);
	pump();
	assert_int_equal(log_[1].type[1], TCAP_IND_U_ABORT);
}

static void test_invoke_timeout(void **state)
{
	responder_mode = R_QUIET;
	/* libosmocore 1.7 timers run on osmo_gettimeofday() */
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };
	start(&acn_v3);
	pump();
	osmo_gettimeofday_override_add(11, 0);
	osmo_timers_prepare();
	osmo_timers_update();
	assert_int_equal(log_[0].l_cancel, 1);
	assert_int_equal(tcap_instance_live_dialogues(inst[0]), 0);
	osmo_gettimeofday_override = false;
	/* the responder still holds its side: end it locally */
	tcap_end(log_[1].dlg, true, NULL, 0);
}

static int uni_seen;
static struct tcap_component uni_comp;

static void uni_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (ind->type == TCAP_IND_UNI && !dlg && ind->n_comp == 1 && ind->acn && tcap_acn_equal(ind->acn, &acn_v3)) {
		uni_seen++;
		uni_comp = ind->comp[0];
	}
}

static void test_unidirectional(void **state)
{
	uint8_t comp[64];
	struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 3,
				    .op_present = true, .opcode = 45, .param = param, .param_len = sizeof(param) };
	int n = tcap_encode_component(comp, sizeof(comp), &c);
	struct tcap_user_ops o = { .dialogue_ind = uni_ind };
	struct tcap_instance *rx = tcap_instance_alloc(ctx, &(struct sccp_sap_down){ .unitdata_req = fake_unitdata_req,
										 .priv = (void *)(intptr_t)0 },
						       &o, NULL);
	inst[1] = rx;
	assert_int_equal(tcap_uni(inst[0], &addr[1], &addr[0], &acn_v3, comp, n), 0);
	pump();
	assert_int_equal(uni_seen, 1);
	assert_int_equal(uni_comp.opcode, 45);
	assert_int_equal(tcap_instance_live_dialogues(rx), 0);
	char out[256];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap", "-e tcap.oid -e gsm_old.localValue",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "0.0.17.773.1.2.1\t45");
}

static void test_many_dialogues_no_leak(void **state)
{
	responder_mode = R_END_RESULT;
	size_t before = talloc_total_size(ctx);
	for (int i = 0; i < 2000; i++) {
		start(&acn_v3);
		pump();
	}
	assert_int_equal(tcap_instance_live_dialogues(inst[0]), 0);
	assert_int_equal(talloc_total_size(ctx), before);
	assert_int_equal(tcap_instance_ctr(inst[1], TCAP_CTR_RX_BEGIN), 2000);
}

/* TIDs a peer sees do not tell it the next one */
static void test_tids_unpredictable(void **state)
{
	responder_mode = R_END_RESULT;
	uint32_t prev = 0;
	int sequential = 0;
	for (int i = 0; i < 200; i++) {
		struct tcap_dialogue *dlg = start(&acn_v3);
		uint32_t tid = tcap_dialogue_local_tid(dlg);
		if (i && (tid == prev + 1 || tid == prev - 1))
			sequential++;
		prev = tid;
		pump();
	}
	assert_int_equal(sequential, 0);
}

/* An answer to our Begin from another address than the one called is
 * dropped without a word; the real answer still goes through. Later
 * messages only from the address that answered. */
static void test_answer_from_wrong_origin_dropped(void **state)
{
	responder_mode = R_QUIET;
	struct tcap_dialogue *dlg = start(&acn_v3);
	pump();
	uint32_t tid = tcap_dialogue_local_tid(dlg);
	uint8_t buf[64];
	struct tcap_tx_msg forged = { .type = TCAP_MSG_END, .dtid_present = true, .dtid_len = 4,
				      .dtid = { tid >> 24, tid >> 16, tid >> 8, tid } };
	int n = tcap_encode(buf, sizeof(buf), &forged);
	struct sccp_addr rogue;
	sccp_addr_set_e164(&rogue, "882350000001", 6);
	struct sccp_unitdata ud = { .called = addr[0], .calling = rogue, .data = buf, .len = (size_t)n };
	tcap_rx_unitdata(inst[0], &ud);
	assert_int_equal(log_[0].n, 0);				/* nothing reached the user */
	assert_int_equal(q_tail - q_head, 0);			/* and nothing answered the forger */
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_WRONG_ORIGIN), 1);
	assert_int_equal(tcap_instance_live_dialogues(inst[0]), 1);
	/* the genuine peer continues; then a forged End from the rogue is dropped again */
	tcap_continue(log_[1].dlg, NULL, 0);
	pump();
	assert_int_equal(log_[0].type[0], TCAP_IND_CONTINUE);
	tcap_rx_unitdata(inst[0], &ud);
	assert_int_equal(log_[0].n, 1);
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_WRONG_ORIGIN), 2);
	tcap_end(log_[1].dlg, false, NULL, 0);
	pump();
	assert_int_equal(log_[0].type[1], TCAP_IND_END);
}

static bool allow_rogue(void *priv, struct tcap_dialogue *dlg, const struct sccp_addr *called,
			const struct sccp_addr *answering)
{
	return !strcmp(answering->gt.digits, "882350000001");
}

static void test_answer_check_hook(void **state)
{
	responder_mode = R_QUIET;
	tcap_instance_set_answer_check(inst[0], allow_rogue);
	struct tcap_dialogue *dlg = start(&acn_v3);
	pump();
	/* the peer we called is not what the hook allows: its answer is dropped */
	tcap_continue(log_[1].dlg, NULL, 0);
	pump();
	assert_int_equal(log_[0].n, 0);
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_WRONG_ORIGIN), 1);
	tcap_u_abort(dlg, NULL, 0);
	tcap_end(log_[1].dlg, true, NULL, 0);
	q_head = q_tail;
}

/* Begins over the limits: P-Abort resource limitation, counted; the
 * per-peer limit counts by GT prefix */
static void test_dialogue_limits(void **state)
{
	struct tcap_limits l = { .max_dialogues = 10, .max_per_peer = 3, .peer_prefix_digits = 6 };
	tcap_instance_set_limits(inst[1], &l);
	responder_mode = R_QUIET;
	for (int i = 0; i < 5; i++) {
		start(&acn_v3);
		pump();
	}
	assert_int_equal(tcap_instance_live_dialogues(inst[1]), 3);
	assert_int_equal(tcap_instance_ctr(inst[1], TCAP_CTR_LIMIT_PEER), 2);
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_P_ABORT), 2);
	char out[64];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap", "-e tcap.p_abortCause", out, sizeof(out)), 0);
	assert_string_equal(out, "4");		/* resourceLimitation */
	/* other prefixes have their own share, up to the overall limit */
	struct sccp_addr other = addr[0];
	for (int i = 0; i < 10; i++) {
		snprintf(other.gt.digits, sizeof(other.gt.digits), "4%d1720000099", i);
		struct tcap_dialogue *d = tcap_dialogue_alloc(inst[0], &addr[1], &other, &acn_v3, NULL);
		tcap_invoke(d, 45, param, sizeof(param), 10000, NULL);
		tcap_begin(d, NULL, 0);
	}
	pump();
	assert_int_equal(tcap_instance_live_dialogues(inst[1]), 10);
	assert_int_equal(tcap_instance_ctr(inst[1], TCAP_CTR_LIMIT_TOTAL), 3);
	/* tidy up: every side ends its dialogues locally */
	talloc_free(inst[0]);
	talloc_free(inst[1]);
	inst[0] = inst[1] = NULL;
}

/* Delivers what is queued: what goes to the responder's side to `to` */
static void pump_to(struct tcap_instance *to)
{
	while (q_head != q_tail) {
		struct queued *q = &queue[q_head++ % 64];
		tcap_rx_unitdata(q->to ? to : inst[0], &q->ud);
	}
}

/* Begins from the GT `from` to whichever instance pump_to() names */
static void begin_from(const char *from)
{
	struct sccp_addr calling = addr[0];
	osmo_strlcpy(calling.gt.digits, from, sizeof(calling.gt.digits));
	struct tcap_dialogue *d = tcap_dialogue_alloc(inst[0], &addr[1], &calling, &acn_v3, NULL);
	assert_non_null(d);
	tcap_invoke(d, 45, param, sizeof(param), 10000, NULL);
	tcap_begin(d, NULL, 0);
}

/* Two instances of one process (two subsystems) sharing the limits: a peer
 * gets its per-peer share once, not once per subsystem, and the overall
 * limit counts the dialogues of both; the budget outlives either instance */
static void test_shared_limits(void **state)
{
	struct tcap_limits l = { .max_dialogues = 10, .max_per_peer = 3, .peer_prefix_digits = 6 };
	tcap_instance_set_limits(inst[1], &l);
	struct sccp_sap_down down = { .unitdata_req = fake_unitdata_req, .priv = (void *)(intptr_t)1 };
	struct tcap_instance *second = tcap_instance_alloc(ctx, &down, &ops[1], NULL);
	assert_int_equal(tcap_instance_share_limits(second, inst[1]), 0);
	responder_mode = R_QUIET;
	/* one peer: 2 Begins to the first subsystem, 3 to the second */
	for (int i = 0; i < 2; i++) {
		begin_from("491720000099");
		pump_to(inst[1]);
	}
	for (int i = 0; i < 3; i++) {
		begin_from("491720000099");
		pump_to(second);
	}
	assert_int_equal(tcap_instance_live_dialogues(inst[1]), 2);
	assert_int_equal(tcap_instance_live_dialogues(second), 1);
	assert_int_equal(tcap_instance_live_dialogues_shared(second), 3);
	assert_int_equal(tcap_instance_ctr(second, TCAP_CTR_LIMIT_PEER), 2);
	assert_int_equal(tcap_instance_ctr(inst[0], TCAP_CTR_RX_P_ABORT), 2);
	char out[64];
	assert_int_equal(dissect_run(last_sent, last_sent_len, "tcap", "-e tcap.p_abortCause", out, sizeof(out)), 0);
	assert_string_equal(out, "4");		/* resourceLimitation */
	/* the overall limit: 10 for both together, not 10 each */
	for (int i = 0; i < 10; i++) {
		char gt[16];
		snprintf(gt, sizeof(gt), "4%d1720000099", i);
		begin_from(gt);
		pump_to(second);
	}
	assert_int_equal(tcap_instance_live_dialogues(second), 8);
	assert_int_equal(tcap_instance_live_dialogues_shared(inst[1]), 10);
	assert_int_equal(tcap_instance_ctr(second, TCAP_CTR_LIMIT_TOTAL), 3);
	begin_from("431720000001");
	pump_to(inst[1]);
	assert_int_equal(tcap_instance_ctr(inst[1], TCAP_CTR_LIMIT_TOTAL), 1);
	/* an instance with dialogues keeps its budget */
	assert_int_equal(tcap_instance_share_limits(second, inst[0]), -EBUSY);
	/* the first instance goes: its dialogues leave the budget, which stays */
	talloc_free(inst[1]);
	inst[1] = NULL;
	assert_int_equal(tcap_instance_live_dialogues_shared(second), 8);
	begin_from("431720000001");
	pump_to(second);
	assert_int_equal(tcap_instance_live_dialogues(second), 9);
	talloc_free(second);
	talloc_free(inst[0]);
	inst[0] = NULL;
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_begin_end_with_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_continue_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_acn_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dialogue_portion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_tid_p_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_invoke_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result_for_unknown_invoke_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invoke_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unidirectional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_dialogues_no_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tids_unpredictable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_from_wrong_origin_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_check_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dialogue_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_limits, setup, teardown),
	};
	int rc = cmocka_run_group_tests_name("tcap_dialogue", tests, NULL, NULL);
	log_fini();
	talloc_free(log_ctx);
	return rc;
}
