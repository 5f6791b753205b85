/* SMPP v3.4 PDUs written from the field tables of the specification
 * (section 4; TLVs 5.3), shared by test_smpp_pdu.c and test_smpp34_cross.c.
 * Every field is on its own line. TLVs are in the order smpp_encode writes
 * them, so that decode + encode gives the same bytes back. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* bind_transceiver (4.1.5): ESME "sigway" binds as transceiver */
static const uint8_t smpp_vec_bind_transceiver[] = {
	0x00, 0x00, 0x00, 0x2a,                         /* command_length = 42 */
	0x00, 0x00, 0x00, 0x09,                         /* command_id = bind_transceiver */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x01,                         /* sequence_number = 1 */
	0x73, 0x69, 0x67, 0x77, 0x61, 0x79, 0x00,       /* system_id: "sigway" + NUL */
	0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00,       /* password: "secret" + NUL */
	0x56, 0x4d, 0x41, 0x00,                         /* system_type: "VMA" + NUL */
	0x34,                                           /* interface_version = 0x34 */
	0x01,                                           /* addr_ton = 1 (international) */
	0x01,                                           /* addr_npi = 1 (E.164) */
	0x34, 0x36, 0x37, 0x30, 0x00,                   /* address_range: "4670" + NUL */
};

/* bind_transmitter_resp (4.1.2) with the sc_interface_version TLV (5.3.2.25) */
static const uint8_t smpp_vec_bind_transmitter_resp[] = {
	0x00, 0x00, 0x00, 0x1a,                         /* command_length = 26 */
	0x80, 0x00, 0x00, 0x02,                         /* command_id = bind_transmitter_resp */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x02,                         /* sequence_number = 2 */
	0x53, 0x4d, 0x53, 0x43, 0x00,                   /* system_id: "SMSC" + NUL */
	0x02, 0x10, 0x00, 0x01, 0x34,                   /* TLV sc_interface_version: tag 0x0210, len 1, 0x34 */
};

/* submit_sm (4.4.1), text in message_payload, segment 1 of 2 (sar_* TLVs) */
static const uint8_t smpp_vec_submit_sm[] = {
	0x00, 0x00, 0x00, 0x5a,                         /* command_length = 90 */
	0x00, 0x00, 0x00, 0x04,                         /* command_id = submit_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x03,                         /* sequence_number = 3 */
	0x43, 0x4d, 0x54, 0x00,                         /* service_type: "CMT" + NUL */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* source_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* destination_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
	0x00,                                           /* esm_class = 0 */
	0x00,                                           /* protocol_id = 0 */
	0x00,                                           /* priority_flag = 0 */
	0x00,                                           /* schedule_delivery_time: empty */
	0x00,                                           /* validity_period: empty */
	0x01,                                           /* registered_delivery = 1 (receipt) */
	0x00,                                           /* replace_if_present_flag = 0 */
	0x00,                                           /* data_coding = 0 */
	0x00,                                           /* sm_default_msg_id = 0 */
	0x00,                                           /* sm_length = 0 (text in message_payload) */
	0x02, 0x0c, 0x00, 0x02, 0x12, 0x34,             /* TLV sar_msg_ref_num: 0x020C, len 2, 0x1234 */
	0x02, 0x0e, 0x00, 0x01, 0x02,                   /* TLV sar_total_segments: 0x020E, len 1, 2 */
	0x02, 0x0f, 0x00, 0x01, 0x01,                   /* TLV sar_segment_seqnum: 0x020F, len 1, 1 */
	0x04, 0x24, 0x00, 0x0b,                         /* TLV message_payload: 0x0424, len 11 */
	0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77, 0x6f, /* message_payload value: "Hello wo" */
	0x72, 0x6c, 0x64,                               /* "rld" */
};

/* submit_sm_resp (4.4.2) */
static const uint8_t smpp_vec_submit_sm_resp[] = {
	0x00, 0x00, 0x00, 0x19,                         /* command_length = 25 */
	0x80, 0x00, 0x00, 0x04,                         /* command_id = submit_sm_resp */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x03,                         /* sequence_number = 3 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
};

/* deliver_sm (4.6.1) carrying a delivery receipt (appendix B) */
static const uint8_t smpp_vec_deliver_sm_receipt[] = {
	0x00, 0x00, 0x00, 0xc0,                         /* command_length = 192 */
	0x00, 0x00, 0x00, 0x05,                         /* command_id = deliver_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x04,                         /* sequence_number = 4 */
	0x00,                                           /* service_type: empty */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* source_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* destination_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
	0x04,                                           /* esm_class = 0x04 (SMSC delivery receipt) */
	0x00,                                           /* protocol_id = 0 */
	0x00,                                           /* priority_flag = 0 */
	0x00,                                           /* schedule_delivery_time: empty */
	0x00,                                           /* validity_period: empty */
	0x00,                                           /* registered_delivery = 0 */
	0x00,                                           /* replace_if_present_flag = 0 */
	0x00,                                           /* data_coding = 0 */
	0x00,                                           /* sm_default_msg_id = 0 */
	0x6f,                                           /* sm_length = 111 */
	0x69, 0x64, 0x3a, 0x61, 0x31, 0x62, 0x32, 0x63, /* short_message (111 octets): "id:a1b2c" */
	0x33, 0x64, 0x34, 0x20, 0x73, 0x75, 0x62, 0x3a, /* "3d4 sub:" */
	0x30, 0x30, 0x31, 0x20, 0x64, 0x6c, 0x76, 0x72, /* "001 dlvr" */
	0x64, 0x3a, 0x30, 0x30, 0x31, 0x20, 0x73, 0x75, /* "d:001 su" */
	0x62, 0x6d, 0x69, 0x74, 0x20, 0x64, 0x61, 0x74, /* "bmit dat" */
	0x65, 0x3a, 0x32, 0x36, 0x31, 0x31, 0x32, 0x34, /* "e:261124" */
	0x31, 0x32, 0x35, 0x38, 0x20, 0x64, 0x6f, 0x6e, /* "1258 don" */
	0x65, 0x20, 0x64, 0x61, 0x74, 0x65, 0x3a, 0x32, /* "e date:2" */
	0x36, 0x31, 0x31, 0x32, 0x34, 0x31, 0x32, 0x35, /* "61124125" */
	0x39, 0x20, 0x73, 0x74, 0x61, 0x74, 0x3a, 0x44, /* "9 stat:D" */
	0x45, 0x4c, 0x49, 0x56, 0x52, 0x44, 0x20, 0x65, /* "ELIVRD e" */
	0x72, 0x72, 0x3a, 0x30, 0x30, 0x30, 0x20, 0x74, /* "rr:000 t" */
	0x65, 0x78, 0x74, 0x3a, 0x48, 0x65, 0x6c, 0x6c, /* "ext:Hell" */
	0x6f, 0x20, 0x77, 0x6f, 0x72, 0x6c, 0x64,       /* "o world" */
	0x00, 0x1e, 0x00, 0x09,                         /* TLV receipted_message_id: 0x001E, len 9 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* receipted_message_id value: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x04, 0x23, 0x00, 0x03, 0x03, 0x00, 0x00,       /* TLV network_error_code: 0x0423, len 3, GSM (3) error 0 */
	0x04, 0x27, 0x00, 0x01, 0x02,                   /* TLV message_state: 0x0427, len 1, 2 (DELIVERED) */
};

/* enquire_link (4.11.1): header only */
static const uint8_t smpp_vec_enquire_link[] = {
	0x00, 0x00, 0x00, 0x10,                         /* command_length = 16 */
	0x00, 0x00, 0x00, 0x15,                         /* command_id = enquire_link */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x05,                         /* sequence_number = 5 */
};

/* unbind (4.2.1): header only */
static const uint8_t smpp_vec_unbind[] = {
	0x00, 0x00, 0x00, 0x10,                         /* command_length = 16 */
	0x00, 0x00, 0x00, 0x06,                         /* command_id = unbind */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x06,                         /* sequence_number = 6 */
};

/* generic_nack (4.3.1) with ESME_RINVCMDID: header only */
static const uint8_t smpp_vec_generic_nack[] = {
	0x00, 0x00, 0x00, 0x10,                         /* command_length = 16 */
	0x80, 0x00, 0x00, 0x00,                         /* command_id = generic_nack */
	0x00, 0x00, 0x00, 0x03,                         /* command_status = 0x00000003 */
	0x00, 0x00, 0x00, 0x07,                         /* sequence_number = 7 */
};

/* query_sm (4.8.1) */
static const uint8_t smpp_vec_query_sm[] = {
	0x00, 0x00, 0x00, 0x27,                         /* command_length = 39 */
	0x00, 0x00, 0x00, 0x03,                         /* command_id = query_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x08,                         /* sequence_number = 8 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* source_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
};

/* query_sm_resp (4.8.2) */
static const uint8_t smpp_vec_query_sm_resp[] = {
	0x00, 0x00, 0x00, 0x2c,                         /* command_length = 44 */
	0x80, 0x00, 0x00, 0x03,                         /* command_id = query_sm_resp */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x08,                         /* sequence_number = 8 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x32, 0x36, 0x31, 0x31, 0x32, 0x34, 0x31, 0x32, /* final_date: "26112412" */
	0x35, 0x39, 0x30, 0x30, 0x30, 0x30, 0x30, 0x2b, /* "5900000+" */
	0x00,                                           /* NUL */
	0x02,                                           /* message_state = 2 (DELIVERED) */
	0x00,                                           /* error_code = 0 */
};

/* cancel_sm (4.9.1) */
static const uint8_t smpp_vec_cancel_sm[] = {
	0x00, 0x00, 0x00, 0x37,                         /* command_length = 55 */
	0x00, 0x00, 0x00, 0x08,                         /* command_id = cancel_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x09,                         /* sequence_number = 9 */
	0x00,                                           /* service_type: empty */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* source_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* destination_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
};

/* replace_sm (4.10.1) */
static const uint8_t smpp_vec_replace_sm[] = {
	0x00, 0x00, 0x00, 0x44,                         /* command_length = 68 */
	0x00, 0x00, 0x00, 0x07,                         /* command_id = replace_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x0a,                         /* sequence_number = 10 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* source_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
	0x00,                                           /* schedule_delivery_time: empty */
	0x30, 0x30, 0x30, 0x30, 0x30, 0x31, 0x30, 0x30, /* validity_period: relative, 1 day: "00000100" */
	0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x52, /* "0000000R" */
	0x00,                                           /* NUL */
	0x01,                                           /* registered_delivery = 1 */
	0x00,                                           /* sm_default_msg_id = 0 */
	0x08,                                           /* sm_length = 8 */
	0x52, 0x65, 0x70, 0x6c, 0x61, 0x63, 0x65, 0x64, /* short_message: "Replaced" */
};

/* data_sm (4.7.1) */
static const uint8_t smpp_vec_data_sm[] = {
	0x00, 0x00, 0x00, 0x40,                         /* command_length = 64 */
	0x00, 0x00, 0x01, 0x03,                         /* command_id = data_sm */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x0b,                         /* sequence_number = 11 */
	0x00,                                           /* service_type: empty */
	0x05,                                           /* source_addr_ton = 5 (alphanumeric) */
	0x00,                                           /* source_addr_npi = 0 */
	0x53, 0x69, 0x67, 0x77, 0x61, 0x79, 0x00,       /* source_addr: "Sigway" + NUL */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* destination_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
	0x00,                                           /* esm_class = 0 */
	0x00,                                           /* registered_delivery = 0 */
	0x04,                                           /* data_coding = 0x04 (8-bit) */
	0x02, 0x04, 0x00, 0x02, 0x00, 0x42,             /* TLV user_message_reference: 0x0204, len 2, 0x0042 */
	0x02, 0x0b, 0x00, 0x02, 0x0b, 0x84,             /* TLV destination_port: 0x020B, len 2, 2948 (WAP push) */
	0x04, 0x24, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef, /* TLV message_payload: 0x0424, len 4, de ad be ef */
};

/* submit_multi (4.5.1): one SME address and one distribution list */
static const uint8_t smpp_vec_submit_multi[] = {
	0x00, 0x00, 0x00, 0x48,                         /* command_length = 72 */
	0x00, 0x00, 0x00, 0x21,                         /* command_id = submit_multi */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x0c,                         /* sequence_number = 12 */
	0x00,                                           /* service_type: empty */
	0x01,                                           /* source_addr_ton = 1 */
	0x01,                                           /* source_addr_npi = 1 */
	0x34, 0x36, 0x37, 0x30, 0x38, 0x32, 0x35, 0x31, /* source_addr: "46708251" */
	0x33, 0x35, 0x38, 0x00,                         /* "358" + NUL */
	0x02,                                           /* number_of_dests = 2 */
	0x01,                                           /* dest_flag = 1 (SME address) */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* destination_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
	0x02,                                           /* dest_flag = 2 (distribution list) */
	0x66, 0x72, 0x69, 0x65, 0x6e, 0x64, 0x73, 0x00, /* dl_name: "friends" + NUL */
	0x00,                                           /* esm_class = 0 */
	0x00,                                           /* protocol_id = 0 */
	0x00,                                           /* priority_flag = 0 */
	0x00,                                           /* schedule_delivery_time: empty */
	0x00,                                           /* validity_period: empty */
	0x00,                                           /* registered_delivery = 0 */
	0x00,                                           /* replace_if_present_flag = 0 */
	0x00,                                           /* data_coding = 0 */
	0x00,                                           /* sm_default_msg_id = 0 */
	0x05,                                           /* sm_length = 5 */
	0x48, 0x65, 0x6c, 0x6c, 0x6f,                   /* short_message: "Hello" */
};

/* submit_multi_resp (4.5.2) with one unsuccess_sme */
static const uint8_t smpp_vec_submit_multi_resp[] = {
	0x00, 0x00, 0x00, 0x2d,                         /* command_length = 45 */
	0x80, 0x00, 0x00, 0x21,                         /* command_id = submit_multi_resp */
	0x00, 0x00, 0x00, 0x00,                         /* command_status = 0x00000000 */
	0x00, 0x00, 0x00, 0x0c,                         /* sequence_number = 12 */
	0x61, 0x31, 0x62, 0x32, 0x63, 0x33, 0x64, 0x34, /* message_id: "a1b2c3d4" */
	0x00,                                           /* NUL */
	0x01,                                           /* no_unsuccess = 1 */
	0x01,                                           /* dest_addr_ton = 1 */
	0x01,                                           /* dest_addr_npi = 1 */
	0x34, 0x39, 0x31, 0x37, 0x30, 0x31, 0x32, 0x33, /* destination_addr: "49170123" */
	0x34, 0x35, 0x36, 0x37, 0x00,                   /* "4567" + NUL */
	0x00, 0x00, 0x00, 0x0b,                         /* error_status_code = 0x0B (ESME_RINVDSTADR) */
};

/* What a decoder must find in a vector. Strings are NULL when the PDU has
 * no such field. For submit_multi, dest_addr is the first (SME) destination
 * and dl_name the second; for submit_multi_resp, dest_addr is the
 * unsuccess_sme. */
struct smpp_vector {
	const char *name;
	const uint8_t *pdu;
	size_t len;
	uint32_t command_id;
	uint32_t command_status;
	uint32_t sequence_number;
	const char *source_addr;
	const char *dest_addr;
	const char *message_id;
	const uint8_t *short_message;	/* NULL: no short_message field */
	uint8_t sm_length;
};

#define SMPP_VEC(n) .name = #n, .pdu = smpp_vec_##n, .len = sizeof(smpp_vec_##n)

static const struct smpp_vector smpp_vectors[] = {
	{ SMPP_VEC(bind_transceiver), .command_id = 0x00000009, .sequence_number = 1 },
	{ SMPP_VEC(bind_transmitter_resp), .command_id = 0x80000002, .sequence_number = 2 },
	{ SMPP_VEC(submit_sm), .command_id = 0x00000004, .sequence_number = 3,
	  .source_addr = "46708251358", .dest_addr = "491701234567",
	  .short_message = (const uint8_t *)"", .sm_length = 0 },
	{ SMPP_VEC(submit_sm_resp), .command_id = 0x80000004, .sequence_number = 3,
	  .message_id = "a1b2c3d4" },
	{ SMPP_VEC(deliver_sm_receipt), .command_id = 0x00000005, .sequence_number = 4,
	  .source_addr = "491701234567", .dest_addr = "46708251358",
	  .short_message = (const uint8_t *)"id:a1b2c3d4 sub:001 dlvrd:001 submit date:2611241258 "
			   "done date:2611241259 stat:DELIVRD err:000 text:Hello world",
	  .sm_length = 111 },
	{ SMPP_VEC(enquire_link), .command_id = 0x00000015, .sequence_number = 5 },
	{ SMPP_VEC(unbind), .command_id = 0x00000006, .sequence_number = 6 },
	{ SMPP_VEC(generic_nack), .command_id = 0x80000000, .command_status = 0x03, .sequence_number = 7 },
	{ SMPP_VEC(query_sm), .command_id = 0x00000003, .sequence_number = 8,
	  .source_addr = "46708251358", .message_id = "a1b2c3d4" },
	{ SMPP_VEC(query_sm_resp), .command_id = 0x80000003, .sequence_number = 8,
	  .message_id = "a1b2c3d4" },
	{ SMPP_VEC(cancel_sm), .command_id = 0x00000008, .sequence_number = 9,
	  .source_addr = "46708251358", .dest_addr = "491701234567", .message_id = "a1b2c3d4" },
	{ SMPP_VEC(replace_sm), .command_id = 0x00000007, .sequence_number = 10,
	  .source_addr = "46708251358", .message_id = "a1b2c3d4",
	  .short_message = (const uint8_t *)"Replaced", .sm_length = 8 },
	{ SMPP_VEC(data_sm), .command_id = 0x00000103, .sequence_number = 11,
	  .source_addr = "Sigway", .dest_addr = "491701234567" },
	{ SMPP_VEC(submit_multi), .command_id = 0x00000021, .sequence_number = 12,
	  .source_addr = "46708251358", .dest_addr = "491701234567",
	  .short_message = (const uint8_t *)"Hello", .sm_length = 5 },
	{ SMPP_VEC(submit_multi_resp), .command_id = 0x80000021, .sequence_number = 12,
	  .dest_addr = "491701234567", .message_id = "a1b2c3d4" },
};

#define SMPP_N_VECTORS (sizeof(smpp_vectors) / sizeof(smpp_vectors[0]))
