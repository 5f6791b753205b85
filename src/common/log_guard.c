/* Escaping of peer strings in log lines, and limits on repeated lines (see
 * log_guard.h). */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sigway/common/log_guard.h>

/* one octet as it goes into a log line; returns its length */
static size_t escape_one(char out[5], uint8_t c)
{
	if (c == '\\') {
		memcpy(out, "\\\\", 2);
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	snprintf(out, 5, "\\x%02x", c);
	return 4;
}

const char *sigway_log_escape_n(char *buf, size_t size, const uint8_t *s, size_t n)
{
	char tmp[5];
	size_t need = 0, o = 0;
	if (!size)
		return buf;
	for (size_t i = 0; i < n; i++)
		need += escape_one(tmp, s[i]);
	/* what does not fit is cut, and "..." says so */
	size_t room = need < size ? size - 1 : (size > 4 ? size - 4 : 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = escape_one(tmp, s[i]);
		if (o + len > room)
			break;
		memcpy(buf + o, tmp, len);
		o += len;
	}
	if (need >= size) {
		size_t dots = size - 1 - o < 3 ? size - 1 - o : 3;
		memcpy(buf + o, "...", dots);
		o += dots;
	}
	buf[o] = '\0';
	return buf;
}

const char *sigway_log_escape(char *buf, size_t size, const char *s)
{
	return sigway_log_escape_n(buf, size, (const uint8_t *)s, strlen(s));
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void summary(struct sigway_log_limit *l)
{
	if (l->suppressed)
		LOGP(l->subsys, l->level, "%lu similar lines suppressed (%s)\n", l->suppressed, l->what);
	l->suppressed = 0;
}

static void timer_cb(void *data)
{
	summary(data);
}

void sigway_log_limit_init(struct sigway_log_limit *l, int subsys, int level, const char *what,
			   unsigned int burst, unsigned int interval_ms)
{
	memset(l, 0, sizeof(*l));
	l->subsys = subsys;
	l->level = level;
	l->what = what;
	l->burst = burst;
	l->interval_ms = interval_ms ? interval_ms : 1000;
	osmo_timer_setup(&l->timer, timer_cb, l);
}

bool sigway_log_limit_pass(struct sigway_log_limit *l)
{
	if (!log_check_level(l->subsys, l->level))
		return false;
	int64_t now = mono_ms();
	if (now - l->start_ms >= l->interval_ms) {
		summary(l);
		l->start_ms = now;
		l->lines = 0;
	}
	if (l->lines < l->burst) {
		l->lines++;
		return true;
	}
	if (!l->suppressed++) {
		/* the summary at the end of this interval, also when nothing follows */
		int64_t left = l->start_ms + l->interval_ms - now;
		osmo_timer_schedule(&l->timer, left / 1000, (left % 1000) * 1000);
	}
	l->suppressed_total++;
	return false;
}

void sigway_log_limit_stop(struct sigway_log_limit *l)
{
	osmo_timer_del(&l->timer);
	summary(l);
}
