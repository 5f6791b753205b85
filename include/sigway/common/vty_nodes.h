/* VTY node numbers of our own config nodes. libosmo-sigtran takes the first
 * few after _LAST_OSMOVTY_NODE for its cs7 nodes, so ours start well above. */
#pragma once

#include <osmocom/vty/command.h>

enum sigway_vty_node {
	SIGWAY_SCCP_NODE = _LAST_OSMOVTY_NODE + 40,	/* "sccp" (own GTs, GTT) */
	SIGWAY_TCAP_NODE,				/* "tcap" (timers, limits) */
	SIGWAY_MAP_NODE,				/* "map" (peers, invoke timers) */
	SIGWAY_NETSIM_NODE = _LAST_OSMOVTY_NODE + 50,	/* netsim's network */
	SIGWAY_NETSIM_SUB_NODE,
	SIGWAY_SMPP_NODE = _LAST_OSMOVTY_NODE + 60,	/* "smpp" server */
	SIGWAY_SMPP_ACCOUNT_NODE,
	SIGWAY_GATEWAY_NODE = _LAST_OSMOVTY_NODE + 70,	/* sigwayd: "gateway" (own GT, services) */
	SIGWAY_SMS_NODE = _LAST_OSMOVTY_NODE + 80,	/* "sms": SMS core policy */
	SIGWAY_ROUTING_NODE = _LAST_OSMOVTY_NODE + 90,	/* "routing": operators and number routes */
	SIGWAY_TESTPEER_NODE = _LAST_OSMOVTY_NODE + 100,	/* tests/peer: "testpeer" */
	SIGWAY_HTTP_NODE = _LAST_OSMOVTY_NODE + 110,	/* "http": the HTTP server of the APIs */
	SIGWAY_NUMBERING_NODE = _LAST_OSMOVTY_NODE + 120,	/* "numbering": data file, overrides */
	SIGWAY_GSUP_NODE = _LAST_OSMOVTY_NODE + 150,	/* "gsup": the EUSE link to an OsmoHLR */
	SIGWAY_LOOKUP_NODE = _LAST_OSMOVTY_NODE + 160,	/* "lookup": the number lookup service */
	SIGWAY_USSD_NODE = _LAST_OSMOVTY_NODE + 170,	/* "ussd": the USSD gateway (one level) */
};
