/* VTY of the SCCP layer: installs the "sccp" config node and show commands.
 * Call after vty_init(); one layer per process. */
#pragma once

struct sccp_layer;

void sccp_vty_init(struct sccp_layer *layer);
