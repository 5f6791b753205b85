/* The test peer's TC-user (see test_user.c) */
#pragma once

#include <stdint.h>
#include <sigway/ss7/ss7_stack.h>

/* raw UDT echo of the UDT benchmark and the UDTS test: a national-use SSN */
#define TEST_ECHO_SSN 250

struct test_user;

/* Installs the VTY commands; call before the config is read */
struct test_user *test_user_alloc(void *ctx, struct ss7_stack *stack);
/* Binds its TCAP SSN and the echo SSN; own_gt/ssn is the calling address of
 * everything the user sends */
int test_user_start(struct test_user *tu, const char *own_gt, uint8_t ssn);
