/* SCCP management (Q.713 5, Q.714 5): the SCMG codec (tshark-checked), the
 * remote subsystem status table (SSP stops traffic, periodic SST, SSA allows
 * again), local subsystems (SST answered only while allowed, SSP/SSA to the
 * concerned nodes, returns and the response method), MTP-PAUSE/RESUME/STATUS,
 * relaying towards a prohibited subsystem, bad SCMG input and table limits. */

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
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include <sigway/sccp/sccp_scmg.h>
#include "dissect.h"

#define MAX_SENT 64
struct sent {
	uint32_t dpc;
	uint8_t data[512];
	size_t len;
};
static struct sent sent[MAX_SENT];
static int n_sent;

static int fake_mtp(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	assert_true(n_sent < MAX_SENT);
	assert_true(len <= sizeof(sent[0].data));
	sent[n_sent].dpc = dpc;
	memcpy(sent[n_sent].data, data, len);
	sent[n_sent].len = len;
	n_sent++;
	return 0;
}

/* what the bound user saw */
static int n_ind, n_notice, n_state, n_pcstate;
static uint32_t state_pc;
static uint8_t state_ssn;
static bool state_allowed;
static enum sccp_pc_state pcstate;

static void ind(void *priv, const struct sccp_unitdata *ud) { n_ind++; }
static void notice(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause c) { n_notice++; }

static void state_ind(void *priv, uint32_t pc, uint8_t ssn, bool allowed)
{
	n_state++;
	state_pc = pc;
	state_ssn = ssn;
	state_allowed = allowed;
}

static void pcstate_ind(void *priv, uint32_t pc, enum sccp_pc_state st)
{
	n_pcstate++;
	state_pc = pc;
	pcstate = st;
}

static const struct sccp_user_ops ops = { .unitdata_ind = ind, .notice_ind = notice, .state_ind = state_ind,
					  .pcstate_ind = pcstate_ind };

static void *ctx;
static struct sccp_layer *layer;
static struct sccp_user *user;
static struct sccp_addr gw, hlr;
static const uint8_t payload[] = { 0x62, 0x03, 0x48, 0x01, 0x01 };

static void advance(int s)
{
	osmo_gettimeofday_override_add(s, 0);
	osmo_clock_override_add(CLOCK_MONOTONIC, s, 0);
	osmo_timers_prepare();
	osmo_timers_update();
}

static int setup(void **state)
{
	ctx = talloc_named_const(NULL, 0, "test");
	n_sent = n_ind = n_notice = n_state = n_pcstate = 0;
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 100000 };
	osmo_clock_override_enable(CLOCK_MONOTONIC, true);
	*osmo_clock_override_gettimespec(CLOCK_MONOTONIC) = (struct timespec){ .tv_sec = 100000 };
	layer = sccp_layer_alloc(ctx, &(struct sccp_mtp_down){ .transfer_req = fake_mtp });
	sccp_layer_set_local_pc(layer, 2);
	sccp_layer_add_local_gt(layer, "49172");
	struct sccp_gtt_rule r = { .prefix = "49171", .tt = -1, .np = -1, .dpc = 3, .new_ri = -1, .new_ssn = -1 };
	assert_int_equal(sccp_layer_add_gtt(layer, &r), 0);
	user = sccp_user_bind(layer, 8, &ops, NULL);
	assert_non_null(user);
	sccp_addr_set_e164(&gw, "491720000099", 8);
	sccp_addr_set_e164(&hlr, "491710000001", 6);
	sccp_layer_set_sst_interval(layer, 5);
	return 0;
}

static int teardown(void **state)
{
	talloc_free(ctx);
	osmo_gettimeofday_override = false;
	osmo_clock_override_enable(CLOCK_MONOTONIC, false);
	return 0;
}

static int send_to_hlr(void)
{
	struct sccp_unitdata ud = { .called = hlr, .calling = gw, .return_on_error = true,
				    .data = payload, .len = sizeof(payload) };
	return sccp_user_unitdata_req(user, &ud);
}

/* an SCMG message from opc, as the network would carry it */
static void rx_scmg(uint32_t opc, enum sccp_scmg_type type, uint8_t ssn, uint16_t pc)
{
	uint8_t data[8], buf[64];
	struct sccp_scmg_msg s = { .type = type, .affected_ssn = ssn, .affected_pc = pc };
	int dlen = sccp_scmg_encode(data, sizeof(data), &s);
	assert_true(dlen > 0);
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .data = data, .len = dlen,
			      .called = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 2, .ssn_present = true, .ssn = 1 },
			      .calling = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = opc, .ssn_present = true, .ssn = 1 } };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	assert_true(n > 0);
	sccp_layer_rx_mtp(layer, opc, 2, 0, buf, n);
}

/* a UDT for one of our SSNs from opc */
static void rx_udt(uint32_t opc, uint8_t ssn, bool ret)
{
	uint8_t buf[128];
	struct sccp_addr called = gw;
	called.ssn = ssn;
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .return_on_error = ret, .called = called, .calling = hlr,
			      .data = payload, .len = sizeof(payload) };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	assert_true(n > 0);
	sccp_layer_rx_mtp(layer, opc, 2, 0, buf, n);
}

/* The SCMG message in sent[i], decoded by us and by tshark */
static void check_scmg(int i, uint32_t dpc, enum sccp_scmg_type type, uint8_t ssn, uint16_t pc)
{
	struct sccp_msg m;
	struct sccp_scmg_msg s;
	char out[256], expect[128];
	assert_true(i < n_sent);
	assert_int_equal(sent[i].dpc, dpc);
	assert_int_equal(sccp_msg_decode(&m, sent[i].data, sent[i].len), 0);
	assert_int_equal(m.type, SCCP_MSGT_UDT);
	assert_int_equal(m.protocol_class, 0);
	assert_false(m.return_on_error);
	assert_int_equal(m.called.ssn, 1);
	assert_int_equal(m.calling.ssn, 1);
	assert_int_equal(sccp_scmg_decode(&s, m.data, m.len), 0);
	assert_int_equal(s.type, type);
	assert_int_equal(s.affected_ssn, ssn);
	assert_int_equal(s.affected_pc, pc);
	assert_int_equal(dissect_run(sent[i].data, sent[i].len, "sccp",
				     "-e sccp.called.ssn -e sccpmg.message_type -e sccpmg.ssn -e sccpmg.pc -e sccpmg.smi",
				     out, sizeof(out)), 0);
	snprintf(expect, sizeof(expect), "1\t0x%02x\t%u\t%u\t0", type, ssn, pc);
	assert_string_equal(out, expect);
}

/* ------------------------------------------------------------- codec */

static void test_scmg_codec(void **state)
{
	static const struct { struct sccp_scmg_msg m; const char *fields; } cases[] = {
		{ { SCCP_SCMG_SSA, 6, 0x0003, 0 }, "0x01\t6\t3\t0" },
		{ { SCCP_SCMG_SSP, 8, 0x3fff, 0 }, "0x02\t8\t16383\t0" },
		{ { SCCP_SCMG_SST, 1, 0x1234, 3 }, "0x03\t1\t4660\t3" },
		{ { SCCP_SCMG_SOR, 147, 0x0100, 1 }, "0x04\t147\t256\t1" },
		{ { SCCP_SCMG_SOG, 149, 0x00ff, 2 }, "0x05\t149\t255\t2" },
	};
	uint8_t data[8], buf[64];
	char out[256];
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = sccp_scmg_encode(data, sizeof(data), &cases[i].m);
		assert_int_equal(n, SCCP_SCMG_LEN);
		struct sccp_scmg_msg back;
		assert_int_equal(sccp_scmg_decode(&back, data, n), 0);
		assert_int_equal(back.type, cases[i].m.type);
		assert_int_equal(back.affected_ssn, cases[i].m.affected_ssn);
		assert_int_equal(back.affected_pc, cases[i].m.affected_pc);
		assert_int_equal(back.smi, cases[i].m.smi);
		/* in a UDT between the two management subsystems, as tshark sees it */
		struct sccp_msg m = { .type = SCCP_MSGT_UDT, .data = data, .len = n,
				      .called = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 3, .ssn_present = true, .ssn = 1 },
				      .calling = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 2, .ssn_present = true, .ssn = 1 } };
		int len = sccp_msg_encode(buf, sizeof(buf), &m);
		assert_true(len > 0);
		assert_int_equal(dissect_run(buf, len, "sccp", "-e sccpmg.message_type -e sccpmg.ssn -e sccpmg.pc -e sccpmg.smi",
					     out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].fields);
	}
	/* SSC carries the congestion level */
	struct sccp_scmg_msg ssc = { .type = SCCP_SCMG_SSC, .affected_ssn = 6, .affected_pc = 3, .congestion_level = 5 }, back;
	assert_int_equal(sccp_scmg_encode(data, sizeof(data), &ssc), SCCP_SCMG_SSC_LEN);
	assert_int_equal(sccp_scmg_decode(&back, data, SCCP_SCMG_SSC_LEN), 0);
	assert_int_equal(back.congestion_level, 5);
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .data = data, .len = SCCP_SCMG_SSC_LEN,
			      .called = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 3, .ssn_present = true, .ssn = 1 },
			      .calling = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 2, .ssn_present = true, .ssn = 1 } };
	int len = sccp_msg_encode(buf, sizeof(buf), &m);
	assert_int_equal(dissect_run(buf, len, "sccp", "-e sccpmg.message_type -e sccpmg.congestion", out, sizeof(out)), 0);
	assert_string_equal(out, "0x06\t5");
	/* the known bytes of an SSP for SSN 6 at PC 0.0.3 (ITU: PC least significant octet first) */
	static const uint8_t ssp[] = { 0x02, 0x06, 0x03, 0x00, 0x00 };
	assert_int_equal(sccp_scmg_encode(data, sizeof(data), &(struct sccp_scmg_msg){ SCCP_SCMG_SSP, 6, 3, 0 }), 5);
	assert_memory_equal(data, ssp, sizeof(ssp));
}

static void test_scmg_codec_refuses(void **state)
{
	struct sccp_scmg_msg m;
	uint8_t data[8];
	static const uint8_t unknown[] = { 0x07, 6, 3, 0, 0 }, zero[] = { 0x00, 6, 3, 0, 0 };
	static const uint8_t ansi_ssp[] = { 0x02, 6, 3, 0, 0, 0 };	/* 3-octet point code */
	static const uint8_t short_sst[] = { 0x03, 6, 3, 0 }, short_ssc[] = { 0x06, 6, 3, 0, 0 };
	static const uint8_t spare_bits[] = { 0x01, 6, 0x03, 0xc0, 0xfc };
	assert_int_equal(sccp_scmg_decode(&m, unknown, 5), -SCCP_ERR_UNKNOWN_TYPE);
	assert_int_equal(sccp_scmg_decode(&m, zero, 5), -SCCP_ERR_UNKNOWN_TYPE);
	assert_int_equal(sccp_scmg_decode(&m, ansi_ssp, sizeof(ansi_ssp)), -SCCP_ERR_TRUNCATED);
	assert_int_equal(sccp_scmg_decode(&m, short_sst, sizeof(short_sst)), -SCCP_ERR_TRUNCATED);
	assert_int_equal(sccp_scmg_decode(&m, short_ssc, sizeof(short_ssc)), -SCCP_ERR_TRUNCATED);
	assert_int_equal(sccp_scmg_decode(&m, unknown, 0), -SCCP_ERR_TRUNCATED);
	/* spare bits are ignored */
	assert_int_equal(sccp_scmg_decode(&m, spare_bits, 5), 0);
	assert_int_equal(m.affected_pc, 3);
	assert_int_equal(m.smi, 0);
	/* the encoder refuses what does not fit ITU */
	assert_int_equal(sccp_scmg_encode(data, sizeof(data), &(struct sccp_scmg_msg){ SCCP_SCMG_SSP, 6, 0x4000, 0 }),
			 -SCCP_ERR_BAD_VALUE);
	assert_int_equal(sccp_scmg_encode(data, sizeof(data), &(struct sccp_scmg_msg){ SCCP_SCMG_SSP, 6, 3, 4 }),
			 -SCCP_ERR_BAD_VALUE);
	assert_int_equal(sccp_scmg_encode(data, sizeof(data), &(struct sccp_scmg_msg){ 9, 6, 3, 0 }), -SCCP_ERR_BAD_VALUE);
	assert_int_equal(sccp_scmg_encode(data, 4, &(struct sccp_scmg_msg){ SCCP_SCMG_SSP, 6, 3, 0 }), -SCCP_ERR_NO_SPACE);
}

/* ------------------------------------------------ remote subsystems */

static void test_ssp_stops_traffic_sst_until_ssa(void **state)
{
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 1);
	assert_true(sccp_layer_remote_ss_allowed(layer, 3, 6));

	/* the HLR's node says SSN 6 is prohibited */
	rx_scmg(3, SCCP_SCMG_SSP, 6, 3);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RX_SSP), 1);
	assert_false(sccp_layer_remote_ss_allowed(layer, 3, 6));
	assert_int_equal(n_state, 1);
	assert_int_equal(state_pc, 3);
	assert_int_equal(state_ssn, 6);
	assert_false(state_allowed);
	/* nothing goes there; the sender learns it at once */
	assert_int_equal(send_to_hlr(), -EHOSTDOWN);
	assert_int_equal(send_to_hlr(), -EHOSTDOWN);
	assert_int_equal(n_sent, 1);
	assert_int_equal(n_notice, 0);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_SS_PROHIBITED), 2);
	/* another subsystem at the same point code is not affected */
	struct sccp_addr msc = hlr;
	msc.ssn = 8;
	struct sccp_unitdata ud = { .called = msc, .calling = gw, .data = payload, .len = sizeof(payload) };
	assert_int_equal(sccp_user_unitdata_req(user, &ud), 0);
	assert_int_equal(n_sent, 2);

	/* T(stat.info): an SST every interval, none before */
	advance(4);
	assert_int_equal(n_sent, 2);
	advance(1);
	assert_int_equal(n_sent, 3);
	check_scmg(2, 3, SCCP_SCMG_SST, 6, 3);
	advance(5);
	assert_int_equal(n_sent, 4);
	check_scmg(3, 3, SCCP_SCMG_SST, 6, 3);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_TX_SST), 2);

	/* SSA: allowed again, tests stop, traffic flows */
	rx_scmg(3, SCCP_SCMG_SSA, 6, 3);
	assert_true(sccp_layer_remote_ss_allowed(layer, 3, 6));
	assert_int_equal(n_state, 2);
	assert_true(state_allowed);
	advance(20);
	assert_int_equal(n_sent, 4);
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 5);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RX_SSA), 1);
	/* a second SSA changes nothing */
	rx_scmg(3, SCCP_SCMG_SSA, 6, 3);
	assert_int_equal(n_state, 2);
}

static void test_ssp_for_unknown_subsystem_and_own_pc(void **state)
{
	/* an SSP for a subsystem we never sent to is recorded (and tested) too */
	rx_scmg(3, SCCP_SCMG_SSP, 7, 3);
	assert_false(sccp_layer_remote_ss_allowed(layer, 3, 7));
	/* an SSA for one we never marked: nothing */
	rx_scmg(3, SCCP_SCMG_SSA, 9, 3);
	assert_true(sccp_layer_remote_ss_allowed(layer, 3, 9));
	/* SSP/SSA about our own point code are nonsense: ignored */
	rx_scmg(3, SCCP_SCMG_SSP, 8, 2);
	assert_true(sccp_layer_remote_ss_allowed(layer, 2, 8));
	assert_int_equal(n_state, 1);
	/* SOR, SOG and SSC are counted and ignored */
	rx_scmg(3, SCCP_SCMG_SOR, 8, 2);
	rx_scmg(3, SCCP_SCMG_SSC, 8, 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RX_SCMG_OTHER), 2);
	assert_int_equal(n_sent, 0);
}

static void test_bad_scmg_dropped(void **state)
{
	uint8_t buf[64];
	static const uint8_t bad[] = { 0x02, 6, 3, 0 };
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .data = bad, .len = sizeof(bad),
			      .called = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 2, .ssn_present = true, .ssn = 1 },
			      .calling = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 3, .ssn_present = true, .ssn = 1 } };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	/* a UDTS for SSN 1: never answered */
	m.type = SCCP_MSGT_UDTS;
	m.return_cause = SCCP_RC_UNQUALIFIED;
	n = sccp_msg_encode(buf, sizeof(buf), &m);
	sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_SCMG_MALFORMED), 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_UNEQUIPPED), 0);
	assert_int_equal(n_sent, 0);
	/* SSN 1 is the layer's own */
	assert_null(sccp_user_bind(layer, 1, &ops, NULL));
}

static void test_table_limit(void **state)
{
	/* SSPs for 5000+ subsystems: the table stops at its limit, counted */
	for (uint16_t pc = 10; pc < 32; pc++)
		for (unsigned int ssn = 2; ssn < 256; ssn++)
			rx_scmg(3, SCCP_SCMG_SSP, ssn, pc);
	assert_true(sccp_layer_ctr(layer, SCCP_CTR_DROP_SCMG_TABLE_FULL) > 0);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RX_SSP), 22 * 254);
	/* and sending still works where nothing is known */
	assert_int_equal(send_to_hlr(), 0);
}

/* --------------------------------------------------- local subsystems */

static void test_sst_answered_only_while_allowed(void **state)
{
	/* SST for our bound, allowed SSN 8: SSA to the tester */
	rx_scmg(3, SCCP_SCMG_SST, 8, 2);
	assert_int_equal(n_sent, 1);
	check_scmg(0, 3, SCCP_SCMG_SSA, 8, 2);
	/* SSN 1: our SCCP itself */
	rx_scmg(5, SCCP_SCMG_SST, 1, 2);
	assert_int_equal(n_sent, 2);
	check_scmg(1, 5, SCCP_SCMG_SSA, 1, 2);
	/* an SSN nobody bound, or another node's point code: no answer */
	rx_scmg(3, SCCP_SCMG_SST, 99, 2);
	rx_scmg(3, SCCP_SCMG_SST, 8, 7);
	assert_int_equal(n_sent, 2);
	/* prohibited: no answer either */
	sccp_layer_set_local_ss(layer, 8, false);
	int before = n_sent;
	rx_scmg(3, SCCP_SCMG_SST, 8, 2);
	assert_int_equal(n_sent, before);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RX_SST), 5);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_TX_SSA), 2);
}

static void test_local_prohibited(void **state)
{
	sccp_layer_add_concerned_pc(layer, 5);
	assert_int_equal(sccp_layer_set_local_ss(layer, 1, false), -EINVAL);
	/* PC 3 sends SSN 8 traffic: it is concerned from now on */
	rx_udt(3, 8, false);
	assert_int_equal(n_ind, 1);
	/* SSN 8 goes out of service: SSP to the configured node and to PC 3 */
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, false), 2);
	assert_false(sccp_layer_local_ss_allowed(layer, 8));
	assert_int_equal(n_sent, 2);
	check_scmg(0, 5, SCCP_SCMG_SSP, 8, 2);
	check_scmg(1, 3, SCCP_SCMG_SSP, 8, 2);
	/* again: no change, nobody told */
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, false), 0);

	/* a message for it: not delivered; UDTS "subsystem failure" and, as
	 * the response method, an SSP to the sender */
	rx_udt(3, 8, true);
	assert_int_equal(n_ind, 1);
	assert_int_equal(n_sent, 4);
	struct sccp_msg m;
	assert_int_equal(sccp_msg_decode(&m, sent[2].data, sent[2].len), 0);
	assert_int_equal(m.type, SCCP_MSGT_UDTS);
	assert_int_equal(m.return_cause, SCCP_RC_SUBSYSTEM_FAILURE);
	char out[128];
	assert_int_equal(dissect_run(sent[2].data, sent[2].len, "sccp", "-e sccp.message_type -e sccp.return_cause",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "0x0a\t0x03");
	check_scmg(3, 3, SCCP_SCMG_SSP, 8, 2);
	/* the next one within the second: the UDTS only (the SSP is rate limited) */
	rx_udt(3, 8, true);
	assert_int_equal(n_sent, 5);
	assert_int_equal(sent[4].data[0], SCCP_MSGT_UDTS);
	/* without return option: nothing but the count (and, a second later, the SSP) */
	advance(1);
	rx_udt(3, 8, false);
	assert_int_equal(n_sent, 6);
	check_scmg(5, 3, SCCP_SCMG_SSP, 8, 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_LOCAL_PROHIBITED), 3);

	/* back in service: SSA to the same nodes */
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, true), 2);
	check_scmg(6, 5, SCCP_SCMG_SSA, 8, 2);
	check_scmg(7, 3, SCCP_SCMG_SSA, 8, 2);
	rx_udt(3, 8, false);
	assert_int_equal(n_ind, 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_TX_SSP), 4);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_TX_SSA), 2);
}

static void test_concerned_window(void **state)
{
	rx_udt(3, 8, false);
	/* an hour and a bit later PC 3 is no longer concerned */
	advance(3601);
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, false), 0);
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, true), 0);
	rx_udt(3, 8, false);
	/* window 0: only configured nodes */
	sccp_layer_set_concerned_window(layer, 0);
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, false), 0);
	sccp_layer_set_concerned_window(layer, 60);
	assert_int_equal(sccp_layer_set_local_ss(layer, 8, true), 1);
	assert_int_equal(sccp_layer_add_concerned_pc(layer, 9), 0);
	assert_int_equal(sccp_layer_add_concerned_pc(layer, 9), 0);
	assert_int_equal(sccp_layer_concerned_pc_count(layer), 1);
	assert_int_equal(sccp_layer_del_concerned_pc(layer, 9), 0);
	assert_int_equal(sccp_layer_del_concerned_pc(layer, 9), -ENOENT);
}

/* ----------------------------------------------------------- relay */

static void test_relay_to_prohibited_returned(void **state)
{
	static const uint8_t data[] = { 1, 2 };
	uint8_t buf[128];
	struct sccp_gtt_rule r = { .prefix = "44", .tt = -1, .np = -1, .dpc = 5, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &r);
	sccp_layer_add_relay(layer, "44");
	rx_scmg(5, SCCP_SCMG_SSP, 6, 5);
	struct sccp_addr other;
	sccp_addr_set_e164(&other, "4412345", 6);
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .return_on_error = true, .called = other, .calling = hlr,
			      .data = data, .len = sizeof(data) };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].dpc, 3);
	struct sccp_msg back;
	assert_int_equal(sccp_msg_decode(&back, sent[0].data, sent[0].len), 0);
	assert_int_equal(back.type, SCCP_MSGT_UDTS);
	assert_int_equal(back.return_cause, SCCP_RC_SUBSYSTEM_FAILURE);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RELAYED), 0);
	/* paused point code: MTP failure */
	sccp_layer_mtp_pause(layer, 5);
	sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	assert_int_equal(sccp_msg_decode(&back, sent[1].data, sent[1].len), 0);
	assert_int_equal(back.return_cause, SCCP_RC_MTP_FAILURE);
}

/* -------------------------------------------------------- MTP state */

static void test_mtp_pause_resume(void **state)
{
	rx_scmg(3, SCCP_SCMG_SSP, 6, 3);
	sccp_layer_mtp_pause(layer, 3);
	assert_false(sccp_layer_pc_accessible(layer, 3));
	assert_int_equal(n_pcstate, 1);
	assert_int_equal(pcstate, SCCP_PC_INACCESSIBLE);
	/* nothing towards it, whatever the SSN */
	struct sccp_addr msc = hlr;
	msc.ssn = 8;
	struct sccp_unitdata ud = { .called = msc, .calling = gw, .data = payload, .len = sizeof(payload) };
	assert_int_equal(sccp_user_unitdata_req(user, &ud), -ENETUNREACH);
	assert_int_equal(send_to_hlr(), -ENETUNREACH);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_PC_PAUSED), 2);
	/* no SST while paused */
	advance(12);
	assert_int_equal(n_sent, 0);
	/* other point codes are not affected */
	rx_scmg(4, SCCP_SCMG_SST, 8, 2);
	assert_int_equal(n_sent, 1);

	/* RESUME: accessible, and its subsystems allowed (Q.714 5.2.3) */
	sccp_layer_mtp_resume(layer, 3);
	assert_true(sccp_layer_pc_accessible(layer, 3));
	assert_true(sccp_layer_remote_ss_allowed(layer, 3, 6));
	assert_int_equal(n_pcstate, 2);
	assert_int_equal(pcstate, SCCP_PC_ACCESSIBLE);
	assert_true(state_allowed);
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 2);
	advance(12);
	assert_int_equal(n_sent, 2);
	/* RESUME for a point code never paused: counted, nothing else */
	sccp_layer_mtp_resume(layer, 77);
	assert_int_equal(n_pcstate, 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_PAUSE), 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_RESUME), 2);
}

static void test_mtp_status_tests_remote_sccp(void **state)
{
	/* congestion (cause 3 from libosmo-sigtran 2.2) does not stop traffic */
	sccp_layer_mtp_status(layer, 3, 3);
	assert_int_equal(n_pcstate, 0);
	assert_int_equal(send_to_hlr(), 0);
	n_sent = 0;
	/* MTP-STATUS "inaccessible remote user": the SCCP at PC 3 is not there */
	sccp_layer_mtp_status(layer, 3, 2);
	assert_int_equal(pcstate, SCCP_PC_SCCP_UNAVAILABLE);
	assert_int_equal(send_to_hlr(), -EHOSTDOWN);
	advance(5);
	assert_int_equal(n_sent, 1);
	check_scmg(0, 3, SCCP_SCMG_SST, 1, 3);
	/* its SCCP answers: everything there is allowed again */
	rx_scmg(3, SCCP_SCMG_SSA, 1, 3);
	assert_int_equal(send_to_hlr(), 0);
	advance(10);
	assert_int_equal(n_sent, 2);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_STATUS), 2);
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	int rc = dissect_require();
	if (rc)
		return rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scmg_codec),
		cmocka_unit_test(test_scmg_codec_refuses),
		cmocka_unit_test_setup_teardown(test_ssp_stops_traffic_sst_until_ssa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ssp_for_unknown_subsystem_and_own_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_scmg_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sst_answered_only_while_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_prohibited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concerned_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_to_prohibited_returned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtp_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtp_status_tests_remote_sccp, setup, teardown),
	};
	rc = cmocka_run_group_tests_name("sccp_mgmt", tests, NULL, NULL);
	log_fini();
	talloc_free(log_ctx);
	return rc;
}
