/* libFuzzer harness: the MAP dialogue layer's receive path. Each input is
 * one or more TCAP messages (a 2-octet length before each) from one peer,
 * delivered to a MAP instance whose users serve every context and answer
 * the way services do; whatever the peer sends, no crash, no leak, and every
 * dialogue ends. */

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
	while (size >= 2) {
		size_t n = ((size_t)data[0] << 8 | data[1]) % 1024;
		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		struct sccp_unitdata ud = { .called = us, .calling = peer, .data = data, .len = n };
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
