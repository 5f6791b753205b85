/* sigway-testpeer: the SS7 stack (our SCCP on libosmo-sigtran, TCAP, the MAP
 * codec) with the test TC-user, for the tests, the demo and the benchmarks.
 * It takes the place of sigwayd (PC 0.0.2) or of sigway-netsim (PC 0.0.3)
 * in the test network; it is never installed. See tests/peer/README.md. */

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
#include <sigway/sccp/sccp_addr.h>
#include <sigway/ss7/ss7_stack.h>
#include <sigway/tcap/tcap_vty.h>
#include "test_user.h"

#define TESTPEER_VTY_PORT 4262
/* the peer's own config node, above the daemons' (include/sigway/common/vty_nodes.h) */
#define TESTPEER_NODE SIGWAY_TESTPEER_NODE

static struct {
	char calling_gt[SCCP_GT_DIGITS_MAX + 1];
	unsigned int ssn;
} peer_cfg = { .ssn = SCCP_SSN_MSC };

static struct cmd_node testpeer_node = {
	TESTPEER_NODE,
	"%s(config-testpeer)# ",
	1,
};

DEFUN(cfg_testpeer, cfg_testpeer_cmd, "testpeer", "Configure the test peer\n")
{
	vty->node = TESTPEER_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_calling_gt, cfg_calling_gt_cmd, "calling-gt DIGITS",
      "The global title the test dialogues go out from\n" "E.164 digits\n")
{
	size_t n = strlen(argv[0]);
	if (n == 0 || n > SCCP_GT_DIGITS_MAX || strspn(argv[0], "0123456789") != n) {
		vty_out(vty, "%% 1 to %d digits%s", SCCP_GT_DIGITS_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(peer_cfg.calling_gt, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_ssn, cfg_ssn_cmd, "ssn <2-254>",
      "The SSN the test TC-user serves and sends from (default 8, MSC/GMSC)\n" "SSN\n")
{
	peer_cfg.ssn = atoi(argv[0]);
	return CMD_SUCCESS;
}

static int config_write_testpeer(struct vty *vty)
{
	vty_out(vty, "testpeer%s", VTY_NEWLINE);
	if (peer_cfg.calling_gt[0])
		vty_out(vty, " calling-gt %s%s", peer_cfg.calling_gt, VTY_NEWLINE);
	vty_out(vty, " ssn %u%s", peer_cfg.ssn, VTY_NEWLINE);
	return CMD_SUCCESS;
}

static void testpeer_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_testpeer_cmd);
	install_node(&testpeer_node, config_write_testpeer);
	install_element(TESTPEER_NODE, &cfg_calling_gt_cmd);
	install_element(TESTPEER_NODE, &cfg_ssn_cmd);
}

static struct vty_app_info vty_info = {
	.name = "sigway-testpeer",
	.version = "0.1.0",
	.copyright = "sigway, AGPL-3.0-or-later\r\n",
};

int main(int argc, char **argv)
{
	struct sigway_daemon d = { .name = "sigway-testpeer", .config_file = "testpeer.cfg",
				   .vty_port = TESTPEER_VTY_PORT };

	sigway_daemon_parse_args(&d, argc, argv);
	sigway_daemon_init(&d, &vty_info);
	struct ss7_stack *stack = ss7_stack_alloc(d.ctx);
	testpeer_vty_init();
	tcap_vty_init();
	struct test_user *tu = test_user_alloc(d.ctx, stack);
	if (!stack || !tu)
		return 1;
	if (sigway_daemon_read_config(&d) < 0)
		return 1;
	if (d.check_config) {
		printf("%s: configuration OK\n", d.name);
		talloc_free(d.ctx);
		return 0;
	}
	if (ss7_stack_start(stack) < 0) {
		fprintf(stderr, "sigway-testpeer: no 'cs7 instance 0' in the config\n");
		return 1;
	}
	if (!peer_cfg.calling_gt[0] || test_user_start(tu, peer_cfg.calling_gt, peer_cfg.ssn) < 0) {
		fprintf(stderr, "sigway-testpeer: needs 'testpeer' / 'calling-gt', and its SSNs free\n");
		return 1;
	}
	LOGP(DAPP, LOGL_NOTICE, "sigway-testpeer started\n");
	sigway_daemon_run(&d);
	/* the TC-user (unbinds its SSNs), our stack, libosmo-sigtran's instance (in ctx) */
	talloc_free(tu);
	ss7_stack_free(stack);
	talloc_free(d.ctx);
	return 0;
}
