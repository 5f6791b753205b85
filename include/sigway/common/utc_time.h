/* UTC times as operators type and read them (the CLI tools, exports, the
 * audit report). No dependencies: the command-line tools link it alone. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (UTC) or milliseconds since the
 * epoch; returns 0 or -1 */
int sigway_utc_parse(const char *s, int64_t *ms);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
void sigway_utc_format(char *out, size_t outsz, int64_t ms);
