/* libFuzzer harness: a USSD string from the network as the gateway reads it
 * (DCS and octets -> ussdgw_decode_text), and back as an application's text
 * would go (ussd_app_text_set, then encoded): a text that is accepted must
 * encode, and decode again to itself. Input: DCS, then the string. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sigway/ussd/ussd_string.h>
#include "ussdgw_int.h"

static void strip_cr(char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '\r')
		s[--n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[USSD_APP_TEXT_MAX + 1], again[USSD_APP_TEXT_MAX + 1], lang[USSD_APP_LANG_MAX + 1];
	struct ussd_app_text t;
	uint8_t out[USSD_MAX_OCTETS];
	if (size < 2 || size > 1 + USSD_MAX_OCTETS)
		return 0;
	int n = ussdgw_decode_text(text, sizeof(text), data[0], data + 1, size - 1, lang);
	if (n <= 0)
		return 0;
	if (ussd_app_text_set(&t, text, strlen(text), -1, NULL, NULL, "text", NULL, 0) < 0)
		return 0;
	int len = ussd_app_text_encode(out, sizeof(out), &t);
	if (len <= 0)
		__builtin_trap();
	if (ussdgw_decode_text(again, sizeof(again), t.dcs, out, len, NULL) < 0)
		__builtin_trap();
	/* a <CR> at the end is the 7-bit padding's own ambiguity (23.038 6.1.2.3.1) */
	strip_cr(text);
	strip_cr(again);
	if (strcmp(again, text))
		__builtin_trap();
	return 0;
}
