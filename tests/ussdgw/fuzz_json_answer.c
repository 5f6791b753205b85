/* libFuzzer harness: the application's JSON answer. The first byte picks
 * the request it answers (start, response, end) and the text limits. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ussd_app_limits lim;
	struct ussd_app_answer a;
	char err[USSD_APP_ERR_MAX] = "";
	int rc;

	if (size < 1)
		return 0;
	lim = fuzz_limits(data[0]);
	rc = ussd_app_json_parse_answer(&a, (const char *)data + 1, size - 1,
					(enum ussd_app_json_req)(data[0] % 3), &lim, err, sizeof(err));
	if (rc == 0)
		fuzz_check_answer(&a);
	fuzz_check_refusal(rc, err);
	return 0;
}
