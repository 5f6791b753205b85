#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>

static const struct log_info_cat sigway_log_cats[] = {
	[DSS7]    = { .name = "DSS7",    .description = "MTP SAP glue (libosmo-sigtran)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSCCP]   = { .name = "DSCCP",   .description = "SCCP connectionless", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DTCAP]   = { .name = "DTCAP",   .description = "TCAP", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DMAP]    = { .name = "DMAP",    .description = "MAP", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSMS]    = { .name = "DSMS",    .description = "SMS core", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSMPP]   = { .name = "DSMPP",   .description = "SMPP server", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DUSSD]   = { .name = "DUSSD",   .description = "USSD gateway", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DGSUP]   = { .name = "DGSUP",   .description = "GSUP to an OsmoHLR (EUSE)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DLOOKUP] = { .name = "DLOOKUP", .description = "HLR number lookup", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DBILL]   = { .name = "DBILL",   .description = "Billing records", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DNETSIM] = { .name = "DNETSIM", .description = "Network simulator", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DAPP]    = { .name = "DAPP",    .description = "Process", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DHTTP]   = { .name = "DHTTP",   .description = "HTTP server and client", .enabled = 1, .loglevel = LOGL_NOTICE },
};

const struct log_info sigway_log_info = {
	.cat = sigway_log_cats,
	.num_cat = ARRAY_SIZE(sigway_log_cats),
};
