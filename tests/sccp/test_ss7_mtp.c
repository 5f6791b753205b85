/* The MTP SAP glue (src/ss7/ss7_mtp.c) with MTP-PAUSE, MTP-RESUME and
 * MTP-STATUS injected as libosmo-sigtran hands primitives to a registered MTP
 * user (a primitive in a msgb the user frees). libosmo-sigtran 1.6 never
 * delivers these three to an MTP user, and osmo-stp over IPA never produces
 * them (doc/sccp.md), so this is where they are tested: nothing is sent
 * towards a paused point code, RESUME opens it again and allows its
 * subsystems, STATUS makes the layer test the remote SCCP. */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/timer.h>
#include <osmocom/sigtran/mtp_sap.h>
#include <osmocom/sigtran/osmo_ss7.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include <sigway/sccp/sccp_scmg.h>
#include <sigway/ss7/ss7_mtp.h>

#define MTP_SI_SCCP 3

static int n_sent;
static uint8_t last_sent[256];
static size_t last_len;
static uint32_t last_dpc;

static int fake_mtp(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	n_sent++;
	last_dpc = dpc;
	last_len = len < sizeof(last_sent) ? len : sizeof(last_sent);
	memcpy(last_sent, data, last_len);
	return 0;
}

static int n_ind, n_pcstate;
static enum sccp_pc_state last_pcstate;
static void ind(void *priv, const struct sccp_unitdata *ud) { n_ind++; }
static void pcstate_ind(void *priv, uint32_t pc, enum sccp_pc_state st)
{
	n_pcstate++;
	last_pcstate = st;
}
static const struct sccp_user_ops ops = { .unitdata_ind = ind, .pcstate_ind = pcstate_ind };

static void *ctx;
static struct osmo_ss7_instance *inst;
static struct sccp_layer *layer;
static struct ss7_mtp *mtp;
static struct sccp_user *user;
static struct sccp_addr gw, hlr;
static const uint8_t payload[] = { 0x62, 0x03, 0x48, 0x01, 0x01 };

/* one primitive up, the way libosmo-sigtran gives it to an MTP user */
static int inject(enum osmo_mtp_prim_type prim, enum osmo_prim_operation op, uint32_t pc, uint32_t cause,
		  const uint8_t *data, size_t len)
{
	struct msgb *msg = msgb_alloc_headroom(512, 128, "test-prim");
	struct osmo_mtp_prim *omp = (struct osmo_mtp_prim *)msgb_put(msg, sizeof(*omp));
	osmo_prim_init(&omp->oph, MTP_SAP_USER, prim, op, msg);
	switch (prim) {
	case OSMO_MTP_PRIM_TRANSFER:
		omp->u.transfer = (struct osmo_mtp_transfer_param){ .opc = pc, .dpc = 2, .sio = MTP_SIO(MTP_SI_SCCP, 0) };
		msg->l2h = msgb_put(msg, len);
		memcpy(msg->l2h, data, len);
		break;
	case OSMO_MTP_PRIM_PAUSE: omp->u.pause.affected_dpc = pc; break;
	case OSMO_MTP_PRIM_RESUME: omp->u.resume.affected_dpc = pc; break;
	case OSMO_MTP_PRIM_STATUS: omp->u.status.affected_dpc = pc; omp->u.status.cause = cause; break;
	default: break;
	}
	const struct osmo_ss7_user *u = inst->user[MTP_SI_SCCP];
	assert_non_null(u);
	return u->prim_cb(&omp->oph, u->priv);
}

static int send_to_hlr(void)
{
	struct sccp_unitdata ud = { .called = hlr, .calling = gw, .data = payload, .len = sizeof(payload) };
	return sccp_user_unitdata_req(user, &ud);
}

static int setup(void **state)
{
	ctx = talloc_named_const(NULL, 0, "test");
	n_sent = n_ind = n_pcstate = 0;
	osmo_gettimeofday_override = true;
	osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 100000 };
	inst = osmo_ss7_instance_find_or_create(ctx, 0);
	assert_non_null(inst);
	inst->cfg.primary_pc = 2;
	layer = sccp_layer_alloc(ctx, NULL);
	sccp_layer_add_local_gt(layer, "49172");
	struct sccp_gtt_rule r = { .prefix = "49171", .tt = -1, .np = -1, .dpc = 3, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &r);
	sccp_layer_set_sst_interval(layer, 2);
	mtp = ss7_mtp_bind(ctx, 0, layer);
	assert_non_null(mtp);
	assert_int_equal(sccp_layer_local_pc(layer), 2);
	/* what the layer sends goes to the fake instead of the library */
	sccp_layer_set_mtp_down(layer, &(struct sccp_mtp_down){ .transfer_req = fake_mtp });
	user = sccp_user_bind(layer, 8, &ops, NULL);
	sccp_addr_set_e164(&gw, "491720000099", 8);
	sccp_addr_set_e164(&hlr, "491710000001", 6);
	return 0;
}

static int teardown(void **state)
{
	ss7_mtp_unbind(mtp);
	sccp_layer_free(layer);
	osmo_ss7_instance_destroy(inst);
	talloc_free(ctx);
	osmo_gettimeofday_override = false;
	return 0;
}

static void test_transfer_reaches_sccp(void **state)
{
	uint8_t buf[128];
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .called = gw, .calling = hlr, .data = payload, .len = sizeof(payload) };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	assert_int_equal(inject(OSMO_MTP_PRIM_TRANSFER, PRIM_OP_INDICATION, 3, 0, buf, n), 0);
	assert_int_equal(n_ind, 1);
}

static void test_pause_resume(void **state)
{
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 1);

	inject(OSMO_MTP_PRIM_PAUSE, PRIM_OP_INDICATION, 3, 0, NULL, 0);
	assert_int_equal(n_pcstate, 1);
	assert_int_equal(last_pcstate, SCCP_PC_INACCESSIBLE);
	assert_false(sccp_layer_pc_accessible(layer, 3));
	/* the sender sees the failure; nothing reaches MTP */
	assert_int_equal(send_to_hlr(), -ENETUNREACH);
	assert_int_equal(send_to_hlr(), -ENETUNREACH);
	assert_int_equal(n_sent, 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_DROP_PC_PAUSED), 2);
	/* another point code is still reachable */
	struct sccp_gtt_rule r = { .prefix = "44", .tt = -1, .np = -1, .dpc = 4, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &r);
	struct sccp_addr other;
	sccp_addr_set_e164(&other, "441234", 6);
	struct sccp_unitdata ud = { .called = other, .calling = gw, .data = payload, .len = sizeof(payload) };
	assert_int_equal(sccp_user_unitdata_req(user, &ud), 0);
	assert_int_equal(n_sent, 2);
	assert_int_equal(last_dpc, 4);

	inject(OSMO_MTP_PRIM_RESUME, PRIM_OP_INDICATION, 3, 0, NULL, 0);
	assert_int_equal(n_pcstate, 2);
	assert_int_equal(last_pcstate, SCCP_PC_ACCESSIBLE);
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 3);
	assert_int_equal(last_dpc, 3);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_PAUSE), 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_RESUME), 1);
}

static void test_resume_allows_prohibited_subsystems(void **state)
{
	/* SSN 6 at PC 3 prohibited (SSP), then the point code goes and comes back */
	uint8_t data[8], buf[64];
	int dlen = sccp_scmg_encode(data, sizeof(data), &(struct sccp_scmg_msg){ SCCP_SCMG_SSP, 6, 3, 0 });
	struct sccp_msg m = { .type = SCCP_MSGT_UDT, .data = data, .len = dlen,
			      .called = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 2, .ssn_present = true, .ssn = 1 },
			      .calling = { .ri = SCCP_RI_SSN_PC, .pc_present = true, .pc = 3, .ssn_present = true, .ssn = 1 } };
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	inject(OSMO_MTP_PRIM_TRANSFER, PRIM_OP_INDICATION, 3, 0, buf, n);
	assert_int_equal(send_to_hlr(), -EHOSTDOWN);
	inject(OSMO_MTP_PRIM_PAUSE, PRIM_OP_INDICATION, 3, 0, NULL, 0);
	/* no subsystem test goes out while the point code is paused */
	osmo_gettimeofday_override_add(5, 0);
	osmo_timers_prepare();
	osmo_timers_update();
	assert_int_equal(n_sent, 0);
	inject(OSMO_MTP_PRIM_RESUME, PRIM_OP_INDICATION, 3, 0, NULL, 0);
	assert_true(sccp_layer_remote_ss_allowed(layer, 3, 6));
	assert_int_equal(send_to_hlr(), 0);
	assert_int_equal(n_sent, 1);
}

static void test_status_tests_remote_sccp(void **state)
{
	inject(OSMO_MTP_PRIM_STATUS, PRIM_OP_INDICATION, 3, 2, NULL, 0);
	assert_int_equal(last_pcstate, SCCP_PC_SCCP_UNAVAILABLE);
	assert_int_equal(send_to_hlr(), -EHOSTDOWN);
	osmo_gettimeofday_override_add(2, 0);
	osmo_timers_prepare();
	osmo_timers_update();
	/* an SST for SSN 1 at PC 3 */
	assert_int_equal(n_sent, 1);
	assert_int_equal(last_dpc, 3);
	struct sccp_msg m;
	struct sccp_scmg_msg s;
	assert_int_equal(sccp_msg_decode(&m, last_sent, last_len), 0);
	assert_int_equal(sccp_scmg_decode(&s, m.data, m.len), 0);
	assert_int_equal(s.type, SCCP_SCMG_SST);
	assert_int_equal(s.affected_ssn, 1);
	assert_int_equal(sccp_layer_ctr(layer, SCCP_CTR_MTP_STATUS), 1);
}

static void test_unknown_primitives_freed(void **state)
{
	/* a request coming up, or a primitive we do not know: counted, freed (ASan checks) */
	assert_int_equal(inject(OSMO_MTP_PRIM_PAUSE, PRIM_OP_REQUEST, 3, 0, NULL, 0), 0);
	assert_int_equal(inject(9, PRIM_OP_INDICATION, 3, 0, NULL, 0), 0);
	assert_true(sccp_layer_pc_accessible(layer, 3));
	assert_int_equal(n_pcstate, 0);
}

int main(void)
{
	void *log_ctx = talloc_named_const(NULL, 0, "log");
	osmo_init_logging2(log_ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	osmo_ss7_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transfer_reaches_sccp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_allows_prohibited_subsystems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_tests_remote_sccp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_primitives_freed, setup, teardown),
	};
	int rc = cmocka_run_group_tests_name("ss7_mtp", tests, NULL, NULL);
	log_fini();
	talloc_free(log_ctx);
	return rc;
}
