/* SMPP v3.4 PDUs: our own codec (decode from a received buffer, encode into
 * a caller's buffer; nothing is allocated). Decoded short_message and
 * message_payload point into the buffer they came from. Unknown optional
 * parameters (TLVs) are skipped as SMPP 3.4 section 3.2.4 asks; known ones
 * with a wrong length are an error. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMPP_HEADER_LEN		16
#define SMPP_PDU_MAX		65535	/* larger command_length: the stream cannot be trusted (one msgb) */

enum smpp_cmd {
	SMPP_GENERIC_NACK	= 0x80000000,
	SMPP_BIND_RECEIVER	= 0x00000001,
	SMPP_BIND_TRANSMITTER	= 0x00000002,
	SMPP_QUERY_SM		= 0x00000003,
	SMPP_SUBMIT_SM		= 0x00000004,
	SMPP_DELIVER_SM		= 0x00000005,
	SMPP_UNBIND		= 0x00000006,
	SMPP_REPLACE_SM		= 0x00000007,
	SMPP_CANCEL_SM		= 0x00000008,
	SMPP_BIND_TRANSCEIVER	= 0x00000009,
	SMPP_OUTBIND		= 0x0000000B,
	SMPP_ENQUIRE_LINK	= 0x00000015,
	SMPP_SUBMIT_MULTI	= 0x00000021,
	SMPP_ALERT_NOTIFICATION	= 0x00000102,
	SMPP_DATA_SM		= 0x00000103,
};
#define SMPP_RESP		0x80000000u
#define SMPP_IS_RESP(id)	(((id) & SMPP_RESP) != 0)

/* command_status values (SMPP 3.4 table 5-2) */
enum smpp_status {
	ESME_ROK		= 0x00,
	ESME_RINVMSGLEN		= 0x01,
	ESME_RINVCMDLEN		= 0x02,
	ESME_RINVCMDID		= 0x03,
	ESME_RINVBNDSTS		= 0x04,
	ESME_RALYBND		= 0x05,
	ESME_RINVPRTFLG		= 0x06,
	ESME_RINVREGDLVFLG	= 0x07,
	ESME_RSYSERR		= 0x08,
	ESME_RINVSRCADR		= 0x0A,
	ESME_RINVDSTADR		= 0x0B,
	ESME_RINVMSGID		= 0x0C,
	ESME_RBINDFAIL		= 0x0D,
	ESME_RINVPASWD		= 0x0E,
	ESME_RINVSYSID		= 0x0F,
	ESME_RCANCELFAIL	= 0x11,
	ESME_RREPLACEFAIL	= 0x13,
	ESME_RMSGQFUL		= 0x14,
	ESME_RINVSERTYP		= 0x15,
	ESME_RINVNUMDESTS	= 0x33,
	ESME_RINVDLNAME		= 0x34,
	ESME_RINVDESTFLAG	= 0x40,
	ESME_RINVSUBREP		= 0x42,
	ESME_RINVESMCLASS	= 0x43,
	ESME_RCNTSUBDL		= 0x44,
	ESME_RSUBMITFAIL	= 0x45,
	ESME_RINVSRCTON		= 0x48,
	ESME_RINVSRCNPI		= 0x49,
	ESME_RINVDSTTON		= 0x50,
	ESME_RINVDSTNPI		= 0x51,
	ESME_RINVSYSTYP		= 0x53,
	ESME_RINVREPFLAG	= 0x54,
	ESME_RINVNUMMSGS	= 0x55,
	ESME_RTHROTTLED		= 0x58,
	ESME_RINVSCHED		= 0x61,
	ESME_RINVEXPIRY		= 0x62,
	ESME_RINVDFTMSGID	= 0x63,
	ESME_RX_T_APPN		= 0x64,
	ESME_RX_P_APPN		= 0x65,
	ESME_RX_R_APPN		= 0x66,
	ESME_RQUERYFAIL		= 0x67,
	ESME_RINVOPTPARSTREAM	= 0xC0,
	ESME_ROPTPARNOTALLWD	= 0xC1,
	ESME_RINVPARLEN		= 0xC2,
	ESME_RMISSINGOPTPARAM	= 0xC3,
	ESME_RINVOPTPARAMVAL	= 0xC4,
	ESME_RDELIVERYFAILURE	= 0xFE,
	ESME_RUNKNOWNERR	= 0xFF,
	/* SMPP 5.0's code for a data_coding the SMSC does not support (3.4 has
	 * none; ESMEs of both versions know this one) */
	ESME_RINVDCS		= 0x104,
};

/* optional parameter tags we interpret */
enum smpp_tag {
	SMPP_TAG_PAYLOAD_TYPE		= 0x0019,
	SMPP_TAG_RECEIPTED_MESSAGE_ID	= 0x001E,
	SMPP_TAG_USER_MESSAGE_REFERENCE	= 0x0204,
	SMPP_TAG_SOURCE_PORT		= 0x020A,
	SMPP_TAG_DESTINATION_PORT	= 0x020B,
	SMPP_TAG_SAR_MSG_REF_NUM	= 0x020C,
	SMPP_TAG_SAR_TOTAL_SEGMENTS	= 0x020E,
	SMPP_TAG_SAR_SEGMENT_SEQNUM	= 0x020F,
	SMPP_TAG_SC_INTERFACE_VERSION	= 0x0210,
	SMPP_TAG_NETWORK_ERROR_CODE	= 0x0423,
	SMPP_TAG_MESSAGE_PAYLOAD	= 0x0424,
	SMPP_TAG_MORE_MESSAGES_TO_SEND	= 0x0426,
	SMPP_TAG_MESSAGE_STATE		= 0x0427,
};

/* which TLVs a PDU carries (smpp_tlvs.present) */
enum smpp_tlv_bit {
	SMPP_TLV_PAYLOAD_TYPE		= 1 << 0,
	SMPP_TLV_RECEIPTED_MESSAGE_ID	= 1 << 1,
	SMPP_TLV_USER_MESSAGE_REFERENCE	= 1 << 2,
	SMPP_TLV_SOURCE_PORT		= 1 << 3,
	SMPP_TLV_DESTINATION_PORT	= 1 << 4,
	SMPP_TLV_SAR			= 1 << 5,	/* all three sar_* together */
	SMPP_TLV_SC_INTERFACE_VERSION	= 1 << 6,
	SMPP_TLV_NETWORK_ERROR_CODE	= 1 << 7,
	SMPP_TLV_MESSAGE_PAYLOAD	= 1 << 8,
	SMPP_TLV_MORE_MESSAGES_TO_SEND	= 1 << 9,
	SMPP_TLV_MESSAGE_STATE		= 1 << 10,
};

/* message_state values (SMPP 3.4 5.2.28) */
enum smpp_message_state {
	SMPP_STATE_ENROUTE = 1, SMPP_STATE_DELIVERED = 2, SMPP_STATE_EXPIRED = 3, SMPP_STATE_DELETED = 4,
	SMPP_STATE_UNDELIVERABLE = 5, SMPP_STATE_ACCEPTED = 6, SMPP_STATE_UNKNOWN = 7, SMPP_STATE_REJECTED = 8,
};

/* network_error_code network types */
#define SMPP_NET_ANSI136	1
#define SMPP_NET_IS95		2
#define SMPP_NET_GSM		3

struct smpp_tlvs {
	uint32_t present;
	uint8_t payload_type;
	char receipted_message_id[65];
	uint16_t user_message_reference;
	uint16_t source_port, destination_port;
	uint16_t sar_msg_ref_num;
	uint8_t sar_total_segments, sar_segment_seqnum;
	uint8_t sc_interface_version;
	uint8_t network_error_type;
	uint16_t network_error_code;
	const uint8_t *message_payload;
	uint16_t message_payload_len;
	uint8_t more_messages_to_send;
	uint8_t message_state;
	uint8_t n_unknown;		/* TLVs skipped on decode */
};

/* source/destination address; field widths differ by PDU (21 or 65 with NUL) */
struct smpp_address {
	uint8_t ton;
	uint8_t npi;
	char addr[65];
};

#define SMPP_MULTI_MAX 255
struct smpp_multi_dest {
	uint8_t dest_flag;		/* 1 SME address, 2 distribution list name */
	struct smpp_address addr;	/* flag 2: addr.addr holds the list name */
};
struct smpp_unsuccess_sme {
	struct smpp_address addr;
	uint32_t error_status_code;
};

/* One PDU. Which fields are used depends on command_id; the rest stay 0. */
struct smpp_pdu {
	uint32_t command_id;
	uint32_t command_status;
	uint32_t sequence_number;

	/* bind_*, bind_*_resp (system_id), outbind */
	char system_id[16];
	char password[9];
	char system_type[13];
	uint8_t interface_version;
	struct smpp_address address_range;	/* addr: address_range */

	/* submit_sm, deliver_sm, data_sm, submit_multi, query/cancel/replace */
	char service_type[6];
	struct smpp_address source;
	struct smpp_address dest;
	uint8_t esm_class;
	uint8_t protocol_id;
	uint8_t priority_flag;
	char schedule_delivery_time[17];
	char validity_period[17];
	uint8_t registered_delivery;
	uint8_t replace_if_present_flag;
	uint8_t data_coding;
	uint8_t sm_default_msg_id;
	uint8_t sm_length;
	const uint8_t *short_message;

	/* *_sm_resp, query_sm, cancel_sm, replace_sm */
	char message_id[65];
	/* query_sm_resp */
	char final_date[17];
	uint8_t message_state;
	uint8_t error_code;

	/* submit_multi / submit_multi_resp */
	uint8_t number_of_dests;
	struct smpp_multi_dest *dests;		/* decode: into smpp_pdu_buf storage */
	uint8_t no_unsuccess;
	struct smpp_unsuccess_sme *unsuccess;

	struct smpp_tlvs tlv;
};

/* Storage the decoder needs for submit_multi lists (kept apart so the
 * common PDU stays small). */
struct smpp_multi_storage {
	struct smpp_multi_dest dests[SMPP_MULTI_MAX];
	struct smpp_unsuccess_sme unsuccess[SMPP_MULTI_MAX];
};

/* esm_class bits */
#define SMPP_ESM_UDHI			0x40
#define SMPP_ESM_REPLY_PATH		0x80
#define SMPP_ESM_TYPE_MASK		0x3C
#define SMPP_ESM_TYPE_RECEIPT		0x04	/* SMSC delivery receipt */
#define SMPP_ESM_TYPE_INTERMEDIATE	0x20	/* intermediate delivery notification */
/* registered_delivery (5.2.17) */
#define SMPP_RD_RECEIPT_MASK		0x03	/* 1: receipt, 2: on failure only */
#define SMPP_RD_INTERMEDIATE		0x10	/* intermediate notification requested */
#define SMPP_ESM_MODE_MASK		0x03

/* Reads the command_length of a PDU at the start of buf. Returns the PDU
 * length when a whole PDU is there, 0 when more octets are needed, or
 * -ESME_RINVCMDLEN when the length cannot be right (the stream is lost). */
int smpp_frame_len(const uint8_t *buf, size_t avail);

/* Decodes one whole PDU (len = its command_length). Returns 0 or
 * -enum smpp_status: the status to answer with. The header fields are
 * filled even on error (when the header is there), so the answer can name
 * the sequence number. `ms` may be NULL unless submit_multi(_resp) is
 * expected; without it those fail with ESME_RSYSERR. */
int smpp_decode(struct smpp_pdu *p, const uint8_t *buf, size_t len, struct smpp_multi_storage *ms);

/* Encodes p (command_length is computed). Returns the length or -ENOSPC,
 * -EINVAL (a string too long for its field, an unknown command). */
int smpp_encode(uint8_t *buf, size_t cap, const struct smpp_pdu *p);

const char *smpp_cmd_name(uint32_t command_id);
const char *smpp_status_name(uint32_t status);
