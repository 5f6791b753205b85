/* VTY of the TCAP layer: "show tcap statistics", per instance the process
 * registered, with its live dialogues and its counters. */

#include <errno.h>
#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/tcap/tcap.h>
#include <sigway/tcap/tcap_vty.h>

/* one registered instance; a talloc child of the instance, so it goes with it */
struct tcap_vty_entry {
	struct llist_head list;
	struct tcap_instance *inst;
	char *name;
};

static LLIST_HEAD(tcap_vty_instances);

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
	talloc_set_destructor(e, entry_destructor);
	return 0;
}

DEFUN(show_tcap_stats, show_tcap_stats_cmd, "show tcap statistics",
      SHOW_STR "TCAP layer\n" "Live dialogues and counters of each TCAP instance\n")
{
	struct tcap_vty_entry *e;
	llist_for_each_entry(e, &tcap_vty_instances, list) {
		vty_out(vty, "TCAP instance %s: live dialogues %u%s", e->name,
			tcap_instance_live_dialogues(e->inst), VTY_NEWLINE);
		vty_out_rate_ctr_group(vty, " ", tcap_instance_ctrg(e->inst));
	}
	return CMD_SUCCESS;
}

void tcap_vty_init(void)
{
	install_element_ve(&show_tcap_stats_cmd);
}
