/* Cross-check of our SMPP decoder with a second, independent one: Debian's
 * libsmpp34. Every vector of smpp_vectors.h is decoded by both and the
 * fields compared; then libsmpp34 packs what it decoded and we decode that
 * too (so we also read PDUs written by another encoder, e.g. with its TLVs
 * and submit_multi destinations in its own order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sigway/smpp/smpp_pdu.h>
#include "smpp_vectors.h"
#include "smpp34_util.h"

static struct smpp_multi_storage ms;

#define S(x) ((const char *)(x))

/* ------------------------------------------------------------ TLVs */

static const tlv_t *tlv_find(const tlv_t *t, uint16_t tag)
{
	for (; t; t = t->next)
		if (t->tag == tag)
			return t;
	return NULL;
}

static const tlv_t *tlv_get(const tlv_t *head, uint16_t tag, uint16_t len)
{
	const tlv_t *t = tlv_find(head, tag);

	if (!t)
		fail_msg("libsmpp34 has no TLV 0x%04x", tag);
	assert_int_equal(t->length, len);
	return t;
}

/* every TLV we found, libsmpp34 found with the same value, and no others */
static void check_tlvs(const struct smpp_tlvs *o, const tlv_t *head)
{
	const tlv_t *t;
	unsigned ours = o->n_unknown, theirs = 0;

	for (t = head; t; t = t->next)
		theirs++;
	for (uint32_t bit = 1; bit; bit <<= 1)
		if (o->present & bit)
			ours += bit == SMPP_TLV_SAR ? 3 : 1;
	assert_int_equal(theirs, ours);

	if (o->present & SMPP_TLV_PAYLOAD_TYPE)
		assert_int_equal(tlv_get(head, TLVID_payload_type, 1)->value.val08, o->payload_type);
	if (o->present & SMPP_TLV_RECEIPTED_MESSAGE_ID) {
		t = tlv_find(head, TLVID_receipted_message_id);
		assert_non_null(t);
		assert_true(t->length >= 1 && t->length <= 65);
		assert_int_equal(t->value.octet[t->length - 1], 0);
		assert_string_equal(S(t->value.octet), o->receipted_message_id);
	}
	if (o->present & SMPP_TLV_USER_MESSAGE_REFERENCE)
		assert_int_equal(tlv_get(head, TLVID_user_message_reference, 2)->value.val16,
				 o->user_message_reference);
	if (o->present & SMPP_TLV_SOURCE_PORT)
		assert_int_equal(tlv_get(head, TLVID_source_port, 2)->value.val16, o->source_port);
	if (o->present & SMPP_TLV_DESTINATION_PORT)
		assert_int_equal(tlv_get(head, TLVID_destination_port, 2)->value.val16, o->destination_port);
	if (o->present & SMPP_TLV_SAR) {
		assert_int_equal(tlv_get(head, TLVID_sar_msg_ref_num, 2)->value.val16, o->sar_msg_ref_num);
		assert_int_equal(tlv_get(head, TLVID_sar_total_segments, 1)->value.val08, o->sar_total_segments);
		assert_int_equal(tlv_get(head, TLVID_sar_segment_seqnum, 1)->value.val08, o->sar_segment_seqnum);
	}
	if (o->present & SMPP_TLV_SC_INTERFACE_VERSION)
		assert_int_equal(tlv_get(head, TLVID_sc_interface_version, 1)->value.val08,
				 o->sc_interface_version);
	if (o->present & SMPP_TLV_NETWORK_ERROR_CODE) {
		t = tlv_get(head, TLVID_network_error_code, 3);
		assert_int_equal(t->value.octet[0], o->network_error_type);
		assert_int_equal(t->value.octet[1] << 8 | t->value.octet[2], o->network_error_code);
	}
	if (o->present & SMPP_TLV_MESSAGE_PAYLOAD) {
		t = tlv_get(head, TLVID_message_payload, o->message_payload_len);
		assert_memory_equal(t->value.octet, o->message_payload, o->message_payload_len);
	}
	if (o->present & SMPP_TLV_MORE_MESSAGES_TO_SEND)
		assert_int_equal(tlv_get(head, TLVID_more_messages_to_send, 1)->value.val08,
				 o->more_messages_to_send);
	if (o->present & SMPP_TLV_MESSAGE_STATE)
		assert_int_equal(tlv_get(head, TLVID_message_state, 1)->value.val08, o->message_state);
}

/* ------------------------------------------------------------ bodies */

#define CHECK_ADDR(o, ton_, npi_, addr_) do { \
	assert_int_equal((o).ton, ton_); \
	assert_int_equal((o).npi, npi_); \
	assert_string_equal((o).addr, S(addr_)); \
} while (0)

#define CHECK_SHORT_MESSAGE(o, t) do { \
	assert_int_equal((o)->sm_length, (t)->sm_length); \
	if ((t)->sm_length) \
		assert_memory_equal((o)->short_message, (t)->short_message, (t)->sm_length); \
} while (0)

/* the part of submit_sm / deliver_sm / submit_multi after the addresses */
#define CHECK_SM_TAIL(o, t) do { \
	assert_int_equal((o)->esm_class, (t)->esm_class); \
	assert_int_equal((o)->protocol_id, (t)->protocol_id); \
	assert_int_equal((o)->priority_flag, (t)->priority_flag); \
	assert_string_equal((o)->schedule_delivery_time, S((t)->schedule_delivery_time)); \
	assert_string_equal((o)->validity_period, S((t)->validity_period)); \
	assert_int_equal((o)->registered_delivery, (t)->registered_delivery); \
	assert_int_equal((o)->replace_if_present_flag, (t)->replace_if_present_flag); \
	assert_int_equal((o)->data_coding, (t)->data_coding); \
	assert_int_equal((o)->sm_default_msg_id, (t)->sm_default_msg_id); \
	CHECK_SHORT_MESSAGE(o, t); \
	check_tlvs(&(o)->tlv, (t)->tlv); \
} while (0)

#define CHECK_SUBMIT_SM(o, t) do { \
	assert_string_equal((o)->service_type, S((t)->service_type)); \
	CHECK_ADDR((o)->source, (t)->source_addr_ton, (t)->source_addr_npi, (t)->source_addr); \
	CHECK_ADDR((o)->dest, (t)->dest_addr_ton, (t)->dest_addr_npi, (t)->destination_addr); \
	CHECK_SM_TAIL(o, t); \
} while (0)

static void check_submit_multi(const struct smpp_pdu *o, const submit_multi_t *t)
{
	unsigned n = 0;

	assert_string_equal(o->service_type, S(t->service_type));
	CHECK_ADDR(o->source, t->source_addr_ton, t->source_addr_npi, t->source_addr);
	assert_int_equal(o->number_of_dests, t->number_of_dests);
	for (const dad_t *d = t->dest_addr_def; d; d = d->next)
		n++;
	assert_int_equal(n, o->number_of_dests);
	/* libsmpp34 keeps its list in reverse order; match each of ours by content */
	for (unsigned i = 0; i < o->number_of_dests; i++) {
		const struct smpp_multi_dest *od = &o->dests[i];
		const dad_t *d;

		for (d = t->dest_addr_def; d; d = d->next) {
			if (d->dest_flag != od->dest_flag)
				continue;
			if (d->dest_flag == 1 && d->value.sme.dest_addr_ton == od->addr.ton &&
			    d->value.sme.dest_addr_npi == od->addr.npi &&
			    strcmp(S(d->value.sme.destination_addr), od->addr.addr) == 0)
				break;
			if (d->dest_flag == 2 && strcmp(S(d->value.dl_name), od->addr.addr) == 0)
				break;
		}
		if (!d)
			fail_msg("destination %u (flag %u, %s) not found by libsmpp34", i, od->dest_flag,
				 od->addr.addr);
	}
	CHECK_SM_TAIL(o, t);
}

static void check_submit_multi_resp(const struct smpp_pdu *o, const submit_multi_resp_t *t)
{
	unsigned n = 0;

	assert_string_equal(o->message_id, S(t->message_id));
	assert_int_equal(o->no_unsuccess, t->no_unsuccess);
	for (const udad_t *u = t->unsuccess_smes; u; u = u->next)
		n++;
	assert_int_equal(n, o->no_unsuccess);
	for (unsigned i = 0; i < o->no_unsuccess; i++) {
		const struct smpp_unsuccess_sme *ou = &o->unsuccess[i];
		const udad_t *u;

		for (u = t->unsuccess_smes; u; u = u->next)
			if (u->dest_addr_ton == ou->addr.ton && u->dest_addr_npi == ou->addr.npi &&
			    strcmp(S(u->destination_addr), ou->addr.addr) == 0 &&
			    u->error_status_code == ou->error_status_code)
				break;
		if (!u)
			fail_msg("unsuccess_sme %u (%s) not found by libsmpp34", i, ou->addr.addr);
	}
}

/* our decoded PDU o against libsmpp34's t, field by field */
static void check_same(const struct smpp_pdu *o, const union smpp34_any *t)
{
	assert_int_equal(o->command_id, t->hdr.command_id);
	assert_int_equal(o->command_status, t->hdr.command_status);
	assert_int_equal(o->sequence_number, t->hdr.sequence_number);

	switch (o->command_id) {
	case SMPP_BIND_RECEIVER: case SMPP_BIND_TRANSMITTER: case SMPP_BIND_TRANSCEIVER:
		assert_string_equal(o->system_id, S(t->bind.system_id));
		assert_string_equal(o->password, S(t->bind.password));
		assert_string_equal(o->system_type, S(t->bind.system_type));
		assert_int_equal(o->interface_version, t->bind.interface_version);
		CHECK_ADDR(o->address_range, t->bind.addr_ton, t->bind.addr_npi, t->bind.address_range);
		break;
	case SMPP_BIND_RECEIVER | SMPP_RESP: case SMPP_BIND_TRANSMITTER | SMPP_RESP:
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP:
		assert_string_equal(o->system_id, S(t->bind_resp.system_id));
		check_tlvs(&o->tlv, t->bind_resp.tlv);
		break;
	case SMPP_SUBMIT_SM:
		CHECK_SUBMIT_SM(o, &t->submit_sm);
		break;
	case SMPP_DELIVER_SM:
		CHECK_SUBMIT_SM(o, &t->deliver_sm);
		break;
	case SMPP_SUBMIT_SM | SMPP_RESP:
		assert_string_equal(o->message_id, S(t->submit_sm_resp.message_id));
		break;
	case SMPP_DATA_SM:
		assert_string_equal(o->service_type, S(t->data_sm.service_type));
		CHECK_ADDR(o->source, t->data_sm.source_addr_ton, t->data_sm.source_addr_npi,
			   t->data_sm.source_addr);
		CHECK_ADDR(o->dest, t->data_sm.dest_addr_ton, t->data_sm.dest_addr_npi,
			   t->data_sm.destination_addr);
		assert_int_equal(o->esm_class, t->data_sm.esm_class);
		assert_int_equal(o->registered_delivery, t->data_sm.registered_delivery);
		assert_int_equal(o->data_coding, t->data_sm.data_coding);
		check_tlvs(&o->tlv, t->data_sm.tlv);
		break;
	case SMPP_QUERY_SM:
		assert_string_equal(o->message_id, S(t->query_sm.message_id));
		CHECK_ADDR(o->source, t->query_sm.source_addr_ton, t->query_sm.source_addr_npi,
			   t->query_sm.source_addr);
		break;
	case SMPP_QUERY_SM | SMPP_RESP:
		assert_string_equal(o->message_id, S(t->query_sm_resp.message_id));
		assert_string_equal(o->final_date, S(t->query_sm_resp.final_date));
		assert_int_equal(o->message_state, t->query_sm_resp.message_state);
		assert_int_equal(o->error_code, t->query_sm_resp.error_code);
		break;
	case SMPP_CANCEL_SM:
		assert_string_equal(o->service_type, S(t->cancel_sm.service_type));
		assert_string_equal(o->message_id, S(t->cancel_sm.message_id));
		CHECK_ADDR(o->source, t->cancel_sm.source_addr_ton, t->cancel_sm.source_addr_npi,
			   t->cancel_sm.source_addr);
		CHECK_ADDR(o->dest, t->cancel_sm.dest_addr_ton, t->cancel_sm.dest_addr_npi,
			   t->cancel_sm.destination_addr);
		break;
	case SMPP_REPLACE_SM:
		assert_string_equal(o->message_id, S(t->replace_sm.message_id));
		CHECK_ADDR(o->source, t->replace_sm.source_addr_ton, t->replace_sm.source_addr_npi,
			   t->replace_sm.source_addr);
		assert_string_equal(o->schedule_delivery_time, S(t->replace_sm.schedule_delivery_time));
		assert_string_equal(o->validity_period, S(t->replace_sm.validity_period));
		assert_int_equal(o->registered_delivery, t->replace_sm.registered_delivery);
		assert_int_equal(o->sm_default_msg_id, t->replace_sm.sm_default_msg_id);
		CHECK_SHORT_MESSAGE(o, &t->replace_sm);
		break;
	case SMPP_SUBMIT_MULTI:
		check_submit_multi(o, &t->submit_multi);
		break;
	case SMPP_SUBMIT_MULTI | SMPP_RESP:
		check_submit_multi_resp(o, &t->submit_multi_resp);
		break;
	case SMPP_ENQUIRE_LINK: case SMPP_UNBIND: case SMPP_GENERIC_NACK:
		break;
	default:
		fail_msg("no comparison for command 0x%08x", o->command_id);
	}
}


/* ------------------------------------------------------------ tests */

/* libsmpp34's lists of the running test, released even when it fails */
static union smpp34_any lib;

static int release_teardown(void **state)
{
	smpp34_release(&lib);
	return 0;
}

static void test_cross(void **state)
{
	const struct smpp_vector *v = *state;
	struct smpp_pdu o;
	uint8_t packed[2048];
	int packed_len = 0, rc;

	memset(&lib, 0, sizeof(lib));
	rc = smpp34_unpack2(&lib, v->pdu, (int)v->len);
	if (rc != 0)
		fail_msg("libsmpp34 rejects %s: %s", v->name, smpp34_strerror);
	assert_int_equal(lib.hdr.command_length, v->len);
	assert_int_equal(lib.hdr.command_id, v->command_id);
	assert_int_equal(lib.hdr.sequence_number, v->sequence_number);

	rc = smpp_decode(&o, v->pdu, v->len, &ms);
	if (rc != 0)
		fail_msg("libsmpp34 decodes %s, we answer %s", v->name, smpp_status_name(-rc));
	check_same(&o, &lib);

	/* what libsmpp34 writes from what it read, we read the same way */
	rc = smpp34_pack2(packed, sizeof(packed), &packed_len, &lib);
	smpp34_release(&lib);
	if (rc != 0)
		fail_msg("libsmpp34 cannot pack %s: %s", v->name, smpp34_strerror);
	assert_int_equal(packed_len, v->len);
	assert_int_equal(smpp_decode(&o, packed, packed_len, &ms), 0);
	assert_int_equal(smpp34_unpack2(&lib, packed, packed_len), 0);
	check_same(&o, &lib);
	smpp34_release(&lib);
}

/* the second decoder is strict, too: it rejects what we reject for length */
static void test_both_reject_bad_length(void **state)
{
	const struct smpp_vector *v = &smpp_vectors[0];
	struct smpp_pdu o;
	uint8_t buf[256];

	memcpy(buf, v->pdu, v->len);
	buf[3]++;		/* command_length one more than the PDU */
	buf[v->len] = 0;
	assert_int_equal(smpp_decode(&o, buf, v->len + 1, &ms), -ESME_RINVCMDLEN);
	memset(&lib, 0, sizeof(lib));
	assert_int_not_equal(smpp34_unpack2(&lib, buf, (int)v->len + 1), 0);
}

int main(void)
{
	static struct CMUnitTest tests[SMPP_N_VECTORS + 1];
	static char names[SMPP_N_VECTORS][64];

	for (size_t i = 0; i < SMPP_N_VECTORS; i++) {
		snprintf(names[i], sizeof(names[i]), "smpp34_%s", smpp_vectors[i].name);
		tests[i] = (struct CMUnitTest){ .name = names[i], .test_func = test_cross,
			.teardown_func = release_teardown, .initial_state = (void *)&smpp_vectors[i] };
	}
	tests[SMPP_N_VECTORS] = (struct CMUnitTest)cmocka_unit_test_teardown(test_both_reject_bad_length,
									   release_teardown);
	return _cmocka_run_group_tests("smpp34_cross", tests, SMPP_N_VECTORS + 1, NULL, NULL);
}
