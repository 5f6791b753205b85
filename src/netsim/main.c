/* sigway-netsim: the mobile network side for tests and demos, on the same
 * SS7 stack as the gateway. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/daemon.h>
#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include "netsim.h"

#define NETSIM_VTY_PORT 4261

struct netsim_cfg netsim_cfg = {
	.sms_gw_max_version = 3,
	.msc_gt = "491710000002",
	.imsi_prefix = "26201",
};

static struct cmd_node netsim_node = {
	SIGWAY_NETSIM_NODE,
	"%s(config-netsim)# ",
	1,
};

DEFUN(cfg_netsim, cfg_netsim_cmd, "netsim", "Configure the simulated network\n")
{
	vty->node = SIGWAY_NETSIM_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_sms_gw_max, cfg_sms_gw_max_cmd, "hlr sms-gateway-max-version <1-3>",
      "The HLR\n" "Highest shortMsgGateway context version the HLR accepts (higher: refused)\n" "Version\n")
{
	netsim_cfg.sms_gw_max_version = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_msc_gt, cfg_msc_gt_cmd, "msc-gt DIGITS",
      "GT of the MSC serving the subscribers (returned by SRI-for-SM)\n" "E.164 digits\n")
{
	if (strlen(argv[0]) > SCCP_GT_DIGITS_MAX)
		return CMD_WARNING;
	strcpy(netsim_cfg.msc_gt, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_imsi_prefix, cfg_imsi_prefix_cmd, "imsi-prefix DIGITS",
      "MCC+MNC of the simulated subscribers' IMSIs\n" "5 or 6 digits\n")
{
	if (strlen(argv[0]) < 5 || strlen(argv[0]) > 6)
		return CMD_WARNING;
	strcpy(netsim_cfg.imsi_prefix, argv[0]);
	return CMD_SUCCESS;
}

static int config_write_netsim(struct vty *vty)
{
	vty_out(vty, "netsim%s", VTY_NEWLINE);
	vty_out(vty, " hlr sms-gateway-max-version %d%s", netsim_cfg.sms_gw_max_version, VTY_NEWLINE);
	vty_out(vty, " msc-gt %s%s", netsim_cfg.msc_gt, VTY_NEWLINE);
	vty_out(vty, " imsi-prefix %s%s", netsim_cfg.imsi_prefix, VTY_NEWLINE);
	return CMD_SUCCESS;
}

void netsim_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_netsim_cmd);
	install_node(&netsim_node, config_write_netsim);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sms_gw_max_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_msc_gt_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_imsi_prefix_cmd);
}

static struct vty_app_info vty_info = {
	.name = "sigway-netsim",
	.version = "0.1.0",
	.copyright = "sigway, AGPL-3.0-or-later\r\n",
};

int main(int argc, char **argv)
{
	struct sigway_daemon d = { .name = "sigway-netsim", .config_file = "netsim.cfg",
				   .vty_port = NETSIM_VTY_PORT };

	sigway_daemon_parse_args(&d, argc, argv);
	sigway_daemon_init(&d, &vty_info);
	struct ss7_stack *stack = ss7_stack_alloc(d.ctx);
	netsim_vty_init();
	if (sigway_daemon_read_config(&d) < 0)
		return 1;
	if (d.check_config) {
		printf("%s: configuration OK\n", d.name);
		talloc_free(d.ctx);
		return 0;
	}
	if (ss7_stack_start(stack) < 0 || netsim_hlr_start(d.ctx, stack) < 0 || netsim_echo_start(d.ctx, stack) < 0) {
		fprintf(stderr, "sigway-netsim: cannot start the network (cs7 instance 0 configured?)\n");
		return 1;
	}
	LOGP(DNETSIM, LOGL_NOTICE, "sigway-netsim started\n");
	sigway_daemon_run(&d);
	/* our stack before libosmo-sigtran's instance (in ctx) that it is bound to */
	ss7_stack_free(stack);
	talloc_free(d.ctx);
	return 0;
}
