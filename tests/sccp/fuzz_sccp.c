/* libFuzzer harness: the SCCP decoder, the SCMG decoder, then the layer's receive
 * path (routing, GTT relay, returns, reassembly, SCCP management) with a fake
 * MTP and a bound user. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include <sigway/sccp/sccp_layer.h>
#include <sigway/sccp/sccp_scmg.h>

static struct sccp_layer *layer;
static size_t delivered;

static int fake_mtp(void *priv, uint32_t dpc, uint8_t sls, const uint8_t *data, size_t len)
{
	/* what we send must itself decode */
	struct sccp_msg m;
	if (sccp_msg_decode(&m, data, len) != 0)
		__builtin_trap();
	return 0;
}

static void ind(void *priv, const struct sccp_unitdata *ud)
{
	delivered += ud->len;
}

static void notice(void *priv, const struct sccp_unitdata *ud, enum sccp_return_cause cause)
{
	delivered += ud->len;
}

static const struct sccp_user_ops ops = { .unitdata_ind = ind, .notice_ind = notice };

static void setup(void)
{
	static void *ctx;
	ctx = talloc_named_const(NULL, 0, "fuzz");
	osmo_init_logging2(ctx, &sigway_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	layer = sccp_layer_alloc(ctx, &(struct sccp_mtp_down){ .transfer_req = fake_mtp });
	sccp_layer_set_local_pc(layer, 2);
	sccp_layer_add_local_gt(layer, "4917200");
	struct sccp_gtt_rule r = { .prefix = "49", .tt = -1, .np = -1, .dpc = 3, .new_ri = -1, .new_ssn = -1 };
	sccp_layer_add_gtt(layer, &r);
	struct sccp_gtt_rule self = { .prefix = "4400", .tt = -1, .np = -1, .dpc = 2, .new_ri = SCCP_RI_SSN_PC,
				      .new_ssn = 6, .replace = "4917200", .has_replace = true };
	sccp_layer_add_gtt(layer, &self);
	sccp_user_bind(layer, 6, &ops, NULL);
	sccp_user_bind(layer, 8, &ops, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sccp_msg m;
	uint8_t out[2048];
	if (!layer)
		setup();
	if (sccp_msg_decode(&m, data, size) == 0) {
		/* a decoded message re-encodes to something that decodes the same way */
		int len = sccp_msg_encode(out, sizeof(out), &m);
		struct sccp_msg again;
		if (len > 0 && (sccp_msg_decode(&again, out, len) != 0 || again.len != m.len ||
				memcmp(again.data, m.data, m.len)))
			__builtin_trap();
	}
	/* the input less its first octet as an SCMG message: what decodes
	 * re-encodes (spare bits cleared) and decodes the same way */
	struct sccp_scmg_msg s, s2;
	if (size && sccp_scmg_decode(&s, data + 1, size - 1) == 0) {
		int len = sccp_scmg_encode(out, sizeof(out), &s);
		if (len != (int)size - 1 || sccp_scmg_decode(&s2, out, len) != 0 || s2.type != s.type ||
		    s2.affected_ssn != s.affected_ssn || s2.affected_pc != s.affected_pc || s2.smi != s.smi ||
		    s2.congestion_level != s.congestion_level)
			__builtin_trap();
	}
	sccp_layer_rx_mtp(layer, 3, 2, size ? data[0] & 0x0f : 0, data, size);
	return 0;
}
