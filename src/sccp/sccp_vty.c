/* VTY of the SCCP layer: the "sccp" config node (local GTs, GT translation,
 * limits) and "show sccp ..." commands. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <osmocom/vty/misc.h>
#include <osmocom/sigtran/osmo_ss7.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/sccp/sccp_vty.h>
#include <sigway/sccp/sccp_layer.h>

static struct sccp_layer *g_layer;

static struct cmd_node sccp_node = {
	SIGWAY_SCCP_NODE,
	"%s(config-sccp)# ",
	1,
};

static const char *pc_str(uint32_t pc)
{
	return osmo_ss7_pointcode_print(NULL, pc);
}

DEFUN(cfg_sccp, cfg_sccp_cmd, "sccp", "Configure our connectionless SCCP layer\n")
{
	vty->node = SIGWAY_SCCP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_local_pc, cfg_local_pc_cmd, "local-point-code POINT_CODE",
      "Our signalling point code (default: the cs7 instance's)\n" "Point code, e.g. 0.0.2\n")
{
	int pc = osmo_ss7_pointcode_parse(NULL, argv[0]);
	if (pc < 0) {
		vty_out(vty, "%% Invalid point code %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	sccp_layer_set_local_pc(g_layer, pc);
	return CMD_SUCCESS;
}

DEFUN(cfg_local_gt, cfg_local_gt_cmd, "local-gt DIGITS",
      "A global title prefix that is ours: called GTs starting with it go to local SSNs\n"
      "Digits\n")
{
	if (sccp_layer_add_local_gt(g_layer, argv[0]) < 0) {
		vty_out(vty, "%% Invalid or too many local GTs: %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_no_local_gt, cfg_no_local_gt_cmd, "no local-gt DIGITS",
      NO_STR "Remove a local global title prefix\n" "Digits\n")
{
	if (sccp_layer_del_local_gt(g_layer, argv[0]) < 0) {
		vty_out(vty, "%% No such local GT%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

/* Optional groups must follow the mandatory words in libosmovty; each group
 * we were given shows up as its keyword and value in argv. */
static int parse_gtt_options(struct sccp_gtt_rule *r, int argc, const char **argv)
{
	for (int i = 0; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!v)
			continue;
		if (!strcmp(k, "tt"))
			r->tt = atoi(v);
		else if (!strcmp(k, "np"))
			r->np = atoi(v);
		else if (!strcmp(k, "ri"))
			r->new_ri = !strcmp(v, "ssn") ? SCCP_RI_SSN_PC : SCCP_RI_GT;
		else if (!strcmp(k, "ssn"))
			r->new_ssn = atoi(v);
		else if (!strcmp(k, "replace-digits")) {
			if (strlen(v) > SCCP_GT_DIGITS_MAX)
				return -1;
			strcpy(r->replace, v);
			r->has_replace = true;
		} else {
			return -1;
		}
	}
	return 0;
}

static int add_gtt(struct vty *vty, int argc, const char **argv)
{
	struct sccp_gtt_rule r = { .tt = -1, .np = -1, .new_ri = -1, .new_ssn = -1 };
	if (strlen(argv[0]) > SCCP_GT_DIGITS_MAX)
		goto bad;
	strcpy(r.prefix, argv[0]);
	int pc = osmo_ss7_pointcode_parse(NULL, argv[1]);
	if (pc < 0)
		goto bad;
	r.dpc = pc;
	if ((argc - 2) % 2 || parse_gtt_options(&r, argc - 2, argv + 2) < 0)
		goto bad;
	if (sccp_layer_add_gtt(g_layer, &r) == 0)
		return CMD_SUCCESS;
bad:
	vty_out(vty, "%% Invalid GTT rule%s", VTY_NEWLINE);
	return CMD_WARNING;
}

#define GTT_STR "Global title translation rule\n" "Called GT prefix (longest prefix wins)\n" \
	"Next hop\n" "Next hop point code\n"

DEFUN(cfg_gtt, cfg_gtt_cmd, "gtt DIGITS dpc POINT_CODE", GTT_STR)
{
	return add_gtt(vty, argc, argv);
}

DEFUN(cfg_gtt_opts, cfg_gtt_opts_cmd, "gtt DIGITS dpc POINT_CODE .OPTIONS",
      GTT_STR "Pairs of: tt <0-255>, np <0-15> (match); ri (gt|ssn), ssn <0-255>, "
      "replace-digits DIGITS (rewrite)\n")
{
	return add_gtt(vty, argc, argv);
}

DEFUN(cfg_no_gtt, cfg_no_gtt_cmd, "no gtt DIGITS [.OPTIONS]",
      NO_STR "Global title translation rule\n" "Called GT prefix\n" "tt <0-255> and/or np <0-15> of the rule\n")
{
	struct sccp_gtt_rule r = { .tt = -1, .np = -1 };
	if ((argc - 1) % 2 || parse_gtt_options(&r, argc - 1, argv + 1) < 0)
		return CMD_WARNING;
	if (sccp_layer_del_gtt(g_layer, argv[0], r.tt, r.np) < 0) {
		vty_out(vty, "%% No such rule%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_max_msg, cfg_max_msg_cmd, "max-message-size <160-2048>",
      "Largest SCCP message handed to MTP; longer user data is segmented into XUDTs\n"
      "Octets (268 fits an MTP3 SIF)\n")
{
	sccp_layer_set_max_msg_size(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_reasm_timeout, cfg_reasm_timeout_cmd, "reassembly-timeout <1-60>",
      "How long to wait for the missing segments of a message\n" "Seconds\n")
{
	sccp_layer_set_reassembly_timeout(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_reasm_per_calling, cfg_reasm_per_calling_cmd, "reassembly-per-calling <1-4096>",
      "Reassemblies in progress from one calling address at most (a flood of first segments\n"
      "from one peer cannot take the table from the others)\n" "Reassemblies\n")
{
	sccp_layer_set_reassembly_per_calling(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_relay, cfg_relay_cmd, "relay called-gt DIGITS",
      "Relay messages from the network for GTs that are not ours (none by default)\n"
      "When the called GT starts with\n" "Digits\n")
{
	if (strspn(argv[0], "0123456789") != strlen(argv[0]) || sccp_layer_add_relay(g_layer, argv[0]) < 0) {
		vty_out(vty, "%% digits only, at most %d rules%s", 64, VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_no_relay, cfg_no_relay_cmd, "no relay called-gt DIGITS",
      NO_STR "Relay\n" "When the called GT starts with\n" "Digits\n")
{
	sccp_layer_del_relay(g_layer, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_always_xudt, cfg_always_xudt_cmd, "always-xudt",
      "Send XUDT even when a UDT would do (for networks that want hop counters)\n")
{
	sccp_layer_set_always_xudt(g_layer, true);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_always_xudt, cfg_no_always_xudt_cmd, "no always-xudt",
      NO_STR "Send UDT when the message fits one\n")
{
	sccp_layer_set_always_xudt(g_layer, false);
	return CMD_SUCCESS;
}

DEFUN(cfg_hop_counter, cfg_hop_counter_cmd, "hop-counter <1-15>",
      "Hop counter of the XUDTs we originate\n" "Hops\n")
{
	sccp_layer_set_hop_counter(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_sst_interval, cfg_sst_interval_cmd, "subsystem-test-interval <1-1200>",
      "Seconds between two subsystem status tests (SST) of a prohibited remote subsystem "
      "(Q.714 T(stat.info), default 30)\n" "Seconds\n")
{
	sccp_layer_set_sst_interval(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_concerned_pc, cfg_concerned_pc_cmd, "concerned-point-code POINT_CODE",
      "A node told (SSP, SSA) when one of our subsystems is prohibited or allowed\n" "Point code\n")
{
	int pc = osmo_ss7_pointcode_parse(NULL, argv[0]);
	if (pc < 0 || sccp_layer_add_concerned_pc(g_layer, pc) < 0) {
		vty_out(vty, "%% Invalid point code or too many: %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_no_concerned_pc, cfg_no_concerned_pc_cmd, "no concerned-point-code POINT_CODE",
      NO_STR "Remove a concerned node\n" "Point code\n")
{
	int pc = osmo_ss7_pointcode_parse(NULL, argv[0]);
	if (pc < 0 || sccp_layer_del_concerned_pc(g_layer, pc) < 0) {
		vty_out(vty, "%% No such concerned point code%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_concerned_window, cfg_concerned_window_cmd, "concerned-traffic-window <0-86400>",
      "Also tell the nodes that sent a subsystem messages within this time when it changes state\n"
      "Seconds (0: tell only the configured concerned point codes; default 3600)\n")
{
	sccp_layer_set_concerned_window(g_layer, atoi(argv[0]));
	return CMD_SUCCESS;
}

DEFUN(local_ss_state, local_ss_state_cmd, "sccp local-subsystem <2-255> (prohibited|allowed)",
      "SCCP layer\n" "Change the state of one of our subsystems (SSP/SSA to the concerned nodes)\n"
      "Subsystem number\n" "Out of service: messages for it are returned, SSTs not answered\n"
      "In service again\n")
{
	int n = sccp_layer_set_local_ss(g_layer, atoi(argv[0]), !strcmp(argv[1], "allowed"));
	if (n < 0) {
		vty_out(vty, "%% Invalid subsystem%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "SSN %s %s, %d node(s) told%s", argv[0], argv[1], n, VTY_NEWLINE);
	return CMD_SUCCESS;
}

static void write_gtt_rule(struct vty *vty, const struct sccp_gtt_rule *r, const char *indent)
{
	vty_out(vty, "%sgtt %s dpc %s", indent, r->prefix, pc_str(r->dpc));
	if (r->tt >= 0)
		vty_out(vty, " tt %d", r->tt);
	if (r->np >= 0)
		vty_out(vty, " np %d", r->np);
	if (r->new_ri >= 0)
		vty_out(vty, " ri %s", r->new_ri == SCCP_RI_SSN_PC ? "ssn" : "gt");
	if (r->new_ssn >= 0)
		vty_out(vty, " ssn %d", r->new_ssn);
	if (r->has_replace)
		vty_out(vty, " replace-digits %s", r->replace);
	vty_out(vty, "%s", VTY_NEWLINE);
}

static int config_write_sccp(struct vty *vty)
{
	vty_out(vty, "sccp%s", VTY_NEWLINE);
	if (sccp_layer_local_pc(g_layer))
		vty_out(vty, " local-point-code %s%s", pc_str(sccp_layer_local_pc(g_layer)), VTY_NEWLINE);
	for (unsigned int i = 0; i < sccp_layer_local_gt_count(g_layer); i++)
		vty_out(vty, " local-gt %s%s", sccp_layer_local_gt_get(g_layer, i), VTY_NEWLINE);
	for (unsigned int i = 0; i < sccp_layer_gtt_count(g_layer); i++)
		write_gtt_rule(vty, sccp_layer_gtt_get(g_layer, i), " ");
	vty_out(vty, " max-message-size %u%s", sccp_layer_max_msg_size(g_layer), VTY_NEWLINE);
	vty_out(vty, " reassembly-timeout %u%s", sccp_layer_reassembly_timeout(g_layer), VTY_NEWLINE);
	vty_out(vty, " reassembly-per-calling %u%s", sccp_layer_reassembly_per_calling(g_layer), VTY_NEWLINE);
	for (unsigned int i = 0; sccp_layer_relay_get(g_layer, i); i++)
		vty_out(vty, " relay called-gt %s%s", sccp_layer_relay_get(g_layer, i), VTY_NEWLINE);
	vty_out(vty, " hop-counter %u%s", sccp_layer_hop_counter(g_layer), VTY_NEWLINE);
	if (sccp_layer_always_xudt(g_layer))
		vty_out(vty, " always-xudt%s", VTY_NEWLINE);
	vty_out(vty, " subsystem-test-interval %u%s", sccp_layer_sst_interval(g_layer), VTY_NEWLINE);
	for (unsigned int i = 0; i < sccp_layer_concerned_pc_count(g_layer); i++)
		vty_out(vty, " concerned-point-code %s%s", pc_str(sccp_layer_concerned_pc_get(g_layer, i)), VTY_NEWLINE);
	vty_out(vty, " concerned-traffic-window %u%s", sccp_layer_concerned_window(g_layer), VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_sccp_gtt, show_sccp_gtt_cmd, "show sccp gtt",
      SHOW_STR "SCCP layer\n" "Local GTs and GT translation rules\n")
{
	for (unsigned int i = 0; i < sccp_layer_local_gt_count(g_layer); i++)
		vty_out(vty, "local-gt %s%s", sccp_layer_local_gt_get(g_layer, i), VTY_NEWLINE);
	for (unsigned int i = 0; i < sccp_layer_gtt_count(g_layer); i++)
		write_gtt_rule(vty, sccp_layer_gtt_get(g_layer, i), "");
	return CMD_SUCCESS;
}

static void show_user(void *arg, uint8_t ssn, const void *priv)
{
	struct vty *vty = arg;
	vty_out(vty, "SSN %u bound%s", ssn, VTY_NEWLINE);
}

DEFUN(show_sccp_users, show_sccp_users_cmd, "show sccp users",
      SHOW_STR "SCCP layer\n" "Local SSNs and their users\n")
{
	sccp_layer_for_each_user(g_layer, show_user, vty);
	return CMD_SUCCESS;
}

static void show_remote_ss(void *arg, const struct sccp_remote_ss_info *i)
{
	struct vty *vty = arg;
	vty_out(vty, " PC %-10s SSN %-3u %-10s for %u s", pc_str(i->pc), i->ssn,
		i->prohibited ? "prohibited" : "allowed", i->for_s);
	if (i->prohibited)
		vty_out(vty, ", %u SST sent", i->sst_sent);
	if (i->pc_paused)
		vty_out(vty, ", point code inaccessible");
	vty_out(vty, "%s", VTY_NEWLINE);
}

static void show_paused_pc(void *arg, uint32_t pc)
{
	struct vty *vty = arg;
	vty_out(vty, " PC %s%s", pc_str(pc), VTY_NEWLINE);
}

DEFUN(show_sccp_subsystems, show_sccp_subsystems_cmd, "show sccp subsystems",
      SHOW_STR "SCCP layer\n" "State of the local subsystems and of the remote ones we send to\n")
{
	vty_out(vty, "Local subsystems (PC %s):%s", pc_str(sccp_layer_local_pc(g_layer)), VTY_NEWLINE);
	for (unsigned int ssn = 2; ssn < 256; ssn++) {
		bool allowed = sccp_layer_local_ss_allowed(g_layer, ssn);
		bool bound = sccp_layer_ssn_bound(g_layer, ssn);
		if (bound || !allowed)
			vty_out(vty, " SSN %-3u %-10s %s%s", ssn, allowed ? "allowed" : "prohibited",
				bound ? "bound" : "not bound", VTY_NEWLINE);
	}
	vty_out(vty, "Remote subsystems:%s", VTY_NEWLINE);
	sccp_layer_for_each_remote_ss(g_layer, show_remote_ss, vty);
	vty_out(vty, "Inaccessible point codes (MTP-PAUSE):%s", VTY_NEWLINE);
	sccp_layer_for_each_paused_pc(g_layer, show_paused_pc, vty);
	return CMD_SUCCESS;
}

DEFUN(show_sccp_stats, show_sccp_stats_cmd, "show sccp statistics",
      SHOW_STR "SCCP layer\n" "Counters of the SCCP layer\n")
{
	vty_out_rate_ctr_group(vty, "", sccp_layer_ctrg(g_layer));
	return CMD_SUCCESS;
}

void sccp_vty_init(struct sccp_layer *layer)
{
	g_layer = layer;
	install_element(CONFIG_NODE, &cfg_sccp_cmd);
	install_node(&sccp_node, config_write_sccp);
	install_element(SIGWAY_SCCP_NODE, &cfg_local_pc_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_local_gt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_no_local_gt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_gtt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_gtt_opts_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_no_gtt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_max_msg_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_reasm_timeout_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_reasm_per_calling_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_relay_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_no_relay_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_always_xudt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_no_always_xudt_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_hop_counter_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_sst_interval_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_concerned_pc_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_no_concerned_pc_cmd);
	install_element(SIGWAY_SCCP_NODE, &cfg_concerned_window_cmd);
	install_element(ENABLE_NODE, &local_ss_state_cmd);
	install_element_ve(&show_sccp_subsystems_cmd);
	install_element_ve(&show_sccp_gtt_cmd);
	install_element_ve(&show_sccp_users_cmd);
	install_element_ve(&show_sccp_stats_cmd);
}
