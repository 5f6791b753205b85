/* SMPP v3.4 PDU codec tests: hand-written PDUs (smpp_vectors.h) are decoded,
 * checked field by field and encoded back to the same bytes; malformed PDUs
 * give the command_status the SMSC must answer with; tshark checks that the
 * vectors themselves are well-formed SMPP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <sigway/smpp/smpp_pdu.h>
#include "dissect.h"
#include "smpp_vectors.h"

static struct smpp_multi_storage ms;

static const struct smpp_vector *vec(const char *name)
{
	for (size_t i = 0; i < SMPP_N_VECTORS; i++)
		if (strcmp(smpp_vectors[i].name, name) == 0)
			return &smpp_vectors[i];
	fail_msg("no vector %s", name);
	return NULL;
}

/* Decodes a vector, checks what every vector declares about itself, and
 * encodes the result back to exactly the same bytes. */
static void decode_vector(const struct smpp_vector *v, struct smpp_pdu *p)
{
	uint8_t out[512];
	int n, rc;

	assert_int_equal(smpp_frame_len(v->pdu, v->len), v->len);
	rc = smpp_decode(p, v->pdu, v->len, &ms);
	if (rc != 0)
		fail_msg("%s: smpp_decode = -%s", v->name, smpp_status_name(-rc));
	assert_int_equal(p->command_id, v->command_id);
	assert_int_equal(p->command_status, v->command_status);
	assert_int_equal(p->sequence_number, v->sequence_number);
	if (v->source_addr)
		assert_string_equal(p->source.addr, v->source_addr);
	if (v->dest_addr && v->command_id == SMPP_SUBMIT_MULTI)
		assert_string_equal(p->dests[0].addr.addr, v->dest_addr);
	else if (v->dest_addr && v->command_id == (SMPP_SUBMIT_MULTI | SMPP_RESP))
		assert_string_equal(p->unsuccess[0].addr.addr, v->dest_addr);
	else if (v->dest_addr)
		assert_string_equal(p->dest.addr, v->dest_addr);
	if (v->message_id)
		assert_string_equal(p->message_id, v->message_id);
	if (v->short_message) {
		assert_int_equal(p->sm_length, v->sm_length);
		if (v->sm_length)
			assert_memory_equal(p->short_message, v->short_message, v->sm_length);
	}

	n = smpp_encode(out, sizeof(out), p);
	assert_int_equal(n, v->len);
	assert_memory_equal(out, v->pdu, v->len);
}

/* ------------------------------------------------------------ vectors */

static void test_bind_transceiver(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("bind_transceiver"), &p);
	assert_string_equal(p.system_id, "sigway");
	assert_string_equal(p.password, "secret");
	assert_string_equal(p.system_type, "VMA");
	assert_int_equal(p.interface_version, 0x34);
	assert_int_equal(p.address_range.ton, 1);
	assert_int_equal(p.address_range.npi, 1);
	assert_string_equal(p.address_range.addr, "4670");
	assert_int_equal(p.tlv.present, 0);
}

static void test_bind_transmitter_resp(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("bind_transmitter_resp"), &p);
	assert_string_equal(p.system_id, "SMSC");
	assert_int_equal(p.tlv.present, SMPP_TLV_SC_INTERFACE_VERSION);
	assert_int_equal(p.tlv.sc_interface_version, 0x34);
	assert_int_equal(p.tlv.n_unknown, 0);
}

static void test_submit_sm(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("submit_sm"), &p);
	assert_string_equal(p.service_type, "CMT");
	assert_int_equal(p.source.ton, 1);
	assert_int_equal(p.source.npi, 1);
	assert_int_equal(p.dest.ton, 1);
	assert_int_equal(p.dest.npi, 1);
	assert_int_equal(p.esm_class, 0);
	assert_string_equal(p.schedule_delivery_time, "");
	assert_string_equal(p.validity_period, "");
	assert_int_equal(p.registered_delivery, 1);
	assert_int_equal(p.tlv.present, SMPP_TLV_SAR | SMPP_TLV_MESSAGE_PAYLOAD);
	assert_int_equal(p.tlv.sar_msg_ref_num, 0x1234);
	assert_int_equal(p.tlv.sar_total_segments, 2);
	assert_int_equal(p.tlv.sar_segment_seqnum, 1);
	assert_int_equal(p.tlv.message_payload_len, 11);
	assert_memory_equal(p.tlv.message_payload, "Hello world", 11);
}

static void test_submit_sm_resp(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("submit_sm_resp"), &p);
	assert_int_equal(p.tlv.present, 0);
}

static void test_deliver_sm_receipt(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("deliver_sm_receipt"), &p);
	assert_string_equal(p.service_type, "");
	assert_int_equal(p.esm_class & SMPP_ESM_TYPE_MASK, SMPP_ESM_TYPE_RECEIPT);
	assert_int_equal(p.tlv.present, SMPP_TLV_RECEIPTED_MESSAGE_ID | SMPP_TLV_NETWORK_ERROR_CODE |
			 SMPP_TLV_MESSAGE_STATE);
	assert_string_equal(p.tlv.receipted_message_id, "a1b2c3d4");
	assert_int_equal(p.tlv.network_error_type, SMPP_NET_GSM);
	assert_int_equal(p.tlv.network_error_code, 0);
	assert_int_equal(p.tlv.message_state, SMPP_STATE_DELIVERED);
}

static void test_header_only(void **state)
{
	static const char *const names[] = { "enquire_link", "unbind", "generic_nack" };
	struct smpp_pdu p;

	for (size_t i = 0; i < 3; i++) {
		decode_vector(vec(names[i]), &p);
		assert_int_equal(p.tlv.present, 0);
		assert_string_equal(p.message_id, "");
	}
	assert_int_equal(p.command_status, ESME_RINVCMDID);	/* the generic_nack */
}

static void test_query_sm(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("query_sm"), &p);
	assert_int_equal(p.source.ton, 1);
	assert_int_equal(p.source.npi, 1);
}

static void test_query_sm_resp(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("query_sm_resp"), &p);
	assert_string_equal(p.final_date, "261124125900000+");
	assert_int_equal(p.message_state, SMPP_STATE_DELIVERED);
	assert_int_equal(p.error_code, 0);
}

static void test_cancel_sm(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("cancel_sm"), &p);
	assert_string_equal(p.service_type, "");
	assert_int_equal(p.dest.ton, 1);
	assert_int_equal(p.dest.npi, 1);
}

static void test_replace_sm(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("replace_sm"), &p);
	assert_string_equal(p.schedule_delivery_time, "");
	assert_string_equal(p.validity_period, "000001000000000R");
	assert_int_equal(p.registered_delivery, 1);
	assert_int_equal(p.sm_default_msg_id, 0);
}

static void test_data_sm(void **state)
{
	static const uint8_t payload[] = { 0xde, 0xad, 0xbe, 0xef };
	struct smpp_pdu p;

	decode_vector(vec("data_sm"), &p);
	assert_int_equal(p.source.ton, 5);
	assert_int_equal(p.source.npi, 0);
	assert_int_equal(p.data_coding, 4);
	assert_int_equal(p.tlv.present, SMPP_TLV_USER_MESSAGE_REFERENCE | SMPP_TLV_DESTINATION_PORT |
			 SMPP_TLV_MESSAGE_PAYLOAD);
	assert_int_equal(p.tlv.user_message_reference, 0x42);
	assert_int_equal(p.tlv.destination_port, 2948);
	assert_int_equal(p.tlv.message_payload_len, 4);
	assert_memory_equal(p.tlv.message_payload, payload, 4);
}

static void test_submit_multi(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("submit_multi"), &p);
	assert_int_equal(p.number_of_dests, 2);
	assert_ptr_equal(p.dests, ms.dests);
	assert_int_equal(p.dests[0].dest_flag, 1);
	assert_int_equal(p.dests[0].addr.ton, 1);
	assert_int_equal(p.dests[0].addr.npi, 1);
	assert_int_equal(p.dests[1].dest_flag, 2);
	assert_string_equal(p.dests[1].addr.addr, "friends");
}

static void test_submit_multi_resp(void **state)
{
	struct smpp_pdu p;

	decode_vector(vec("submit_multi_resp"), &p);
	assert_int_equal(p.no_unsuccess, 1);
	assert_ptr_equal(p.unsuccess, ms.unsuccess);
	assert_int_equal(p.unsuccess[0].addr.ton, 1);
	assert_int_equal(p.unsuccess[0].addr.npi, 1);
	assert_int_equal(p.unsuccess[0].error_status_code, ESME_RINVDSTADR);
}

/* without storage submit_multi cannot be decoded, as the header says */
static void test_submit_multi_without_storage(void **state)
{
	const struct smpp_vector *v = vec("submit_multi");
	struct smpp_pdu p;

	assert_int_equal(smpp_decode(&p, v->pdu, v->len, NULL), -ESME_RSYSERR);
	assert_int_equal(p.sequence_number, v->sequence_number);
}

/* ------------------------------------------------------------ malformed PDUs */

/* builds a PDU field by field; pdu_end() fills in command_length */
struct pb {
	uint8_t b[512];
	size_t n;
};

static void put_u8(struct pb *b, uint8_t v)
{
	assert_true(b->n < sizeof(b->b));
	b->b[b->n++] = v;
}

static void put_u16(struct pb *b, uint16_t v)
{
	put_u8(b, v >> 8);
	put_u8(b, v & 0xff);
}

static void put_u32(struct pb *b, uint32_t v)
{
	put_u16(b, v >> 16);
	put_u16(b, v & 0xffff);
}

static void put_bytes(struct pb *b, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(b, ((const uint8_t *)p)[i]);
}

/* C-Octet String: the characters and a NUL */
static void put_cstr(struct pb *b, const char *s)
{
	put_bytes(b, s, strlen(s) + 1);
}

static void put_addr(struct pb *b, const char *addr)
{
	put_u8(b, 1);	/* ton */
	put_u8(b, 1);	/* npi */
	put_cstr(b, addr);
}

static void pdu_begin(struct pb *b, uint32_t command_id, uint32_t status, uint32_t seq)
{
	b->n = 0;
	put_u32(b, 0);	/* command_length, set by pdu_end */
	put_u32(b, command_id);
	put_u32(b, status);
	put_u32(b, seq);
}

static size_t pdu_end(struct pb *b)
{
	for (int i = 0; i < 4; i++)
		b->b[i] = (uint8_t)(b->n >> (24 - 8 * i));
	return b->n;
}

/* submit_sm up to and including sm_length (no short_message, no TLVs) */
static void submit_sm_fields(struct pb *b, uint32_t seq, const char *src, const char *dst, uint8_t sm_length)
{
	pdu_begin(b, SMPP_SUBMIT_SM, 0, seq);
	put_cstr(b, "");		/* service_type */
	put_addr(b, src);
	put_addr(b, dst);
	put_u8(b, 0);			/* esm_class */
	put_u8(b, 0);			/* protocol_id */
	put_u8(b, 0);			/* priority_flag */
	put_cstr(b, "");		/* schedule_delivery_time */
	put_cstr(b, "");		/* validity_period */
	put_u8(b, 0);			/* registered_delivery */
	put_u8(b, 0);			/* replace_if_present_flag */
	put_u8(b, 0);			/* data_coding */
	put_u8(b, 0);			/* sm_default_msg_id */
	put_u8(b, sm_length);
}

static void bind_fields(struct pb *b, uint32_t seq, const char *system_id, const char *password)
{
	pdu_begin(b, SMPP_BIND_TRANSMITTER, 0, seq);
	put_cstr(b, system_id);
	put_cstr(b, password);
	put_cstr(b, "");		/* system_type */
	put_u8(b, 0x34);		/* interface_version */
	put_u8(b, 0);			/* addr_ton */
	put_u8(b, 0);			/* addr_npi */
	put_cstr(b, "");		/* address_range */
}

/* decodes, expects `status`, and that the header is there anyway */
static void expect_decode(const struct pb *b, size_t len, int status, uint32_t command_id, uint32_t seq)
{
	struct smpp_pdu p;
	int rc = smpp_decode(&p, b->b, len, &ms);

	if (rc != status)
		fail_msg("smpp_decode = %s%s, expected %s%s", rc < 0 ? "-" : "", smpp_status_name(-rc),
			 status < 0 ? "-" : "", smpp_status_name(-status));
	assert_int_equal(p.command_id, command_id);
	assert_int_equal(p.sequence_number, seq);
}

static void test_bad_command_length(void **state)
{
	struct pb b;

	/* enquire_link saying 17 octets, 16 given */
	pdu_begin(&b, SMPP_ENQUIRE_LINK, 0, 0x101);
	pdu_end(&b);
	b.b[3] = 17;
	expect_decode(&b, 16, -ESME_RINVCMDLEN, SMPP_ENQUIRE_LINK, 0x101);
	/* a valid submit_sm_resp handed over with one octet too many */
	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, 0, 0x102);
	put_cstr(&b, "a1");
	size_t n = pdu_end(&b);
	put_u8(&b, 0);
	expect_decode(&b, n + 1, -ESME_RINVCMDLEN, SMPP_SUBMIT_SM | SMPP_RESP, 0x102);
	expect_decode(&b, n, 0, SMPP_SUBMIT_SM | SMPP_RESP, 0x102);
}

static void test_unknown_command_id(void **state)
{
	struct pb b;

	pdu_begin(&b, 0x00000099, 0, 0x103);
	expect_decode(&b, pdu_end(&b), -ESME_RINVCMDID, 0x00000099, 0x103);
	pdu_begin(&b, SMPP_OUTBIND | SMPP_RESP, 0, 0x104);	/* outbind has no response */
	expect_decode(&b, pdu_end(&b), -ESME_RINVCMDID, SMPP_OUTBIND | SMPP_RESP, 0x104);
}

static void test_source_addr_without_nul(void **state)
{
	struct pb b;

	/* 21 digits then the NUL: no NUL within the 21 octets of source_addr */
	submit_sm_fields(&b, 0x105, "123456789012345678901", "4670", 0);
	expect_decode(&b, pdu_end(&b), -ESME_RINVSRCADR, SMPP_SUBMIT_SM, 0x105);
	/* 20 digits fit */
	submit_sm_fields(&b, 0x106, "12345678901234567890", "4670", 0);
	expect_decode(&b, pdu_end(&b), 0, SMPP_SUBMIT_SM, 0x106);
}

static void test_source_addr_unterminated_at_end(void **state)
{
	struct pb b;

	/* query_sm whose source_addr runs to the end of the PDU without a NUL */
	pdu_begin(&b, SMPP_QUERY_SM, 0, 0x107);
	put_cstr(&b, "a1b2");		/* message_id */
	put_u8(&b, 1);
	put_u8(&b, 1);
	put_bytes(&b, "4670", 4);
	expect_decode(&b, pdu_end(&b), -ESME_RINVSRCADR, SMPP_QUERY_SM, 0x107);
}

static void test_destination_too_long(void **state)
{
	struct pb b;

	submit_sm_fields(&b, 0x108, "4670", "123456789012345678901", 0);
	expect_decode(&b, pdu_end(&b), -ESME_RINVDSTADR, SMPP_SUBMIT_SM, 0x108);
}

static void test_system_id_too_long(void **state)
{
	struct pb b;

	bind_fields(&b, 0x109, "ABCDEFGHIJKLMNOP", "pw");	/* 16 + NUL > 16 */
	expect_decode(&b, pdu_end(&b), -ESME_RINVSYSID, SMPP_BIND_TRANSMITTER, 0x109);
	bind_fields(&b, 0x10a, "ABCDEFGHIJKLMNO", "pw");	/* 15 + NUL fits */
	expect_decode(&b, pdu_end(&b), 0, SMPP_BIND_TRANSMITTER, 0x10a);
}

static void test_password_too_long(void **state)
{
	struct pb b;

	bind_fields(&b, 0x10b, "sigway", "123456789");		/* 9 + NUL > 9 */
	expect_decode(&b, pdu_end(&b), -ESME_RINVPASWD, SMPP_BIND_TRANSMITTER, 0x10b);
	bind_fields(&b, 0x10c, "sigway", "12345678");
	expect_decode(&b, pdu_end(&b), 0, SMPP_BIND_TRANSMITTER, 0x10c);
}

static void test_sm_length_past_end(void **state)
{
	struct pb b;

	submit_sm_fields(&b, 0x10d, "4670", "4917", 10);
	put_bytes(&b, "Hello", 5);	/* 5 of the 10 octets */
	expect_decode(&b, pdu_end(&b), -ESME_RINVMSGLEN, SMPP_SUBMIT_SM, 0x10d);
}

static void test_tlv_past_end(void **state)
{
	struct pb b;

	/* message_payload saying 10 octets, 3 there */
	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, 0, 0x10e);
	put_cstr(&b, "a1");
	put_u16(&b, SMPP_TAG_MESSAGE_PAYLOAD);
	put_u16(&b, 10);
	put_bytes(&b, "abc", 3);
	expect_decode(&b, pdu_end(&b), -ESME_RINVOPTPARSTREAM, SMPP_SUBMIT_SM | SMPP_RESP, 0x10e);
	/* only 3 octets of a TLV header */
	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, 0, 0x10f);
	put_cstr(&b, "a1");
	put_u16(&b, SMPP_TAG_MESSAGE_STATE);
	put_u8(&b, 0);
	expect_decode(&b, pdu_end(&b), -ESME_RINVOPTPARSTREAM, SMPP_SUBMIT_SM | SMPP_RESP, 0x10f);
}

static void test_tlv_wrong_length(void **state)
{
	struct pb b;

	/* sc_interface_version is one octet, here two */
	pdu_begin(&b, SMPP_BIND_TRANSMITTER | SMPP_RESP, 0, 0x110);
	put_cstr(&b, "SMSC");
	put_u16(&b, SMPP_TAG_SC_INTERFACE_VERSION);
	put_u16(&b, 2);
	put_u16(&b, 0x0034);
	expect_decode(&b, pdu_end(&b), -ESME_RINVPARLEN, SMPP_BIND_TRANSMITTER | SMPP_RESP, 0x110);
	/* network_error_code is three octets, here two */
	pdu_begin(&b, SMPP_DATA_SM | SMPP_RESP, 0, 0x111);
	put_cstr(&b, "a1");
	put_u16(&b, SMPP_TAG_NETWORK_ERROR_CODE);
	put_u16(&b, 2);
	put_u16(&b, 0x0300);
	expect_decode(&b, pdu_end(&b), -ESME_RINVPARLEN, SMPP_DATA_SM | SMPP_RESP, 0x111);
}

static void test_sar_incomplete(void **state)
{
	struct pb b;

	/* sar_msg_ref_num without sar_total_segments and sar_segment_seqnum */
	submit_sm_fields(&b, 0x112, "4670", "4917", 2);
	put_bytes(&b, "Hi", 2);
	put_u16(&b, SMPP_TAG_SAR_MSG_REF_NUM);
	put_u16(&b, 2);
	put_u16(&b, 0x1234);
	expect_decode(&b, pdu_end(&b), -ESME_RMISSINGOPTPARAM, SMPP_SUBMIT_SM, 0x112);
	/* two of the three */
	put_u16(&b, SMPP_TAG_SAR_TOTAL_SEGMENTS);
	put_u16(&b, 1);
	put_u8(&b, 2);
	expect_decode(&b, pdu_end(&b), -ESME_RMISSINGOPTPARAM, SMPP_SUBMIT_SM, 0x112);
	/* all three: accepted */
	put_u16(&b, SMPP_TAG_SAR_SEGMENT_SEQNUM);
	put_u16(&b, 1);
	put_u8(&b, 2);
	expect_decode(&b, pdu_end(&b), 0, SMPP_SUBMIT_SM, 0x112);
}

static void test_unknown_tlv_skipped(void **state)
{
	struct smpp_pdu p;
	struct pb b;

	/* data_sm: a vendor TLV (0x1400) first, then message_payload */
	pdu_begin(&b, SMPP_DATA_SM, 0, 0x113);
	put_cstr(&b, "");		/* service_type */
	put_addr(&b, "4670");
	put_addr(&b, "4917");
	put_u8(&b, 0);			/* esm_class */
	put_u8(&b, 0);			/* registered_delivery */
	put_u8(&b, 4);			/* data_coding */
	put_u16(&b, 0x1400);
	put_u16(&b, 3);
	put_bytes(&b, "\x04\x24\x00", 3);	/* looks like a TLV header: must be skipped as value */
	put_u16(&b, SMPP_TAG_MESSAGE_PAYLOAD);
	put_u16(&b, 2);
	put_bytes(&b, "ok", 2);
	assert_int_equal(smpp_decode(&p, b.b, pdu_end(&b), &ms), 0);
	assert_int_equal(p.tlv.n_unknown, 1);
	assert_int_equal(p.tlv.present, SMPP_TLV_MESSAGE_PAYLOAD);
	assert_int_equal(p.tlv.message_payload_len, 2);
	assert_memory_equal(p.tlv.message_payload, "ok", 2);
	assert_string_equal(p.dest.addr, "4917");

	/* submit_sm_resp with only an unknown TLV */
	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, 0, 0x114);
	put_cstr(&b, "a1");
	put_u16(&b, 0x1401);
	put_u16(&b, 0);
	assert_int_equal(smpp_decode(&p, b.b, pdu_end(&b), &ms), 0);
	assert_int_equal(p.tlv.n_unknown, 1);
	assert_int_equal(p.tlv.present, 0);
	assert_string_equal(p.message_id, "a1");
}

static void test_body_after_header_only_pdu(void **state)
{
	struct pb b;

	pdu_begin(&b, SMPP_ENQUIRE_LINK, 0, 0x115);
	put_u8(&b, 0);
	expect_decode(&b, pdu_end(&b), -ESME_RINVCMDLEN, SMPP_ENQUIRE_LINK, 0x115);
	/* and after the last field of a PDU without TLVs */
	pdu_begin(&b, SMPP_QUERY_SM, 0, 0x116);
	put_cstr(&b, "a1");
	put_addr(&b, "4670");
	put_u8(&b, 0);
	expect_decode(&b, pdu_end(&b), -ESME_RINVCMDLEN, SMPP_QUERY_SM, 0x116);
}

static void test_error_resp_without_body(void **state)
{
	struct smpp_pdu p;
	struct pb b;

	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, ESME_RSUBMITFAIL, 0x117);
	assert_int_equal(smpp_decode(&p, b.b, pdu_end(&b), &ms), 0);
	assert_int_equal(p.command_id, SMPP_SUBMIT_SM | SMPP_RESP);
	assert_int_equal(p.command_status, ESME_RSUBMITFAIL);
	assert_int_equal(p.sequence_number, 0x117);
	assert_string_equal(p.message_id, "");
	/* without an error status the body is required */
	pdu_begin(&b, SMPP_SUBMIT_SM | SMPP_RESP, 0, 0x118);
	expect_decode(&b, pdu_end(&b), -ESME_RINVMSGID, SMPP_SUBMIT_SM | SMPP_RESP, 0x118);
}

static void test_short_header(void **state)
{
	struct smpp_pdu p;
	const struct smpp_vector *v = vec("enquire_link");

	for (size_t n = 0; n < SMPP_HEADER_LEN; n++)
		assert_int_equal(smpp_decode(&p, v->pdu, n, &ms), -ESME_RINVCMDLEN);
}

/* ------------------------------------------------------------ framing */

static void test_frame_len(void **state)
{
	const struct smpp_vector *v = vec("submit_sm_resp");
	uint8_t two[64];
	uint8_t hdr[4];

	for (size_t n = 0; n < 4; n++)
		assert_int_equal(smpp_frame_len(v->pdu, n), 0);
	for (size_t n = 4; n < v->len; n++)
		assert_int_equal(smpp_frame_len(v->pdu, n), 0);
	assert_int_equal(smpp_frame_len(v->pdu, v->len), v->len);
	/* a second PDU behind the first one does not count */
	memcpy(two, v->pdu, v->len);
	memcpy(two + v->len, v->pdu, v->len);
	assert_int_equal(smpp_frame_len(two, 2 * v->len), v->len);

	memcpy(hdr, "\x00\x00\x00\x0f", 4);
	assert_int_equal(smpp_frame_len(hdr, 4), -ESME_RINVCMDLEN);
	memcpy(hdr, "\x00\x00\x00\x00", 4);
	assert_int_equal(smpp_frame_len(hdr, 4), -ESME_RINVCMDLEN);
	memcpy(hdr, "\x7f\xff\xff\xff", 4);
	assert_int_equal(smpp_frame_len(hdr, 4), -ESME_RINVCMDLEN);
	memcpy(hdr, "\x00\x01\x00\x01", 4);	/* SMPP_PDU_MAX + 1 */
	assert_int_equal(smpp_frame_len(hdr, 4), -ESME_RINVCMDLEN);
	memcpy(hdr, "\x00\x00\x00\x10", 4);	/* 16 is the smallest; 4 of it here */
	assert_int_equal(smpp_frame_len(hdr, 4), 0);
}

/* ------------------------------------------------------------ encoder */

static void test_encode_no_space(void **state)
{
	const struct smpp_vector *v = vec("deliver_sm_receipt");
	struct smpp_pdu p;
	uint8_t out[256];

	assert_int_equal(smpp_decode(&p, v->pdu, v->len, &ms), 0);
	assert_int_equal(smpp_encode(out, 10, &p), -ENOSPC);
	assert_int_equal(smpp_encode(out, v->len - 1, &p), -ENOSPC);
	assert_int_equal(smpp_encode(out, v->len, &p), v->len);
	assert_memory_equal(out, v->pdu, v->len);
}

static void test_encode_string_too_long(void **state)
{
	struct smpp_pdu p = { .command_id = SMPP_BIND_TRANSMITTER, .sequence_number = 1,
		.password = "pw", .interface_version = 0x34 };
	uint8_t out[128];

	memcpy(p.system_id, "ABCDEFGHIJKLMNOP", 16);	/* fills the field: no room for the NUL */
	assert_int_equal(smpp_encode(out, sizeof(out), &p), -EINVAL);
	p.system_id[15] = 0;				/* 15 characters fit */
	assert_int_equal(smpp_encode(out, sizeof(out), &p), SMPP_HEADER_LEN + 16 + 3 + 1 + 1 + 2 + 1);
}

static void test_encode_unknown_command(void **state)
{
	struct smpp_pdu p = { .command_id = 0x00000099 };
	uint8_t out[64];

	assert_int_equal(smpp_encode(out, sizeof(out), &p), -EINVAL);
}

/* smpp_encode takes a const PDU; it must not write to it (a PDU kept in
 * read-only memory, e.g. a static const template, must be encodable). The
 * encoding runs in a child so that a fault there fails only this test. */
static const uint8_t ro_payload[] = "Hello";
static const struct smpp_pdu ro_pdu = {
	.command_id = SMPP_DATA_SM, .sequence_number = 1,
	.source = { 1, 1, "4670" }, .dest = { 1, 1, "4917" },
	.tlv = { .present = SMPP_TLV_MESSAGE_PAYLOAD, .message_payload = ro_payload,
		 .message_payload_len = 5 },
};

static void test_encode_const_pdu(void **state)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t out[128];
		/* not cmocka's handlers: they would carry on with the next test here */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		_exit(smpp_encode(out, sizeof(out), &ro_pdu) > 0 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("smpp_encode of a read-only PDU died with signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ------------------------------------------------------------ tshark */

#define TSHARK_FIELDS "-e smpp.command_id -e smpp.sequence_number -e smpp.source_addr " \
		      "-e smpp.destination_addr -e smpp.message_id -e _ws.malformed"

static void test_tshark(void **state)
{
	const struct smpp_vector *v = *state;
	char out[1024], expect[256];

	if (!dissect_available())
		skip();
	/* an empty last column: no _ws.malformed */
	snprintf(expect, sizeof(expect), "0x%08x\t%u\t%s\t%s\t%s\t", v->command_id, v->sequence_number,
		 v->source_addr ? v->source_addr : "", v->dest_addr ? v->dest_addr : "",
		 v->message_id ? v->message_id : "");
	assert_int_equal(dissect_run(v->pdu, v->len, "smpp", TSHARK_FIELDS, out, sizeof(out)), 0);
	assert_string_equal(out, expect);
}

/* the oracle does notice a broken PDU (so the checks above can fail) */
static void test_tshark_sees_truncation(void **state)
{
	const struct smpp_vector *v = vec("deliver_sm_receipt");
	char out[1024];

	if (!dissect_available())
		skip();
	assert_int_equal(dissect_run(v->pdu, 60, "smpp", "-e _ws.malformed", out, sizeof(out)), 2);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_bind_transceiver),
		cmocka_unit_test(test_bind_transmitter_resp),
		cmocka_unit_test(test_submit_sm),
		cmocka_unit_test(test_submit_sm_resp),
		cmocka_unit_test(test_deliver_sm_receipt),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_query_sm),
		cmocka_unit_test(test_query_sm_resp),
		cmocka_unit_test(test_cancel_sm),
		cmocka_unit_test(test_replace_sm),
		cmocka_unit_test(test_data_sm),
		cmocka_unit_test(test_submit_multi),
		cmocka_unit_test(test_submit_multi_resp),
		cmocka_unit_test(test_submit_multi_without_storage),
		cmocka_unit_test(test_bad_command_length),
		cmocka_unit_test(test_unknown_command_id),
		cmocka_unit_test(test_source_addr_without_nul),
		cmocka_unit_test(test_source_addr_unterminated_at_end),
		cmocka_unit_test(test_destination_too_long),
		cmocka_unit_test(test_system_id_too_long),
		cmocka_unit_test(test_password_too_long),
		cmocka_unit_test(test_sm_length_past_end),
		cmocka_unit_test(test_tlv_past_end),
		cmocka_unit_test(test_tlv_wrong_length),
		cmocka_unit_test(test_sar_incomplete),
		cmocka_unit_test(test_unknown_tlv_skipped),
		cmocka_unit_test(test_body_after_header_only_pdu),
		cmocka_unit_test(test_error_resp_without_body),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_frame_len),
		cmocka_unit_test(test_encode_no_space),
		cmocka_unit_test(test_encode_string_too_long),
		cmocka_unit_test(test_encode_unknown_command),
		cmocka_unit_test(test_encode_const_pdu),
		cmocka_unit_test(test_tshark_sees_truncation),
	};
	enum { N_FIXED = sizeof(fixed) / sizeof(fixed[0]) };
	static struct CMUnitTest tests[N_FIXED + SMPP_N_VECTORS];
	static char names[SMPP_N_VECTORS][64];

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < SMPP_N_VECTORS; i++) {
		snprintf(names[i], sizeof(names[i]), "tshark_%s", smpp_vectors[i].name);
		tests[N_FIXED + i] = (struct CMUnitTest){ .name = names[i], .test_func = test_tshark,
			.initial_state = (void *)&smpp_vectors[i] };
	}
	return _cmocka_run_group_tests("smpp_pdu", tests, N_FIXED + SMPP_N_VECTORS, NULL, NULL);
}
