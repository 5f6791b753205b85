/* SCCP layer: routing on SSN and GT, GT translation and relay, returns
 * (UDTS/XUDTS), hop counter, XUDT segmentation and reassembly of 2 KB user
 * data in class 0 and 1, out of order, duplicates, missing segments. */

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
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include "dissect.h"

#define MAX_SENT 64
struct sent {
	uint32_t dpc;
	uint8_t sls;
	uint8_t data[2048];
	size_t len;
};
static struct sent sent[MAX_SENT];
static int n_sent;

static int fake_mtp(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	assert_true(n_sent < MAX_SENT);
	sent[n_sent].dpc = dpc;
	sent[n_sent].sls = sls;
	memcpy(sent[n_sent].data, data, len);
	sent[n_sent].len = len;
	n_sent++;
	return 0;
}

static struct sccp_unitdata got[8];
static uint8_t got_data[8][4096];
static int n_got, n_notice;
static unsigned int notice_cause;

static void ind(void *priv, const struct sccp_unitdata *ud)
{
	got[n_got] = *ud;
	memcpy(got_data[n_got], ud->data, ud->len);
	got[n_got].data = got_data[n_got];
	n_got++;
}

static void notice(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause cause)
{
	n_notice++;
	notice_cause = cause;
}

static const struct sccp_user_ops ops = { .unitdata_ind = ind, .notice_ind = notice };

static void *ctx;
static struct sccp_layer *layer;
static struct sccp_user *user;
static struct sccp_addr gw, hlr;
static uint8_t big[2048];

static int setup(void **state)
{
	ctx = talloc_named_const(NULL, 0, "test");
	n_sent = n_got = n_notice = 0;
	layer = sccp_layer_alloc(ctx, &(struct sccp_mtp_down){ .transfer_req = fake_mtp });
	sccp_layer_set_local_pc(layer, 2);
	sccp_layer_add_local_gt(layer, "49172");
	struct sccp_gtt_rule r = { .prefix = "49171", .tt = -1, .np = -1, .dpc = 3, .new_ri = -1, .new_ssn = -1 };
	assert_int_equal(sccp_layer_add_gtt(layer, &r), 0);
	user = sccp_user_bind(layer, 8, &ops, NULL);
	assert_non_null(user);
	sccp_addr_set_e164(&gw, "491720000099", 8);
	sccp_addr_set_e164(&hlr, "491710000001", 6);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));
	return 0;
}

static int teardown(void **state)
{
	talloc_free(ctx);
	return 0;
}

static void test_second_bind_fails(void **state)
{
	assert_null(sccp_user_bind(layer, 8, &ops, NULL));
	assert_non_null(sccp_user_bind(layer, 6, &ops, NULL));
}

static void test_send_udt_via_gtt(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	struct sccp_unitdata ud = { .called = hlr, .calling = gw, .data = data, .len = sizeof(data) };
	assert_int_equal(sccp_user_unitdata_req(user, &ud), 0);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].dpc, 3);
	assert_int_equal(sent[0].data[0], SCCP_MSGT_UDT);
	/* no rule for this GT: refused */
	sccp_addr_set_e164(&ud.called, "3312345", 6);
	assert_true(sccp_user_unitdata_req(user, &ud) < 0);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_NO_TRANSLATION), 1);
}

static void test_longest_prefix_and_qualifiers(void **state)
{
	struct sccp_gtt_rule longer = { .prefix = "4917100", .tt = -1, .np = -1, .dpc = 5, .new_ri = -1, .new_ssn = -1 };
	struct sccp_gtt_rule tt9 = { .prefix = "4917100", .tt = 9, .np = -1, .dpc = 6, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &longer);
	sccp_layer_add_gtt(layer, &tt9);
	assert_int_equal(sccp_layer_gtt_lookup(layer, &hlr)->dpc, 5);
	struct sccp_addr a = hlr;
	a.gt.tt = 9;
	assert_int_equal(sccp_layer_gtt_lookup(layer, &a)->dpc, 6);
	strcpy(a.gt.digits, "4917199");
	assert_int_equal(sccp_layer_gtt_lookup(layer, &a)->dpc, 3);
	assert_int_equal(sccp_layer_del_gtt(layer, "4917100", 9, -1), 0);
	a = hlr;
	a.gt.tt = 9;
	assert_int_equal(sccp_layer_gtt_lookup(layer, &a)->dpc, 5);
}

/* a received message for our GT reaches the user; one for another GT is relayed */
static void rx(enum sccp_msg_type type, const struct sccp_addr *called, const struct sccp_addr *calling,
	       const uint8_t *data, size_t len, uint8_t hops, bool ret)
{
	uint8_t buf[512];
	struct sccp_msg m = { .type = type, .protocol_class = 0, .return_on_error = ret, .hop_counter = hops,
			      .called = *called, .calling = *calling, .data = data, .len = len,
			      .return_cause = SCCP_RC_SUBSYSTEM_FAILURE };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	assert_true(n > 0);
	sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
}

static void test_receive_and_relay(void **state)
{
	static const uint8_t data[] = { 9, 9 };
	rx(SCCP_MSGT_UDT, &gw, &hlr, data, sizeof(data), 0, false);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].calling.gt.digits, "491710000001");

	/* called GT of another network with a rule -> relayed to DPC 5, hop counter - 1 */
	struct sccp_gtt_rule r = { .prefix = "44", .tt = -1, .np = -1, .dpc = 5, .new_ri = -1, .new_ssn = -1,
				   .replace = "4477", .has_replace = true };
	sccp_layer_add_gtt(layer, &r);
	struct sccp_addr other;
	sccp_addr_set_e164(&other, "4412345", 6);
	/* not an open relay: a translation alone does not make us relay */
	rx(SCCP_MSGT_XUDT, &other, &hlr, data, sizeof(data), 5, true);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].dpc, 3);		/* returned to the sender */
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_RELAY_DENIED), 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RELAYED), 0);
	n_sent = 0;
	assert_int_equal(sccp_layer_add_relay(layer, "44"), 0);
	rx(SCCP_MSGT_XUDT, &other, &hlr, data, sizeof(data), 5, false);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sent[0].dpc, 5);
	struct sccp_msg m;
	assert_int_equal(sccp_msg_decode(&m, sent[0].data, sent[0].len), 0);
	assert_int_equal(m.hop_counter, 4);
	assert_string_equal(m.called.gt.digits, "447712345");
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_RELAYED), 1);
	char out[256];
	assert_int_equal(dissect_run(sent[0].data, sent[0].len, "sccp", "-e sccp.called.digits -e sccp.hops",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "447712345\t0x04");
}

static void test_hop_counter_violation(void **state)
{
	static const uint8_t data[] = { 1 };
	struct sccp_gtt_rule r = { .prefix = "44", .tt = -1, .np = -1, .dpc = 5, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &r);
	sccp_layer_add_relay(layer, "44");
	struct sccp_addr other;
	sccp_addr_set_e164(&other, "4412345", 6);
	rx(SCCP_MSGT_XUDT, &other, &hlr, data, sizeof(data), 1, true);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_HOP_COUNTER), 1);
	assert_int_equal(n_sent, 1);	/* the XUDTS back */
	char out[256];
	assert_int_equal(dissect_run(sent[0].data, sent[0].len, "sccp", "-e sccp.message_type -e sccp.return_cause",
				     out, sizeof(out)), 0);
	assert_string_equal(out, "0x12\t0x0c");
}

static void test_unequipped_and_no_udts_for_udts(void **state)
{
	static const uint8_t data[] = { 1 };
	struct sccp_addr nobody = gw;
	nobody.ssn = 99;
	rx(SCCP_MSGT_UDT, &nobody, &hlr, data, sizeof(data), 0, true);
	assert_int_equal(n_sent, 1);
	struct sccp_msg m;
	assert_int_equal(sccp_msg_decode(&m, sent[0].data, sent[0].len), 0);
	assert_int_equal(m.type, SCCP_MSGT_UDTS);
	assert_int_equal(m.return_cause, SCCP_RC_UNEQUIPPED_USER);
	assert_string_equal(m.called.gt.digits, "491710000001");
	/* without return option: counted drop only */
	rx(SCCP_MSGT_UDT, &nobody, &hlr, data, sizeof(data), 0, false);
	assert_int_equal(n_sent, 1);
	/* a UDTS for an unknown SSN is never answered */
	rx(SCCP_MSGT_UDTS, &nobody, &hlr, data, sizeof(data), 0, true);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_UNEQUIPPED), 3);
	/* a UDTS for our SSN is an N-NOTICE */
	rx(SCCP_MSGT_UDTS, &gw, &hlr, data, sizeof(data), 0, false);
	assert_int_equal(n_notice, 1);
	assert_int_equal(notice_cause, SCCP_RC_SUBSYSTEM_FAILURE);
}

static void test_routing_loop_refused(void **state)
{
	static const uint8_t data[] = { 1 };
	/* a message from PC 3 whose GT translates back to PC 3 (a relay we allow) */
	sccp_layer_add_relay(layer, "49171");
	rx(SCCP_MSGT_UDT, &hlr, &hlr, data, sizeof(data), 0, false);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_LOOP), 1);
	assert_int_equal(n_sent, 0);
}

/* send 2 KB, feed the segments back in the given order, check what arrives */
static void segment_roundtrip(uint8_t protocol_class, const int *order, int n_order, bool dup)
{
	struct sccp_unitdata ud = { .called = hlr, .calling = gw, .protocol_class = protocol_class,
				    .sls = 5, .data = big, .len = sizeof(big) };
	assert_int_equal(sccp_user_unitdata_req(user, &ud), 0);
	assert_true(n_sent >= 8 && n_sent <= 16);
	char out[256];
	for (int i = 0; i < n_sent; i++) {
		assert_true(sent[i].len <= 268);
		assert_int_equal(sent[i].dpc, 3);
		if (protocol_class == 1)
			assert_int_equal(sent[i].sls, 5);
		else
			assert_int_equal(sent[i].sls, sent[0].sls);
		assert_int_equal(dissect_run(sent[i].data, sent[i].len, "sccp", "-e sccp.segmentation.remaining",
					     out, sizeof(out)), 0);
		char expect[8];
		snprintf(expect, sizeof(expect), "0x%02x", n_sent - 1 - i);
		assert_string_equal(out, expect);
	}
	/* deliver them to ourselves as if they came from the network for our GT */
	int total = n_sent;
	bool duplicated = false;
	for (int k = 0; k < (n_order ? n_order : total); k++) {
		int i = n_order ? order[k] : k;
		if (i >= total)
			continue;
		struct sccp_msg m;
		uint8_t buf[512];
		assert_int_equal(sccp_msg_decode(&m, sent[i].data, sent[i].len), 0);
		/* swap the parties: the copy goes to our own GT */
		m.called = gw;
		m.calling = hlr;
		int len = sccp_msg_encode(buf, sizeof(buf), &m);
		sccp_layer_rx_mtp(layer, 3, 2, sent[i].sls, buf, len);
		if (dup && !duplicated) {
			sccp_layer_rx_mtp(layer, 3, 2, sent[i].sls, buf, len);
			duplicated = true;
		}
	}
}

static void test_segmentation_class0_in_order(void **state)
{
	segment_roundtrip(0, NULL, 0, false);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].len, sizeof(big));
	assert_memory_equal(got[0].data, big, sizeof(big));
	assert_int_equal(got[0].protocol_class, 0);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_REASSEMBLED), 1);
}

static void test_segmentation_class1_reversed_with_duplicate(void **state)
{
	const int order[] = { 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
	segment_roundtrip(1, order, 16, true);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].len, sizeof(big));
	assert_memory_equal(got[0].data, big, sizeof(big));
	assert_int_equal(got[0].protocol_class, 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_REASSEMBLY), 1);	/* the duplicate */
}

static void test_segment_missing_times_out(void **state)
{
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 5000 };
	const int order[] = { 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };	/* no 3 */
	segment_roundtrip(0, order, 15, false);
	assert_int_equal(n_got, 0);
	int before = n_sent;
	osmo_gettimeofday_override_add(11, 0);
	osmo_timers_prepare();
	osmo_timers_update();
	osmo_gettimeofday_override = false;
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_REASSEMBLY_TIMEOUT), 1);
	/* the first segment asked for return on error? it did not: no XUDTS */
	assert_int_equal(n_sent, before);
}

/* first segments from one calling address take at most its share of the
 * reassembly table; another sender's message still goes through */
static void test_reassembly_share_per_calling(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	sccp_layer_set_reassembly_per_calling(layer, 4);
	for (int i = 0; i < 10; i++) {
		uint8_t buf[128];
		struct sccp_msg m = { .type = SCCP_MSGT_XUDT, .called = gw, .calling = hlr, .hop_counter = 15,
				      .seg_present = true, .seg = { .first = true, .remaining = 1, .local_ref = 100 + i },
				      .data = data, .len = sizeof(data) };
		int n = sccp_msg_encode(buf, sizeof(buf), &m);
		assert_true(n > 0);
		sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	}
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_REASM_PER_CALLING), 6);
	/* a two-segment message from another GT is reassembled and delivered */
	struct sccp_addr msc;
	sccp_addr_set_e164(&msc, "491710000002", 8);
	for (int rem = 1; rem >= 0; rem--) {
		uint8_t buf[128];
		struct sccp_msg m = { .type = SCCP_MSGT_XUDT, .called = gw, .calling = msc, .hop_counter = 15,
				      .seg_present = true, .seg = { .first = rem == 1, .remaining = rem, .local_ref = 7 },
				      .data = data, .len = sizeof(data) };
		int n = sccp_msg_encode(buf, sizeof(buf), &m);
		sccp_layer_rx_mtp(layer, 3, 2, 0, buf, n);
	}
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].len, 2 * sizeof(data));
	assert_string_equal(got[0].calling.gt.digits, "491710000002");
}

static void test_too_big_refused(void **state)
{
	static uint8_t huge[SCCP_USER_DATA_MAX + 1];
	struct sccp_unitdata ud = { .called = hlr, .calling = gw, .data = huge, .len = sizeof(huge) };
	assert_true(sccp_user_unitdata_req(user, &ud) < 0);
	ud.len = SCCP_USER_DATA_MAX;
	/* fits in 16 segments at the default size, or is refused, never truncated */
	int rc = sccp_user_unitdata_req(user, &ud);
	if (rc == 0)
		assert_true(n_sent <= 16);
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_bind_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_udt_via_gtt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longest_prefix_and_qualifiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_and_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reassembly_share_per_calling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hop_counter_violation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unequipped_and_no_udts_for_udts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routing_loop_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segmentation_class0_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segmentation_class1_reversed_with_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_missing_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_refused, setup, teardown),
	};
	int rc = cmocka_run_group_tests_name("sccp_layer", tests, NULL, NULL);
	log_fini();
	talloc_free(log_ctx);
	return rc;
}
