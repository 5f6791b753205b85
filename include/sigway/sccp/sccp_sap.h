/* The SCCP connectionless service as its users see it (Q.711 N-UNITDATA,
 * N-NOTICE). TCAP - and through it MAP, the SMS core, lookup and USSD - sit on
 * this and nothing below it. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sigway/sccp/sccp_addr.h>

/* Largest user data the layer accepts in one N-UNITDATA (segmented into XUDTs
 * when it does not fit one message). Q.714 4.1.1 allows up to 3952 octets. */
#define SCCP_USER_DATA_MAX 3952

/* Return causes (Q.713 3.12) carried in UDTS/XUDTS and in N-NOTICE */
enum sccp_return_cause {
	SCCP_RC_NO_TRANSLATION_NATURE     = 0x00,
	SCCP_RC_NO_TRANSLATION_ADDRESS    = 0x01,
	SCCP_RC_SUBSYSTEM_CONGESTION      = 0x02,
	SCCP_RC_SUBSYSTEM_FAILURE         = 0x03,
	SCCP_RC_UNEQUIPPED_USER           = 0x04,
	SCCP_RC_MTP_FAILURE               = 0x05,
	SCCP_RC_NETWORK_CONGESTION        = 0x06,
	SCCP_RC_UNQUALIFIED               = 0x07,
	SCCP_RC_ERROR_IN_MSG_TRANSPORT    = 0x08,
	SCCP_RC_ERROR_IN_LOCAL_PROCESSING = 0x09,
	SCCP_RC_DEST_CANNOT_REASSEMBLE    = 0x0a,
	SCCP_RC_SCCP_FAILURE              = 0x0b,
	SCCP_RC_HOP_COUNTER_VIOLATION     = 0x0c,
	SCCP_RC_SEGMENTATION_NOT_SUPPORTED = 0x0d,
	SCCP_RC_SEGMENTATION_FAILURE      = 0x0e,
};

/* One connectionless message, in either direction. */
struct sccp_unitdata {
	struct sccp_addr called;
	struct sccp_addr calling;
	uint8_t protocol_class;	/* 0 or 1 */
	bool return_on_error;	/* message handling: return message on error */
	uint8_t sls;		/* class 1: sequence control; messages of one
				 * dialogue keep one value so they stay in order */
	const uint8_t *data;
	size_t len;		/* 1..SCCP_USER_DATA_MAX */
	/* filled on reception, ignored on sending */
	uint32_t opc, dpc;
};

/* What N-PCSTATE.ind reports about a remote signalling point (Q.711 6.3.2.3.3) */
enum sccp_pc_state {
	SCCP_PC_ACCESSIBLE,		/* MTP-RESUME: reachable again */
	SCCP_PC_INACCESSIBLE,		/* MTP-PAUSE: nothing is sent there */
	SCCP_PC_SCCP_UNAVAILABLE,	/* MTP-STATUS: reachable, but its SCCP is not there */
};

struct sccp_user_ops {
	/* N-UNITDATA.ind: a message (reassembled if it came segmented) for our SSN */
	void (*unitdata_ind)(void *priv, const struct sccp_unitdata *ud);
	/* N-NOTICE.ind: a message we sent came back (UDTS/XUDTS); ud->data is the
	 * returned user data as far as it came back. A message the layer refuses
	 * to send is not noticed: N-UNITDATA.req returns the error instead. */
	void (*notice_ind)(void *priv, const struct sccp_unitdata *ud,
			   enum sccp_return_cause cause);
	/* Optional (NULL: not interested). Given to every bound user.
	 * N-STATE.ind: a remote subsystem (point code, SSN) became prohibited
	 * (SSP, or its SCCP unavailable when ssn is 1) or allowed again (SSA, an
	 * answered SST, MTP-RESUME). While it is prohibited N-UNITDATA.req
	 * towards it fails with -EHOSTDOWN; a user holding traffic for it may
	 * send it as soon as it is allowed. */
	void (*state_ind)(void *priv, uint32_t pc, uint8_t ssn, bool allowed);
	/* N-PCSTATE.ind: a remote signalling point became inaccessible (while it
	 * is, N-UNITDATA.req towards it fails with -ENETUNREACH), accessible, or
	 * lost its SCCP. */
	void (*pcstate_ind)(void *priv, uint32_t pc, enum sccp_pc_state state);
};

/* The service interface as a pair of function pointers, so a layer above
 * (TCAP) can be driven by the real SCCP layer or by a unit test. */
struct sccp_sap_down {
	/* N-UNITDATA.req; returns 0 or a negative errno */
	int (*unitdata_req)(void *priv, const struct sccp_unitdata *ud);
	void *priv;
};
