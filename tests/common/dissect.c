#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "dissect.h"

#ifndef SIGWAY_DISSECT
#error "SIGWAY_DISSECT must name tests/tools/dissect"
#endif

int dissect_available(void)
{
	return access(SIGWAY_DISSECT, X_OK) == 0 && system("command -v tshark >/dev/null 2>&1") == 0;
}

int dissect_require(void)
{
	if (dissect_available())
		return 0;
	if (getenv("SIGWAY_ALLOW_NO_TSHARK"))
		return 77;
	fprintf(stderr, "tshark / dissect tool missing\n");
	return 1;
}

int dissect_run(const uint8_t *buf, size_t len, const char *layer,
		const char *extra_args, char *out, size_t outlen)
{
	size_t cmdlen = 2 * len + strlen(SIGWAY_DISSECT) + strlen(layer) +
			(extra_args ? strlen(extra_args) : 0) + 64;
	char *cmd = malloc(cmdlen);
	if (!cmd)
		return -1;
	int n = snprintf(cmd, cmdlen, "'%s' %s ", SIGWAY_DISSECT, extra_args ? extra_args : "");
	for (size_t i = 0; i < len; i++)
		n += snprintf(cmd + n, cmdlen - n, "%02x", buf[i]);
	snprintf(cmd + n, cmdlen - n, " %s 2>/dev/null", layer);

	FILE *p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return -1;
	size_t got = 0;
	char sink[4096];
	for (;;) {
		char *dst = (out && got + 1 < outlen) ? out + got : sink;
		size_t room = (out && got + 1 < outlen) ? outlen - 1 - got : sizeof(sink);
		size_t r = fread(dst, 1, room, p);
		if (r == 0)
			break;
		if (dst != sink)
			got += r;
	}
	if (out && outlen) {
		out[got] = '\0';
		while (got && (out[got - 1] == '\n' || out[got - 1] == '\r'))
			out[--got] = '\0';
	}
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
