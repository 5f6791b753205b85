/* libFuzzer harness: the TCAP decoder, then the receive path of an instance
 * (dialogue creation, P-Aborts, Rejects) whose user answers every Begin. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/tcap/tcap.h>

static struct tcap_instance *inst;
static struct sccp_addr a, b;

static int fake_sccp(void *priv, const struct sccp_unitdata *ud)
{
	/* what we send must itself decode */
	struct tcap_msg m;
	if (tcap_decode(&m, ud->data, ud->len) != 0)
		__builtin_trap();
	return 0;
}

static void dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	if (!dlg || ind->type != TCAP_IND_BEGIN)
		return;
	/* answer every invoke, alternate End and Continue, sometimes refuse */
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == TCAP_COMP_INVOKE)
			tcap_result(dlg, ind->comp[i].invoke_id, true, ind->comp[i].opcode,
				    ind->comp[i].param, ind->comp[i].param_len);
	switch (tcap_dialogue_local_tid(dlg) % 3) {
	case 0: tcap_end(dlg, false, NULL, 0); break;
	case 1: tcap_continue(dlg, NULL, 0); break;
	default:
		if (ind->acn)
			tcap_refuse_acn(dlg, ind->acn);
		else
			tcap_u_abort(dlg, NULL, 0);
	}
}

static const struct tcap_user_ops ops = { .dialogue_ind = dialogue_ind };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!inst) {
		void *ctx = talloc_named_const(NULL, 0, "fuzz");
		osmo_init_logging2(ctx, &sigway_log_info);
		log_set_log_level(osmo_stderr_target, LOGL_FATAL);
		inst = tcap_instance_alloc(ctx, &(struct sccp_sap_down){ .unitdata_req = fake_sccp }, &ops, NULL);
		/* dialogues left open by an input end by their guard timer, on fake time */
		osmo_gettimeofday_override = true;
		osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1 };
		sccp_addr_set_e164(&a, "491720000001", 6);
		sccp_addr_set_e164(&b, "491710000001", 8);
	}
	struct tcap_msg m;
	tcap_decode(&m, data, size);
	struct sccp_unitdata ud = { .called = a, .calling = b, .data = data, .len = size };
	tcap_rx_unitdata(inst, &ud);
	osmo_gettimeofday_override_add(61, 0);
	osmo_timers_prepare();
	osmo_timers_update();
	if (tcap_instance_live_dialogues(inst))
		__builtin_trap();
	return 0;
}
