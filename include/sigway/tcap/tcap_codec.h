/* TCAP message codec (ITU-T Q.773): transaction portion, dialogue portion
 * (AARQ/AARE/ABRT, AUDT) and components. Decoded messages point into the
 * buffer they came from; parameters stay opaque bytes for MAP. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tcap_msg_type {
	TCAP_MSG_UNI      = 0x61,
	TCAP_MSG_BEGIN    = 0x62,
	TCAP_MSG_END      = 0x64,
	TCAP_MSG_CONTINUE = 0x65,
	TCAP_MSG_ABORT    = 0x67,
};

enum tcap_comp_type {
	TCAP_COMP_INVOKE          = 1,
	TCAP_COMP_RESULT_LAST     = 2,
	TCAP_COMP_ERROR           = 3,
	TCAP_COMP_REJECT          = 4,
	TCAP_COMP_RESULT_NOT_LAST = 7,
	TCAP_COMP_BAD             = 0x100,	/* decode failed: answer with a Reject */
};

/* P-AbortCause (Q.773) */
enum tcap_p_abort_cause {
	TCAP_PA_UNRECOGNIZED_MSG_TYPE  = 0,
	TCAP_PA_UNRECOGNIZED_TID       = 1,
	TCAP_PA_BADLY_FORMATTED_TP     = 2,
	TCAP_PA_INCORRECT_TP           = 3,
	TCAP_PA_RESOURCE_LIMITATION    = 4,
	/* not on the wire: a dialogue portion we could not use (sent as ABRT
	 * abort-source dialogue-service-provider) */
	TCAP_PA_NO_COMMON_DIALOGUE     = 0x100,
	TCAP_PA_TIMEOUT                = 0x101,	/* local: dialogue guard timer */
};

/* Reject problem, Q.773: the problem tag selects the group */
enum tcap_problem_type {
	TCAP_PROBLEM_GENERAL = 0,
	TCAP_PROBLEM_INVOKE = 1,
	TCAP_PROBLEM_RESULT = 2,
	TCAP_PROBLEM_ERROR = 3,
};
enum { TCAP_GP_UNRECOGNIZED_COMPONENT = 0, TCAP_GP_MISTYPED_COMPONENT = 1, TCAP_GP_BADLY_STRUCTURED = 2 };
enum { TCAP_IP_DUPLICATE_INVOKE_ID = 0, TCAP_IP_UNRECOGNIZED_OPERATION = 1, TCAP_IP_MISTYPED_PARAMETER = 2,
       TCAP_IP_RESOURCE_LIMITATION = 3, TCAP_IP_INITIATING_RELEASE = 4, TCAP_IP_UNRECOGNIZED_LINKED_ID = 5 };
enum { TCAP_RRP_UNRECOGNIZED_INVOKE_ID = 0, TCAP_RRP_UNEXPECTED = 1, TCAP_RRP_MISTYPED_PARAMETER = 2 };
enum { TCAP_REP_UNRECOGNIZED_INVOKE_ID = 0, TCAP_REP_UNEXPECTED = 1, TCAP_REP_UNRECOGNIZED_ERROR = 2,
       TCAP_REP_UNEXPECTED_ERROR = 3, TCAP_REP_MISTYPED_PARAMETER = 4 };

/* Dialogue PDU types (DialoguePDU / UniDialoguePDU) */
enum tcap_dlg_type {
	TCAP_DLG_NONE = 0,
	TCAP_DLG_AARQ,
	TCAP_DLG_AARE,
	TCAP_DLG_ABRT,
	TCAP_DLG_AUDT,
};

enum { TCAP_RESULT_ACCEPTED = 0, TCAP_RESULT_REJECT_PERMANENT = 1 };
enum { TCAP_DIAG_SRC_USER = 1, TCAP_DIAG_SRC_PROVIDER = 2 };
/* dialogue-service-user diagnostics */
enum { TCAP_DIAG_NULL = 0, TCAP_DIAG_NO_REASON = 1, TCAP_DIAG_ACN_NOT_SUPPORTED = 2 };
/* dialogue-service-provider diagnostics */
enum { TCAP_DIAG_PROV_NULL = 0, TCAP_DIAG_PROV_NO_REASON = 1, TCAP_DIAG_PROV_NO_COMMON_DIALOGUE = 2 };
enum { TCAP_ABORT_SRC_USER = 0, TCAP_ABORT_SRC_PROVIDER = 1 };

/* An application-context name as OID contents octets */
#define TCAP_OID_MAX 16
struct tcap_acn {
	uint8_t len;
	uint8_t oid[TCAP_OID_MAX];
};

struct tcap_dialogue_pdu {
	enum tcap_dlg_type type;
	bool acn_present;
	struct tcap_acn acn;
	uint8_t result;			/* AARE */
	uint8_t diag_source;		/* AARE: TCAP_DIAG_SRC_* */
	uint8_t diag;			/* AARE */
	uint8_t abort_source;		/* ABRT */
	const uint8_t *user_info;	/* contents of user-information [30]: EXTERNAL TLV(s) */
	size_t user_info_len;
};

struct tcap_component {
	enum tcap_comp_type type;
	bool invoke_id_present;		/* false only in a Reject with NULL invokeID */
	int8_t invoke_id;
	bool linked_id_present;
	int8_t linked_id;
	bool op_present;		/* Invoke always; ReturnResult when it has a result */
	int32_t opcode;			/* local operation code */
	int32_t error_code;		/* ReturnError: local error code */
	enum tcap_problem_type problem_type;	/* Reject, or what to reject for TCAP_COMP_BAD */
	uint8_t problem;
	const uint8_t *param;		/* the parameter TLV, whole; NULL when absent */
	size_t param_len;
};

#define TCAP_MAX_COMPONENTS 16
#define TCAP_TID_MAX 4

struct tcap_msg {
	enum tcap_msg_type type;
	bool otid_present, dtid_present;
	uint8_t otid_len, dtid_len;
	uint8_t otid[TCAP_TID_MAX], dtid[TCAP_TID_MAX];
	bool p_abort_present;
	uint8_t p_abort_cause;
	bool dialogue_present;
	struct tcap_dialogue_pdu dialogue;
	unsigned int n_comp;
	struct tcap_component comp[TCAP_MAX_COMPONENTS];
};

/* Decoder errors, by what Q.774 answers them with */
enum tcap_codec_err {
	TCAP_ERR_UNRECOGNIZED_MSG_TYPE = 1,	/* -> P-Abort unrecognizedMessageType */
	TCAP_ERR_BADLY_FORMATTED_TP,		/* -> P-Abort badlyFormattedTransactionPortion */
	TCAP_ERR_INCORRECT_TP,			/* -> P-Abort incorrectTransactionPortion */
	TCAP_ERR_BAD_DIALOGUE,			/* -> ABRT from provider (no common dialogue portion) */
	TCAP_ERR_TOO_MANY_COMPONENTS,		/* -> P-Abort resourceLimitation */
	TCAP_ERR_NO_SPACE,			/* encoder */
	TCAP_ERR_BAD_VALUE,			/* encoder */
	_TCAP_ERR_COUNT
};

/* Decodes a TCAP message. On error, msg->type and the TIDs decoded so far are
 * still set, so the caller can address a P-Abort. Components that do not
 * decode come back as TCAP_COMP_BAD with the Reject problem to send. */
int tcap_decode(struct tcap_msg *msg, const uint8_t *buf, size_t len);

/* What to encode */
struct tcap_tx_msg {
	enum tcap_msg_type type;
	bool otid_present, dtid_present;
	uint32_t otid;			/* our local TID, 4 octets */
	uint8_t dtid_len;
	uint8_t dtid[TCAP_TID_MAX];	/* the peer's TID, as it sent it */
	bool p_abort_present;
	uint8_t p_abort_cause;
	struct tcap_dialogue_pdu dialogue;	/* type TCAP_DLG_NONE: no dialogue portion */
	const uint8_t *components;	/* encoded components (concatenated), or NULL */
	size_t components_len;
};

int tcap_encode(uint8_t *buf, size_t cap, const struct tcap_tx_msg *tx);
/* Appends one component (type, ids, opcode/error/problem, param TLV) */
int tcap_encode_component(uint8_t *buf, size_t cap, const struct tcap_component *c);

const char *tcap_strerror(int err);
const char *tcap_msg_type_name(enum tcap_msg_type t);
const char *tcap_comp_type_name(enum tcap_comp_type t);
uint32_t tcap_tid_to_u32(const uint8_t *tid, uint8_t len);
bool tcap_acn_equal(const struct tcap_acn *a, const struct tcap_acn *b);
