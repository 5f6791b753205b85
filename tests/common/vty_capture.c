/* See vty_capture.h. vty_out() of a VTY_SHELL vty prints to stdout, so the
 * output is caught by pointing stdout at a temporary file. */
#include <stdarg.h>
#include <fcntl.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include "vty_capture.h"

/* the file's text from its start, talloc'd; fd closed */
static char *slurp(void *ctx, int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	assert_true(len >= 0);
	char *out = talloc_zero_size(ctx, (size_t)len + 1);
	assert_non_null(out);
	assert_int_equal(pread(fd, out, (size_t)len, 0), len);
	close(fd);
	return out;
}

char *test_vty_run(void *ctx, int node, const char *cmd, int *rc)
{
	char path[] = "/tmp/sigway-vty-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(1);
	struct vty *vty = vty_new();
	vector v = cmd_make_strvec(cmd);

	assert_true(fd >= 0 && saved >= 0 && vty && v);
	unlink(path);
	vty->type = VTY_SHELL;
	vty->node = node;
	fflush(stdout);
	dup2(fd, 1);
	*rc = cmd_execute_command(v, vty, NULL, 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	cmd_free_strvec(v);
	vty_close(vty);
	return slurp(ctx, fd);
}

char *test_vty_written(void *ctx)
{
	char path[] = "/tmp/sigway-cfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* the write may replace the file: read it again by its name */
	assert_int_equal(osmo_vty_write_config_file(path), 0);
	fd = open(path, O_RDONLY);
	unlink(path);
	assert_true(fd >= 0);
	return slurp(ctx, fd);
}
