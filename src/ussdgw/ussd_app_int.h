/* Helpers shared by the JSON and XML codecs of the application API. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sigway/ussdgw/ussd_app.h>

/* An output buffer that remembers running out of room, so a writer checks
 * once at the end instead of after every piece. */
struct ubuf {
	char *p;
	size_t cap, len;
	bool full;	/* something did not fit */
	bool bad;	/* an input that cannot be written (invalid UTF-8) */
};

void ubuf_init(struct ubuf *b, char *out, size_t outlen);
void ubuf_put(struct ubuf *b, const char *s);
void ubuf_putn(struct ubuf *b, const char *s, size_t n);
void ubuf_printf(struct ubuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with quotes; NULL or "" with null_if_empty: null */
void ubuf_json_str(struct ubuf *b, const char *s, bool null_if_empty);
/* Text for an XML attribute value (double quotes): escaped, line ends as
 * character references so they survive attribute normalisation, characters
 * XML 1.0 cannot carry as U+FFFD */
void ubuf_xml_attr(struct ubuf *b, const char *s);
/* The length written (NUL-terminated), -ENOSPC or -EINVAL */
int ubuf_finish(struct ubuf *b);

/* Write an error sentence (if err) and return -code */
int ussd_app_fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Copy a string field that must not be cut: -USSD_APP_ERR_VALUE if longer
 * than max bytes */
int ussd_app_copy(char *dst, size_t max, const char *src, size_t len, const char *field,
		  char *err, size_t errlen);

/* An MSISDN: 1..15 digits, a leading '+' is dropped */
int ussd_app_msisdn(char *dst, const char *src, size_t len, const char *field,
		    char *err, size_t errlen);

/* The limits of one call */
unsigned ussd_app_max_gsm7(const struct ussd_app_limits *lim);
unsigned ussd_app_max_ucs2(const struct ussd_app_limits *lim);
