/* The "routing" node: operators with their throughput and shares are read,
 * take effect and are written back the same (a share at its default is not
 * written); the share command keeps its syntax and help, takes an
 * abbreviated keyword, refuses what is out of range or unknown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>

#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/routing/routing.h>
#include "vty_capture.h"

static struct routing *rt;
static void *ctx;

static char *run(int node, const char *cmd, int *rc)
{
	return test_vty_run(ctx, node, cmd, rc);
}

/* the "routing" node as `write file` writes it */
static char *written(void)
{
	char *node = strstr(test_vty_written(ctx), "routing\n");
	assert_non_null(node);
	char *end = strstr(node, "!");
	if (end)
		*end = '\0';
	return node;
}

static const char *config =
	"routing\n"
	" operator alpha hlr-gt 4912345 map-version 3\n"
	" operator alpha throughput 100\n"
	" operator alpha lookup-share 20\n"
	" operator alpha ussd-push-share 5\n"
	" operator alpha network-gt 4912\n"
	" operator beta hlr-gt 4998765 map-version 2\n"
	" operator beta ussd-push-share 0\n"
	" operator gamma hlr-gt 3312 map-version 2\n"
	" route 49 operator alpha\n"
	" route 4998 operator beta\n";

static void test_config_read_and_written_back(void **state)
{
	FILE *f = fmemopen((void *)config, strlen(config), "r");
	assert_int_equal(vty_read_config_filep(f, NULL), 0);
	fclose(f);

	struct operator *a = routing_operator(rt, "alpha"), *b = routing_operator(rt, "beta"),
			*g = routing_operator(rt, "gamma");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(g);
	assert_int_equal(a->throughput, 100);
	assert_int_equal(a->share[ROUTING_CLASS_LOOKUP].percent, 20);
	assert_int_equal(a->share[ROUTING_CLASS_USSD_PUSH].percent, 5);
	assert_int_equal(b->share[ROUTING_CLASS_LOOKUP].percent, 30);	/* the defaults */
	assert_int_equal(b->share[ROUTING_CLASS_USSD_PUSH].percent, 0);
	assert_int_equal(g->share[ROUTING_CLASS_LOOKUP].percent, 30);
	assert_int_equal(g->share[ROUTING_CLASS_USSD_PUSH].percent, 10);
	assert_ptr_equal(routing_route(rt, "4998111"), b);

	char *text = written();
	if (strcmp(text, config))
		fail_msg("written:\n%s", text);
}

static void test_share_keywords(void **state)
{
	int rc;
	struct operator *g = routing_operator(rt, "gamma");
	/* a unique abbreviation names the class, as before */
	run(SIGWAY_ROUTING_NODE, "operator gamma l 7", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	run(SIGWAY_ROUTING_NODE, "operator gamma ussd 3", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	assert_int_equal(g->share[ROUTING_CLASS_LOOKUP].percent, 7);
	assert_int_equal(g->share[ROUTING_CLASS_USSD_PUSH].percent, 3);
	assert_non_null(strstr(written(), " operator gamma lookup-share 7\n operator gamma ussd-push-share 3\n"));
	/* back to the defaults: not written */
	run(SIGWAY_ROUTING_NODE, "operator gamma lookup-share 30", &rc);
	run(SIGWAY_ROUTING_NODE, "operator gamma ussd-push-share 10", &rc);
	assert_int_equal(rc, CMD_SUCCESS);
	if (strcmp(written(), config))
		fail_msg("written:\n%s", written());
}

static void test_bad_commands(void **state)
{
	static const char *const bad[] = {
		"operator gamma lookup-share 101",
		"operator gamma ussd-push-share -1",
		"operator gamma sms-share 5",
		"operator nobody lookup-share 5",
		"operator gamma lookup-share",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int rc;
		char *out = run(SIGWAY_ROUTING_NODE, bad[k], &rc);
		if (rc == CMD_SUCCESS)
			fail_msg("'%s' accepted: %s", bad[k], out);
	}
	int rc;
	char *out = run(SIGWAY_ROUTING_NODE, "operator nobody ussd-push-share 5", &rc);
	assert_non_null(strstr(out, "% unknown operator nobody (define it first)"));
	struct operator *g = routing_operator(rt, "gamma");
	assert_int_equal(g->share[ROUTING_CLASS_LOOKUP].percent, 30);
	assert_int_equal(g->share[ROUTING_CLASS_USSD_PUSH].percent, 10);
}

/* The share command's syntax and help, as the VTY reference documents them,
 * are what they were before the table built them */
static void test_share_help(void **state)
{
	char *xml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xml, &len);
	assert_non_null(f);
	assert_int_equal(vty_dump_xml_ref_mode(f, VTY_REF_GEN_MODE_DEFAULT), 0);
	fclose(f);
	static const char *const want[] = {
		"<command id='operator NAME (lookup-share|ussd-push-share) &lt;0-100&gt;'>",
		"<param name='operator' doc='A network operator' />",
		"<param name='NAME' doc='Name' />",
		"<param name='lookup-share' doc='While SMS waits for the operator&apos;s throughput, number lookups get "
		"at most this share of it' />",
		"<param name='ussd-push-share' doc='While SMS waits for the operator&apos;s throughput, USSD pushes get at "
		"most this share of it' />",
		"<param name='&lt;0-100&gt;' doc='Percent (0: none while SMS waits)' />",
	};
	const char *at = xml;
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		const char *hit = strstr(at, want[k]);
		if (!hit)
			fail_msg("not in the VTY reference (in this order): %s", want[k]);
		at = hit + strlen(want[k]);
	}
	free(xml);
}

static struct vty_app_info vty_info = { .name = "test_routing_vty", .version = "0" };
/* routing_vty_init() also installs the operator commands under "sms" */
static struct cmd_node sms_node = { SIGWAY_SMS_NODE, "%s(config-sms)# ", 1 };

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_read_and_written_back),
		cmocka_unit_test(test_share_keywords),
		cmocka_unit_test(test_bad_commands),
		cmocka_unit_test(test_share_help),
	};
	ctx = talloc_named_const(NULL, 0, "test");
	osmo_init_logging2(ctx, &sigway_log_info);
	vty_info.tall_ctx = ctx;
	vty_init(&vty_info);
	install_node(&sms_node, NULL);
	rt = routing_alloc(ctx);
	routing_vty_init(rt);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
