/* MAP (3GPP TS 29.002) for the short message and USSD services: application
 * contexts, the operation arguments/results and the error parameters sigway
 * sends and receives, hand-written BER on src/asn1. Decoded structures point
 * into the buffer they came from; unknown elements of extensible SEQUENCEs
 * (extension containers, later-release fields) are skipped, not rejected. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sigway/tcap/tcap_codec.h>

/* application-context identifiers: {0 4 0 0 1 0 <ac> <version>} */
enum map_ac {
	MAP_AC_NETWORK_FUNCTIONAL_SS = 18,	/* networkFunctionalSsContext: v1 only here, for USSD
					 * (processUnstructuredSS-Data) */
	MAP_AC_NETWORK_USSD      = 19,	/* networkUnstructuredSsContext (v2) */
	MAP_AC_SHORT_MSG_GATEWAY = 20,	/* v1-v3 */
	MAP_AC_SHORT_MSG_MO_RELAY = 21,	/* v1 is shortMsgRelayContext-v1 (MO and MT) */
	MAP_AC_SHORT_MSG_ALERT   = 23,	/* v1-v2 */
	MAP_AC_SHORT_MSG_MT_RELAY = 25,	/* v2-v3 */
};

enum map_opcode {
	MAP_OP_ALERT_SC_WITHOUT_RESULT = 49,	/* shortMsgAlert v1 */
	MAP_OP_MT_FORWARD_SM  = 44,
	MAP_OP_SRI_FOR_SM     = 45,
	MAP_OP_MO_FORWARD_SM  = 46,	/* forwardSM in v1/v2 */
	MAP_OP_REPORT_SM_DS   = 47,
	MAP_OP_INFORM_SC      = 63,
	MAP_OP_ALERT_SC       = 64,
	MAP_OP_PROCESS_USS    = 59,
	MAP_OP_USSR           = 60,
	MAP_OP_USSN           = 61,
	MAP_OP_PROCESS_USS_DATA = 19,	/* MAP v1 USSD: processUnstructuredSS-Data */
};

enum map_error {
	MAP_ERR_UNKNOWN_SUBSCRIBER        = 1,
	MAP_ERR_UNIDENTIFIED_SUBSCRIBER   = 5,
	MAP_ERR_ABSENT_SUBSCRIBER_SM      = 6,
	MAP_ERR_ILLEGAL_SUBSCRIBER        = 9,
	MAP_ERR_TELESERVICE_NOT_PROVISIONED = 11,
	MAP_ERR_ILLEGAL_EQUIPMENT         = 12,
	MAP_ERR_CALL_BARRED               = 13,
	MAP_ERR_FACILITY_NOT_SUPPORTED    = 21,
	MAP_ERR_ABSENT_SUBSCRIBER         = 27,
	MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS = 31,
	MAP_ERR_SM_DELIVERY_FAILURE       = 32,
	MAP_ERR_MESSAGE_WAITING_LIST_FULL = 33,
	MAP_ERR_SYSTEM_FAILURE            = 34,
	MAP_ERR_DATA_MISSING              = 35,
	MAP_ERR_UNEXPECTED_DATA_VALUE     = 36,
	MAP_ERR_UNKNOWN_ALPHABET          = 71,
	MAP_ERR_USSD_BUSY                 = 72,
};

/* SM-EnumeratedDeliveryFailureCause */
enum map_sm_failure_cause {
	MAP_SMF_MEMORY_CAPACITY_EXCEEDED = 0,
	MAP_SMF_EQUIPMENT_PROTOCOL_ERROR = 1,
	MAP_SMF_EQUIPMENT_NOT_SM_EQUIPPED = 2,
	MAP_SMF_UNKNOWN_SERVICE_CENTRE   = 3,
	MAP_SMF_SC_CONGESTION            = 4,
	MAP_SMF_INVALID_SME_ADDRESS      = 5,
	MAP_SMF_SUBSCRIBER_NOT_SC_SUBSCRIBER = 6,
};

/* SM-DeliveryOutcome */
enum map_sm_outcome { MAP_OUTCOME_MEMORY_CAPACITY_EXCEEDED = 0, MAP_OUTCOME_ABSENT_SUBSCRIBER = 1,
		      MAP_OUTCOME_SUCCESSFUL_TRANSFER = 2 };

enum map_err_codec {
	MAP_ERR_DECODE = 1,	/* not the structure 29.002 defines */
	MAP_ERR_MISSING,	/* a mandatory element is absent */
	MAP_ERR_RANGE,		/* a value out of its range (e.g. too many digits) */
	MAP_ERR_NO_SPACE,	/* encoder */
};

#define MAP_DIGITS_MAX 40	/* AddressString: 20 octets, the first is TON/NPI */
#define MAP_IMSI_MAX 15

/* AddressString / ISDN-AddressString: TON/NPI octet + TBCD digits */
struct map_address {
	bool present;
	uint8_t ton_npi;	/* 0x91: international, E.164 */
	char digits[MAP_DIGITS_MAX + 1];
};

struct map_sri_sm_arg {
	struct map_address msisdn;
	bool sm_rp_pri;
	struct map_address sc_address;
	bool gprs_support_indicator;
};

struct map_sri_sm_res {
	char imsi[MAP_IMSI_MAX + 1];
	struct map_address network_node;	/* serving MSC (or SGSN) */
	bool lmsi_present;
	uint8_t lmsi[4];
	bool gprs_node_indicator;
	struct map_address additional_number;	/* the other node, if both */
};

enum map_rp_da_type { MAP_DA_IMSI, MAP_DA_LMSI, MAP_DA_SC_ADDRESS, MAP_DA_NONE };
enum map_rp_oa_type { MAP_OA_MSISDN, MAP_OA_SC_ADDRESS, MAP_OA_NONE };

/* MT-ForwardSM-Arg (v3), MO-ForwardSM-Arg (v3) and ForwardSM-Arg (v1/v2) */
struct map_forward_sm_arg {
	enum map_rp_da_type da_type;
	char da_imsi[MAP_IMSI_MAX + 1];
	uint8_t da_lmsi[4];
	struct map_address da_address;
	enum map_rp_oa_type oa_type;
	struct map_address oa_address;
	const uint8_t *sm_rp_ui;	/* the TPDU */
	size_t sm_rp_ui_len;
	bool more_messages_to_send;
	char imsi[MAP_IMSI_MAX + 1];	/* MO v3: the sender's IMSI, "" if absent */
};

struct map_report_smds_arg {
	struct map_address msisdn;
	struct map_address sc_address;
	enum map_sm_outcome outcome;
	bool absent_diag_present;
	uint8_t absent_diag;
};

/* ReportSM-DeliveryStatusRes */
struct map_report_smds_res {
	struct map_address stored_msisdn;
};

/* AlertServiceCentreArg (v2; v1's alertServiceCentreWithoutResult takes the same) */
struct map_alert_sc_arg {
	struct map_address msisdn;
	struct map_address sc_address;
};

/* InformServiceCentreArg */
struct map_inform_sc_arg {
	struct map_address stored_msisdn;
	bool mw_status_present;
	uint8_t mw_status;		/* bits: sc-AddressNotIncluded(0) mnrf(1) mcef(2) mnrg(3) */
};

/* USSD-Arg and USSD-Res */
struct map_ussd {
	uint8_t dcs;
	const uint8_t *string;
	size_t string_len;
	struct map_address msisdn;	/* USSD-Arg [0], optional */
	bool has_alerting_pattern;	/* USSD-Arg alertingPattern, optional */
	uint8_t alerting_pattern;	/* 29.002 AlertingPattern: level or category */
};

/* SS-UserData, the argument and result of MAP v1's processUnstructuredSS-Data:
 * IA5String (SIZE (1..200)), no data coding scheme and no MSISDN. text points
 * into the message and is not NUL-terminated; a result may be empty (len 0:
 * none, the result is optional). */
#define MAP_SS_USER_DATA_MAX 200
struct map_ss_user_data {
	const char *text;
	size_t len;
};

/* Error parameters that carry information */
struct map_error_param {
	enum map_error code;
	bool absent_diag_present;		/* absentSubscriberSM */
	uint8_t absent_diag;
	bool failure_cause_present;		/* sm-DeliveryFailure */
	enum map_sm_failure_cause failure_cause;
	const uint8_t *diagnostic_info;		/* sm-DeliveryFailure: a TPDU (RP-ERROR contents) */
	size_t diagnostic_info_len;
};

/* MAP-OpenInfo (the AARQ user-information of a MAP dialogue) */
struct map_open_info {
	struct map_address destination_reference;
	struct map_address origination_reference;
};

/* MAP-DialoguePDU (29.002 MAP-DialogueInformation): the user-information
 * of a MAP dialogue's AARQ/AARE/ABRT, as an EXTERNAL with map-DialogueAS */
enum map_dlg_pdu_type {
	MAP_DLG_OPEN = 0, MAP_DLG_ACCEPT = 1, MAP_DLG_CLOSE = 2, MAP_DLG_REFUSE = 3,
	MAP_DLG_USER_ABORT = 4, MAP_DLG_PROVIDER_ABORT = 5,
};

struct map_dialogue_pdu {
	enum map_dlg_pdu_type type;
	struct map_open_info open;		/* OPEN */
	uint8_t refuse_reason;			/* REFUSE: 0 noReasonGiven, 1 invalidDestinationReference,
						 * 2 invalidOriginatingReference */
	uint8_t user_abort_choice;		/* USER_ABORT: 0 userSpecificReason, 1 userResourceLimitation,
						 * 2 resourceUnavailable, 3 applicationProcedureCancellation */
	uint8_t user_abort_diag;		/* the ENUMERATED of choices 2 and 3 */
	uint8_t provider_abort_reason;		/* PROVIDER_ABORT: 0 abnormalDialogue, 1 invalidPDU */
};

void map_acn(struct tcap_acn *out, enum map_ac ac, uint8_t version);
/* returns 0 and fills ac/version when the ACN is a MAP one */
int map_acn_parse(const struct tcap_acn *acn, enum map_ac *ac, uint8_t *version);

/* Each returns the encoded length or -enum map_err_codec; decoders return 0 or
 * -enum map_err_codec. `version` selects the argument shape where it differs. */
int map_enc_sri_sm_arg(uint8_t *buf, size_t cap, const struct map_sri_sm_arg *a);
int map_dec_sri_sm_arg(struct map_sri_sm_arg *a, const uint8_t *buf, size_t len);
int map_enc_sri_sm_res(uint8_t *buf, size_t cap, const struct map_sri_sm_res *r);
int map_dec_sri_sm_res(struct map_sri_sm_res *r, const uint8_t *buf, size_t len);
int map_enc_forward_sm_arg(uint8_t *buf, size_t cap, const struct map_forward_sm_arg *a, uint8_t version);
int map_dec_forward_sm_arg(struct map_forward_sm_arg *a, const uint8_t *buf, size_t len);
int map_enc_report_smds_arg(uint8_t *buf, size_t cap, const struct map_report_smds_arg *a);
int map_dec_report_smds_arg(struct map_report_smds_arg *a, const uint8_t *buf, size_t len);
int map_enc_report_smds_res(uint8_t *buf, size_t cap, const struct map_report_smds_res *r);
int map_dec_report_smds_res(struct map_report_smds_res *r, const uint8_t *buf, size_t len);
int map_enc_alert_sc_arg(uint8_t *buf, size_t cap, const struct map_alert_sc_arg *a);
int map_dec_alert_sc_arg(struct map_alert_sc_arg *a, const uint8_t *buf, size_t len);
int map_enc_inform_sc_arg(uint8_t *buf, size_t cap, const struct map_inform_sc_arg *a);
int map_dec_inform_sc_arg(struct map_inform_sc_arg *a, const uint8_t *buf, size_t len);
int map_enc_ussd(uint8_t *buf, size_t cap, const struct map_ussd *u);
int map_dec_ussd(struct map_ussd *u, const uint8_t *buf, size_t len);
/* SS-UserData: 1..200 characters of IA5 (7-bit ASCII); anything else is
 * -MAP_ERR_RANGE (encode) or refused by the decoder (a constructed string too) */
int map_enc_ss_user_data(uint8_t *buf, size_t cap, const struct map_ss_user_data *d);
int map_dec_ss_user_data(struct map_ss_user_data *d, const uint8_t *buf, size_t len);
/* USSD-Arg/Res carrying a text, GSM 7-bit (DCS 0x0F) */
int map_enc_ussd_text(uint8_t *buf, size_t cap, const char *utf8);
/* The text of a USSD-Arg/Res parameter, or "(undecodable)" */
const char *map_dec_ussd_text(const uint8_t *param, size_t len, char *out, size_t outsz);
/* The same on a decoded USSD-Arg/Res: a text as GSM 7-bit (DCS 0x0F) into
 * buf (u->string points there), and the text of a USSD string */
int map_ussd_from_text(struct map_ussd *u, uint8_t *buf, size_t cap, const char *utf8);
const char *map_ussd_text(const struct map_ussd *u, char *out, size_t outsz);
/* Error parameter for a ReturnError; returns 0 (and writes nothing) when the
 * error has no parameter */
int map_enc_error_param(uint8_t *buf, size_t cap, const struct map_error_param *e);
int map_dec_error_param(struct map_error_param *e, enum map_error code, const uint8_t *buf, size_t len);
int map_enc_dialogue_pdu(uint8_t *buf, size_t cap, const struct map_dialogue_pdu *p);
int map_dec_dialogue_pdu(struct map_dialogue_pdu *p, const uint8_t *buf, size_t len);
/* MAP-OpenInfo as the EXTERNAL that goes in the AARQ user-information */
int map_enc_open_info(uint8_t *buf, size_t cap, const struct map_open_info *oi);
int map_dec_open_info(struct map_open_info *oi, const uint8_t *buf, size_t len);

const char *map_opcode_name(int opcode);
const char *map_error_name(int code);
