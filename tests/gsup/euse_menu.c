/* sigway-test-euse: a test application on the GSUP transport (never
 * installed, not part of sigwayd). It connects to an OsmoHLR as EUSE with
 * the `gsup` config node and serves a fixed menu through struct euse_ops,
 * so the OsmoHLR path can be tested before the USSD core exists:
 *
 *   *123#    "Menu" (USSR) -> 1 balance (end) | 2 "Options" -> 1 data | 2 voice
 *            | 3 "Type some text" -> echo (end) | else "Invalid choice"
 *   *123*N#  one round: "Code N" (end)
 *   *123*9#  the application fails: ReturnError unexpectedDataValue
 *   *123*0#  never answered (the guard timer acts)
 *
 * Every session's outcome is logged at NOTICE ("session ... ended: ...") for
 * the integration test to read. */

#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/gsm/protocol/gsm_04_80.h>
#include <osmocom/vty/command.h>
#include <sigway/common/daemon.h>
#include <sigway/common/logging.h>
#include <sigway/gsup/euse.h>
#include <sigway/ussd/ussd_string.h>

#define TEST_EUSE_VTY_PORT 4290

enum menu_level { MENU_TOP, MENU_OPTIONS, MENU_ECHO };

struct menu_session {
	enum menu_level level;
	unsigned int rounds;
};

static struct euse *g_euse;
static void *g_ctx;

static void reply(const char *imsi, uint32_t id, enum euse_state st, const char *text)
{
	struct ussd_component c = {
		.type = st == EUSE_END ? USSD_COMP_RETURN_RESULT : USSD_COMP_INVOKE,
		.has_opcode = true,
		.opcode = st == EUSE_END ? USSD_OP_PROCESS_USS_REQ : USSD_OP_USS_REQ,
	};
	if (ussd_component_set_text(&c, USSD_DCS_GSM7_UNSPEC, text) < 0) {
		LOGP(DAPP, LOGL_ERROR, "cannot code '%s'\n", text);
		euse_send_error(g_euse, imsi, id, GSM0480_ERR_CODE_SYSTEM_FAILURE);
		return;
	}
	int rc = euse_send(g_euse, imsi, id, st, &c);
	if (rc < 0)
		LOGP(DAPP, LOGL_ERROR, "session %s/0x%08x: cannot send: %d\n", imsi, id, rc);
}

static int text_of(const struct ussd_component *c, char *out, size_t outlen)
{
	if (!c || !c->has_ussd)
		return -1;
	return ussd_string_decode(out, outlen, c->dcs, c->string, c->string_len, NULL) < 0 ? -1 : 0;
}

static int session_begin(void *priv, const char *imsi, uint32_t id, const struct ussd_component *c,
			 void **sess_priv)
{
	char code[200];
	if (text_of(c, code, sizeof(code)) < 0)
		return -1;
	LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x began: '%s'\n", imsi, id, code);
	if (!strcmp(code, "*123*0#"))
		return 0;	/* no answer: the guard timer's test */
	if (!strcmp(code, "*123*9#")) {
		euse_send_error(g_euse, imsi, id, GSM0480_ERR_CODE_UNEXPECTED_DATA_VALUE);
		LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: error\n", imsi, id);
		return 0;
	}
	if (!strncmp(code, "*123*", 5)) {
		char text[64];
		snprintf(text, sizeof(text), "Code %.*s", (int)strcspn(code + 5, "#"), code + 5);
		reply(imsi, id, EUSE_END, text);
		LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: final '%s'\n", imsi, id, text);
		return 0;
	}
	struct menu_session *m = talloc_zero(g_ctx, struct menu_session);
	*sess_priv = m;
	reply(imsi, id, EUSE_CONTINUE, "Menu\n1 Balance\n2 Options\n3 Echo");
	return 0;
}

static void finish(struct menu_session *m, const char *imsi, uint32_t id, const char *text)
{
	reply(imsi, id, EUSE_END, text);
	LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: final '%s' after %u answers\n", imsi, id, text,
	     m->rounds);
	talloc_free(m);
}

static void session_continue(void *priv, void *sess_priv, const char *imsi, uint32_t id,
			     const struct ussd_component *c)
{
	struct menu_session *m = sess_priv;
	char in[200], out[240];
	if (text_of(c, in, sizeof(in)) < 0) {
		LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: no text in the answer\n", imsi, id);
		euse_send_error(g_euse, imsi, id, GSM0480_ERR_CODE_UNEXPECTED_DATA_VALUE);
		talloc_free(m);
		return;
	}
	m->rounds++;
	switch (m->level) {
	case MENU_TOP:
		if (!strcmp(in, "1"))
			return finish(m, imsi, id, "Balance: 42.00");
		if (!strcmp(in, "2")) {
			m->level = MENU_OPTIONS;
			return reply(imsi, id, EUSE_CONTINUE, "Options\n1 Data\n2 Voice");
		}
		if (!strcmp(in, "3")) {
			m->level = MENU_ECHO;
			return reply(imsi, id, EUSE_CONTINUE, "Type some text");
		}
		break;
	case MENU_OPTIONS:
		if (!strcmp(in, "1"))
			return finish(m, imsi, id, "Data: 100 MB left");
		if (!strcmp(in, "2"))
			return finish(m, imsi, id, "Voice: 60 min left");
		break;
	case MENU_ECHO:
		snprintf(out, sizeof(out), "You typed: %s", in);
		return finish(m, imsi, id, out);
	}
	finish(m, imsi, id, "Invalid choice");
}

static void session_end(void *priv, void *sess_priv, const char *imsi, uint32_t id,
			const struct ussd_component *c)
{
	LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: by the network\n", imsi, id);
	talloc_free(sess_priv);
}

static void session_abort(void *priv, void *sess_priv, const char *imsi, uint32_t id,
			  enum euse_abort_cause cause)
{
	LOGP(DAPP, LOGL_NOTICE, "session %s/0x%08x ended: aborted, %s\n", imsi, id,
	     get_value_string(euse_abort_cause_names, cause));
	talloc_free(sess_priv);
}

static void link_changed(void *priv, bool up)
{
	LOGP(DAPP, LOGL_NOTICE, "HLR link %s\n", up ? "up" : "down");
}

static const struct euse_ops menu_ops = {
	.session_begin = session_begin,
	.session_continue = session_continue,
	.session_end = session_end,
	.session_abort = session_abort,
	.link_changed = link_changed,
};

static struct vty_app_info vty_info = {
	.name = "sigway-test-euse",
	.version = "0.1.0",
	.copyright = "sigway, AGPL-3.0-or-later\r\n",
};

int main(int argc, char **argv)
{
	struct sigway_daemon d = { .name = "sigway-test-euse", .config_file = "test-euse.cfg",
				   .vty_port = TEST_EUSE_VTY_PORT };
	static struct euse_cfg cfg;

	sigway_daemon_parse_args(&d, argc, argv);
	sigway_daemon_init(&d, &vty_info);
	euse_cfg_defaults(&cfg);
	euse_vty_init(&cfg);
	if (sigway_daemon_read_config(&d) < 0)
		return 1;
	if (d.check_config) {
		printf("%s: configuration OK\n", d.name);
		return 0;
	}
	if (!cfg.enabled) {
		fprintf(stderr, "%s: no 'gsup' node in the config\n", d.name);
		return 1;
	}
	g_ctx = d.ctx;
	g_euse = euse_start(d.ctx, &cfg, &menu_ops, NULL);
	if (!g_euse)
		return 1;
	euse_vty_set_instance(g_euse);
	LOGP(DAPP, LOGL_NOTICE, "sigway-test-euse started\n");
	sigway_daemon_run(&d);
	euse_stop(g_euse);
	talloc_free(d.ctx);
	return 0;
}
