/* sigwayd's TC-user on the gateway's SSN (8): one TCAP instance shared by
 * the services that speak MAP from the gateway's GT (the SMS core today).
 * Each dialogue belongs to the service that opened or took it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sigway/ss7/ss7_stack.h>
#include <sigway/tcap/tcap.h>

struct gw_service {
	const char *name;
	void *priv;
	/* the dialogue's priv is one of this service's */
	bool (*owns)(void *priv, void *dlg_priv);
	/* a TC-BEGIN from the network: true when the service takes it */
	bool (*begin)(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
	/* an indication of one of its dialogues */
	void (*ind)(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind);
	void (*l_cancel)(void *priv, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode);
};

#define GW_SERVICES_MAX 4

struct gw_tcap;

struct gw_tcap *gw_tcap_start(void *ctx, struct ss7_stack *stack, uint8_t ssn);
/* Services are asked in the order they were added */
void gw_tcap_add_service(struct gw_tcap *gt, const struct gw_service *svc);
struct tcap_instance *gw_tcap_instance(struct gw_tcap *gt);
