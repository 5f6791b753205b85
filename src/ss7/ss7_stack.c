/* Assembles the SS7 stack of a daemon. */

#include <talloc.h>
#include <sigway/sccp/sccp_vty.h>
#include <sigway/ss7/ss7_stack.h>

struct ss7_stack *ss7_stack_alloc(void *ctx)
{
	struct ss7_stack *stack = talloc_zero(ctx, struct ss7_stack);
	stack->sccp = sccp_layer_alloc(stack, NULL);
	sccp_vty_init(stack->sccp);
	return stack;
}

int ss7_stack_start(struct ss7_stack *stack)
{
	stack->mtp = ss7_mtp_bind(stack, 0, stack->sccp);
	return stack->mtp ? 0 : -1;
}

bool ss7_stack_link_up(const struct ss7_stack *stack)
{
	return stack->mtp && ss7_mtp_link_up(stack->mtp);
}

void ss7_stack_free(struct ss7_stack *stack)
{
	talloc_free(stack);
}
