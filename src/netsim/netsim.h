/* sigway-netsim: a mobile network for tests and demos. Today: an HLR that
 * answers SRI-for-SM and runs a USSD menu, and a raw SCCP echo. */
#pragma once

#include <sigway/sccp/sccp_addr.h>
#include <sigway/ss7/ss7_stack.h>

#define NETSIM_ECHO_SSN 250

struct netsim_cfg {
	int sms_gw_max_version;			/* highest shortMsgGateway version accepted */
	char msc_gt[SCCP_GT_DIGITS_MAX + 1];	/* returned as serving MSC */
	char imsi_prefix[8];			/* MCC+MNC of the simulated subscribers */
};

extern struct netsim_cfg netsim_cfg;

void netsim_vty_init(void);
int netsim_hlr_start(void *ctx, struct ss7_stack *stack);
int netsim_echo_start(void *ctx, struct ss7_stack *stack);
