/* libFuzzer harness: the body of the gateway's JSON push resource. The
 * first byte picks the text limits. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ussd_app_limits lim;
	struct ussd_app_push p;
	char err[USSD_APP_ERR_MAX] = "";
	int rc;

	if (size < 1)
		return 0;
	lim = fuzz_limits(data[0]);
	rc = ussd_app_json_parse_push(&p, (const char *)data + 1, size - 1, &lim, err, sizeof(err));
	fuzz_check_refusal(rc, err);
	if (rc != 0)
		return 0;
	fuzz_check_text(&p.text);
	if (!p.msisdn[0] || strlen(p.msisdn) > USSD_APP_DIGITS_MAX)
		__builtin_trap();
	return 0;
}
