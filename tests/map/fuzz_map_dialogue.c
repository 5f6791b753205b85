/* libFuzzer harness: the MAP dialogue layer's receive path. Each input is
 * one or more TCAP messages (a 2-octet length before each) from one peer,
 * delivered to a MAP instance whose users serve every context and answer
 * the way services do; whatever the peer sends, no crash, no leak, and every
 * dialogue ends. Two dialogues of our own are open towards the peer too (an
 * SRI-for-SM and an MT-ForwardSM, as the services open them), and a 4-octet
 * destination TID in a message becomes the TID of one of them, so that the
 * peer's answers reach our side: acceptance, results, errors, refusals and
 * the version fallback they start. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/timer_compat.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_codec.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static struct map_instance *mi;
static struct sccp_addr us, peer;
static unsigned int answers;

static int sink(void *priv, const struct sccp_unitdata *ud)
{
	answers++;
	return 0;
}

/* a service: answers what it understands, closes at the end of a message */
static void user_ind(void *priv, struct map_dialogue *md, const struct map_ind *ind)
{
	switch (ind->type) {
	case MAP_IND_INVOKE:
		if (ind->svc == MAP_SVC_USSR || ind->svc == MAP_SVC_PROCESS_USS) {
			union map_res r = { .ussd = ind->arg->ussd };
			map_response(md, ind->invoke_id, ind->svc, &r);
		} else if (ind->svc == MAP_SVC_PROCESS_USS_DATA) {
			union map_res r = { .ss_data = ind->arg->ss_data };
			map_response(md, ind->invoke_id, ind->svc, &r);
		} else if (ind->svc != MAP_SVC_SRI_FOR_SM) {
			map_response(md, ind->invoke_id, ind->svc, NULL);
		} else {
			map_response_error(md, ind->invoke_id, &(struct map_error_param){ .code = MAP_ERR_UNKNOWN_SUBSCRIBER });
		}
		break;
	case MAP_IND_DELIMITER:
		/* alternate: keep some dialogues open, close the others */
		if (answers & 1)
			map_delimit(md);
		else
			map_close(md, false);
		break;
	default:
		break;
	}
}

static const struct map_user user = { "fuzz", user_ind, NULL };

/* ------------------------------------------------ our own dialogues */

static struct map_dialogue *ours[2];
static unsigned int reopened;

/* as the SRI-for-SM step does: done once it has an answer */
static void initiator_ind(void *priv, struct map_dialogue *md, const struct map_ind *ind)
{
	unsigned int i = (unsigned int)(uintptr_t)map_dialogue_priv(md);
	if (ind->type == MAP_IND_DELIMITER)
		map_close(md, false);
	if (ind->last || ind->type == MAP_IND_DELIMITER)
		ours[i] = NULL;
}

static void initiator_reopened(void *priv, struct map_dialogue *md)
{
	CHECK(map_dialogue_begins(md) >= 2 && map_dialogue_begins(md) <= MAP_BEGINS_MAX);
	reopened++;
}

static const struct map_user initiator = { "fuzz-initiator", initiator_ind, NULL, initiator_reopened };

static void open_ours(void)
{
	static const uint8_t tpdu[] = { 0x04, 0x04, 0x81, 0x21, 0x43, 0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x11,
					0x11, 0x11, 0x01, 0x31 };
	for (unsigned int i = 0; i < 2; i++) {
		struct map_open_req req = { .ac = i ? MAP_AC_SHORT_MSG_MT_RELAY : MAP_AC_SHORT_MSG_GATEWAY,
					    .called = &peer, .calling = &us, .user = &initiator, .priv = (void *)(uintptr_t)i };
		union map_arg a;
		memset(&a, 0, sizeof(a));
		if (i) {
			a.forward_sm = (struct map_forward_sm_arg){ .da_type = MAP_DA_IMSI, .oa_type = MAP_OA_SC_ADDRESS,
								    .oa_address = { true, 0x91, "491720000099" },
								    .sm_rp_ui = tpdu, .sm_rp_ui_len = sizeof(tpdu) };
			strcpy(a.forward_sm.da_imsi, "262011234567890");
		} else {
			a.sri_sm = (struct map_sri_sm_arg){ .msisdn = { true, 0x91, "491710000011" },
							    .sc_address = { true, 0x91, "491720000099" } };
		}
		ours[i] = map_open(mi, &req);
		CHECK(ours[i]);
		CHECK(map_request(ours[i], i ? MAP_SVC_MT_FORWARD_SM : MAP_SVC_SRI_FOR_SM, &a, NULL) == 0);
		map_delimit(ours[i]);
	}
}

/* A 4-octet destination TID (DTID, tag 0x49) near the start becomes the
 * current TID of one of our dialogues (a fallback gives it a new one) */
static void aim_at_ours(uint8_t *m, size_t n, unsigned int k)
{
	struct map_dialogue *md = ours[k % 2];
	if (!md)
		return;
	for (size_t i = 0; i + 6 <= n && i < 12; i++) {
		if (m[i] != 0x49 || m[i + 1] != 4)
			continue;
		uint32_t tid = map_dialogue_local_tid(md);
		m[i + 2] = (uint8_t)(tid >> 24);
		m[i + 3] = (uint8_t)(tid >> 16);
		m[i + 4] = (uint8_t)(tid >> 8);
		m[i + 5] = (uint8_t)tid;
		return;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz");
	osmo_init_logging2(ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	osmo_gettimeofday_override = true;
	struct sccp_sap_down down = { .unitdata_req = sink };
	mi = map_instance_alloc(ctx, &down);
	map_register(mi, MAP_AC_SHORT_MSG_GATEWAY, 1, 3, &user);
	map_register(mi, MAP_AC_SHORT_MSG_MO_RELAY, 1, 3, &user);
	map_register(mi, MAP_AC_SHORT_MSG_ALERT, 1, 2, &user);
	map_register(mi, MAP_AC_SHORT_MSG_MT_RELAY, 2, 3, &user);
	map_register(mi, MAP_AC_NETWORK_USSD, 2, 2, &user);
	map_register(mi, MAP_AC_NETWORK_FUNCTIONAL_SS, 1, 1, &user);
	sccp_addr_set_e164(&us, "491720000099", 8);
	sccp_addr_set_e164(&peer, "491710000002", 8);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t msg[1024];
	open_ours();
	for (unsigned int k = 0; size >= 2; k++) {
		size_t n = ((size_t)data[0] << 8 | data[1]) % 1024;
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		memcpy(msg, data, n);
		aim_at_ours(msg, n, k);
		struct sccp_unitdata ud = { .called = us, .calling = peer, .data = msg, .len = n };
		map_sccp_user_ops.unitdata_ind(mi, &ud);
		data += n;
		size -= n;
	}
	/* every dialogue ends: the guard timer and invoke timers run out */
	for (int i = 0; i < 3 && map_instance_live_dialogues(mi); i++) {
		osmo_gettimeofday_override_add(700, 0);
		osmo_timers_prepare();
		osmo_timers_update();
	}
	CHECK(map_instance_live_dialogues(mi) == 0);
	return 0;
}
