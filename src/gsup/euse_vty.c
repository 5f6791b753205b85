/* VTY of the GSUP transport: the `gsup` node (which HLR, our EUSE name,
 * limits, timers) and `show gsup`. The config is read before euse_start();
 * changes made later apply when the EUSE is started again. */

#include <stdlib.h>
#include <string.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/gsup/euse.h>
#include "gsup_internal.h"

static struct euse_cfg *g_cfg;
static struct euse *g_euse;

static struct cmd_node gsup_node = { SIGWAY_GSUP_NODE, "%s(config-gsup)# ", 1 };

DEFUN(cfg_gsup, cfg_gsup_cmd, "gsup",
      "Act as External USSD Entity (EUSE) of an OsmoHLR, over GSUP\n")
{
	g_cfg->enabled = true;
	vty->node = SIGWAY_GSUP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_remote_ip, cfg_remote_ip_cmd, "remote-ip ADDR",
      "The HLR's GSUP address\n" "IPv4 or IPv6 address\n")
{
	if (strlen(argv[0]) >= sizeof(g_cfg->remote_ip)) {
		vty_out(vty, "%% address too long%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(g_cfg->remote_ip, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_remote_port, cfg_remote_port_cmd, "remote-port <1-65535>",
      "The HLR's GSUP port (OsmoHLR: 4222)\n" "TCP port\n")
{
	g_cfg->remote_port = (uint16_t)atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_name, cfg_name_cmd, "name NAME",
      "Our EUSE name: the HLR's `euse NAME-00-00-00-00-00-00`\n"
      "A single word (the -00-00-00-00-00-00 suffix may be left out)\n")
{
	const char *n = argv[0];
	if (!n[0] || strlen(n) > EUSE_NAME_MAX || strspn(n, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(n)) {
		vty_out(vty, "%% 1 to %d letters, digits, '-', '_' or '.'%s", EUSE_NAME_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	OSMO_STRLCPY_ARRAY(g_cfg->name, n);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_sessions, cfg_max_sessions_cmd, "max-sessions <1-1000000>",
      "Concurrent sessions; more are refused with systemFailure\n" "Sessions\n")
{
	g_cfg->max_sessions = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_guard, cfg_guard_cmd, "session-guard-timeout <1-3600>",
      "A session where nothing happens this long is dropped (OsmoHLR's ncss-guard-timeout is 30)\n"
      "Seconds\n")
{
	g_cfg->guard_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_backoff, cfg_backoff_cmd, "reconnect-backoff <1-3600> <1-3600>",
      "Wait between connection attempts, doubling from MIN to MAX\n" "MIN seconds\n" "MAX seconds\n")
{
	unsigned int lo = atoi(argv[0]), hi = atoi(argv[1]);
	if (hi < lo) {
		vty_out(vty, "%% MAX below MIN%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	g_cfg->reconnect_min_s = lo;
	g_cfg->reconnect_max_s = hi;
	return CMD_SUCCESS;
}

DEFUN(cfg_keepalive, cfg_keepalive_cmd, "keepalive <1-3600> <1-3600>",
      "IPA PING the HLR after a quiet while; drop the link without a PONG in time\n"
      "PING interval, seconds\n" "PONG timeout, seconds\n")
{
	g_cfg->ping_interval_s = atoi(argv[0]);
	g_cfg->pong_timeout_s = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_keepalive, cfg_no_keepalive_cmd, "no keepalive", NO_STR "No IPA PING\n")
{
	g_cfg->ping_interval_s = 0;
	return CMD_SUCCESS;
}

static int config_write_gsup(struct vty *vty)
{
	if (!g_cfg->enabled)
		return CMD_SUCCESS;
	vty_out(vty, "gsup%s", VTY_NEWLINE);
	vty_out(vty, " remote-ip %s%s", g_cfg->remote_ip, VTY_NEWLINE);
	vty_out(vty, " remote-port %u%s", g_cfg->remote_port, VTY_NEWLINE);
	vty_out(vty, " name %s%s", g_cfg->name, VTY_NEWLINE);
	vty_out(vty, " max-sessions %u%s", g_cfg->max_sessions, VTY_NEWLINE);
	vty_out(vty, " session-guard-timeout %u%s", g_cfg->guard_timeout_s, VTY_NEWLINE);
	vty_out(vty, " reconnect-backoff %u %u%s", g_cfg->reconnect_min_s, g_cfg->reconnect_max_s, VTY_NEWLINE);
	if (g_cfg->ping_interval_s)
		vty_out(vty, " keepalive %u %u%s", g_cfg->ping_interval_s, g_cfg->pong_timeout_s, VTY_NEWLINE);
	else
		vty_out(vty, " no keepalive%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_gsup, show_gsup_cmd, "show gsup", SHOW_STR "The EUSE link to the HLR, sessions, counters\n")
{
	struct euse *e = g_euse;
	if (!e) {
		vty_out(vty, "GSUP (EUSE) not running%s", VTY_NEWLINE);
		return CMD_SUCCESS;
	}
	if (e->link)
		vty_out(vty, "HLR %s:%u as %s: %s%s", e->link->cfg.remote_ip, e->link->cfg.remote_port,
			e->link->cfg.unit_name, get_value_string(ipa_client_state_names, e->link->state),
			VTY_NEWLINE);
	vty_out(vty, "sessions: %u of %u%s", e->n_sessions, e->cfg.max_sessions, VTY_NEWLINE);
	vty_out_rate_ctr_group(vty, " ", e->ctrg);
	return CMD_SUCCESS;
}

void euse_vty_init(struct euse_cfg *cfg)
{
	g_cfg = cfg;
	install_element(CONFIG_NODE, &cfg_gsup_cmd);
	install_node(&gsup_node, config_write_gsup);
	install_element(SIGWAY_GSUP_NODE, &cfg_remote_ip_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_remote_port_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_name_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_max_sessions_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_guard_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_backoff_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_keepalive_cmd);
	install_element(SIGWAY_GSUP_NODE, &cfg_no_keepalive_cmd);
	install_element_ve(&show_gsup_cmd);
}

void euse_vty_set_instance(struct euse *e)
{
	g_euse = e;
}

void euse_vty_forget(struct euse *e)
{
	if (g_euse == e)
		g_euse = NULL;
}
