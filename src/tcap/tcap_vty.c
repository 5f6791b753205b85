/* VTY of the TCAP layer: "show tcap statistics", per instance the process
 * registered, with its live dialogues and its counters. */

#include <errno.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <stdlib.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/tcap/tcap.h>
#include <sigway/tcap/tcap_vty.h>

/* one registered instance; a talloc child of the instance, so it goes with it */
struct tcap_vty_entry {
	struct llist_head list;
	struct tcap_instance *inst;
	char *name;
};

static LLIST_HEAD(tcap_vty_instances);

/* the "tcap" node: limits and the guard timer of every registered instance */
static struct tcap_limits cfg_limits;
static unsigned int cfg_dialogue_timeout_s = 60;

static void apply(struct tcap_instance *inst)
{
	tcap_instance_set_limits(inst, &cfg_limits);
	tcap_instance_set_dialogue_timeout(inst, cfg_dialogue_timeout_s);
}

static void apply_all(void)
{
	struct tcap_vty_entry *e;
	llist_for_each_entry(e, &tcap_vty_instances, list)
		apply(e->inst);
}

static int entry_destructor(struct tcap_vty_entry *e)
{
	llist_del(&e->list);
	return 0;
}

int tcap_vty_add_instance(const char *name, struct tcap_instance *inst)
{
	struct tcap_vty_entry *e = talloc_zero(inst, struct tcap_vty_entry);
	if (!e)
		return -ENOMEM;
	e->name = talloc_strdup(e, name);
	if (!e->name) {
		talloc_free(e);
		return -ENOMEM;
	}
	e->inst = inst;
	llist_add_tail(&e->list, &tcap_vty_instances);
	apply(inst);
	talloc_set_destructor(e, entry_destructor);
	return 0;
}

DEFUN(show_tcap_stats, show_tcap_stats_cmd, "show tcap statistics",
      SHOW_STR "TCAP layer\n" "Live dialogues and counters of each TCAP instance\n")
{
	struct tcap_vty_entry *e;
	llist_for_each_entry(e, &tcap_vty_instances, list) {
		vty_out(vty, "TCAP instance %s: live dialogues %u, against its limits %u%s", e->name,
			tcap_instance_live_dialogues(e->inst), tcap_instance_live_dialogues_shared(e->inst),
			VTY_NEWLINE);
		vty_out_rate_ctr_group(vty, " ", tcap_instance_ctrg(e->inst));
	}
	return CMD_SUCCESS;
}

static struct cmd_node tcap_node = { SIGWAY_TCAP_NODE, "%s(config-tcap)# ", 1 };

DEFUN(cfg_tcap, cfg_tcap_cmd, "tcap", "Configure the TCAP layer: limits, the idle-dialogue guard\n")
{
	vty->node = SIGWAY_TCAP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_max_dialogues, cfg_max_dialogues_cmd, "max-dialogues <0-10000000>",
      "Live dialogues at most (per TCAP instance, or instances sharing limits); a Begin over it gets a P-Abort (resource limitation)\n"
      "Dialogues (0: no limit)\n")
{
	cfg_limits.max_dialogues = atoi(argv[0]);
	apply_all();
	return CMD_SUCCESS;
}

DEFUN(cfg_max_per_peer, cfg_max_per_peer_cmd, "max-dialogues-per-peer <0-10000000> gt-prefix-digits <1-15>",
      "Live dialogues the network opened at most per remote GT prefix\n" "Dialogues (0: no limit)\n"
      "How many leading digits of the calling GT make one peer\n" "Digits\n")
{
	cfg_limits.max_per_peer = atoi(argv[0]);
	cfg_limits.peer_prefix_digits = atoi(argv[1]);
	apply_all();
	return CMD_SUCCESS;
}

DEFUN(cfg_dialogue_timeout, cfg_dialogue_timeout_cmd, "dialogue-timeout <1-86400>",
      "A dialogue with no message for this long is aborted (P-Abort to its user)\n" "Seconds\n")
{
	cfg_dialogue_timeout_s = atoi(argv[0]);
	apply_all();
	return CMD_SUCCESS;
}

static int config_write_tcap(struct vty *vty)
{
	vty_out(vty, "tcap%s", VTY_NEWLINE);
	vty_out(vty, " max-dialogues %u%s", cfg_limits.max_dialogues, VTY_NEWLINE);
	vty_out(vty, " max-dialogues-per-peer %u gt-prefix-digits %u%s", cfg_limits.max_per_peer,
		cfg_limits.peer_prefix_digits, VTY_NEWLINE);
	vty_out(vty, " dialogue-timeout %u%s", cfg_dialogue_timeout_s, VTY_NEWLINE);
	return CMD_SUCCESS;
}

void tcap_vty_init(void)
{
	cfg_limits = tcap_limits_default;
	install_element_ve(&show_tcap_stats_cmd);
	install_element(CONFIG_NODE, &cfg_tcap_cmd);
	install_node(&tcap_node, config_write_tcap);
	install_element(SIGWAY_TCAP_NODE, &cfg_max_dialogues_cmd);
	install_element(SIGWAY_TCAP_NODE, &cfg_max_per_peer_cmd);
	install_element(SIGWAY_TCAP_NODE, &cfg_dialogue_timeout_cmd);
}
