/* SMPP v3.4 PDU codec. One reader and one writer walk the fields in the
 * order of the SMPP 3.4 section 4 tables; each PDU body is one function
 * used for both directions through the `struct smpp_io` cursor. */

#include <errno.h>
#include <string.h>
#include <sigway/smpp/smpp_pdu.h>

/* A cursor over a buffer: decoding reads into the PDU, encoding writes from
 * it. The first error sticks; later field operations do nothing. */
struct smpp_io {
	bool enc;
	uint8_t *w;			/* encode */
	const uint8_t *r;		/* decode */
	const uint8_t *end;
	int err;			/* decode: -smpp_status; encode: -errno */
};

static bool io_room(struct smpp_io *io, size_t n, int status)
{
	if (io->err)
		return false;
	const uint8_t *pos = io->enc ? io->w : io->r;
	if ((size_t)(io->end - pos) < n) {
		io->err = io->enc ? -ENOSPC : -status;
		return false;
	}
	return true;
}

static void io_u8(struct smpp_io *io, uint8_t *v)
{
	if (!io_room(io, 1, ESME_RINVCMDLEN))
		return;
	if (io->enc)
		*io->w++ = *v;
	else
		*v = *io->r++;
}

static void io_u16(struct smpp_io *io, uint16_t *v)
{
	if (!io_room(io, 2, ESME_RINVCMDLEN))
		return;
	if (io->enc) {
		io->w[0] = *v >> 8;
		io->w[1] = *v & 0xff;
		io->w += 2;
	} else {
		*v = (uint16_t)(io->r[0] << 8 | io->r[1]);
		io->r += 2;
	}
}

static void io_u32(struct smpp_io *io, uint32_t *v)
{
	if (!io_room(io, 4, ESME_RINVCMDLEN))
		return;
	if (io->enc) {
		for (int i = 0; i < 4; i++)
			io->w[i] = (uint8_t)(*v >> (24 - 8 * i));
		io->w += 4;
	} else {
		*v = (uint32_t)io->r[0] << 24 | (uint32_t)io->r[1] << 16 | (uint32_t)io->r[2] << 8 | io->r[3];
		io->r += 4;
	}
}

/* C-Octet String of at most max octets including the NUL; `status` is the
 * answer when it does not fit (too long, or no NUL before the PDU ends). */
static void io_cstr(struct smpp_io *io, char *s, size_t max, int status)
{
	if (io->err)
		return;
	if (io->enc) {
		size_t n = strnlen(s, max);
		if (n >= max) {
			io->err = -EINVAL;
			return;
		}
		if (io_room(io, n + 1, 0)) {
			memcpy(io->w, s, n + 1);
			io->w += n + 1;
		}
		return;
	}
	size_t avail = (size_t)(io->end - io->r);
	const uint8_t *nul = memchr(io->r, 0, avail < max ? avail : max);
	if (!nul) {
		io->err = -status;
		return;
	}
	size_t n = (size_t)(nul - io->r);
	memcpy(s, io->r, n + 1);
	io->r += n + 1;
}

static void io_addr(struct smpp_io *io, struct smpp_address *a, size_t max, int status)
{
	io_u8(io, &a->ton);
	io_u8(io, &a->npi);
	io_cstr(io, a->addr, max, status);
}

static void io_bytes(struct smpp_io *io, const uint8_t **p, size_t len, int status)
{
	if (!io_room(io, len, status))
		return;
	if (io->enc) {
		if (len)
			memcpy(io->w, *p, len);
		io->w += len;
	} else {
		*p = io->r;
		io->r += len;
	}
}

static void io_short_message(struct smpp_io *io, struct smpp_pdu *p)
{
	io_u8(io, &p->sm_length);
	io_bytes(io, &p->short_message, p->sm_length, ESME_RINVMSGLEN);
}

/* ------------------------------------------------------------ TLVs */

struct tlv_def {
	uint16_t tag;
	uint32_t bit;
	uint16_t len;		/* fixed length; 0 = variable */
};

static const struct tlv_def tlv_defs[] = {
	{ SMPP_TAG_PAYLOAD_TYPE, SMPP_TLV_PAYLOAD_TYPE, 1 },
	{ SMPP_TAG_RECEIPTED_MESSAGE_ID, SMPP_TLV_RECEIPTED_MESSAGE_ID, 0 },
	{ SMPP_TAG_USER_MESSAGE_REFERENCE, SMPP_TLV_USER_MESSAGE_REFERENCE, 2 },
	{ SMPP_TAG_SOURCE_PORT, SMPP_TLV_SOURCE_PORT, 2 },
	{ SMPP_TAG_DESTINATION_PORT, SMPP_TLV_DESTINATION_PORT, 2 },
	{ SMPP_TAG_SAR_MSG_REF_NUM, SMPP_TLV_SAR, 2 },
	{ SMPP_TAG_SAR_TOTAL_SEGMENTS, SMPP_TLV_SAR, 1 },
	{ SMPP_TAG_SAR_SEGMENT_SEQNUM, SMPP_TLV_SAR, 1 },
	{ SMPP_TAG_SC_INTERFACE_VERSION, SMPP_TLV_SC_INTERFACE_VERSION, 1 },
	{ SMPP_TAG_NETWORK_ERROR_CODE, SMPP_TLV_NETWORK_ERROR_CODE, 3 },
	{ SMPP_TAG_MESSAGE_PAYLOAD, SMPP_TLV_MESSAGE_PAYLOAD, 0 },
	{ SMPP_TAG_MORE_MESSAGES_TO_SEND, SMPP_TLV_MORE_MESSAGES_TO_SEND, 1 },
	{ SMPP_TAG_MESSAGE_STATE, SMPP_TLV_MESSAGE_STATE, 1 },
};

static uint16_t tlv_len(const struct smpp_tlvs *t, const struct tlv_def *d)
{
	if (d->len)
		return d->len;
	if (d->tag == SMPP_TAG_RECEIPTED_MESSAGE_ID)
		return (uint16_t)(strnlen(t->receipted_message_id, sizeof(t->receipted_message_id) - 1) + 1);
	return t->message_payload_len;
}

/* the value of one TLV, both directions (the length is already checked) */
static void io_tlv_value(struct smpp_io *io, struct smpp_tlvs *t, uint16_t tag, uint16_t len)
{
	switch (tag) {
	case SMPP_TAG_PAYLOAD_TYPE: io_u8(io, &t->payload_type); break;
	case SMPP_TAG_USER_MESSAGE_REFERENCE: io_u16(io, &t->user_message_reference); break;
	case SMPP_TAG_SOURCE_PORT: io_u16(io, &t->source_port); break;
	case SMPP_TAG_DESTINATION_PORT: io_u16(io, &t->destination_port); break;
	case SMPP_TAG_SAR_MSG_REF_NUM: io_u16(io, &t->sar_msg_ref_num); break;
	case SMPP_TAG_SAR_TOTAL_SEGMENTS: io_u8(io, &t->sar_total_segments); break;
	case SMPP_TAG_SAR_SEGMENT_SEQNUM: io_u8(io, &t->sar_segment_seqnum); break;
	case SMPP_TAG_SC_INTERFACE_VERSION: io_u8(io, &t->sc_interface_version); break;
	case SMPP_TAG_MORE_MESSAGES_TO_SEND: io_u8(io, &t->more_messages_to_send); break;
	case SMPP_TAG_MESSAGE_STATE: io_u8(io, &t->message_state); break;
	case SMPP_TAG_NETWORK_ERROR_CODE:
		io_u8(io, &t->network_error_type);
		io_u16(io, &t->network_error_code);
		break;
	case SMPP_TAG_MESSAGE_PAYLOAD:
		if (!io->enc)
			t->message_payload_len = len;
		io_bytes(io, &t->message_payload, len, ESME_RINVOPTPARSTREAM);
		break;
	case SMPP_TAG_RECEIPTED_MESSAGE_ID:
		if (io->enc) {
			io_cstr(io, t->receipted_message_id, sizeof(t->receipted_message_id), 0);
		} else {
			/* some SMSCs omit the NUL; take the octets as the id */
			const uint8_t *v;
			io_bytes(io, &v, len, ESME_RINVOPTPARSTREAM);
			if (io->err)
				break;
			size_t n = len < sizeof(t->receipted_message_id) ? len : sizeof(t->receipted_message_id) - 1;
			memcpy(t->receipted_message_id, v, n);
			t->receipted_message_id[n] = 0;
		}
		break;
	}
}

static int tlvs_decode(struct smpp_io *io, struct smpp_tlvs *t)
{
	unsigned sar_seen = 0;
	while (!io->err && io->r < io->end) {
		uint16_t tag = 0, len = 0;
		if (io->end - io->r < 4)
			return -ESME_RINVOPTPARSTREAM;
		io_u16(io, &tag);
		io_u16(io, &len);
		if (io->end - io->r < len)
			return -ESME_RINVOPTPARSTREAM;
		const struct tlv_def *d = NULL;
		for (size_t i = 0; i < sizeof(tlv_defs) / sizeof(tlv_defs[0]); i++)
			if (tlv_defs[i].tag == tag)
				d = &tlv_defs[i];
		if (!d) {
			io->r += len;
			t->n_unknown++;
			continue;
		}
		if ((d->len && len != d->len) || (tag == SMPP_TAG_RECEIPTED_MESSAGE_ID && (len == 0 || len > 65)))
			return -ESME_RINVPARLEN;
		io_tlv_value(io, t, tag, len);
		if (d->bit == SMPP_TLV_SAR)
			sar_seen |= 1u << (tag - SMPP_TAG_SAR_MSG_REF_NUM);
		else
			t->present |= d->bit;
	}
	if (sar_seen == 0x0d)	/* bits 0 ref (0x20C), 2 total (0x20E), 3 seqnum (0x20F) */
		t->present |= SMPP_TLV_SAR;
	else if (sar_seen)
		return -ESME_RMISSINGOPTPARAM;
	return io->err;
}

static void tlvs_encode(struct smpp_io *io, struct smpp_tlvs *t)
{
	for (size_t i = 0; i < sizeof(tlv_defs) / sizeof(tlv_defs[0]); i++) {
		const struct tlv_def *d = &tlv_defs[i];
		if (!(t->present & d->bit))
			continue;
		uint16_t tag = d->tag, len = tlv_len(t, d);
		io_u16(io, &tag);
		io_u16(io, &len);
		io_tlv_value(io, t, tag, len);
	}
}

static void io_tlvs(struct smpp_io *io, struct smpp_pdu *p)
{
	if (io->enc)
		tlvs_encode(io, &p->tlv);
	else if (!io->err)
		io->err = tlvs_decode(io, &p->tlv);
}

/* ------------------------------------------------------------ bodies */

static void io_bind(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->system_id, sizeof(p->system_id), ESME_RINVSYSID);
	io_cstr(io, p->password, sizeof(p->password), ESME_RINVPASWD);
	io_cstr(io, p->system_type, sizeof(p->system_type), ESME_RINVSYSTYP);
	io_u8(io, &p->interface_version);
	io_u8(io, &p->address_range.ton);
	io_u8(io, &p->address_range.npi);
	io_cstr(io, p->address_range.addr, 41, ESME_RINVSRCADR);
}

/* the part of submit_sm/deliver_sm/submit_multi after the addresses */
static void io_sm_tail(struct smpp_io *io, struct smpp_pdu *p)
{
	io_u8(io, &p->esm_class);
	io_u8(io, &p->protocol_id);
	io_u8(io, &p->priority_flag);
	io_cstr(io, p->schedule_delivery_time, sizeof(p->schedule_delivery_time), ESME_RINVSCHED);
	io_cstr(io, p->validity_period, sizeof(p->validity_period), ESME_RINVEXPIRY);
	io_u8(io, &p->registered_delivery);
	io_u8(io, &p->replace_if_present_flag);
	io_u8(io, &p->data_coding);
	io_u8(io, &p->sm_default_msg_id);
	io_short_message(io, p);
	io_tlvs(io, p);
}

static void io_submit_sm(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->service_type, sizeof(p->service_type), ESME_RINVSERTYP);
	io_addr(io, &p->source, 21, ESME_RINVSRCADR);
	io_addr(io, &p->dest, 21, ESME_RINVDSTADR);
	io_sm_tail(io, p);
}

static void io_data_sm(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->service_type, sizeof(p->service_type), ESME_RINVSERTYP);
	io_addr(io, &p->source, 65, ESME_RINVSRCADR);
	io_addr(io, &p->dest, 65, ESME_RINVDSTADR);
	io_u8(io, &p->esm_class);
	io_u8(io, &p->registered_delivery);
	io_u8(io, &p->data_coding);
	io_tlvs(io, p);
}

static void io_submit_multi(struct smpp_io *io, struct smpp_pdu *p, struct smpp_multi_storage *ms)
{
	io_cstr(io, p->service_type, sizeof(p->service_type), ESME_RINVSERTYP);
	io_addr(io, &p->source, 21, ESME_RINVSRCADR);
	io_u8(io, &p->number_of_dests);
	if (!io->enc && !io->err) {
		if (!ms) {
			io->err = -ESME_RSYSERR;
			return;
		}
		p->dests = ms->dests;
	}
	for (unsigned i = 0; i < p->number_of_dests && !io->err; i++) {
		struct smpp_multi_dest *d = &p->dests[i];
		io_u8(io, &d->dest_flag);
		if (d->dest_flag == 1)
			io_addr(io, &d->addr, 21, ESME_RINVDSTADR);
		else if (d->dest_flag == 2) {
			if (!io->enc)
				d->addr.ton = d->addr.npi = 0;
			io_cstr(io, d->addr.addr, 21, ESME_RINVDLNAME);
		}
		else
			io->err = io->enc ? -EINVAL : -ESME_RINVDESTFLAG;
	}
	io_sm_tail(io, p);
}

static void io_submit_multi_resp(struct smpp_io *io, struct smpp_pdu *p, struct smpp_multi_storage *ms)
{
	io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
	io_u8(io, &p->no_unsuccess);
	if (!io->enc && !io->err) {
		if (!ms) {
			io->err = -ESME_RSYSERR;
			return;
		}
		p->unsuccess = ms->unsuccess;
	}
	for (unsigned i = 0; i < p->no_unsuccess && !io->err; i++) {
		io_addr(io, &p->unsuccess[i].addr, 21, ESME_RINVDSTADR);
		io_u32(io, &p->unsuccess[i].error_status_code);
	}
	io_tlvs(io, p);
}

static void io_query_sm(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
	io_addr(io, &p->source, 21, ESME_RINVSRCADR);
}

static void io_query_sm_resp(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
	io_cstr(io, p->final_date, sizeof(p->final_date), ESME_RINVCMDLEN);
	io_u8(io, &p->message_state);
	io_u8(io, &p->error_code);
}

static void io_cancel_sm(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->service_type, sizeof(p->service_type), ESME_RINVSERTYP);
	io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
	io_addr(io, &p->source, 21, ESME_RINVSRCADR);
	io_addr(io, &p->dest, 21, ESME_RINVDSTADR);
}

static void io_replace_sm(struct smpp_io *io, struct smpp_pdu *p)
{
	io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
	io_addr(io, &p->source, 21, ESME_RINVSRCADR);
	io_cstr(io, p->schedule_delivery_time, sizeof(p->schedule_delivery_time), ESME_RINVSCHED);
	io_cstr(io, p->validity_period, sizeof(p->validity_period), ESME_RINVEXPIRY);
	io_u8(io, &p->registered_delivery);
	io_u8(io, &p->sm_default_msg_id);
	io_short_message(io, p);
}

static void io_alert_notification(struct smpp_io *io, struct smpp_pdu *p)
{
	io_addr(io, &p->source, 65, ESME_RINVSRCADR);
	io_addr(io, &p->dest, 65, ESME_RINVDSTADR);	/* esme_addr */
	io_tlvs(io, p);
}

/* Returns false for an unknown command_id */
static bool io_body(struct smpp_io *io, struct smpp_pdu *p, struct smpp_multi_storage *ms)
{
	switch (p->command_id) {
	case SMPP_BIND_RECEIVER: case SMPP_BIND_TRANSMITTER: case SMPP_BIND_TRANSCEIVER:
		io_bind(io, p);
		break;
	case SMPP_BIND_RECEIVER | SMPP_RESP: case SMPP_BIND_TRANSMITTER | SMPP_RESP:
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP:
		io_cstr(io, p->system_id, sizeof(p->system_id), ESME_RINVSYSID);
		io_tlvs(io, p);
		break;
	case SMPP_OUTBIND:
		io_cstr(io, p->system_id, sizeof(p->system_id), ESME_RINVSYSID);
		io_cstr(io, p->password, sizeof(p->password), ESME_RINVPASWD);
		break;
	case SMPP_SUBMIT_SM: case SMPP_DELIVER_SM:
		io_submit_sm(io, p);
		break;
	case SMPP_SUBMIT_SM | SMPP_RESP: case SMPP_DELIVER_SM | SMPP_RESP: case SMPP_DATA_SM | SMPP_RESP:
		io_cstr(io, p->message_id, sizeof(p->message_id), ESME_RINVMSGID);
		io_tlvs(io, p);
		break;
	case SMPP_DATA_SM:
		io_data_sm(io, p);
		break;
	case SMPP_SUBMIT_MULTI:
		io_submit_multi(io, p, ms);
		break;
	case SMPP_SUBMIT_MULTI | SMPP_RESP:
		io_submit_multi_resp(io, p, ms);
		break;
	case SMPP_QUERY_SM:
		io_query_sm(io, p);
		break;
	case SMPP_QUERY_SM | SMPP_RESP:
		io_query_sm_resp(io, p);
		break;
	case SMPP_CANCEL_SM:
		io_cancel_sm(io, p);
		break;
	case SMPP_REPLACE_SM:
		io_replace_sm(io, p);
		break;
	case SMPP_ALERT_NOTIFICATION:
		io_alert_notification(io, p);
		break;
	case SMPP_UNBIND: case SMPP_UNBIND | SMPP_RESP: case SMPP_ENQUIRE_LINK: case SMPP_ENQUIRE_LINK | SMPP_RESP:
	case SMPP_GENERIC_NACK: case SMPP_CANCEL_SM | SMPP_RESP: case SMPP_REPLACE_SM | SMPP_RESP:
		break;	/* header only */
	default:
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ API */

int smpp_frame_len(const uint8_t *buf, size_t avail)
{
	if (avail < 4)
		return 0;
	uint32_t len = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX)
		return -ESME_RINVCMDLEN;
	return avail >= len ? (int)len : 0;
}

int smpp_decode(struct smpp_pdu *p, const uint8_t *buf, size_t len, struct smpp_multi_storage *ms)
{
	struct smpp_io io = { .r = buf, .end = buf + len };
	uint32_t command_length = 0;
	memset(p, 0, sizeof(*p));
	io_u32(&io, &command_length);
	io_u32(&io, &p->command_id);
	io_u32(&io, &p->command_status);
	io_u32(&io, &p->sequence_number);
	if (io.err || command_length != len)
		return -ESME_RINVCMDLEN;
	/* a negative response may come without its body */
	if (SMPP_IS_RESP(p->command_id) && p->command_status != ESME_ROK && len == SMPP_HEADER_LEN)
		return 0;
	if (!io_body(&io, p, ms))
		return -ESME_RINVCMDID;
	if (io.err)
		return io.err;
	return io.r == io.end ? 0 : -ESME_RINVCMDLEN;
}

int smpp_encode(uint8_t *buf, size_t cap, const struct smpp_pdu *pdu)
{
	/* the io functions take non-const pointers for both directions; on
	 * encode they only read */
	struct smpp_pdu *p = (struct smpp_pdu *)pdu;
	struct smpp_io io = { .enc = true, .w = buf, .end = buf + cap };
	uint32_t command_length = 0;
	io_u32(&io, &command_length);
	io_u32(&io, &p->command_id);
	io_u32(&io, &p->command_status);
	io_u32(&io, &p->sequence_number);
	/* SMPP 3.4 4.4.2 and alike: a negative response has no body (a
	 * submit_multi_resp still lists the destinations that failed; a
	 * bind_*_resp keeps its system_id, which strict ESMEs insist on) */
	uint32_t base = p->command_id & ~SMPP_RESP;
	bool error_resp_without_body = SMPP_IS_RESP(p->command_id) && p->command_status != ESME_ROK &&
				       base != SMPP_SUBMIT_MULTI && base != SMPP_BIND_TRANSMITTER &&
				       base != SMPP_BIND_RECEIVER && base != SMPP_BIND_TRANSCEIVER;
	if (!error_resp_without_body && !io_body(&io, p, NULL))
		return -EINVAL;
	if (io.err)
		return io.err;
	uint32_t total = (uint32_t)(io.w - buf);
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)(total >> (24 - 8 * i));
	return (int)total;
}

const char *smpp_cmd_name(uint32_t id)
{
	switch (id & ~SMPP_RESP) {
	case SMPP_BIND_RECEIVER & ~SMPP_RESP: return SMPP_IS_RESP(id) ? "bind_receiver_resp" : "bind_receiver";
	case SMPP_BIND_TRANSMITTER: return SMPP_IS_RESP(id) ? "bind_transmitter_resp" : "bind_transmitter";
	case SMPP_BIND_TRANSCEIVER: return SMPP_IS_RESP(id) ? "bind_transceiver_resp" : "bind_transceiver";
	case SMPP_QUERY_SM: return SMPP_IS_RESP(id) ? "query_sm_resp" : "query_sm";
	case SMPP_SUBMIT_SM: return SMPP_IS_RESP(id) ? "submit_sm_resp" : "submit_sm";
	case SMPP_DELIVER_SM: return SMPP_IS_RESP(id) ? "deliver_sm_resp" : "deliver_sm";
	case SMPP_UNBIND: return SMPP_IS_RESP(id) ? "unbind_resp" : "unbind";
	case SMPP_REPLACE_SM: return SMPP_IS_RESP(id) ? "replace_sm_resp" : "replace_sm";
	case SMPP_CANCEL_SM: return SMPP_IS_RESP(id) ? "cancel_sm_resp" : "cancel_sm";
	case SMPP_OUTBIND: return "outbind";
	case SMPP_ENQUIRE_LINK: return SMPP_IS_RESP(id) ? "enquire_link_resp" : "enquire_link";
	case SMPP_SUBMIT_MULTI: return SMPP_IS_RESP(id) ? "submit_multi_resp" : "submit_multi";
	case SMPP_ALERT_NOTIFICATION: return "alert_notification";
	case SMPP_DATA_SM: return SMPP_IS_RESP(id) ? "data_sm_resp" : "data_sm";
	case 0: return SMPP_IS_RESP(id) ? "generic_nack" : "unknown";
	default: return "unknown";
	}
}

const char *smpp_status_name(uint32_t s)
{
	switch (s) {
	case ESME_ROK: return "ESME_ROK";
	case ESME_RINVMSGLEN: return "ESME_RINVMSGLEN";
	case ESME_RINVCMDLEN: return "ESME_RINVCMDLEN";
	case ESME_RINVCMDID: return "ESME_RINVCMDID";
	case ESME_RINVBNDSTS: return "ESME_RINVBNDSTS";
	case ESME_RALYBND: return "ESME_RALYBND";
	case ESME_RINVPRTFLG: return "ESME_RINVPRTFLG";
	case ESME_RINVREGDLVFLG: return "ESME_RINVREGDLVFLG";
	case ESME_RSYSERR: return "ESME_RSYSERR";
	case ESME_RINVSRCADR: return "ESME_RINVSRCADR";
	case ESME_RINVDSTADR: return "ESME_RINVDSTADR";
	case ESME_RINVMSGID: return "ESME_RINVMSGID";
	case ESME_RBINDFAIL: return "ESME_RBINDFAIL";
	case ESME_RINVPASWD: return "ESME_RINVPASWD";
	case ESME_RINVSYSID: return "ESME_RINVSYSID";
	case ESME_RCANCELFAIL: return "ESME_RCANCELFAIL";
	case ESME_RREPLACEFAIL: return "ESME_RREPLACEFAIL";
	case ESME_RMSGQFUL: return "ESME_RMSGQFUL";
	case ESME_RINVSERTYP: return "ESME_RINVSERTYP";
	case ESME_RINVNUMDESTS: return "ESME_RINVNUMDESTS";
	case ESME_RINVDLNAME: return "ESME_RINVDLNAME";
	case ESME_RINVDESTFLAG: return "ESME_RINVDESTFLAG";
	case ESME_RINVSUBREP: return "ESME_RINVSUBREP";
	case ESME_RINVESMCLASS: return "ESME_RINVESMCLASS";
	case ESME_RCNTSUBDL: return "ESME_RCNTSUBDL";
	case ESME_RSUBMITFAIL: return "ESME_RSUBMITFAIL";
	case ESME_RINVSRCTON: return "ESME_RINVSRCTON";
	case ESME_RINVSRCNPI: return "ESME_RINVSRCNPI";
	case ESME_RINVDSTTON: return "ESME_RINVDSTTON";
	case ESME_RINVDSTNPI: return "ESME_RINVDSTNPI";
	case ESME_RINVSYSTYP: return "ESME_RINVSYSTYP";
	case ESME_RINVREPFLAG: return "ESME_RINVREPFLAG";
	case ESME_RINVNUMMSGS: return "ESME_RINVNUMMSGS";
	case ESME_RTHROTTLED: return "ESME_RTHROTTLED";
	case ESME_RINVSCHED: return "ESME_RINVSCHED";
	case ESME_RINVEXPIRY: return "ESME_RINVEXPIRY";
	case ESME_RINVDFTMSGID: return "ESME_RINVDFTMSGID";
	case ESME_RX_T_APPN: return "ESME_RX_T_APPN";
	case ESME_RX_P_APPN: return "ESME_RX_P_APPN";
	case ESME_RX_R_APPN: return "ESME_RX_R_APPN";
	case ESME_RQUERYFAIL: return "ESME_RQUERYFAIL";
	case ESME_RINVOPTPARSTREAM: return "ESME_RINVOPTPARSTREAM";
	case ESME_ROPTPARNOTALLWD: return "ESME_ROPTPARNOTALLWD";
	case ESME_RINVPARLEN: return "ESME_RINVPARLEN";
	case ESME_RMISSINGOPTPARAM: return "ESME_RMISSINGOPTPARAM";
	case ESME_RINVOPTPARAMVAL: return "ESME_RINVOPTPARAMVAL";
	case ESME_RDELIVERYFAILURE: return "ESME_RDELIVERYFAILURE";
	case ESME_RUNKNOWNERR: return "ESME_RUNKNOWNERR";
	case ESME_RINVDCS: return "ESME_RINVDCS";
	default: return "unknown";
	}
}
