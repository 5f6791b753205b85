/* libsmpp34 (Debian's libsmpp34-dev) as the second, strict SMPP decoder of
 * the tests: a union of its PDU structs and the release of the lists it
 * allocates while unpacking. */
#pragma once

#include <string.h>
#include <sigway/smpp/smpp_pdu.h>
/* after our header: smpp34.h defines ESME_* and the command names as macros */
#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>

union smpp34_any {
	generic_nack_t hdr;		/* every PDU starts with the header */
	bind_transceiver_t bind;	/* same fields as bind_transmitter / bind_receiver */
	bind_transmitter_resp_t bind_resp;
	submit_sm_t submit_sm;
	submit_sm_resp_t submit_sm_resp;
	deliver_sm_t deliver_sm;
	data_sm_t data_sm;
	data_sm_resp_t data_sm_resp;
	query_sm_t query_sm;
	query_sm_resp_t query_sm_resp;
	cancel_sm_t cancel_sm;
	replace_sm_t replace_sm;
	submit_multi_t submit_multi;
	submit_multi_resp_t submit_multi_resp;
};

static inline void smpp34_release(union smpp34_any *t)
{
	switch (t->hdr.command_id) {
	case SMPP_BIND_RECEIVER | SMPP_RESP: case SMPP_BIND_TRANSMITTER | SMPP_RESP:
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP:
		destroy_tlv(t->bind_resp.tlv);
		break;
	case SMPP_SUBMIT_SM:
		destroy_tlv(t->submit_sm.tlv);
		break;
	case SMPP_DELIVER_SM:
		destroy_tlv(t->deliver_sm.tlv);
		break;
	case SMPP_DATA_SM:
		destroy_tlv(t->data_sm.tlv);
		break;
	case SMPP_SUBMIT_MULTI:
		destroy_dad(t->submit_multi.dest_addr_def);
		destroy_tlv(t->submit_multi.tlv);
		break;
	case SMPP_SUBMIT_MULTI | SMPP_RESP:
		destroy_udad(t->submit_multi_resp.unsuccess_smes);
		break;
	}
	memset(t, 0, sizeof(*t));
}
