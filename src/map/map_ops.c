/* What the MAP services are on the wire: operation codes per application
 * context and version, and the typed argument/result codecs by service. */

#include <errno.h>
#include <string.h>
#include "map_internal.h"

struct svc_desc {
	const char *name;
	enum map_ac ac;			/* the context it belongs to (v2/v3) */
	int32_t op_v1, op_v2, op_v3;	/* -1: not in that version */
	bool has_result;
	unsigned int timeout_s;		/* default invoke timer */
};

/* Timers: 29.002's classes s (3-10 s), m (15-30 s), ml (1-10 min); the
 * SMS values are what an SMSC uses in practice (short SRI, one MSC paging). */
static const struct svc_desc svc_desc[_MAP_SVC_COUNT] = {
	[MAP_SVC_SRI_FOR_SM] = { "sendRoutingInfoForSM", MAP_AC_SHORT_MSG_GATEWAY, 45, 45, 45, true, 10 },
	[MAP_SVC_MT_FORWARD_SM] = { "mt-forwardSM", MAP_AC_SHORT_MSG_MT_RELAY, 46, 46, 44, true, 30 },
	[MAP_SVC_MO_FORWARD_SM] = { "mo-forwardSM", MAP_AC_SHORT_MSG_MO_RELAY, 46, 46, 46, true, 30 },
	[MAP_SVC_REPORT_SM_DS] = { "reportSM-DeliveryStatus", MAP_AC_SHORT_MSG_GATEWAY, 47, 47, 47, true, 10 },
	[MAP_SVC_ALERT_SC] = { "alertServiceCentre", MAP_AC_SHORT_MSG_ALERT, 49, 64, -1, true, 10 },
	[MAP_SVC_INFORM_SC] = { "informServiceCentre", MAP_AC_SHORT_MSG_GATEWAY, 63, 63, 63, false, 10 },
	[MAP_SVC_PROCESS_USS] = { "processUnstructuredSS-Request", MAP_AC_NETWORK_USSD, -1, 59, -1, true, 600 },
	[MAP_SVC_USSR] = { "unstructuredSS-Request", MAP_AC_NETWORK_USSD, -1, 60, -1, true, 60 },
	[MAP_SVC_USSN] = { "unstructuredSS-Notify", MAP_AC_NETWORK_USSD, -1, 61, -1, true, 60 },
	/* a phase 1 mobile's USSD: the whole exchange is this one operation */
	[MAP_SVC_PROCESS_USS_DATA] = { "processUnstructuredSS-Data", MAP_AC_NETWORK_FUNCTIONAL_SS, 19, -1, -1, true,
				       600 },
};

const char *map_service_name(enum map_service svc)
{
	return svc > MAP_SVC_NONE && svc < _MAP_SVC_COUNT ? svc_desc[svc].name : "none";
}

unsigned int map_svc_default_timeout_s(enum map_service svc)
{
	return svc > MAP_SVC_NONE && svc < _MAP_SVC_COUNT ? svc_desc[svc].timeout_s : 30;
}

const char *map_ac_name(enum map_ac ac)
{
	switch (ac) {
	case MAP_AC_NETWORK_FUNCTIONAL_SS: return "networkFunctionalSs";
	case MAP_AC_NETWORK_USSD: return "networkUnstructuredSs";
	case MAP_AC_SHORT_MSG_GATEWAY: return "shortMsgGateway";
	case MAP_AC_SHORT_MSG_MO_RELAY: return "shortMsgMO-Relay";
	case MAP_AC_SHORT_MSG_ALERT: return "shortMsgAlert";
	case MAP_AC_SHORT_MSG_MT_RELAY: return "shortMsgMT-Relay";
	}
	return "unknown";
}

bool map_ac_has_version(enum map_ac ac, uint8_t version)
{
	switch (ac) {
	/* v2+ of networkFunctionalSs is registerSS and friends, which we do not serve */
	case MAP_AC_NETWORK_FUNCTIONAL_SS: return version == 1;
	case MAP_AC_NETWORK_USSD: return version == 2;
	case MAP_AC_SHORT_MSG_GATEWAY: case MAP_AC_SHORT_MSG_MO_RELAY: return version >= 1 && version <= 3;
	case MAP_AC_SHORT_MSG_ALERT: return version >= 1 && version <= 2;
	/* v1 MT relay is shortMsgRelayContext-v1, which has no dialogue portion anyway */
	case MAP_AC_SHORT_MSG_MT_RELAY: return version >= 1 && version <= 3;
	}
	return false;
}

bool map_svc_in_ac(enum map_service svc, enum map_ac ac)
{
	if (svc <= MAP_SVC_NONE || svc >= _MAP_SVC_COUNT)
		return false;
	/* the HLR's informServiceCentre rides on our SRI-for-SM and reportSM-DS dialogues */
	return svc_desc[svc].ac == ac;
}

bool map_svc_has_result(enum map_service svc)
{
	return svc > MAP_SVC_NONE && svc < _MAP_SVC_COUNT && svc_desc[svc].has_result;
}

int32_t map_svc_opcode(enum map_service svc, enum map_ac ac, uint8_t version)
{
	if (!map_svc_in_ac(svc, ac))
		return -1;
	const struct svc_desc *d = &svc_desc[svc];
	return version <= 1 ? d->op_v1 : version == 2 ? d->op_v2 : d->op_v3 >= 0 ? d->op_v3 : d->op_v2;
}

enum map_service map_opcode_svc(int32_t opcode, enum map_ac ac)
{
	for (int s = MAP_SVC_NONE + 1; s < _MAP_SVC_COUNT; s++) {
		const struct svc_desc *d = &svc_desc[s];
		if (d->ac == ac && (d->op_v1 == opcode || d->op_v2 == opcode || d->op_v3 == opcode))
			return (enum map_service)s;
	}
	return MAP_SVC_NONE;
}

enum map_ac map_v1_ac_of_opcode(int32_t opcode)
{
	switch (opcode) {
	case MAP_OP_SRI_FOR_SM: case MAP_OP_REPORT_SM_DS: case MAP_OP_INFORM_SC: return MAP_AC_SHORT_MSG_GATEWAY;
	case MAP_OP_MO_FORWARD_SM: return MAP_AC_SHORT_MSG_MO_RELAY;	/* forwardSM, both ways */
	case MAP_OP_ALERT_SC_WITHOUT_RESULT: return MAP_AC_SHORT_MSG_ALERT;
	case MAP_OP_PROCESS_USS_DATA: return MAP_AC_NETWORK_FUNCTIONAL_SS;
	}
	return 0;
}

/* ------------------------------------------------------------ codecs */

int map_encode_arg(uint8_t *buf, size_t cap, enum map_service svc, const union map_arg *arg, uint8_t version)
{
	switch (svc) {
	case MAP_SVC_SRI_FOR_SM: return map_enc_sri_sm_arg(buf, cap, &arg->sri_sm);
	case MAP_SVC_MT_FORWARD_SM: case MAP_SVC_MO_FORWARD_SM:
		return map_enc_forward_sm_arg(buf, cap, &arg->forward_sm, version);
	case MAP_SVC_REPORT_SM_DS: return map_enc_report_smds_arg(buf, cap, &arg->report_sm_ds);
	case MAP_SVC_ALERT_SC: return map_enc_alert_sc_arg(buf, cap, &arg->alert_sc);
	case MAP_SVC_INFORM_SC: return map_enc_inform_sc_arg(buf, cap, &arg->inform_sc);
	case MAP_SVC_PROCESS_USS: case MAP_SVC_USSR: case MAP_SVC_USSN: return map_enc_ussd(buf, cap, &arg->ussd);
	case MAP_SVC_PROCESS_USS_DATA: return map_enc_ss_user_data(buf, cap, &arg->ss_data);
	default: return -MAP_ERR_DECODE;
	}
}

int map_decode_arg(union map_arg *arg, enum map_service svc, const uint8_t *buf, size_t len)
{
	memset(arg, 0, sizeof(*arg));
	if (!buf)
		return -MAP_ERR_MISSING;	/* every argument of these services is mandatory */
	switch (svc) {
	case MAP_SVC_SRI_FOR_SM: return map_dec_sri_sm_arg(&arg->sri_sm, buf, len);
	case MAP_SVC_MT_FORWARD_SM: case MAP_SVC_MO_FORWARD_SM: return map_dec_forward_sm_arg(&arg->forward_sm, buf, len);
	case MAP_SVC_REPORT_SM_DS: return map_dec_report_smds_arg(&arg->report_sm_ds, buf, len);
	case MAP_SVC_ALERT_SC: return map_dec_alert_sc_arg(&arg->alert_sc, buf, len);
	case MAP_SVC_INFORM_SC: return map_dec_inform_sc_arg(&arg->inform_sc, buf, len);
	case MAP_SVC_PROCESS_USS: case MAP_SVC_USSR: case MAP_SVC_USSN: return map_dec_ussd(&arg->ussd, buf, len);
	case MAP_SVC_PROCESS_USS_DATA: return map_dec_ss_user_data(&arg->ss_data, buf, len);
	default: return -MAP_ERR_DECODE;
	}
}

int map_encode_res(uint8_t *buf, size_t cap, enum map_service svc, const union map_res *res)
{
	if (!res)
		return 0;
	switch (svc) {
	case MAP_SVC_SRI_FOR_SM: return map_enc_sri_sm_res(buf, cap, &res->sri_sm);
	case MAP_SVC_REPORT_SM_DS: return map_enc_report_smds_res(buf, cap, &res->report_sm_ds);
	case MAP_SVC_PROCESS_USS: case MAP_SVC_USSR: return map_enc_ussd(buf, cap, &res->ussd);
	case MAP_SVC_PROCESS_USS_DATA:	/* optional */
		return res->ss_data.len ? map_enc_ss_user_data(buf, cap, &res->ss_data) : 0;
	default: return 0;	/* no result data */
	}
}

int map_decode_res(union map_res *res, enum map_service svc, const uint8_t *buf, size_t len)
{
	memset(res, 0, sizeof(*res));
	switch (svc) {
	case MAP_SVC_SRI_FOR_SM:
		return buf ? map_dec_sri_sm_res(&res->sri_sm, buf, len) : -MAP_ERR_MISSING;
	case MAP_SVC_REPORT_SM_DS:
		return buf ? map_dec_report_smds_res(&res->report_sm_ds, buf, len) : 0;	/* optional */
	case MAP_SVC_PROCESS_USS: case MAP_SVC_USSR:
		return buf ? map_dec_ussd(&res->ussd, buf, len) : -MAP_ERR_MISSING;
	case MAP_SVC_PROCESS_USS_DATA:
		return buf ? map_dec_ss_user_data(&res->ss_data, buf, len) : 0;	/* optional */
	default:
		return 0;	/* results without data (extension containers are ignored) */
	}
}

static int save_octets(struct map_request_state *st, size_t *used, const uint8_t **p, size_t len)
{
	if (!*p || !len)
		return 0;
	if (*used + len > sizeof(st->data))
		return -EMSGSIZE;
	memcpy(st->data + *used, *p, len);
	*p = st->data + *used;
	*used += len;
	return 0;
}

int map_save_arg(struct map_request_state *st, enum map_service svc, const union map_arg *arg)
{
	size_t used = 0;
	st->arg = *arg;
	switch (svc) {
	case MAP_SVC_MT_FORWARD_SM: case MAP_SVC_MO_FORWARD_SM:
		return save_octets(st, &used, &st->arg.forward_sm.sm_rp_ui, st->arg.forward_sm.sm_rp_ui_len);
	case MAP_SVC_PROCESS_USS: case MAP_SVC_USSR: case MAP_SVC_USSN:
		return save_octets(st, &used, &st->arg.ussd.string, st->arg.ussd.string_len);
	case MAP_SVC_PROCESS_USS_DATA:
		return save_octets(st, &used, (const uint8_t **)&st->arg.ss_data.text, st->arg.ss_data.len);
	default:
		return 0;
	}
}
