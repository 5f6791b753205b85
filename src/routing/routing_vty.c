/* The "routing" node: operators and number routes. The same commands are
 * accepted under "sms", where configurations before the shared routing had
 * them. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/vty_nodes.h>
#include "routing_int.h"

static struct routing *g_rt;

static struct cmd_node routing_node = { SIGWAY_ROUTING_NODE, "%s(config-routing)# ", 1 };

DEFUN(cfg_routing, cfg_routing_cmd, "routing",
      "Configure the network operators and the number routes the services share\n")
{
	vty->node = SIGWAY_ROUTING_NODE;
	return CMD_SUCCESS;
}

static bool digits_ok(const char *s, size_t max)
{
	return *s && strlen(s) <= max && strspn(s, "0123456789") == strlen(s);
}

DEFUN(cfg_operator, cfg_operator_cmd, "operator NAME hlr-gt DIGITS map-version <1-3>",
      "A network operator\n" "Name (billing records and the audit name it)\n"
      "Where the SRI-for-SM for its subscribers go\n" "HLR global title (E.164)\n"
      "MAP version dialogues open with (a lower one the network proposes is learned)\n" "Version\n")
{
	if (strlen(argv[0]) >= sizeof(((struct operator *)0)->name) || !digits_ok(argv[1], SCCP_GT_DIGITS_MAX)) {
		vty_out(vty, "%% name too long, or the GT is not 1 to %d digits%s", SCCP_GT_DIGITS_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct operator *op = routing_operator(g_rt, argv[0]);
	if (!op) {
		struct map_peer *peer = map_peer_get(argv[0]);
		op = peer ? talloc_zero(g_rt, struct operator) : NULL;
		if (!op) {
			vty_out(vty, "%% out of memory%s", VTY_NEWLINE);
			return CMD_WARNING;
		}
		snprintf(op->name, sizeof(op->name), "%s", argv[0]);
		op->peer = peer;
		operator_shares_default(op);
		llist_add_tail(&op->list, &g_rt->operators);
	}
	snprintf(op->hlr_gt, sizeof(op->hlr_gt), "%s", argv[1]);
	op->map_version = (uint8_t)atoi(argv[2]);
	map_peer_set_prefix(op->peer, op->hlr_gt);
	map_peer_set_max_version(op->peer, op->map_version);
	map_peer_reset(op->peer);
	return CMD_SUCCESS;
}

DEFUN(cfg_operator_throughput, cfg_operator_throughput_cmd, "operator NAME throughput <0-100000>",
      "A network operator\n" "Name\n" "New transactions per second towards it (SMS and lookups; 0: no limit)\n"
      "Per second\n")
{
	struct operator *op = routing_operator(g_rt, argv[0]);
	if (!op) {
		vty_out(vty, "%% unknown operator %s (define it first)%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	op->throughput = atoi(argv[1]);
	op->tokens = op->throughput;
	return CMD_SUCCESS;
}

/* The class a keyword of the command names (the VTY passes a choice as
 * typed: it may be a unique abbreviation) */
static int class_of_keyword(const char *kw)
{
	for (unsigned int c = 0; c < ROUTING_CLASS_COUNT; c++) {
		const struct routing_class_desc *d = routing_class_desc(c);
		if (d && !strncmp(d->keyword, kw, strlen(kw)))
			return c;
	}
	return -1;
}

/* "operator NAME (lookup-share|ussd-push-share) <0-100>": the keywords and
 * their help come from the classes (routing_vty_init() builds them) */
DEFUN(cfg_operator_share, cfg_operator_share_cmd, NULL, NULL)
{
	struct operator *op = routing_operator(g_rt, argv[0]);
	if (!op) {
		vty_out(vty, "%% unknown operator %s (define it first)%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	int c = class_of_keyword(argv[1]);
	if (c < 0) {
		vty_out(vty, "%% unknown share %s%s", argv[1], VTY_NEWLINE);
		return CMD_WARNING;
	}
	op->share[c].percent = atoi(argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_operator_network, cfg_operator_network_cmd, "operator NAME network-gt PREFIX",
      "A network operator\n" "Name\n"
      "A GT range of its network (HLRs, MSC/VLRs): MO-ForwardSM and alerts are taken only from the\n"
      "ranges of some operator, and answers to our dialogues towards it may come from them\n"
      "E.164 digits\n")
{
	struct operator *op = routing_operator(g_rt, argv[0]);
	if (!op || !digits_ok(argv[1], SCCP_GT_DIGITS_MAX) || map_peer_add_range(op->peer, argv[1]) < 0) {
		vty_out(vty, "%% unknown operator %s (define it first), not 1 to %d digits, or too many ranges%s", argv[0],
			SCCP_GT_DIGITS_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_route, cfg_route_cmd, "route PREFIX operator NAME",
      "Route destination numbers\n" "MSISDN prefix (international digits)\n" "To operator\n" "Operator name\n")
{
	struct operator *op = routing_operator(g_rt, argv[1]);
	if (!op || !digits_ok(argv[0], 20)) {
		vty_out(vty, "%% unknown operator %s (define it first), or the prefix is not 1 to 20 digits%s", argv[1],
			VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct routing_route *r;
	llist_for_each_entry(r, &g_rt->routes, list) {
		if (!strcmp(r->prefix, argv[0])) {
			r->op = op;
			return CMD_SUCCESS;
		}
	}
	r = talloc_zero(g_rt, struct routing_route);
	if (!r)
		return CMD_WARNING;
	snprintf(r->prefix, sizeof(r->prefix), "%s", argv[0]);
	r->op = op;
	llist_add_tail(&r->list, &g_rt->routes);
	return CMD_SUCCESS;
}

static int config_write_routing(struct vty *vty)
{
	struct operator *op;
	struct routing_route *r;
	vty_out(vty, "routing%s", VTY_NEWLINE);
	llist_for_each_entry(op, &g_rt->operators, list) {
		vty_out(vty, " operator %s hlr-gt %s map-version %u%s", op->name, op->hlr_gt, op->map_version,
			VTY_NEWLINE);
		if (op->throughput)
			vty_out(vty, " operator %s throughput %u%s", op->name, op->throughput, VTY_NEWLINE);
		for (unsigned int c = 0; c < ROUTING_CLASS_COUNT; c++) {
			const struct routing_class_desc *d = routing_class_desc(c);
			if (d && op->share[c].percent != d->share_default)
				vty_out(vty, " operator %s %s %u%s", op->name, d->keyword, op->share[c].percent,
					VTY_NEWLINE);
		}
		for (unsigned int i = 0; map_peer_range(op->peer, i); i++)
			vty_out(vty, " operator %s network-gt %s%s", op->name, map_peer_range(op->peer, i), VTY_NEWLINE);
	}
	llist_for_each_entry(r, &g_rt->routes, list)
		vty_out(vty, " route %s operator %s%s", r->prefix, r->op->name, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* The share command's syntax and help from the classes' table */
static void share_cmd_build(void *ctx)
{
	char *str = talloc_strdup(ctx, "operator NAME (");
	char *doc = talloc_strdup(ctx, "A network operator\n" "Name\n");
	const char *sep = "";
	for (unsigned int c = 0; c < ROUTING_CLASS_COUNT; c++) {
		const struct routing_class_desc *d = routing_class_desc(c);
		if (!d)
			continue;
		str = talloc_asprintf_append(str, "%s%s", sep, d->keyword);
		doc = talloc_asprintf_append(doc, "%s\n", d->help);
		sep = "|";
	}
	str = talloc_strdup_append(str, ") <0-100>");
	doc = talloc_strdup_append(doc, "Percent (0: none while SMS waits)\n");
	OSMO_ASSERT(str && doc);
	cfg_operator_share_cmd.string = str;
	cfg_operator_share_cmd.doc = doc;
}

void routing_vty_init(struct routing *rt)
{
	g_rt = rt;
	share_cmd_build(rt);
	install_element(CONFIG_NODE, &cfg_routing_cmd);
	install_node(&routing_node, config_write_routing);
	install_element(SIGWAY_ROUTING_NODE, &cfg_operator_cmd);
	install_element(SIGWAY_ROUTING_NODE, &cfg_operator_throughput_cmd);
	install_element(SIGWAY_ROUTING_NODE, &cfg_operator_share_cmd);
	install_element(SIGWAY_ROUTING_NODE, &cfg_operator_network_cmd);
	install_element(SIGWAY_ROUTING_NODE, &cfg_route_cmd);
	/* configurations written before the shared routing */
	install_element(SIGWAY_SMS_NODE, &cfg_operator_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_operator_throughput_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_route_cmd);
}
