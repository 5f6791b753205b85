/* The gateway's TC-user: hands each TCAP indication to the service that owns
 * the dialogue, and each new dialogue from the network to the first service
 * that takes it; a Begin nobody takes is aborted. */

#include <errno.h>
#include <talloc.h>
#include <sigway/sccp/sccp_layer.h>
#include "gw_tcap.h"

struct gw_tcap {
	struct sccp_user *sccp;
	struct tcap_instance *tcap;
	struct gw_service svc[GW_SERVICES_MAX];
	unsigned int n_svc;
};

static const struct gw_service *owner(struct gw_tcap *gt, struct tcap_dialogue *dlg)
{
	void *p = tcap_dialogue_priv(dlg);
	for (unsigned int i = 0; p && i < gt->n_svc; i++)
		if (gt->svc[i].owns(gt->svc[i].priv, p))
			return &gt->svc[i];
	return NULL;
}

static void dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct gw_tcap *gt = priv;
	if (!dlg)
		return;		/* TC-UNI: no service takes them */
	const struct gw_service *s = owner(gt, dlg);
	if (s) {
		s->ind(s->priv, dlg, ind);
		return;
	}
	if (ind->type != TCAP_IND_BEGIN || tcap_dialogue_priv(dlg))
		return;
	for (unsigned int i = 0; i < gt->n_svc; i++)
		if (gt->svc[i].begin(gt->svc[i].priv, dlg, ind))
			return;
	tcap_u_abort(dlg, NULL, 0);
}

static void l_cancel_ind(void *priv, struct tcap_dialogue *dlg, int8_t id, int32_t op)
{
	const struct gw_service *s = owner(priv, dlg);
	if (s)
		s->l_cancel(s->priv, dlg, id, op);
	else
		tcap_dialogue_release(dlg);
}

static const struct tcap_user_ops gw_tcap_ops = {
	.dialogue_ind = dialogue_ind,
	.l_cancel_ind = l_cancel_ind,
};

static int gw_tcap_destructor(struct gw_tcap *gt)
{
	sccp_user_unbind(gt->sccp);	/* nothing reaches the instance freed next */
	return 0;
}

struct gw_tcap *gw_tcap_start(void *ctx, struct ss7_stack *stack, uint8_t ssn)
{
	struct gw_tcap *gt = talloc_zero(ctx, struct gw_tcap);
	gt->sccp = sccp_user_bind(stack->sccp, ssn, &tcap_sccp_user_ops, NULL);
	if (!gt->sccp) {
		talloc_free(gt);
		return NULL;
	}
	talloc_set_destructor(gt, gw_tcap_destructor);
	struct sccp_sap_down down = sccp_user_sap_down(gt->sccp);
	gt->tcap = tcap_instance_alloc(gt, &down, &gw_tcap_ops, gt);
	sccp_user_set_priv(gt->sccp, gt->tcap);
	return gt;
}

void gw_tcap_add_service(struct gw_tcap *gt, const struct gw_service *svc)
{
	if (gt->n_svc < GW_SERVICES_MAX)
		gt->svc[gt->n_svc++] = *svc;
}

struct tcap_instance *gw_tcap_instance(struct gw_tcap *gt)
{
	return gt->tcap;
}
