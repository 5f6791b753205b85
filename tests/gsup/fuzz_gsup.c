/* libFuzzer harness: what an HLR sends an EUSE. The input is an IPA byte
 * stream, cut into chunks, through our IPA client (framing, CCM identity,
 * PING) into the EUSE's GSUP handling on top of libosmocore's decoder
 * (sessions, SS_INFO via our 04.80 codec, refusals, the FSMs), with a core
 * that answers as the session id tells it; then the guard timers fire.
 * Every message we send must decode again (libosmocore's GSUP decoder, our
 * component decoder).
 *
 * Input: octet 0 = bit 0: identify first (ID_GET + ID_ACK before the
 * stream), bits 1-3: chunk size - 1; the rest is the stream. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/timer.h>
#include <osmocom/gsm/gsup.h>
#include <osmocom/gsm/protocol/gsm_04_80.h>
#include <sigway/common/logging.h>
#include <sigway/gsup/euse.h>
#include "gsup_internal.h"

static void *g_ctx;
static struct euse *g_e;

static int check_tx(void *priv, const uint8_t *data, size_t len)
{
	struct osmo_gsup_message g;
	struct ussd_component c;
	if (osmo_gsup_decode(data, len, &g) < 0)
		abort();
	if (g.ss_info && ussd_component_decode(&c, g.ss_info, g.ss_info_len) < 0)
		abort();
	return (len & 7) == 7 ? -ENOTCONN : 0;	/* now and then the link fails */
}

static void answer(const char *imsi, uint32_t id, bool end)
{
	struct ussd_component c = {
		.type = end ? USSD_COMP_RETURN_RESULT : USSD_COMP_INVOKE,
		.has_opcode = true,
		.opcode = end ? USSD_OP_PROCESS_USS_REQ : USSD_OP_USS_REQ,
	};
	ussd_component_set_text(&c, USSD_DCS_GSM7_UNSPEC, end ? "Bye" : "Menu\n1 A\n2 B");
	euse_send(g_e, imsi, id, end ? EUSE_END : EUSE_CONTINUE, &c);
}

/* the session id decides: bit 0 refuse, bit 1 answer now, bit 2 end at once */
static int f_begin(void *priv, const char *imsi, uint32_t id, const struct ussd_component *c, void **sp)
{
	if (id & 1)
		return -1;
	if (id & 2)
		answer(imsi, id, id & 4);
	*sp = NULL;
	return 0;
}

static void f_continue(void *priv, void *sp, const char *imsi, uint32_t id, const struct ussd_component *c)
{
	if (id & 8)
		euse_send_error(g_e, imsi, id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
	else
		answer(imsi, id, c->has_ussd && c->string_len & 1);
}

static void f_end(void *priv, void *sp, const char *imsi, uint32_t id, const struct ussd_component *c) {}
static void f_abort(void *priv, void *sp, const char *imsi, uint32_t id, enum euse_abort_cause cause)
{
	if (euse_send_error(g_e, imsi, id, GSM0480_ERR_CODE_SYSTEM_FAILURE) != -ENOENT)
		abort();
}

static const struct euse_ops fuzz_ops = {
	.session_begin = f_begin,
	.session_continue = f_continue,
	.session_end = f_end,
	.session_abort = f_abort,
};

static void l_up(void *priv) {}
static void l_down(void *priv) { euse_link_down(g_e); }
static void l_rx(void *priv, const uint8_t *data, size_t len) { euse_rx_gsup(g_e, data, len); }
static const struct ipa_client_ops link_ops = { .up = l_up, .down = l_down, .rx_gsup = l_rx };

static const struct ipa_client_cfg link_cfg = {
	.remote_ip = "127.0.0.1",
	.unit_name = "EUSE-fuzz-00-00-00-00-00-00",
	.backoff_min_s = 1, .backoff_max_s = 4,
	/* no keepalive: its timeout would reconnect, and the fuzzer has no sockets */
};

static const uint8_t identify[] = {
	0x00, 0x05, 0xfe, 0x04, 0x01, 0x00, 0x01, 0x08,	/* ID_GET: serial number, unit ID */
	0x00, 0x01, 0xfe, 0x06,				/* the echo of our ID_ACK */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_ctx) {
		g_ctx = talloc_named_const(NULL, 0, "fuzz_gsup");
		msgb_talloc_ctx_init(g_ctx, 0);
		osmo_init_logging2(g_ctx, &sigway_log_info);
		log_set_log_level(osmo_stderr_target, LOGL_FATAL);
		osmo_gettimeofday_override = true;
		osmo_gettimeofday_override_time = (struct timeval){ .tv_sec = 1 };
	}
	if (size < 1)
		return 0;
	struct euse_cfg cfg;
	euse_cfg_defaults(&cfg);
	cfg.max_sessions = 4;
	g_e = euse_alloc_with_tx(g_ctx, &cfg, &fuzz_ops, NULL, check_tx, NULL);
	struct ipa_client *cli = ipa_client_alloc_unconnected(g_ctx, &link_cfg, &link_ops, NULL, g_e->ctrg);

	size_t chunk = ((data[0] >> 1) & 7) + 1;
	int rc = 0;
	if (data[0] & 1)
		rc = ipa_client_feed(cli, identify, sizeof(identify));
	for (size_t pos = 1; pos < size && rc == 0; pos += chunk)
		rc = ipa_client_feed(cli, data + pos, size - pos < chunk ? size - pos : chunk);
	if (rc < 0)
		euse_link_down(g_e);
	/* what is left runs into the guard timers */
	osmo_gettimeofday_override_add(61, 0);
	osmo_timers_update();

	ipa_client_free(cli);
	euse_stop(g_e);
	g_e = NULL;
	return 0;
}
