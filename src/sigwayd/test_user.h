/* sigwayd's test TC-user (see test_user.c) */
#pragma once

#include <sigway/ss7/ss7_stack.h>

/* SSNs of the test users: TCAP as an SMS gateway would (MSC/GMSC SSN 8),
 * raw UDT echo on a national-use SSN */
#define TEST_TCAP_SSN 8
#define TEST_ECHO_SSN 250

struct test_user;

/* Installs the VTY commands; call before the config is read */
struct test_user *test_user_alloc(void *ctx, struct ss7_stack *stack);
/* Binds the SSNs; own_gt is the calling GT of everything the user sends */
int test_user_start(struct test_user *tu, const char *own_gt);

struct smsc;
struct tcap_instance;
/* The SMS core takes the dialogues it owns on the shared SSN 8 instance */
void test_user_set_smsc(struct test_user *tu, struct smsc *smsc);
struct tcap_instance *test_user_tcap(struct test_user *tu);
