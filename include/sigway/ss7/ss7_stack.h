/* The SS7 stack of a process: our SCCP layer on libosmo-sigtran's transport.
 * Allocate it before the config is read (it installs the "sccp" VTY node),
 * start it after (it binds to cs7 instance 0). */
#pragma once

#include <sigway/sccp/sccp_layer.h>
#include <sigway/ss7/ss7_mtp.h>

struct ss7_stack {
	struct sccp_layer *sccp;
	struct ss7_mtp *mtp;
};

struct ss7_stack *ss7_stack_alloc(void *ctx);
int ss7_stack_start(struct ss7_stack *stack);
bool ss7_stack_link_up(const struct ss7_stack *stack);
/* Unbinds from libosmo-sigtran and frees the layer: before the cs7 instance goes */
void ss7_stack_free(struct ss7_stack *stack);
