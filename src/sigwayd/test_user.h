/* sigwayd's test TC-user (see test_user.c) */
#pragma once

#include <sigway/ss7/ss7_stack.h>
#include "gw_tcap.h"

/* SSNs of the test users: TCAP as an SMS gateway would (MSC/GMSC SSN 8),
 * raw UDT echo on a national-use SSN */
#define TEST_TCAP_SSN 8
#define TEST_ECHO_SSN 250

struct test_user;

/* Installs the VTY commands; call before the config is read */
struct test_user *test_user_alloc(void *ctx, struct ss7_stack *stack);
/* Binds the echo SSN; own_gt is the calling GT of everything the user sends,
 * tcap the gateway's instance (gw_tcap.h) its dialogues run on */
int test_user_start(struct test_user *tu, const char *own_gt, struct tcap_instance *tcap);
/* The test user as a service of the gateway's TC-user (asked last) */
struct gw_service test_user_service(struct test_user *tu);
