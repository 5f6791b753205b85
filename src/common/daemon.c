/* Process scaffolding shared by sigwayd and sigway-netsim. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/vty/logging.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/ports.h>
#include <osmocom/vty/stats.h>
#include <osmocom/vty/telnet_interface.h>
#include <osmocom/vty/vty.h>
#include <osmocom/sigtran/osmo_ss7.h>
#include <sigway/common/daemon.h>
#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>

static volatile sig_atomic_t stop_requested;

static void usage(const char *name)
{
	printf("Usage: %s [-c CONFIG] [--check-config]\n"
	       "  -c, --config-file FILE  VTY configuration file\n"
	       "      --check-config      parse the configuration and exit (0 = valid)\n"
	       "  -h, --help              this text\n", name);
}

void sigway_daemon_parse_args(struct sigway_daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-file", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d->config_file = optarg; break;
		case 'C': d->check_config = true; break;
		case 'h': usage(d->name); exit(0);
		default: usage(d->name); exit(2);
		}
	}
	if (optind < argc) {
		usage(d->name);
		exit(2);
	}
}

static void on_signal(int sig)
{
	stop_requested = 1;
}

bool sigway_daemon_stopping(void)
{
	return stop_requested;
}

/* our nested nodes go up one level; everything else is libosmo-sigtran's */
static int go_parent(struct vty *vty)
{
	if (vty->node == SIGWAY_SMPP_ACCOUNT_NODE) {
		vty->node = SIGWAY_SMPP_NODE;
		vty->index = NULL;
		return vty->node;
	}
	return osmo_ss7_vty_go_parent(vty);
}

void sigway_daemon_init(struct sigway_daemon *d, struct vty_app_info *app_info)
{
	d->ctx = talloc_named_const(NULL, 0, d->name);
	msgb_talloc_ctx_init(d->ctx, 0);
	osmo_init_logging2(d->ctx, &sigway_log_info);
	log_set_print_category(osmo_stderr_target, 1);
	log_set_print_category_hex(osmo_stderr_target, 0);
	log_set_print_level(osmo_stderr_target, 1);
	log_set_print_filename2(osmo_stderr_target, LOG_FILENAME_NONE);
	osmo_stats_init(d->ctx);

	app_info->tall_ctx = d->ctx;
	/* leaving an "asp" node is what starts the ASP: the library's hook does it */
	app_info->go_parent_cb = go_parent;
	vty_init(app_info);
	logging_vty_add_cmds();
	osmo_stats_vty_add_cmds();
	osmo_talloc_vty_add_cmds();

	if (osmo_ss7_init() < 0) {
		fprintf(stderr, "osmo_ss7_init failed\n");
		exit(1);
	}
	osmo_ss7_vty_init_asp(d->ctx);
}

int sigway_daemon_read_config(struct sigway_daemon *d)
{
	if (d->config_file && access(d->config_file, R_OK) < 0) {
		fprintf(stderr, "%s: config file '%s' not found (%s)\n", d->name, d->config_file, strerror(errno));
		return -1;
	}
	if (d->config_file && vty_read_config_file(d->config_file, NULL) < 0) {
		fprintf(stderr, "%s: failed to parse the config file '%s'\n", d->name, d->config_file);
		return -1;
	}
	if (d->check_config)
		return 0;
	if (telnet_init_default(d->ctx, NULL, d->vty_port) < 0) {
		fprintf(stderr, "%s: cannot open the telnet VTY\n", d->name);
		return -1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* ready input handled before the idle work, at most: the idle work's own
 * deadline (a timer, run between these turns too) bounds the wait */
#define IDLE_DRAIN_MAX	1000

void sigway_daemon_tick(struct sigway_daemon *d)
{
	if (d->idle_wanted && d->idle_wanted(d->idle_data)) {
		/* an IPA link hands over one message a turn: turn while input is ready */
		for (unsigned int n = 0; n < IDLE_DRAIN_MAX && d->idle_wanted(d->idle_data); n++)
			if (osmo_select_main(1) <= 0)
				break;
		if (d->idle_wanted(d->idle_data))
			d->idle_run(d->idle_data);
	}
	osmo_select_main(0);
}

void sigway_daemon_run(struct sigway_daemon *d)
{
	while (!stop_requested)
		sigway_daemon_tick(d);
	LOGP(DAPP, LOGL_NOTICE, "%s: shutting down\n", d->name);
}
