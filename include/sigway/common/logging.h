/* Logging categories of all sigway processes (Osmocom style: one per layer
 * or service, each switchable in the VTY with "logging level <cat> <level>"). */
#pragma once

#include <osmocom/core/logging.h>

enum sigway_log_cat {
	DSS7,		/* MTP SAP glue to libosmo-sigtran */
	DSCCP,		/* our connectionless SCCP */
	DTCAP,		/* TCAP dialogues and components */
	DMAP,		/* MAP operations */
	DSMS,		/* SMS core */
	DSMPP,		/* SMPP server */
	DUSSD,		/* USSD gateway */
	DGSUP,		/* GSUP to an OsmoHLR (External USSD Entity) */
	DLOOKUP,	/* HLR number lookup */
	DBILL,		/* billing records */
	DNETSIM,	/* network simulator */
	DAPP,		/* process-level events */
	DHTTP,		/* HTTP server and client */
};

extern const struct log_info sigway_log_info;
