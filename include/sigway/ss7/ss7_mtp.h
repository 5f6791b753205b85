/* The MTP SAP glue: our SCCP layer as libosmo-sigtran's MTP user for service
 * indicator 3. libosmo-sigtran keeps the transport (IPA, M3UA, AS/ASP,
 * routes); its own SCCP instance is never created (ss7-facts.md). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sigway/sccp/sccp_layer.h>

struct ss7_mtp;
struct osmo_ss7_instance;

/* Binds `sccp` to cs7 instance `instance_id` (which the VTY config created).
 * Plugs itself in as the layer's MTP down-SAP and sets the SCCP layer's local PC from the instance's point-code when the
 * layer has none. Returns NULL when the instance does not exist or SI 3 is
 * taken. */
struct ss7_mtp *ss7_mtp_bind(void *ctx, uint32_t instance_id, struct sccp_layer *sccp);
void ss7_mtp_unbind(struct ss7_mtp *mtp);

/* true while at least one AS of the instance is active */
bool ss7_mtp_link_up(const struct ss7_mtp *mtp);
struct osmo_ss7_instance *ss7_mtp_instance(const struct ss7_mtp *mtp);
