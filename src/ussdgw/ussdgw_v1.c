/* USSD from MAP v1 peers: processUnstructuredSS-Data (a phase 1 mobile's
 * USSD) on networkFunctionalSs v1, a Begin without dialogue portion.
 *
 * One request, one answer: the string the subscriber dialled (IA5, no data
 * coding scheme, no MSISDN or IMSI: the operation has none) is routed by its
 * service code like a v2 pull and the application is asked as usual; its
 * first answer goes back as the result in the TC-END. v1 has no menus: a
 * menu (or notification) is sent as the final text and the application's
 * session ends with "v1: no further rounds". Texts are IA5 (7-bit ASCII),
 * at most 200 characters; an application text that is not is an
 * application error (the subscriber gets the configured error text). */

#include <string.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include <sigway/ussd/ussd_string.h>
#include "ussdgw_int.h"

int ussdgw_v1_start(struct map_instance *mi, const struct map_user *user)
{
	return map_register(mi, MAP_AC_NETWORK_FUNCTIONAL_SS, 1, 1, user);
}

void ussdgw_v1_open(struct ussdgw_session *s, const struct map_open_ind *o)
{
	s->map_v1 = o->ac == MAP_AC_NETWORK_FUNCTIONAL_SS;
}

/* Text that SS-UserData can carry: 1..200 characters of 7-bit ASCII */
static bool ia5_text(const char *utf8, size_t len)
{
	if (len < 1 || len > MAP_SS_USER_DATA_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)utf8[i] > 0x7f || !utf8[i])
			return false;
	return true;
}

void ussdgw_v1_request(struct ussdgw_session *s, int8_t invoke_id, const struct map_ss_user_data *d)
{
	clock_gettime(CLOCK_MONOTONIC, &s->t_net_in);
	s->puss_invoke = invoke_id;
	s->puss_pending = true;
	/* the MAP layer checked IA5 and the length; a NUL would cut the string */
	if (!ia5_text(d->text, d->len) || d->len >= sizeof(s->dialled)) {
		ussdgw_ctr_inc(s->gw, UGW_CTR_REFUSED_CODING);
		ussdgw_session_refuse(s, USSDGW_ST_BAD_REQUEST, NULL, MAP_ERR_UNEXPECTED_DATA_VALUE,
				      "v1: the USSD string has a NUL character");
		return;
	}
	memcpy(s->dialled, d->text, d->len);
	s->dialled[d->len] = '\0';
	/* what the application is told: 7-bit text, language unspecified */
	s->dialled_dcs = USSD_DCS_GSM7_UNSPEC;
	LOGPFSML(s->fi, LOGL_INFO, "MAP v1 USSD (processUnstructuredSS-Data) %s\n", s->dialled);
	ussdgw_session_pull(s);
}

bool ussdgw_v1_answer_ok(struct ussdgw_session *s, const struct ussd_app_answer *a, struct ugw_end *e)
{
	bool has_text = a->type == USSD_APP_ANS_MENU || a->type == USSD_APP_ANS_NOTIFY ||
			a->type == USSD_APP_ANS_FINAL;
	/* an empty text is a result without SS-UserData (it is optional) */
	if (!s->map_v1 || !has_text || !a->text.len || ia5_text(a->text.utf8, a->text.len))
		return true;
	ussdgw_ctr_inc(s->gw, UGW_CTR_APP_BAD_ANSWER);
	ussdgw_end_set(e, USSD_APP_EXIT_APP_ERROR, USSDGW_ST_NONE,
		       "v1: the answer cannot be sent (IA5 text of 1 to %d characters only)", MAP_SS_USER_DATA_MAX);
	LOGPFSML(s->fi, LOGL_NOTICE, "application %s: %s\n", s->app ? s->app->name : "?", e->reason);
	return false;
}

bool ussdgw_v1_no_rounds(struct ussdgw_session *s, const struct ussd_app_answer *a, struct ugw_end *e)
{
	if (!s->map_v1 || (a->type != USSD_APP_ANS_MENU && a->type != USSD_APP_ANS_NOTIFY))
		return false;
	ussdgw_end_set(e, USSD_APP_EXIT_SUCCESS, USSDGW_ST_V1_NO_ROUNDS,
		       "v1: no further rounds (the %s went as the final text)",
		       a->type == USSD_APP_ANS_MENU ? "menu" : "notification");
	LOGPFSML(s->fi, LOGL_NOTICE, "application %s wants another round, MAP v1 has none: %s\n",
		 s->app ? s->app->name : "?", e->reason);
	return true;
}

int ussdgw_v1_result(struct map_dialogue *md, int8_t invoke_id, const struct ussd_app_text *t)
{
	if (t->len && !ia5_text(t->utf8, t->len)) {
		/* a configured text that v1 cannot carry */
		LOGP(DUSSD, LOGL_ERROR, "v1: the text \"%s\" is no IA5 text of 1 to %d characters: systemFailure\n",
		     t->utf8, MAP_SS_USER_DATA_MAX);
		return map_response_error(md, invoke_id, &(struct map_error_param){ .code = MAP_ERR_SYSTEM_FAILURE });
	}
	union map_res r = { .ss_data = { .text = t->utf8, .len = t->len } };
	return map_response(md, invoke_id, MAP_SVC_PROCESS_USS_DATA, &r);
}

enum map_error ussdgw_v1_error(uint8_t code)
{
	/* processUnstructuredSS-Data's errors */
	return code == MAP_ERR_UNEXPECTED_DATA_VALUE ? MAP_ERR_UNEXPECTED_DATA_VALUE : MAP_ERR_SYSTEM_FAILURE;
}
