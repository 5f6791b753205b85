/* libFuzzer harness: 04.80 DTAP decoding (+ re-encode, + string decoding of
 * whatever USSD string came out), and USSD-String decoding for the DCS given
 * by the first octet (with ussd_string_problem(), silent on what we encode). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sigway/ussd/ussd_dtap.h>
#include <sigway/ussd/ussd_string.h>

static void check_dtap(const uint8_t *data, size_t size)
{
	struct ussd_dtap m, again;
	uint8_t out[400];
	char text[800];
	int n;

	if (ussd_dtap_decode(&m, data, size) != 0)
		return;
	if (m.comp.has_ussd)
		ussd_string_decode(text, sizeof(text), m.comp.dcs, m.comp.string,
				   m.comp.string_len, NULL);
	n = ussd_dtap_encode(out, sizeof(out), &m);
	/* what we encode must decode again */
	if (n > 0 && ussd_dtap_decode(&again, out, n) != 0)
		__builtin_trap();
}

static void check_string(const uint8_t *data, size_t size)
{
	char text[800], lang[3];
	uint8_t again[200];
	int n;

	ussd_string_problem(data[0], data + 1, size - 1);
	n = ussd_string_decode(text, sizeof(text), data[0], data + 1, size - 1, lang);
	if (n < 0)
		return;
	n = ussd_string_encode(again, sizeof(again), data[0], lang[0] ? lang : "en", text, n);
	/* what we encode has nothing to note */
	if (n > 0 && ussd_string_problem(data[0], again, n))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	check_dtap(data, size);
	check_string(data, size);
	return 0;
}
