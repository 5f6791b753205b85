/* VTY tests: a command run in a node with what it printed, and the
 * configuration as `write file` writes it (both talloc'd on ctx) */
#pragma once

/* runs cmd in node; *rc: what cmd_execute_command() returned */
char *test_vty_run(void *ctx, int node, const char *cmd, int *rc);
/* the whole configuration file osmo_vty_write_config_file() writes */
char *test_vty_written(void *ctx);
