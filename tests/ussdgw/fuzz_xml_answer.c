/* libFuzzer harness: the application's <dialog> (answers and push
 * requests). The first byte picks the text limits. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ussd_app_limits lim;
	struct ussd_app_answer a;
	struct ussd_app_push p;
	char err[USSD_APP_ERR_MAX] = "";
	int rc;

	if (size < 1)
		return 0;
	lim = fuzz_limits(data[0]);
	rc = ussd_app_xml_parse(&a, (const char *)data + 1, size - 1, &lim, err, sizeof(err));
	fuzz_check_refusal(rc, err);
	if (rc != 0)
		return 0;
	fuzz_check_answer(&a);
	err[0] = '\0';
	rc = ussd_app_answer_to_push(&p, &a, err, sizeof(err));
	fuzz_check_refusal(rc, err);
	if (rc == 0)
		fuzz_check_text(&p.text);
	return 0;
}
