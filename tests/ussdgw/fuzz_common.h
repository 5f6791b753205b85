/* What every ussdgw fuzzer checks on a parser's outcome: an accepted text
 * is one USSD string within its limit; a refusal has a printable sentence
 * that the gateway can send back in a JSON body. */
#pragma once

#include <string.h>

#include <jansson.h>

#include <sigway/sms/sms_alphabet.h>
#include <sigway/ussd/ussd_string.h>
#include <sigway/ussdgw/ussd_app.h>

static inline void fuzz_check_text(const struct ussd_app_text *t)
{
	uint8_t us[USSD_MAX_OCTETS];

	if (t->chars > t->limit || t->len != strlen(t->utf8))
		__builtin_trap();
	if (ussd_app_text_encode(us, sizeof(us), t) <= 0)
		__builtin_trap();
}

static inline void fuzz_check_refusal(int rc, const char *err)
{
	char body[USSD_APP_ERR_MAX + 256];
	json_t *j;

	if (rc >= 0)
		return;
	if (!err[0] || !strcmp(ussd_app_err_name(rc), "unknown"))
		__builtin_trap();
	/* the sentence goes back to the application as JSON */
	if (ussd_app_json_write_error(body, sizeof(body), 400, err) < 0)
		__builtin_trap();
	j = json_loads(body, 0, NULL);
	if (!j)
		__builtin_trap();
	if (strcmp(json_string_value(json_object_get(j, "responseMessage")), err))
		__builtin_trap();
	json_decref(j);
}

static inline void fuzz_check_answer(const struct ussd_app_answer *a)
{
	if (a->type == USSD_APP_ANS_MENU || a->type == USSD_APP_ANS_FINAL
	    || a->type == USSD_APP_ANS_NOTIFY)
		fuzz_check_text(&a->text);
	if (strlen(a->app_ref) > USSD_APP_REF_MAX || strlen(a->message) > USSD_APP_MESSAGE_MAX)
		__builtin_trap();
}

/* limits from the first input byte: 0 none, else lower ones */
static inline struct ussd_app_limits fuzz_limits(uint8_t b)
{
	struct ussd_app_limits lim = { 0 };

	if (b & 0x80) {
		lim.max_gsm7 = 1 + (b & 0x7f);
		lim.max_ucs2 = 1 + ((b & 0x7f) >> 1);
	}
	return lim;
}
