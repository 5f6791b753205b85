/* UTC time parsing and formatting (see utc_time.h) */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sigway/common/utc_time.h>

int sigway_utc_parse(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*s && !*end) {
		*ms = v;
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (!end || *end)
		return -1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

void sigway_utc_format(char *out, size_t outsz, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, outsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, outsz - n, ".%03dZ", (int)(ms % 1000));
}
