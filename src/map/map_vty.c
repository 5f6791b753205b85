/* The "map" VTY node (peers and their versions, the invoke timers) and the
 * show/reset commands of the MAP layer. */

#include <stdlib.h>
#include <string.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/tdef_vty.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/tcap/tcap_vty.h>
#include "map_internal.h"

#define MAP_VTY_INSTANCES 4

static struct {
	const char *name;
	struct map_instance *mi;
} instances[MAP_VTY_INSTANCES];

static const enum map_ac shown_acs[] = { MAP_AC_SHORT_MSG_GATEWAY, MAP_AC_SHORT_MSG_MT_RELAY, MAP_AC_SHORT_MSG_MO_RELAY,
					 MAP_AC_SHORT_MSG_ALERT, MAP_AC_NETWORK_USSD };

static struct cmd_node map_node = { SIGWAY_MAP_NODE, "%s(config-map)# ", 1 };

DEFUN(cfg_map, cfg_map_cmd, "map", "Configure the MAP layer: peers' versions, invoke timers\n")
{
	vty->node = SIGWAY_MAP_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_map_peer, cfg_map_peer_cmd, "peer NAME gt-prefix PREFIX max-version <1-3>",
      "A remote network or node by GT prefix (an operator of the services is one too)\n" "Name\n"
      "Its global titles start with\n" "E.164 digits\n"
      "The highest MAP version dialogues to it open with (a lower one it proposes is learned)\n" "Version\n")
{
	if (strlen(argv[1]) > SCCP_GT_DIGITS_MAX || strspn(argv[1], "0123456789") != strlen(argv[1])) {
		vty_out(vty, "%% gt-prefix: 1 to %d digits%s", SCCP_GT_DIGITS_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct map_peer *p = map_peer_get(argv[0]);
	if (!p) {
		vty_out(vty, "%% too many peers%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	map_peer_set_prefix(p, argv[1]);
	map_peer_set_max_version(p, (uint8_t)atoi(argv[2]));
	return CMD_SUCCESS;
}

DEFUN(cfg_map_peer_range, cfg_map_peer_range_cmd, "peer NAME network-gt PREFIX",
      "A remote network or node by GT prefix\n" "Name\n"
      "A GT range of its network: answers to our dialogues may come from it\n" "E.164 digits\n")
{
	struct map_peer *p = map_peer_find(argv[0]);
	if (!p || strspn(argv[1], "0123456789") != strlen(argv[1]) || strlen(argv[1]) > SCCP_GT_DIGITS_MAX ||
	    map_peer_add_range(p, argv[1]) < 0) {
		vty_out(vty, "%% unknown peer (define it first), bad digits or too many ranges%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int config_write_map(struct vty *vty)
{
	vty_out(vty, "map%s", VTY_NEWLINE);
	osmo_tdef_vty_groups_write(vty, " ");
	return CMD_SUCCESS;
}

DEFUN(show_map_peers, show_map_peers_cmd, "show map peers",
      SHOW_STR "MAP layer\n" "Peers: configured and learned versions per application context\n")
{
	for (struct map_peer *p = map_peer_next(NULL); p; p = map_peer_next(p)) {
		vty_out(vty, "%s gt-prefix %s max-version %u%s", map_peer_name(p), map_peer_prefix(p),
			map_peer_max_version(p), VTY_NEWLINE);
		for (unsigned int i = 0; map_peer_range(p, i); i++)
			vty_out(vty, "  network-gt %s%s", map_peer_range(p, i), VTY_NEWLINE);
		for (unsigned int i = 0; i < ARRAY_SIZE(shown_acs); i++) {
			uint8_t l = map_peer_learned(p, shown_acs[i]);
			if (l)
				vty_out(vty, "  %s: learned v%u%s", map_ac_name(shown_acs[i]), l, VTY_NEWLINE);
		}
	}
	return CMD_SUCCESS;
}

DEFUN(show_map_stats, show_map_stats_cmd, "show map statistics",
      SHOW_STR "MAP layer\n" "Counters and live dialogues of each MAP instance (and its TCAP)\n")
{
	for (unsigned int i = 0; i < MAP_VTY_INSTANCES; i++) {
		struct map_instance *mi = instances[i].mi;
		if (!mi)
			continue;
		vty_out(vty, "%s: live dialogues %u%s", instances[i].name, map_instance_live_dialogues(mi), VTY_NEWLINE);
		vty_out_rate_ctr_group(vty, " ", map_instance_ctrg(mi));
		vty_out_rate_ctr_group(vty, " ", map_instance_tcap_ctrg(mi));
	}
	return CMD_SUCCESS;
}

DEFUN(map_reset_learned, map_reset_learned_cmd, "map reset-learned [NAME]",
      "MAP layer\n" "Forget the versions learned from peers (they are negotiated again)\n" "Only this peer\n")
{
	struct map_peer *p = NULL;
	if (argc > 0 && argv[0]) {
		p = map_peer_find(argv[0]);
		if (!p) {
			vty_out(vty, "%% no peer %s%s", argv[0], VTY_NEWLINE);
			return CMD_WARNING;
		}
	}
	map_peer_reset(p);
	return CMD_SUCCESS;
}

void map_vty_add_instance(const char *name, struct map_instance *mi)
{
	tcap_vty_add_instance(name, mi->tcap);	/* "show tcap statistics" lists it too */
	for (unsigned int i = 0; i < MAP_VTY_INSTANCES; i++)
		if (!instances[i].mi || instances[i].mi == mi) {
			instances[i].name = name;
			instances[i].mi = mi;
			return;
		}
}

void map_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_map_cmd);
	install_node(&map_node, config_write_map);
	install_element(SIGWAY_MAP_NODE, &cfg_map_peer_cmd);
	install_element(SIGWAY_MAP_NODE, &cfg_map_peer_range_cmd);
	osmo_tdef_vty_groups_init(SIGWAY_MAP_NODE, map_tdef_groups);
	install_element_ve(&show_map_peers_cmd);
	install_element_ve(&show_map_stats_cmd);
	install_element(ENABLE_NODE, &map_reset_learned_cmd);
	tcap_vty_init();
}
