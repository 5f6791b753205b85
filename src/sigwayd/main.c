/* sigwayd: the gateway. It hosts the SS7 stack (our SCCP on
 * libosmo-sigtran, TCAP, the MAP dialogue layer), the shared routing
 * (operators, routes, SRI-for-SM), the client accounts, the SMPP server,
 * the SMS core with its store, the number lookup with its HTTP API, and the
 * USSD gateway (MAP and GSUP sessions bridged to HTTP applications).
 * Services speak MAP on the gateway's SSN; an application context no
 * service serves is refused by the MAP layer. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/ports.h>
#include <osmocom/vty/vty.h>
#include <sigway/accounts/accounts.h>
#include <sigway/accounts/accounts_http.h>
#include <sigway/common/daemon.h>
#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/gsup/euse.h>
#include <sigway/http/http_metrics.h>
#include <sigway/http/http_server.h>
#include <sigway/lookup/lookup.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_vty.h>
#include <sigway/routing/routing.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/ss7/ss7_stack.h>
#include <sigway/smpp/smpp_server.h>
#include <sigway/smsc/smsc.h>
#include <sigway/store/store.h>
#include <sigway/ussdgw/ussdgw.h>

static void *g_ctx;
static struct ss7_stack *g_stack;

static bool link_up(void *data)
{
	return ss7_stack_link_up(data);
}

/* /health reports the SS7 link */
static bool link_health(void *data, const char **detail)
{
	bool up = ss7_stack_link_up(g_stack);
	*detail = up ? "up" : "down";
	return up;
}

static void *tall_sigway_ctx(void)
{
	return g_ctx;
}

#define SIGWAYD_VTY_PORT 4260

static struct {
	char calling_gt[SCCP_GT_DIGITS_MAX + 1];
	char database[256];
	unsigned int background_commit_ms;
	unsigned int group_commit_ms;
	bool journal_always;
} gw_cfg = { .background_commit_ms = 2, .group_commit_ms = 10 };

static struct cmd_node gateway_node = {
	SIGWAY_GATEWAY_NODE,
	"%s(config-gateway)# ",
	1,
};

DEFUN(cfg_gateway, cfg_gateway_cmd, "gateway", "Configure the gateway's services\n")
{
	vty->node = SIGWAY_GATEWAY_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_calling_gt, cfg_calling_gt_cmd, "calling-gt DIGITS",
      "The global title every MAP dialogue of the gateway goes out from\n" "E.164 digits\n")
{
	/* an E.164 number: what goes out as calling GT and SC address */
	if (strlen(argv[0]) == 0 || strlen(argv[0]) > 15 || strspn(argv[0], "0123456789") != strlen(argv[0])) {
		vty_out(vty, "%% 1 to 15 digits%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(gw_cfg.calling_gt, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_database, cfg_database_cmd, "database PATH",
      "The store (SQLite file): messages, outbox, audit trail, billing records\n" "File path\n")
{
	if (strlen(argv[0]) >= sizeof(gw_cfg.database)) {
		vty_out(vty, "%% path too long%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	strcpy(gw_cfg.database, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_background_commit, cfg_background_commit_cmd, "database background-commit <0-1000>",
      "The store\n"
      "Writes nobody waits for (delivery progress, audit) commit at most this late; acknowledgements\n"
      "(submit_sm_resp, MO results) always wait for their own commit at the end of the tick\n"
      "Milliseconds (0: every tick)\n")
{
	gw_cfg.background_commit_ms = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_group_commit, cfg_group_commit_cmd, "database group-commit <0-1000>",
      "The store\n"
      "Acknowledgements and answers wait for one commit that the loop makes once no more input is\n"
      "ready, so that a burst shares one fsync; at the latest this long after the first one\n"
      "Milliseconds (0: a commit at the end of every tick that has one)\n")
{
	gw_cfg.group_commit_ms = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_journal, cfg_journal_cmd, "database journal (always|near-full)",
      "The store\n"
      "Background writes kept as SQL in memory until their commit, replayed if it fails\n"
      "For every transaction (a failed commit, also for an I/O error, loses nothing; costs CPU)\n"
      "While the volume has less than 64 MiB free (the default)\n")
{
	gw_cfg.journal_always = argv[0][0] == 'a';
	return CMD_SUCCESS;
}

static int config_write_gateway(struct vty *vty)
{
	vty_out(vty, "gateway%s", VTY_NEWLINE);
	if (gw_cfg.calling_gt[0])
		vty_out(vty, " calling-gt %s%s", gw_cfg.calling_gt, VTY_NEWLINE);
	if (gw_cfg.database[0])
		vty_out(vty, " database %s%s", gw_cfg.database, VTY_NEWLINE);
	vty_out(vty, " database background-commit %u%s", gw_cfg.background_commit_ms, VTY_NEWLINE);
	vty_out(vty, " database group-commit %u%s", gw_cfg.group_commit_ms, VTY_NEWLINE);
	vty_out(vty, " database journal %s%s", gw_cfg.journal_always ? "always" : "near-full", VTY_NEWLINE);
	return CMD_SUCCESS;
}

static void gateway_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_gateway_cmd);
	install_node(&gateway_node, config_write_gateway);
	install_element(SIGWAY_GATEWAY_NODE, &cfg_calling_gt_cmd);
	install_element(SIGWAY_GATEWAY_NODE, &cfg_database_cmd);
	install_element(SIGWAY_GATEWAY_NODE, &cfg_background_commit_cmd);
	install_element(SIGWAY_GATEWAY_NODE, &cfg_group_commit_cmd);
	install_element(SIGWAY_GATEWAY_NODE, &cfg_journal_cmd);
}

static bool commit_wanted(void *st)
{
	return store_commit_wanted(st);
}

static void commit_now(void *st)
{
	store_commit(st);
}

/* The store, the SMS core and its SMPP server */
static int start_sms(struct routing *rt, struct smsc *smsc, struct smpp_server *smpp, struct store **st)
{
	smsc_set_link_check(smsc, link_up, g_stack);
	*st = store_open(tall_sigway_ctx(), gw_cfg.database);
	if (*st)
		store_set_background_delay(*st, gw_cfg.background_commit_ms);
	if (!*st || smsc_start(smsc, *st, smpp, rt) < 0) {
		fprintf(stderr, "sigwayd: cannot open the store %s\n", gw_cfg.database);
		return -1;
	}
	if (smpp_server_start(smpp) < 0) {
		fprintf(stderr, "sigwayd: cannot open the SMPP port\n");
		return -1;
	}
	return 0;
}

/* The number lookup and its API, when the store is there: after the SMS
 * core (its tables), before the HTTP server starts (the routes) */
static int start_lookup(struct lookup_svc *lk, struct routing *rt, struct numbering *nb, struct store *st,
			struct accounts *accts, struct http_server *http)
{
	char err[200];
	if (!st)
		return 0;
	if (numbering_load_configured(nb, err, sizeof(err)) < 0)
		LOGP(DLOOKUP, LOGL_ERROR, "numbering data: %s (lookups report no networks)\n", err);
	struct lookup_deps deps = { .routing = rt, .numbering = nb, .store = st, .accounts = accts,
				    .http = http_server_configured(http) ? http : NULL, .link_up = link_up,
				    .link_data = g_stack };
	return lookup_start(lk, &deps);
}

/* ---- the USSD gateway ---------------------------------------------------- */

static struct euse_cfg gsup_cfg;

static void ussd_vty_init(struct ussdgw *ugw)
{
	ussdgw_vty_init(ugw);
	euse_cfg_defaults(&gsup_cfg);
	euse_vty_init(&gsup_cfg);
}

/* When the config has a "ussd" node: its push resource on the HTTP server,
 * networkUnstructuredSs on the gateway's MAP instance (mi may be NULL: GSUP
 * only), and the GSUP transport when a "gsup" node is configured too */
/* USSD on a subsystem of its own (the gsmSCF's, 147) gets a MAP instance
 * of its own there; on 8 it shares the services'. Either way the `tcap`
 * node's limits hold for both subsystems together: a flood on 147 must not
 * get a second max-dialogues, nor a peer a second max-dialogues-per-peer */
static struct map_instance *ussd_map_instance(void *ctx, struct ss7_stack *stack, struct ussdgw *ugw,
					      struct map_instance *mi)
{
	if (ussdgw_ssn(ugw) == SCCP_SSN_MSC)
		return mi;
	struct map_instance *umi = map_instance_start(ctx, stack->sccp, ussdgw_ssn(ugw));
	if (!umi) {
		fprintf(stderr, "sigwayd: cannot serve USSD on SSN %u (in use?)\n", ussdgw_ssn(ugw));
		return NULL;
	}
	if (map_instance_share_limits(umi, mi) < 0) {
		fprintf(stderr, "sigwayd: the USSD subsystem cannot share the TCAP limits\n");
		map_instance_free(umi);
		return NULL;
	}
	map_vty_add_instance("ussd", umi);
	return umi;
}

static int start_ussd(struct ussdgw *ugw, struct map_instance *mi, struct routing *rt, struct http_server *http,
		      struct store *st)
{
	if (!ussdgw_configured(ugw)) {
		if (gsup_cfg.enabled)
			fprintf(stderr, "sigwayd: the 'gsup' node needs the USSD gateway ('ussd' node)\n");
		return gsup_cfg.enabled ? -1 : 0;
	}
	if (!http_server_configured(http))
		LOGP(DUSSD, LOGL_NOTICE, "no 'http' node: applications cannot push\n");
	if (ussdgw_http_register(ugw, http) < 0 || ussdgw_start(ugw, mi, rt, st) < 0 ||
	    (gsup_cfg.enabled && ussdgw_start_gsup(ugw, &gsup_cfg) < 0)) {
		fprintf(stderr, "sigwayd: cannot start the USSD gateway\n");
		return -1;
	}
	return 0;
}

/* Live sessions end (the subscriber gets the error text, the application
 * hears system_failure); their applications get up to 2 s for the last answer */
static void stop_ussd(struct sigway_daemon *d, struct ussdgw *ugw)
{
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ussdgw_drain(ugw)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 2)
			break;
		sigway_daemon_tick(d);
	}
}

/* An orderly stop takes no more submits and lets the dialogues in progress
 * end (up to 5 s), so their outcome is stored and nothing the MSC took is
 * sent again (nor a lookup billed without its record) */
static void orderly_stop(struct sigway_daemon *d, struct smpp_server *smpp, struct smsc *smsc,
			 struct lookup_svc *lk, struct store *st)
{
	struct timespec t0, now;
	if (st)
		store_commit(st);	/* the last submit_sm_resp leave before the binds close */
	smpp_server_stop(smpp);
	lookup_stop(lk);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((!smsc_drain(smsc) && !smpp_server_binds(smpp) && !lookup_busy(lk)) || now.tv_sec - t0.tv_sec >= 5)
			return;
		sigway_daemon_tick(d);
	}
}

static struct vty_app_info vty_info = {
	.name = "sigwayd",
	.version = "0.1.0",
	.copyright = "sigway, AGPL-3.0-or-later\r\n",
};

int main(int argc, char **argv)
{
	struct sigway_daemon d = { .name = "sigwayd", .config_file = "sigwayd.cfg", .vty_port = SIGWAYD_VTY_PORT };

	sigway_daemon_parse_args(&d, argc, argv);
	sigway_daemon_init(&d, &vty_info);
	struct ss7_stack *stack = ss7_stack_alloc(d.ctx);
	g_stack = stack;
	gateway_vty_init();
	map_vty_init();
	struct routing *rt = routing_alloc(d.ctx);
	struct smsc *smsc = smsc_alloc(d.ctx);
	struct accounts *accts = accounts_alloc(d.ctx);
	struct smpp_server *smpp = smpp_server_alloc(d.ctx, accts, &smsc_smpp_ops, smsc);
	struct store *st = NULL;
	struct numbering *nb = numbering_alloc(d.ctx);
	struct lookup_svc *lk = lookup_alloc(d.ctx);
	struct http_server *http = http_server_alloc(d.ctx);
	struct ussdgw *ugw = ussdgw_alloc(d.ctx);
	ussd_vty_init(ugw);
	http_server_vty_init(http);
	http_server_set_auth(http, accounts_http_auth, accts);
	http_metrics_register(http);
	http_health_add_check(http, "ss7_link", link_health, NULL);
	accounts_vty_init(accts);	/* the account node, which the SMPP server's commands join */
	smpp_server_vty_init(smpp);
	smsc_vty_init(smsc);
	routing_vty_init(rt);	/* after the sms node: older configurations have operators there */
	numbering_vty_init(nb);
	lookup_vty_init(lk);
	g_ctx = d.ctx;
	if (sigway_daemon_read_config(&d) < 0)
		return 1;
	/* without them the gateway would run and serve nothing (no SMPP, no MAP) */
	if (!gw_cfg.calling_gt[0] || !gw_cfg.database[0]) {
		fprintf(stderr, "sigwayd: the configuration needs a 'gateway' node with 'calling-gt' and 'database'\n");
		return 1;
	}
	if (d.check_config) {
		printf("%s: configuration OK\n", d.name);
		talloc_free(d.ctx);
		return 0;
	}
	if (ss7_stack_start(stack) < 0) {
		fprintf(stderr, "sigwayd: no 'cs7 instance 0' in the config\n");
		return 1;
	}
	/* the services speak MAP on the gateway's SSN, from its calling GT */
	struct map_instance *mi = map_instance_start(d.ctx, stack->sccp, SCCP_SSN_MSC);
	if (!mi || routing_start(rt, mi, gw_cfg.calling_gt) < 0 || start_sms(rt, smsc, smpp, &st) < 0 ||
	    start_lookup(lk, rt, nb, st, accts, http) < 0) {
		fprintf(stderr, "sigwayd: cannot start the services on the gateway's SSN\n");
		return 1;
	}
	map_vty_add_instance("gateway", mi);
	struct map_instance *umi = ussdgw_configured(ugw) ? ussd_map_instance(d.ctx, stack, ugw, mi) : NULL;
	if ((ussdgw_configured(ugw) && !umi) || start_ussd(ugw, umi, rt, http, st) < 0)
		return 1;
	if (umi && umi != mi && ussdgw_also_msc_ssn(ugw) && ussdgw_map_serve(ugw, mi) < 0) {
		fprintf(stderr, "sigwayd: cannot serve USSD on SSN 8 as well\n");
		return 1;
	}
	if (http_server_configured(http) && http_server_start(http) < 0) {
		fprintf(stderr, "sigwayd: cannot start the HTTP server\n");
		return 1;
	}
	/* acknowledgements wait for one commit a burst, not one a tick */
	store_group_commits(st, gw_cfg.group_commit_ms);
	store_journal_always(st, gw_cfg.journal_always);
	if (gw_cfg.group_commit_ms)
		d.idle_wanted = commit_wanted;
	d.idle_run = commit_now;
	d.idle_data = st;
	LOGP(DAPP, LOGL_NOTICE, "sigwayd started\n");
	sigway_daemon_run(&d);
	stop_ussd(&d, ugw);
	orderly_stop(&d, smpp, smsc, lk, st);
	http_server_free(http);
	ussdgw_free(ugw);
	/* what waits for a commit is answered while everything is there; then
	 * the SMPP side (its last answers go into the store), the core, the store
	 * (final commit), the MAP layer, our stack, libosmo-sigtran's instance (in ctx) */
	if (st)
		store_commit(st);
	smpp_server_free(smpp);
	lookup_free(lk);
	smsc_free(smsc);
	if (st)
		store_close(st);
	if (umi && umi != mi)
		map_instance_free(umi);
	map_instance_free(mi);
	ss7_stack_free(stack);
	map_peers_free();
	talloc_free(d.ctx);
	return 0;
}
