/* The GSUP transport (EUSE of an OsmoHLR): sessions driven with GSUP
 * messages built by libosmocore's encoder, our answers decoded by its
 * decoder and by tshark (gsm_ipa / gsup / gsm_map); the IPA client driven
 * byte by byte and over a real socket to a scripted HLR in this process,
 * with the timer clock moved by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/ipa.h>
#include <osmocom/gsm/protocol/gsm_04_08_gprs.h>
#include <osmocom/gsm/protocol/gsm_04_80.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <sigway/common/logging.h>
#include <sigway/gsup/euse.h>
#include <sigway/ussd/ussd_string.h>
#include "gsup_internal.h"
#include "dissect.h"

#define IMSI "262420000000001"

static void *g_ctx;
static char out[16384];

/* ------------------------------------------------------------ what we sent */

#define MAX_TX 16
static struct {
	uint8_t data[MAX_TX][IPA_MAX_PAYLOAD];
	size_t len[MAX_TX];
	unsigned int n;
	int fail;		/* the next tx returns this */
} sent;

static int capture_tx(void *priv, const uint8_t *data, size_t len)
{
	if (sent.fail)
		return sent.fail;
	assert_true(sent.n < MAX_TX);
	memcpy(sent.data[sent.n], data, len);
	sent.len[sent.n++] = len;
	return 0;
}

/* the i-th message we sent, decoded by libosmocore; c its component */
static void sent_msg(unsigned int i, struct osmo_gsup_message *g, struct ussd_component *c)
{
	assert_true(i < sent.n);
	assert_int_equal(osmo_gsup_decode(sent.data[i], sent.len[i], g), 0);
	if (c) {
		assert_non_null(g->ss_info);
		assert_int_equal(ussd_component_decode(c, g->ss_info, g->ss_info_len), 0);
	}
}

/* tshark: an IPA frame around the GSUP message, fields of the gsup / gsm_map dissectors */
static int dissect_sent(unsigned int i, const char *fields)
{
	uint8_t f[3 + 1 + IPA_MAX_PAYLOAD];
	f[0] = (uint8_t)((sent.len[i] + 1) >> 8);
	f[1] = (uint8_t)(sent.len[i] + 1);
	f[2] = IPAC_PROTO_OSMO;
	f[3] = IPAC_PROTO_EXT_GSUP;
	memcpy(f + 4, sent.data[i], sent.len[i]);
	return dissect_run(f, sent.len[i] + 4, "ipa", fields, out, sizeof(out));
}

/* ------------------------------------------------------------ the test core */

static struct {
	int begin_rc;
	int begins, continues, ends, aborts;
	char imsi[32];
	uint32_t id;
	char text[200];
	enum euse_abort_cause cause;
	bool end_had_component;
	int tag;	/* the sess_priv we handed out */
	/* what the core does inside session_begin: 0 nothing, 1 send a menu, 2 end at once */
	int on_begin;
} core;

static struct euse *g_e;

static void note_text(const struct ussd_component *c)
{
	core.text[0] = 0;
	if (c && c->has_ussd)
		ussd_string_decode(core.text, sizeof(core.text), c->dcs, c->string, c->string_len, NULL);
}

static struct ussd_component text_comp(enum ussd_comp_type type, uint8_t opcode, const char *text)
{
	struct ussd_component c = { .type = type, .has_opcode = true, .opcode = opcode };
	assert_int_equal(ussd_component_set_text(&c, USSD_DCS_GSM7_UNSPEC, text), 0);
	return c;
}

static int t_begin(void *priv, const char *imsi, uint32_t id, const struct ussd_component *c, void **sp)
{
	core.begins++;
	snprintf(core.imsi, sizeof(core.imsi), "%s", imsi);
	core.id = id;
	note_text(c);
	*sp = &core.tag;
	if (core.on_begin == 1) {
		struct ussd_component m = text_comp(USSD_COMP_INVOKE, USSD_OP_USS_REQ, "Menu");
		assert_int_equal(euse_send(g_e, imsi, id, EUSE_CONTINUE, &m), 0);
	} else if (core.on_begin == 2) {
		struct ussd_component m = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_PROCESS_USS_REQ, "Bye");
		assert_int_equal(euse_send(g_e, imsi, id, EUSE_END, &m), 0);
	}
	return core.begin_rc;
}

static void t_continue(void *priv, void *sp, const char *imsi, uint32_t id, const struct ussd_component *c)
{
	assert_ptr_equal(sp, &core.tag);
	core.continues++;
	note_text(c);
}

static void t_end(void *priv, void *sp, const char *imsi, uint32_t id, const struct ussd_component *c)
{
	assert_ptr_equal(sp, &core.tag);
	core.ends++;
	core.end_had_component = c != NULL;
	note_text(c);
}

static void t_abort(void *priv, void *sp, const char *imsi, uint32_t id, enum euse_abort_cause cause)
{
	assert_ptr_equal(sp, &core.tag);
	core.aborts++;
	core.cause = cause;
	/* a session being aborted cannot be used any more */
	struct ussd_component m = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_PROCESS_USS_REQ, "x");
	assert_int_equal(euse_send(g_e, imsi, id, EUSE_END, &m), -ENOENT);
}

static const struct euse_ops test_ops = {
	.session_begin = t_begin,
	.session_continue = t_continue,
	.session_end = t_end,
	.session_abort = t_abort,
};

static struct euse_cfg test_cfg(void)
{
	struct euse_cfg cfg;
	euse_cfg_defaults(&cfg);
	cfg.max_sessions = 2;
	cfg.guard_timeout_s = 30;
	return cfg;
}

static int setup(void **state)
{
	memset(&sent, 0, sizeof(sent));
	memset(&core, 0, sizeof(core));
	struct euse_cfg cfg = test_cfg();
	g_e = euse_alloc_with_tx(g_ctx, &cfg, &test_ops, NULL, capture_tx, NULL);
	assert_non_null(g_e);
	return 0;
}

static int teardown(void **state)
{
	euse_stop(g_e);
	g_e = NULL;
	return 0;
}

/* ------------------------------------------------------------ from the HLR */

/* A message as OsmoHLR forwards the MSC's: PROC_SS_REQUEST, class USSD */
static void hlr_send(enum osmo_gsup_message_type type, uint32_t id, enum osmo_gsup_session_state st,
		     const struct ussd_component *c)
{
	uint8_t ss_info[255];
	struct osmo_gsup_message g = {
		.message_type = type,
		.session_id = id,
		.session_state = st,
		.message_class = OSMO_GSUP_MESSAGE_CLASS_USSD,
	};
	OSMO_STRLCPY_ARRAY(g.imsi, IMSI);
	if (c) {
		int n = ussd_component_encode(ss_info, sizeof(ss_info), c);
		assert_true(n > 0);
		g.ss_info = ss_info;
		g.ss_info_len = n;
	}
	struct msgb *msg = msgb_alloc(1024, "test");
	assert_int_equal(osmo_gsup_encode(msg, &g), 0);
	euse_rx_gsup(g_e, msgb_data(msg), msgb_length(msg));
	msgb_free(msg);
}

static void dial(uint32_t id, const char *code)
{
	struct ussd_component c = text_comp(USSD_COMP_INVOKE, USSD_OP_PROCESS_USS_REQ, code);
	c.has_invoke_id = true;
	c.invoke_id = 1;
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, id, OSMO_GSUP_SESSION_STATE_BEGIN, &c);
}

static void answer(uint32_t id, uint8_t invoke_id, const char *text)
{
	struct ussd_component c = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_USS_REQ, text);
	c.has_invoke_id = true;
	c.invoke_id = invoke_id;
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, id, OSMO_GSUP_SESSION_STATE_CONTINUE, &c);
}

static void send_text(uint32_t id, enum euse_state st, const char *text, int expect_rc)
{
	struct ussd_component c = st == EUSE_END
		? text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_PROCESS_USS_REQ, text)
		: text_comp(USSD_COMP_INVOKE, USSD_OP_USS_REQ, text);
	assert_int_equal(euse_send(g_e, IMSI, id, st, &c), expect_rc);
}

/* ------------------------------------------------------------ sessions */

/* dial, a menu, an answer, the final text: what goes out is what OsmoHLR
 * relays (PROC_SS_RESULT, the MSC's class, the session id), and tshark
 * reads the same */
static void test_menu_round_trip(void **state)
{
	struct osmo_gsup_message g;
	struct ussd_component c;

	dial(0x1234, "*123#");
	assert_int_equal(core.begins, 1);
	assert_string_equal(core.imsi, IMSI);
	assert_int_equal(core.id, 0x1234);
	assert_string_equal(core.text, "*123#");
	assert_int_equal(euse_sessions(g_e), 1);

	send_text(0x1234, EUSE_CONTINUE, "Menu\n1 Balance", 0);
	sent_msg(0, &g, &c);
	assert_int_equal(g.message_type, OSMO_GSUP_MSGT_PROC_SS_RESULT);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_CONTINUE);
	assert_int_equal(g.session_id, 0x1234);
	assert_int_equal(g.message_class, OSMO_GSUP_MESSAGE_CLASS_USSD);
	assert_string_equal(g.imsi, IMSI);
	assert_int_equal(c.type, USSD_COMP_INVOKE);
	assert_int_equal(c.opcode, USSD_OP_USS_REQ);
	assert_int_not_equal(c.invoke_id, 1);	/* not the subscriber's request */
	uint8_t ussr_id = c.invoke_id;
	assert_int_equal(dissect_sent(0, "-e gsup.msg_type -e gsup.session_state -e gsup.session_id "
				      "-e gsm_old.localValue -e gsm_map.ussd_string"), 0);
	assert_string_equal(out, "34\t2\t0x00001234\t60\tMenu\\n1 Balance");	/* tshark's escape */

	/* our turn is over until the subscriber answers */
	send_text(0x1234, EUSE_CONTINUE, "again", -EBUSY);
	send_text(0x1234, EUSE_END, "too early? no: an end is always allowed", 0);
	assert_int_equal(euse_sessions(g_e), 0);
	assert_int_equal(core.aborts, 0);

	/* a second session, answered and ended */
	dial(0x1235, "*123#");
	send_text(0x1235, EUSE_CONTINUE, "Menu", 0);
	answer(0x1235, ussr_id, "1");
	assert_int_equal(core.continues, 1);
	assert_string_equal(core.text, "1");
	send_text(0x1235, EUSE_END, "Balance: 42.00", 0);
	sent_msg(sent.n - 1, &g, &c);
	assert_int_equal(g.message_type, OSMO_GSUP_MSGT_PROC_SS_RESULT);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_END);
	assert_int_equal(c.type, USSD_COMP_RETURN_RESULT);
	assert_int_equal(c.invoke_id, 1);	/* answers the subscriber's request */
	assert_int_equal(c.opcode, USSD_OP_PROCESS_USS_REQ);
	assert_int_equal(dissect_sent(sent.n - 1, "-e gsup.session_state -e gsm_map.ussd_string"), 0);
	assert_string_equal(out, "3\tBalance: 42.00");
	assert_int_equal(euse_sessions(g_e), 0);
	assert_int_equal(euse_send_error(g_e, IMSI, 0x1235, GSM0480_ERR_CODE_SYSTEM_FAILURE), -ENOENT);
}

/* the core answers from inside session_begin: a menu, or the end at once */
static void test_answer_inside_begin(void **state)
{
	struct osmo_gsup_message g;
	struct ussd_component c;

	core.on_begin = 1;
	dial(7, "*123#");
	assert_int_equal(sent.n, 1);
	sent_msg(0, &g, &c);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_CONTINUE);
	answer(7, c.invoke_id, "2");
	assert_int_equal(core.continues, 1);

	core.on_begin = 2;
	dial(8, "*123*4#");
	assert_int_equal(sent.n, 2);
	sent_msg(1, &g, &c);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_END);
	assert_int_equal(c.type, USSD_COMP_RETURN_RESULT);
	assert_int_equal(euse_sessions(g_e), 1);	/* session 7 only */
}

static void test_send_rules(void **state)
{
	struct osmo_gsup_message g;
	struct ussd_component c;

	send_text(1, EUSE_END, "nobody", -ENOENT);
	dial(1, "*123#");
	/* a final result cannot continue, a USSR cannot end, PUSSR is the subscriber's */
	send_text(1, EUSE_CONTINUE, "x", 0);
	answer(1, 2, "1");
	c = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_PROCESS_USS_REQ, "x");
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_CONTINUE, &c), -EINVAL);
	c = text_comp(USSD_COMP_INVOKE, USSD_OP_USS_REQ, "x");
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_END, &c), -EINVAL);
	c = text_comp(USSD_COMP_INVOKE, USSD_OP_PROCESS_USS_REQ, "x");
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_CONTINUE, &c), -EINVAL);
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_END, NULL), -EINVAL);
	/* over the 255 octets of SS_INFO: refused, nothing sent, the session stays */
	static uint8_t big[250];
	c = (struct ussd_component) { .type = USSD_COMP_RETURN_ERROR, .error_code = 34,
				      .param = big, .param_len = sizeof(big) };
	unsigned int before = sent.n;
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_END, &c), -EMSGSIZE);
	assert_int_equal(sent.n, before);
	assert_int_equal(euse_sessions(g_e), 1);
	/* a USSN, then the end with an error code of the application */
	c = text_comp(USSD_COMP_INVOKE, USSD_OP_USS_NOTIFY, "note");
	assert_int_equal(euse_send(g_e, IMSI, 1, EUSE_CONTINUE, &c), 0);
	answer(1, 3, "ok");
	assert_int_equal(euse_send_error(g_e, IMSI, 1, GSM0480_ERR_CODE_UNEXPECTED_DATA_VALUE), 0);
	sent_msg(sent.n - 1, &g, &c);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_END);
	assert_int_equal(c.type, USSD_COMP_RETURN_ERROR);
	assert_int_equal(c.invoke_id, 1);
	assert_int_equal(c.error_code, GSM0480_ERR_CODE_UNEXPECTED_DATA_VALUE);
	assert_int_equal(dissect_sent(sent.n - 1, "-e gsm_old.localValue"), 0);
	assert_string_equal(out, "36");
	assert_int_equal(euse_sessions(g_e), 0);
}

/* a failed send of the end still ends the session; of a menu, it does not */
static void test_send_failure(void **state)
{
	dial(1, "*123#");
	sent.fail = -ENOTCONN;
	send_text(1, EUSE_CONTINUE, "menu", -ENOTCONN);
	assert_int_equal(euse_sessions(g_e), 1);
	send_text(1, EUSE_END, "bye", -ENOTCONN);
	assert_int_equal(euse_sessions(g_e), 0);
	assert_int_equal(core.aborts, 0);
}

static void assert_sent_error(unsigned int i, uint8_t code)
{
	struct osmo_gsup_message g;
	struct ussd_component c;
	sent_msg(i, &g, &c);
	assert_int_equal(g.message_type, OSMO_GSUP_MSGT_PROC_SS_RESULT);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_END);
	assert_int_equal(c.type, USSD_COMP_RETURN_ERROR);
	assert_int_equal(c.invoke_id, 1);
	assert_int_equal(c.error_code, code);
}

static void test_limits_and_refusal(void **state)
{
	dial(1, "*123#");
	dial(2, "*123#");
	assert_int_equal(core.begins, 2);
	/* max-sessions 2: the third gets systemFailure, the core never sees it */
	dial(3, "*123#");
	assert_int_equal(core.begins, 2);
	assert_int_equal(euse_sessions(g_e), 2);
	assert_sent_error(0, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	assert_int_equal(g_e->ctrg->ctr[EUSE_CTR_SESS_REFUSED_LIMIT].current, 1);
	send_text(1, EUSE_END, "bye", 0);

	/* the core refuses: systemFailure, and no abort for a session it did not take */
	core.begin_rc = -EBUSY;
	dial(4, "*123#");
	assert_int_equal(core.begins, 3);
	assert_sent_error(2, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	assert_int_equal(euse_sessions(g_e), 1);
	assert_int_equal(core.aborts, 0);
}

static void assert_sent_reject(unsigned int i, bool has_invoke_id, uint8_t tag, uint8_t code)
{
	struct osmo_gsup_message g;
	struct ussd_component c;
	sent_msg(i, &g, &c);
	assert_int_equal(g.session_state, OSMO_GSUP_SESSION_STATE_END);
	assert_int_equal(c.type, USSD_COMP_REJECT);
	assert_int_equal(c.has_invoke_id, has_invoke_id);
	assert_int_equal(c.problem_tag, tag);
	assert_int_equal(c.problem_code, code);
}

static void assert_sent_proc_ss_error(unsigned int i, uint32_t id, uint8_t cause)
{
	struct osmo_gsup_message g;
	sent_msg(i, &g, NULL);
	assert_int_equal(g.message_type, OSMO_GSUP_MSGT_PROC_SS_ERROR);
	assert_int_equal(g.session_id, id);
	assert_int_equal(g.cause, cause);
}

/* bad input: the protocol-correct answer, a counter, nothing else */
static void test_bad_input(void **state)
{
	/* not GSUP at all: nothing to answer */
	static const uint8_t junk[] = { 0x20, 0x01, 0x09, 0x01 };
	euse_rx_gsup(g_e, junk, sizeof(junk));
	assert_int_equal(sent.n, 0);
	assert_int_equal(g_e->ctrg->ctr[EUSE_CTR_RX_MALFORMED].current, 1);

	/* SS_INFO that is no component: Reject, badly structured, no invoke id */
	struct osmo_gsup_message g = {
		.message_type = OSMO_GSUP_MSGT_PROC_SS_REQUEST, .session_id = 5,
		.session_state = OSMO_GSUP_SESSION_STATE_BEGIN,
		.ss_info = (uint8_t *)"\xa1\x05\x02\x01", .ss_info_len = 4,
	};
	OSMO_STRLCPY_ARRAY(g.imsi, IMSI);
	struct msgb *msg = msgb_alloc(1024, "test");
	assert_int_equal(osmo_gsup_encode(msg, &g), 0);
	euse_rx_gsup(g_e, msgb_data(msg), msgb_length(msg));
	assert_sent_reject(0, false, GSM_0480_PROBLEM_CODE_TAG_GENERAL, GSM_0480_GEN_PROB_CODE_BAD_STRUCTURE);
	assert_int_equal(dissect_sent(0, "-e gsup.session_state"), 0);

	/* BEGIN without SS_INFO: a GSUP error, as the HLR answers it */
	msgb_reset(msg);
	g.ss_info = NULL;
	g.ss_info_len = 0;
	assert_int_equal(osmo_gsup_encode(msg, &g), 0);
	euse_rx_gsup(g_e, msgb_data(msg), msgb_length(msg));
	assert_sent_proc_ss_error(1, 5, GMM_CAUSE_INV_MAND_INFO);

	/* a BEGIN with an operation that is not a USSD request: Reject, invoke problem */
	struct ussd_component c = text_comp(USSD_COMP_INVOKE, USSD_OP_USS_REQ, "x");
	c.has_invoke_id = true;
	c.invoke_id = 1;
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, 6, OSMO_GSUP_SESSION_STATE_BEGIN, &c);
	assert_sent_reject(2, true, GSM_0480_PROBLEM_CODE_TAG_INVOKE,
			   GSM_0480_INVOKE_PROB_CODE_UNRECOGNISED_OPERATION);
	/* a BEGIN with a result: Reject (naming its invoke id), general problem */
	c = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_USS_REQ, "x");
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, 7, OSMO_GSUP_SESSION_STATE_BEGIN, &c);
	assert_sent_reject(3, true, GSM_0480_PROBLEM_CODE_TAG_GENERAL, GSM_0480_GEN_PROB_CODE_UNRECOGNISED);

	/* CONTINUE for a session we do not have: PROC_SS_ERROR; END: nothing */
	answer(99, 2, "1");
	assert_sent_proc_ss_error(4, 99, GMM_CAUSE_INV_MAND_INFO);
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, 99, OSMO_GSUP_SESSION_STATE_END, NULL);
	assert_int_equal(sent.n, 5);
	assert_int_equal(g_e->ctrg->ctr[EUSE_CTR_RX_UNKNOWN_SESSION].current, 2);

	/* no session state: a GSUP error */
	msgb_reset(msg);
	g.session_state = OSMO_GSUP_SESSION_STATE_NONE;
	assert_int_equal(osmo_gsup_encode(msg, &g), 0);
	euse_rx_gsup(g_e, msgb_data(msg), msgb_length(msg));
	assert_int_equal(sent.n, 6);

	/* a request that is not for an EUSE: its error type, "not implemented" */
	msgb_reset(msg);
	g = (struct osmo_gsup_message) { .message_type = OSMO_GSUP_MSGT_UPDATE_LOCATION_REQUEST };
	OSMO_STRLCPY_ARRAY(g.imsi, IMSI);
	assert_int_equal(osmo_gsup_encode(msg, &g), 0);
	euse_rx_gsup(g_e, msgb_data(msg), msgb_length(msg));
	sent_msg(6, &g, NULL);
	assert_int_equal(g.message_type, OSMO_GSUP_MSGT_UPDATE_LOCATION_ERROR);
	assert_int_equal(g.cause, GMM_CAUSE_MSGT_NOTEXIST_NOTIMPL);
	msgb_free(msg);
	assert_int_equal(core.begins, 0);
	assert_int_equal(euse_sessions(g_e), 0);
}

/* the network ends, errs, begins anew, speaks out of turn; the link goes */
static void test_network_side_endings(void **state)
{
	struct ussd_component c;

	/* END with a component (a Release Complete with a facility) */
	dial(1, "*123#");
	send_text(1, EUSE_CONTINUE, "Menu", 0);
	c = text_comp(USSD_COMP_RETURN_RESULT, USSD_OP_USS_REQ, "bye");
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, 1, OSMO_GSUP_SESSION_STATE_END, &c);
	assert_int_equal(core.ends, 1);
	assert_true(core.end_had_component);
	assert_string_equal(core.text, "bye");
	/* END without one */
	dial(2, "*123#");
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_REQUEST, 2, OSMO_GSUP_SESSION_STATE_END, NULL);
	assert_int_equal(core.ends, 2);
	assert_false(core.end_had_component);
	assert_int_equal(core.aborts, 0);

	/* the HLR refuses one of ours */
	dial(3, "*123#");
	hlr_send(OSMO_GSUP_MSGT_PROC_SS_ERROR, 3, OSMO_GSUP_SESSION_STATE_END, NULL);
	assert_int_equal(core.aborts, 1);
	assert_int_equal(core.cause, EUSE_ABORT_HLR_ERROR);

	/* a BEGIN for a session we still hold: ours is stale */
	dial(4, "*123#");
	dial(4, "*123*5#");
	assert_int_equal(core.aborts, 2);
	assert_int_equal(core.cause, EUSE_ABORT_REPLACED);
	assert_int_equal(core.begins, 5);
	assert_string_equal(core.text, "*123*5#");
	assert_int_equal(euse_sessions(g_e), 1);

	/* the subscriber speaks while it is our turn: Reject, abort */
	unsigned int n = sent.n;
	answer(4, 2, "1");
	assert_int_equal(core.aborts, 3);
	assert_int_equal(core.cause, EUSE_ABORT_PROTOCOL);
	assert_sent_reject(n, true, GSM_0480_PROBLEM_CODE_TAG_GENERAL, GSM_0480_GEN_PROB_CODE_UNRECOGNISED);

	/* the link goes: every session is aborted */
	dial(5, "*123#");
	dial(6, "*123#");
	euse_link_down(g_e);
	assert_int_equal(core.aborts, 5);
	assert_int_equal(core.cause, EUSE_ABORT_LINK_DOWN);
	assert_int_equal(euse_sessions(g_e), 0);
}

/* the guard timer: waiting for the core, the subscriber gets systemFailure;
 * waiting for the subscriber, nothing is sent (the HLR gave up as well) */
static void test_guard_timer(void **state)
{
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1000 };
	dial(1, "*123#");
	dial(2, "*123#");
	send_text(2, EUSE_CONTINUE, "Menu", 0);
	unsigned int n = sent.n;
	osmo_gettimeofday_override_add(29, 0);
	osmo_timers_update();
	assert_int_equal(core.aborts, 0);
	osmo_gettimeofday_override_add(1, 1);
	osmo_timers_update();
	assert_int_equal(core.aborts, 2);
	assert_int_equal(core.cause, EUSE_ABORT_TIMEOUT);
	assert_int_equal(sent.n, n + 1);
	struct osmo_gsup_message g;
	sent_msg(n, &g, NULL);
	assert_int_equal(g.session_id, 1);
	assert_sent_error(n, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	assert_int_equal(g_e->ctrg->ctr[EUSE_CTR_SESS_TIMEOUT].current, 2);
	assert_int_equal(euse_sessions(g_e), 0);
	osmo_gettimeofday_override = false;
}

/* ------------------------------------------------------------ IPA client, byte by byte */

static struct {
	int ups, downs, gsups;
	uint8_t gsup[64];
	size_t gsup_len;
} lnk;

static void l_up(void *priv) { lnk.ups++; }
static void l_down(void *priv) { lnk.downs++; }
static void l_rx(void *priv, const uint8_t *data, size_t len)
{
	lnk.gsups++;
	lnk.gsup_len = OSMO_MIN(len, sizeof(lnk.gsup));
	memcpy(lnk.gsup, data, lnk.gsup_len);
}

static const struct ipa_client_ops link_ops = { .up = l_up, .down = l_down, .rx_gsup = l_rx };

static const struct ipa_client_cfg link_cfg = {
	.remote_ip = "127.0.0.1",
	.unit_name = "EUSE-sigway-00-00-00-00-00-00",
	.backoff_min_s = 1, .backoff_max_s = 4,
	.ping_interval_s = 20, .pong_timeout_s = 5,
};

/* OsmoHLR's ID_GET (libosmocore's ipa_ccm_send_id_req): 8 tags */
static const uint8_t id_get[] = {
	0x00, 0x11, 0xfe, 0x04, 0x01, 0x08, 0x01, 0x07, 0x01, 0x02, 0x01, 0x03,
	0x01, 0x04, 0x01, 0x05, 0x01, 0x01, 0x01, 0x00,
};
static const uint8_t id_ack[] = { 0x00, 0x01, 0xfe, 0x06 };

static struct msgb *dequeue_tx(struct ipa_client *cli)
{
	struct msgb *m = msgb_dequeue(&cli->tx_queue);
	if (m)
		cli->tx_queued--;
	return m;
}

static void test_ipa_identity_and_framing(void **state)
{
	memset(&lnk, 0, sizeof(lnk));
	struct ipa_client *cli = ipa_client_alloc_unconnected(g_ctx, &link_cfg, &link_ops, NULL, NULL);

	assert_int_equal(ipa_client_send_gsup(cli, (const uint8_t *)"x", 1), -ENOTCONN);
	/* the ID_GET one byte at a time */
	for (size_t i = 0; i < sizeof(id_get); i++)
		assert_int_equal(ipa_client_feed(cli, id_get + i, 1), 0);
	struct msgb *resp = dequeue_tx(cli), *ack = dequeue_tx(cli);
	assert_non_null(resp);
	assert_non_null(ack);
	assert_int_equal(msgb_length(ack), 4);
	assert_memory_equal(msgb_data(ack), id_ack, 4);
	/* tshark reads our ID_RESP: every tag asked for, serial number and unit name ours */
	assert_int_equal(dissect_run(msgb_data(resp), msgb_length(resp), "ipa",
				     "-e ipaccess.msg_type -e ipaccess.attr_tag -e ipaccess.attr_string",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "0x05\t0x00,0x01,0x02,0x03,0x04,0x05,0x07,0x08\t"
			    "EUSE-sigway-00-00-00-00-00-00,EUSE-sigway-00-00-00-00-00-00,,,,sigway,"
			    "00:00:00:00:00:00,0/0/0");
	/* libosmocore's parser (what OsmoHLR uses) agrees */
	struct tlv_parsed tp;
	assert_int_equal(ipa_ccm_id_resp_parse(&tp, msgb_data(resp) + 4, msgb_length(resp) - 4), 0);
	assert_string_equal((const char *)TLVP_VAL(&tp, IPAC_IDTAG_SERNR), "EUSE-sigway-00-00-00-00-00-00");
	assert_string_equal((const char *)TLVP_VAL(&tp, IPAC_IDTAG_UNIT), "0/0/0");
	msgb_free(resp);
	msgb_free(ack);
	assert_int_equal(lnk.ups, 0);

	/* the HLR echoes the ID_ACK: accepted; GSUP passes; PING is answered */
	static const uint8_t rest[] = {
		0x00, 0x01, 0xfe, 0x06,				/* ID_ACK */
		0x00, 0x04, 0xee, 0x05, 0x21, 0x42, 0x43,	/* GSUP 21 42 43 */
		0x00, 0x01, 0xfe, 0x00,				/* PING */
		0x00, 0x02, 0xee, 0x07, 0x00,			/* OSMO ext, not GSUP: ignored */
		0x00, 0x01, 0x99, 0x00,				/* unknown protocol: ignored */
	};
	assert_int_equal(ipa_client_feed(cli, rest, sizeof(rest)), 0);
	assert_int_equal(lnk.ups, 1);
	assert_int_equal(cli->state, IPA_CLI_UP);
	assert_int_equal(lnk.gsups, 1);
	assert_int_equal(lnk.gsup_len, 3);
	assert_memory_equal(lnk.gsup, "\x21\x42\x43", 3);
	struct msgb *pong = dequeue_tx(cli);
	assert_non_null(pong);
	assert_memory_equal(msgb_data(pong), "\x00\x01\xfe\x01", 4);
	msgb_free(pong);

	/* ours: IPA header, OSMO extension GSUP */
	assert_int_equal(ipa_client_send_gsup(cli, (const uint8_t *)"\x20\x01", 2), 0);
	struct msgb *m = dequeue_tx(cli);
	assert_memory_equal(msgb_data(m), "\x00\x03\xee\x05\x20\x01", 6);
	msgb_free(m);
	static uint8_t big[IPA_MAX_PAYLOAD];
	assert_int_equal(ipa_client_send_gsup(cli, big, sizeof(big)), -EMSGSIZE);

	/* a frame over the limit ends the stream */
	static const uint8_t too_long[] = { 0x04, 0x01, 0xee, 0x05 };
	assert_int_equal(ipa_client_feed(cli, too_long, sizeof(too_long)), -EMSGSIZE);
	ipa_client_free(cli);
}

/* the transmit queue has a limit */
static void test_ipa_queue_limit(void **state)
{
	struct ipa_client *cli = ipa_client_alloc_unconnected(g_ctx, &link_cfg, &link_ops, NULL, NULL);
	assert_int_equal(ipa_client_feed(cli, id_get, sizeof(id_get)), 0);
	assert_int_equal(ipa_client_feed(cli, id_ack, sizeof(id_ack)), 0);
	int rc = 0;
	unsigned int i;
	for (i = 0; i < 2 * IPA_TX_QUEUE_MAX && rc == 0; i++)
		rc = ipa_client_send_gsup(cli, (const uint8_t *)"\x20", 1);
	assert_int_equal(rc, -ENOBUFS);
	assert_int_equal(cli->tx_queued, IPA_TX_QUEUE_MAX);
	ipa_client_free(cli);
}

/* ------------------------------------------------------------ IPA client on a socket */

/* A scripted HLR in this process: accepts, asks the identity, then either
 * closes (refusal) or echoes the ID_ACK (acceptance). */
static int listen_fd = -1, peer_fd = -1;
static uint16_t listen_port;

static void hlr_listen(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(listen_fd >= 0);
	assert_int_equal(bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(listen_fd, 4), 0);
	assert_int_equal(getsockname(listen_fd, (struct sockaddr *)&sa, &sl), 0);
	listen_port = ntohs(sa.sin_port);
	fcntl(listen_fd, F_SETFL, O_NONBLOCK);
}

/* runs the loop (timers do not move) until cond or 200 rounds */
#define LOOP_UNTIL(cond) do { \
		for (int _i = 0; _i < 200 && !(cond); _i++) { \
			osmo_select_main(1); \
			usleep(1000); \
		} \
	} while (0)

static bool hlr_accept(void)
{
	peer_fd = accept(listen_fd, NULL, NULL);
	return peer_fd >= 0;
}

/* reads what the client sent until it contains the ID_ACK after an ID_RESP */
static bool hlr_got_identity(void)
{
	static uint8_t buf[1024];
	static size_t len;
	ssize_t n = recv(peer_fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);
	if (n > 0)
		len += n;
	for (size_t i = 0; i + 4 <= len; i++)
		if (!memcmp(buf + i, id_ack, 4) && i > 0) {
			len = 0;
			return true;
		}
	return false;
}

static void test_ipa_socket_refused_then_accepted(void **state)
{
	memset(&lnk, 0, sizeof(lnk));
	void *ctrg_ctx = talloc_named_const(g_ctx, 0, "ctrg");
	struct euse_cfg cfg = test_cfg();
	struct euse *e = euse_alloc_with_tx(ctrg_ctx, &cfg, &test_ops, NULL, capture_tx, NULL);
	struct ipa_client_cfg lc = link_cfg;

	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 5000 };
	hlr_listen();
	lc.remote_port = listen_port;
	struct ipa_client *cli = ipa_client_alloc(g_ctx, &lc, &link_ops, NULL, e->ctrg);

	/* 1: the HLR asks who we are and closes: refused, retry after 1 s */
	LOOP_UNTIL(hlr_accept());
	assert_true(peer_fd >= 0);
	LOOP_UNTIL(cli->state == IPA_CLI_IDENTIFYING);
	assert_true(write(peer_fd, id_get, sizeof(id_get)) == sizeof(id_get));
	LOOP_UNTIL(hlr_got_identity());
	close(peer_fd);
	LOOP_UNTIL(cli->state == IPA_CLI_WAIT_RECONNECT);
	assert_int_equal(cli->state, IPA_CLI_WAIT_RECONNECT);
	assert_int_equal(e->ctrg->ctr[EUSE_CTR_REJECTED].current, 1);
	assert_int_equal(lnk.ups, 0);
	assert_int_equal(cli->backoff_s, 2);	/* doubled for the next time */

	/* 2: a second after, the next attempt */
	osmo_gettimeofday_override_add(1, 0);
	LOOP_UNTIL(hlr_accept());
	assert_true(peer_fd >= 0);
	LOOP_UNTIL(cli->state == IPA_CLI_IDENTIFYING);

	/* 3: accepted this time */
	assert_true(write(peer_fd, id_get, sizeof(id_get)) == sizeof(id_get));
	LOOP_UNTIL(hlr_got_identity());
	assert_true(write(peer_fd, id_ack, sizeof(id_ack)) == sizeof(id_ack));
	LOOP_UNTIL(lnk.ups == 1);
	assert_int_equal(lnk.ups, 1);
	assert_int_equal(e->ctrg->ctr[EUSE_CTR_LINK_UP].current, 1);

	/* keepalive: a PING after the interval; no PONG: the link is dropped */
	osmo_gettimeofday_override_add(20, 0);
	LOOP_UNTIL(hlr_got_identity() || cli->pong_pending);
	assert_true(cli->pong_pending);
	osmo_gettimeofday_override_add(5, 1);
	LOOP_UNTIL(lnk.downs == 1);
	assert_int_equal(lnk.downs, 1);
	assert_int_equal(e->ctrg->ctr[EUSE_CTR_LINK_DOWN].current, 1);
	/* it had been up longer than the maximum back-off: the next wait is the
	 * minimum again (1 s), the one after that doubled */
	assert_int_equal(cli->backoff_s, 2);
	close(peer_fd);

	/* the listener goes: connection refused, counted */
	close(listen_fd);
	osmo_gettimeofday_override_add(1, 0);
	LOOP_UNTIL(e->ctrg->ctr[EUSE_CTR_CONNECT_FAIL].current >= 1);
	assert_true(e->ctrg->ctr[EUSE_CTR_CONNECT_FAIL].current >= 1);
	assert_int_equal(cli->state, IPA_CLI_WAIT_RECONNECT);

	ipa_client_free(cli);
	euse_stop(e);
	talloc_free(ctrg_ctx);
	osmo_gettimeofday_override = false;
}

int main(void)
{
	g_ctx = talloc_named_const(NULL, 0, "test_gsup");
	msgb_talloc_ctx_init(g_ctx, 0);
	osmo_init_logging2(g_ctx, &sigway_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_print_filename2(osmo_stderr_target, LOG_FILENAME_NONE);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_menu_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_inside_begin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_side_endings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_timer, setup, teardown),
		cmocka_unit_test(test_ipa_identity_and_framing),
		cmocka_unit_test(test_ipa_queue_limit),
		cmocka_unit_test_setup_teardown(test_ipa_socket_refused_then_accepted, setup, teardown),
	};
	int missing = dissect_require();
	if (missing)
		return missing;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	talloc_free(g_ctx);
	return rc;
}
