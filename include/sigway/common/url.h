/* The shape of the http:// and https:// URLs clients and operators give
 * (a lookup job's notifyUrl, an account's notify-url prefixes). */
#pragma once

#include <strings.h>

/* Where the host begins in an http:// or https:// URL of printable ASCII
 * (no spaces or controls); NULL: not such a URL */
static inline const char *url_http_host(const char *url)
{
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return NULL;
	return !strncasecmp(url, "http://", 7) ? url + 7 : !strncasecmp(url, "https://", 8) ? url + 8 : NULL;
}
