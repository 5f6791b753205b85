/* What every sigway process does the same way: command line, logging, VTY
 * (config file + telnet), stats, signals, the osmo_select main loop. */
#pragma once

#include <stdbool.h>
#include <osmocom/vty/command.h>

struct sigway_daemon {
	const char *name;		/* "sigwayd" */
	const char *config_file;	/* -c */
	bool check_config;		/* --check-config: parse and exit */
	int vty_port;			/* default telnet port (config "line vty / bind" overrides) */
	void *ctx;			/* root talloc context */
	/* work done once no more input is ready, before the loop waits (the
	 * store's group commit): wanted() says whether there is some */
	bool (*idle_wanted)(void *data);
	void (*idle_run)(void *data);
	void *idle_data;
};

/* Parses -c FILE, --check-config, -h; exits on -h or a bad option. */
void sigway_daemon_parse_args(struct sigway_daemon *d, int argc, char **argv);

/* Logging, VTY with the standard commands, libosmo-sigtran's cs7 VTY.
 * Call before installing the process' own VTY nodes. */
void sigway_daemon_init(struct sigway_daemon *d, struct vty_app_info *app_info);

/* Reads the config file and, unless only checking, opens the telnet VTY.
 * Returns 0, or -1 when the config does not parse. */
int sigway_daemon_read_config(struct sigway_daemon *d);

/* One turn of the loop: the idle work when wanted (after what is ready
 * now, up to a bound), then osmo_select_main() */
void sigway_daemon_tick(struct sigway_daemon *d);
/* Runs the loop until SIGINT/SIGTERM. */
void sigway_daemon_run(struct sigway_daemon *d);
bool sigway_daemon_stopping(void);
