/* Internals of the routing folder */
#pragma once

#include <sigway/routing/routing.h>

struct routing_route {
	struct llist_head list;
	char prefix[21];
	struct operator *op;
};

struct routing {
	struct map_instance *mi;
	struct sccp_addr calling;	/* SSN 8, the gateway's GT */
	struct llist_head operators;
	struct llist_head routes;
};
