/* What the USSD gateway and a third-party application say to each other,
 * independent of the HTTP flavour, and the codecs of the two flavours:
 *   - REST/JSON in the style of the "USSD Gateway to Third-party Application
 *     HTTP REST/JSON v3" API ({base}/session/{id}/start|response|end), plus
 *     the gateway's own push resource;
 *   - XML in the Restcomm USSD gateway's <dialog> dialect, with an explicit
 *     session reference for push instead of servlet cookies.
 * doc/ussd-gateway-api.md is the description for application developers.
 *
 * No I/O and no allocation of ours: every structure has fixed-size buffers,
 * writers fill a caller's buffer, parsers fill a caller's structure (jansson
 * and libxml2 allocate internally and everything is freed before a parser
 * returns). Parsers take untrusted input: size, depth and every field are
 * limited, the application gets an error string it can act on, and text is
 * never cut: a text too long for one USSD string is refused. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits ---------------------------------------------------------------- */

#define USSD_APP_MAX_BODY	16384	/* an application's document larger than this is refused */
#define USSD_APP_XML_MAX_DEPTH	8	/* <dialog> is 1; the deepest documented element is 3 */
#define USSD_APP_DOC_MAX	8192	/* enough for any document the gateway writes */

#define USSD_APP_GSM7_MAX	182	/* characters (septets) of one USSD string, 160 octets */
#define USSD_APP_UCS2_MAX	80	/* UCS2 characters (UTF-16 code units) of one USSD string */
/* UTF-8 bytes of one USSD text: 182 septets are at most 364 bytes (no
 * GSM 7-bit character takes more than 2 bytes per septet), 80 UCS2 code
 * units at most 240 */
#define USSD_APP_TEXT_MAX	400

#define USSD_APP_SESSION_ID_MAX	64	/* [A-Za-z0-9._-], it goes into URLs */
#define USSD_APP_DIGITS_MAX	15	/* MSISDN (E.164) and IMSI digits */
#define USSD_APP_CODE_MAX	32	/* a service code such as "*123#" */
#define USSD_APP_LANG_MAX	7	/* "en", "pt-BR" */
#define USSD_APP_GW_ID_MAX	32
#define USSD_APP_REF_MAX	256	/* thirdPartyId / userObject: echoed, so never cut */
#define USSD_APP_REASON_MAX	128
#define USSD_APP_MESSAGE_MAX	256	/* responseMessage: a log text, cut if longer */
#define USSD_APP_ERR_MAX	192	/* a parser's error string (its buffer may be smaller) */
#define USSD_APP_GT_DIGITS_MAX	32

/* ---- errors ---------------------------------------------------------------- */

/* Parsers return 0 or one of these, negated, and write a sentence into
 * err (may be NULL) that names the field and what is wrong with it. */
enum ussd_app_err {
	USSD_APP_ERR_EMPTY = 1,		/* no body */
	USSD_APP_ERR_TOO_BIG,		/* body larger than USSD_APP_MAX_BODY */
	USSD_APP_ERR_SYNTAX,		/* not JSON / not well-formed XML */
	USSD_APP_ERR_FORBIDDEN,		/* XML: a DTD or entity declaration */
	USSD_APP_ERR_DEPTH,		/* XML: nested deeper than USSD_APP_XML_MAX_DEPTH */
	USSD_APP_ERR_TYPE,		/* a field of the wrong type / not a number */
	USSD_APP_ERR_MISSING,		/* a mandatory field is absent or empty */
	USSD_APP_ERR_VALUE,		/* a value out of range or not allowed here */
	USSD_APP_ERR_TEXT_TOO_LONG,	/* more characters than one USSD string holds */
	USSD_APP_ERR_CHARSET,		/* a character the requested coding cannot carry */
	USSD_APP_ERR_UTF8,		/* invalid UTF-8 */
};

/* "syntax", "too_long", ... (for counters and logs) */
const char *ussd_app_err_name(int err);

/* ---- text ------------------------------------------------------------------ */

/* Per-call limits, for an operator whose signalling leaves less than 160
 * octets; 0 (or more than the protocol maximum) means the maximum. */
struct ussd_app_limits {
	uint16_t max_gsm7;	/* characters in GSM 7-bit, extension characters count two */
	uint16_t max_ucs2;	/* UTF-16 code units: a character outside the BMP counts two */
};

/* A text checked against one USSD string: valid UTF-8, codable in dcs and
 * within the limit. dcs and lang are what ussd_string_encode() takes. */
struct ussd_app_text {
	char utf8[USSD_APP_TEXT_MAX + 1];
	uint16_t len;
	uint8_t dcs;
	char lang[3];		/* 0x10/0x11: the language put in front of the text */
	bool ucs2;
	uint16_t chars;		/* septets (GSM 7-bit) or UTF-16 code units (UCS2) */
	uint16_t limit;		/* the most this text could have had */
};

/* Check and store utf8 (len bytes). dcs < 0: GSM 7-bit (0x0F) when every
 * character is in the GSM 7-bit alphabet or its extension table, else UCS2
 * (0x48). With a language (ISO 639-1, may be NULL): GSM 7-bit uses the
 * language's own DCS of 23.038 group 0000 where there is one, else 0x10;
 * UCS2 uses 0x11; both 0x10 and 0x11 cost the language's room in the
 * string. dcs >= 0: that DCS (a 7-bit or UCS2 one; 0x10/0x11 need lang).
 * field names the field in the error ("ussdMenu"). */
int ussd_app_text_set(struct ussd_app_text *t, const char *utf8, size_t len, int dcs,
		      const char *lang, const struct ussd_app_limits *lim,
		      const char *field, char *err, size_t errlen);

/* The USSD-String of a checked text (ussd_string_encode()); octets or < 0 */
int ussd_app_text_encode(uint8_t *out, size_t outlen, const struct ussd_app_text *t);

/* ---- what the gateway tells the application -------------------------------- */

enum ussd_app_event_type {
	USSD_APP_EV_START,	/* pull: the subscriber dialled a code */
	USSD_APP_EV_RESPONSE,	/* the subscriber answered a menu (pull, or push USSR) */
	USSD_APP_EV_NOTIFY_DONE,/* push USSN: the handset confirmed the notification (XML only) */
	USSD_APP_EV_END,	/* the session is over: exit code and reason */
};

/* How a session ended: JSON exitCode, XML exitCode attribute; the names are
 * the session log's statuses */
enum ussd_app_exit {
	USSD_APP_EXIT_SUCCESS = 0,
	USSD_APP_EXIT_USER_ABORT = 1,		/* the subscriber (or the network for them) ended it */
	USSD_APP_EXIT_USER_TIMEOUT = 2,		/* no answer to a menu in time */
	USSD_APP_EXIT_APP_TIMEOUT = 3,		/* the application did not answer in time */
	USSD_APP_EXIT_APP_ERROR = 4,		/* the application's answer was unusable */
	USSD_APP_EXIT_PROVIDER_ABORT = 5,	/* the network aborted the dialogue */
	USSD_APP_EXIT_SESSION_TIMEOUT = 6,	/* the maximum session length was reached */
	USSD_APP_EXIT_REFUSED = 7,		/* push: the network refused the dialogue */
	USSD_APP_EXIT_ABSENT_SUBSCRIBER = 8,
	USSD_APP_EXIT_UNKNOWN_SUBSCRIBER = 9,
	USSD_APP_EXIT_ILLEGAL_SUBSCRIBER = 10,
	USSD_APP_EXIT_USSD_BUSY = 11,		/* the handset is in another USSD session */
	USSD_APP_EXIT_MAP_ERROR = 12,		/* another MAP error: map_error */
	USSD_APP_EXIT_SYSTEM_FAILURE = 13,	/* the gateway's own trouble: overload, shutdown */
	_USSD_APP_EXIT_COUNT
};

/* "success", "user_abort", ... */
const char *ussd_app_exit_name(enum ussd_app_exit e);
/* The default reason sentence of an exit code */
const char *ussd_app_exit_text(enum ussd_app_exit e);

/* Provider abort reasons as the XML dialect names them (29.002 7.3.5 plus
 * the local/peer split and invalid PDU of that dialect) */
enum ussd_app_pabort {
	USSD_APP_PA_PROVIDER_MALFUNCTION,
	USSD_APP_PA_DIALOGUE_RELEASED,		/* supportingDialogueTransactionReleased */
	USSD_APP_PA_RESOURCE_LIMITATION,
	USSD_APP_PA_MAINTENANCE_ACTIVITY,
	USSD_APP_PA_VERSION_INCOMPATIBILITY,
	USSD_APP_PA_ABNORMAL_LOCAL,
	USSD_APP_PA_ABNORMAL_PEER,
	USSD_APP_PA_INVALID_PDU,
};

/* Refuse reasons (29.002 7.3.1.4), as enum map_refuse_reason */
enum ussd_app_refuse {
	USSD_APP_RF_NO_REASON,
	USSD_APP_RF_INVALID_DEST_REF,
	USSD_APP_RF_INVALID_ORIG_REF,
	USSD_APP_RF_ACN_NOT_SUPPORTED,
	USSD_APP_RF_REMOTE_NODE_NOT_REACHABLE,
	USSD_APP_RF_VERSION_INCOMPATIBILITY,
};

/* MAP-UserAbortChoice (29.002 7.3.4), as enum map_user_abort_reason; diag is
 * the ResourceUnavailableReason (0 short, 1 long term) or the
 * ProcedureCancellationReason (0 handoverCancellation .. 6
 * remoteOperationsFailure) */
enum ussd_app_uabort {
	USSD_APP_UA_USER_SPECIFIC,
	USSD_APP_UA_USER_RESOURCE_LIMITATION,
	USSD_APP_UA_RESOURCE_UNAVAILABLE,
	USSD_APP_UA_PROCEDURE_CANCELLATION,
};

/* SCCP address as the XML dialect writes it */
struct ussd_app_sccp_addr {
	bool present;
	uint8_t ai;		/* address indicator octet (e.g. 0x12: route on GT, SSN present, GTI 4) */
	uint16_t pc;
	uint8_t ssn;
	uint8_t gti;		/* 0: no GT; 1..4 */
	uint8_t tt, np, es, nai;
	char digits[USSD_APP_GT_DIGITS_MAX + 1];
};

/* MAP AddressString (destination / origination reference) */
struct ussd_app_addr_string {
	bool present;
	uint8_t nai;		/* 0..7: 1 international */
	uint8_t npi;		/* 0..15: 1 ISDN, 6 land mobile */
	char digits[USSD_APP_GT_DIGITS_MAX + 1];
};

/* The MAP dialogue behind a session: the XML dialect shows it */
struct ussd_app_dialog {
	bool has_ids;
	uint32_t local_id, remote_id;	/* TCAP transaction ids */
	uint8_t map_version;		/* 0 or 2: version 2; 1: version 1 */
	uint16_t network_id;
	struct ussd_app_sccp_addr local, remote;
	struct ussd_app_addr_string dest_ref, orig_ref;
};

struct ussd_app_event {
	enum ussd_app_event_type type;
	char session_id[USSD_APP_SESSION_ID_MAX + 1];
	char msisdn[USSD_APP_DIGITS_MAX + 1];	/* "": unknown (JSON null) */
	char imsi[USSD_APP_DIGITS_MAX + 1];	/* "": not passed (only where allowed) */
	/* START: the dialled string; RESPONSE: the subscriber's text */
	char text[USSD_APP_TEXT_MAX + 1];
	uint8_t dcs;				/* the DCS the text came in (XML dataCodingScheme) */
	char service_code[USSD_APP_CODE_MAX + 1];	/* the route's code, "*123#" (JSON shortCode) */
	char params[USSD_APP_TEXT_MAX + 1];	/* what followed the code: "4*5" (JSON optional) */
	char language[USSD_APP_LANG_MAX + 1];	/* "": unknown (JSON null) */
	char gw_id[USSD_APP_GW_ID_MAX + 1];	/* JSON ussdGwId; "": left out */
	char app_ref[USSD_APP_REF_MAX + 1];	/* XML userObject the application set, echoed */
	int8_t invoke_id;			/* XML invokeId of the operation */
	struct ussd_app_dialog dialog;		/* XML only */
	/* END */
	enum ussd_app_exit exit;
	char reason[USSD_APP_REASON_MAX + 1];	/* "": ussd_app_exit_text() */
	uint8_t map_error;			/* MAP error code of the error exits */
	enum ussd_app_uabort u_abort;		/* USER_ABORT */
	uint8_t u_abort_diag;
	enum ussd_app_pabort p_abort;		/* PROVIDER_ABORT */
	enum ussd_app_refuse refuse;		/* REFUSED */
};

/* ---- what the application answers ------------------------------------------- */

enum ussd_app_answer_type {
	USSD_APP_ANS_MENU,	/* text; the subscriber answers (unstructuredSS-Request) */
	USSD_APP_ANS_FINAL,	/* text; then the session ends (pull: processUnstructuredSS result) */
	USSD_APP_ANS_NOTIFY,	/* XML push: text, no answer (unstructuredSS-Notify) */
	USSD_APP_ANS_RELEASE,	/* XML: end the session without a text */
	USSD_APP_ANS_ABORT,	/* XML: abort the MAP dialogue (u_abort) */
	USSD_APP_ANS_ERROR,	/* JSON: responseExitCode other than 200; XML: an error component */
	USSD_APP_ANS_ACK,	/* JSON: the answer to /end */
};

struct ussd_app_answer {
	enum ussd_app_answer_type type;
	bool close;		/* the MAP dialogue ends with this answer */
	bool prearranged;	/* XML prearrangedEnd="true": end without telling the network */
	struct ussd_app_text text;	/* MENU, FINAL, NOTIFY */
	bool has_invoke_id;	/* XML */
	int8_t invoke_id;
	int exit_code;		/* JSON responseExitCode */
	char message[USSD_APP_MESSAGE_MAX + 1];	/* JSON responseMessage */
	bool has_app_ref;	/* JSON thirdPartyId, XML userObject */
	char app_ref[USSD_APP_REF_MAX + 1];
	uint8_t map_error;	/* XML ERROR: the error component's errorCode */
	enum ussd_app_uabort u_abort;	/* XML ABORT */
	uint8_t u_abort_diag;
	/* XML push */
	char msisdn[USSD_APP_DIGITS_MAX + 1];	/* the operation's <msisdn>: opens a push session */
	char session_id[USSD_APP_SESSION_ID_MAX + 1];	/* sessionId attribute: continues one */
	bool has_network_id;
	uint16_t network_id;
	uint32_t invoke_timeout_ms;	/* customInvokeTimeout; 0: the gateway's */
	bool empty_dialog_handshake;
	bool has_alerting_pattern;
	uint8_t alerting_pattern;
};

/* A push request: the gateway's push resource (JSON), or an XML dialog
 * that opens a session (ussd_app_answer_to_push()) */
enum ussd_app_push_type {
	USSD_APP_PUSH_USSR,	/* a menu: the subscriber answers */
	USSD_APP_PUSH_USSN,	/* a notification */
};

struct ussd_app_push {
	enum ussd_app_push_type type;
	char msisdn[USSD_APP_DIGITS_MAX + 1];
	struct ussd_app_text text;
	bool has_network_id;
	uint16_t network_id;
	bool has_app_ref;
	char app_ref[USSD_APP_REF_MAX + 1];
	uint32_t invoke_timeout_ms;
	bool has_alerting_pattern;
	uint8_t alerting_pattern;
};

/* A parsed XML answer that opens a push session (MENU or NOTIFY with an
 * <msisdn>, no sessionId) as a push request; -USSD_APP_ERR_* otherwise */
int ussd_app_answer_to_push(struct ussd_app_push *p, const struct ussd_app_answer *a,
			    char *err, size_t errlen);

/* Check a session id the gateway made up: 1..64 of [A-Za-z0-9._-] */
bool ussd_app_session_id_valid(const char *id);

/* ---- REST/JSON --------------------------------------------------------------- */

/* Which request an answer belongs to: an answer to /end carries no menu */
enum ussd_app_json_req {
	USSD_APP_JSON_START,
	USSD_APP_JSON_RESPONSE,
	USSD_APP_JSON_END,
};

/* The path below the application's base URL and the method of ev:
 * "/session/{id}/start" POST, "/response" POST, "/end" PUT. Returns the
 * length, -EINVAL (bad session id, NOTIFY_DONE has no JSON request),
 * -ENOSPC. */
int ussd_app_json_path(char *out, size_t outlen, const struct ussd_app_event *ev,
		       const char **method);
/* The request body of ev; returns the length (NUL-terminated), -EINVAL,
 * -ENOSPC */
int ussd_app_json_write_event(char *out, size_t outlen, const struct ussd_app_event *ev);
/* Parse the application's answer to a request of kind req */
int ussd_app_json_parse_answer(struct ussd_app_answer *a, const char *body, size_t len,
			       enum ussd_app_json_req req, const struct ussd_app_limits *lim,
			       char *err, size_t errlen);

/* The gateway's push resource: parse the request body, and the answers */
int ussd_app_json_parse_push(struct ussd_app_push *p, const char *body, size_t len,
			     const struct ussd_app_limits *lim, char *err, size_t errlen);
/* {"sessionId": id, "responseExitCode": 200, "responseMessage": ""} */
int ussd_app_json_write_push_answer(char *out, size_t outlen, const char *session_id);
/* {"responseExitCode": code, "responseMessage": message} */
int ussd_app_json_write_error(char *out, size_t outlen, int code, const char *message);

/* ---- XML (<dialog>) ---------------------------------------------------------- */

/* The document the gateway sends for ev; returns the length
 * (NUL-terminated), -EINVAL, -ENOSPC */
int ussd_app_xml_write_event(char *out, size_t outlen, const struct ussd_app_event *ev);
/* Parse a <dialog> from the application: an answer in a session, or a push */
int ussd_app_xml_parse(struct ussd_app_answer *a, const char *body, size_t len,
		       const struct ussd_app_limits *lim, char *err, size_t errlen);
