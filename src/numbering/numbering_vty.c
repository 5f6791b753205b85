/* The "numbering" node: which data file, corrections of it (ranges, networks
 * by MCC-MNC, countries of calling codes), the default normaliser settings;
 * "show numbering ..." to see what a number or an MCC-MNC resolves to. Names
 * come last on a line so that they may contain spaces. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>
#include <sigway/numbering/numbering_vty.h>

static struct numbering *g_nb;

static struct cmd_node numbering_node = { SIGWAY_NUMBERING_NODE, "%s(config-numbering)# ", 1 };

#define NUMBERING_STR "Numbering data: countries, number ranges, networks\n"
#define RANGE_STR "Override the network of a number range\n" "E.164 prefix (international digits)\n"
#define NAME_STR "Network name\n" "Name (may contain spaces)\n"

/* the words of a name given as .NAME, joined by single spaces */
static int name_of(struct vty *vty, int argc, const char **argv, int first, char *out, size_t outlen)
{
	char *n = argv_concat(argv, argc, first);
	if (!n || strlen(n) >= outlen) {
		vty_out(vty, "%% the name is longer than %d bytes%s", NUMBERING_NAME_MAX - 1, VTY_NEWLINE);
		talloc_free(n);
		return -EINVAL;
	}
	snprintf(out, outlen, "%s", n);
	talloc_free(n);
	return 0;
}

static int done(struct vty *vty, int rc, const char *why)
{
	if (rc < 0) {
		vty_out(vty, "%% %s%s", why ? why : strerror(-rc), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int reload(struct vty *vty)
{
	char err[256];
	int rc = numbering_load_configured(g_nb, err, sizeof(err));
	if (rc < 0) {
		LOGP(DLOOKUP, LOGL_ERROR, "numbering data not loaded: %s\n", err);
		vty_out(vty, "%% numbering data not loaded (the previous data stays): %s%s", err, VTY_NEWLINE);
		return CMD_WARNING;
	}
	LOGP(DLOOKUP, LOGL_NOTICE, "numbering data loaded from %s\n", numbering_loaded_path(g_nb));
	return CMD_SUCCESS;
}

DEFUN(cfg_numbering, cfg_numbering_cmd, "numbering", NUMBERING_STR)
{
	vty->node = SIGWAY_NUMBERING_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_data_file, cfg_data_file_cmd, "data-file PATH",
      "The numbering data file (default: the installed one)\n" "Path\n")
{
	if (numbering_set_data_file(g_nb, argv[0]) < 0)
		return done(vty, -ENAMETOOLONG, "the path is too long");
	/* at run time the new file is read at once; at start after the configuration */
	return numbering_loaded_path(g_nb) ? reload(vty) : CMD_SUCCESS;
}

DEFUN(cfg_no_data_file, cfg_no_data_file_cmd, "no data-file", NO_STR "Use the default numbering data file\n")
{
	numbering_set_data_file(g_nb, NULL);
	return numbering_loaded_path(g_nb) ? reload(vty) : CMD_SUCCESS;
}

static int set_norm(struct vty *vty, const char *cc, const char *trunk, const char *intl)
{
	const char *why = NULL;
	return done(vty, numbering_set_norm(g_nb, cc, trunk, intl, &why), why);
}

DEFUN(cfg_country_code, cfg_country_code_cmd, "country-code <1-999>",
      "Country code of national numbers (a leading trunk prefix, SMPP TON national)\n" "Calling code\n")
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, argv[0], n->trunk_prefix, n->intl_prefixes);
}

DEFUN(cfg_no_country_code, cfg_no_country_code_cmd, "no country-code",
      NO_STR "Refuse national numbers (no default country code)\n")
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, NULL, n->trunk_prefix, n->intl_prefixes);
}

DEFUN(cfg_trunk_prefix, cfg_trunk_prefix_cmd, "trunk-prefix (DIGITS|none)",
      "National trunk prefix (default 0)\n" "Digits\n" "None: numbers without '+' or an international prefix "
      "are international\n")
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, n->country_code, strcmp(argv[0], "none") ? argv[0] : "", n->intl_prefixes);
}

DEFUN(cfg_no_trunk_prefix, cfg_no_trunk_prefix_cmd, "no trunk-prefix", NO_STR "Trunk prefix 0 (the default)\n")
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, n->country_code, NULL, n->intl_prefixes);
}

DEFUN(cfg_intl_prefix, cfg_intl_prefix_cmd, "international-prefix .DIGITS",
      "International prefixes (default 00)\n" "One to four prefixes\n")
{
	char list[24] = "";
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(list);
		if (snprintf(list + l, sizeof(list) - l, "%s%s", i ? "," : "", argv[i]) >= (int)(sizeof(list) - l))
			return done(vty, -EINVAL, "too many or too long prefixes");
	}
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, n->country_code, n->trunk_prefix, list);
}

DEFUN(cfg_no_intl_prefix, cfg_no_intl_prefix_cmd, "no international-prefix",
      NO_STR "International prefix 00 (the default)\n")
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	return set_norm(vty, n->country_code, n->trunk_prefix, NULL);
}

DEFUN(cfg_range, cfg_range_cmd, "range PREFIX network .NAME", RANGE_STR NAME_STR)
{
	char name[NUMBERING_NAME_MAX];
	const char *why = NULL;
	if (name_of(vty, argc, argv, 1, name, sizeof(name)) < 0)
		return CMD_WARNING;
	return done(vty, numbering_override_range(g_nb, argv[0], NULL, name, NULL, &why), why);
}

DEFUN(cfg_range_mccmnc, cfg_range_mccmnc_cmd, "range PREFIX mcc-mnc MCCMNC network .NAME",
      RANGE_STR "MCC-MNC of the network (IMSIs of its subscribers)\n" "5 or 6 digits\n" NAME_STR)
{
	char name[NUMBERING_NAME_MAX];
	const char *why = NULL;
	if (name_of(vty, argc, argv, 2, name, sizeof(name)) < 0)
		return CMD_WARNING;
	return done(vty, numbering_override_range(g_nb, argv[0], argv[1], name, NULL, &why), why);
}

DEFUN(cfg_no_range, cfg_no_range_cmd, "no range PREFIX", NO_STR RANGE_STR)
{
	return done(vty, numbering_override_remove_range(g_nb, argv[0]), "no such range override");
}

DEFUN(cfg_network, cfg_network_cmd, "network MCCMNC country (ISO|any) name .NAME",
      "Override what an MCC-MNC is\n" "5 or 6 digits\n" "Country of the network\n"
      "ISO 3166 code (DE), or 001\n" "Several countries\n" NAME_STR)
{
	char name[NUMBERING_NAME_MAX];
	const char *why = NULL;
	if (name_of(vty, argc, argv, 2, name, sizeof(name)) < 0)
		return CMD_WARNING;
	const char *iso = strcmp(argv[1], "any") ? argv[1] : "";
	return done(vty, numbering_override_network(g_nb, argv[0], name, iso, &why), why);
}

DEFUN(cfg_no_network, cfg_no_network_cmd, "no network MCCMNC", NO_STR "Override what an MCC-MNC is\n"
      "5 or 6 digits\n")
{
	return done(vty, numbering_override_remove_network(g_nb, argv[0]), "no such network override");
}

DEFUN(cfg_calling_code, cfg_calling_code_cmd, "calling-code <1-999> country ISO name .NAME",
      "Override the main country of a calling code\n" "Calling code\n" "Country\n"
      "ISO 3166 code (DE), or 001\n" "Country name\n" "Name (may contain spaces)\n")
{
	char name[NUMBERING_NAME_MAX];
	const char *why = NULL;
	if (name_of(vty, argc, argv, 2, name, sizeof(name)) < 0)
		return CMD_WARNING;
	return done(vty, numbering_override_country(g_nb, argv[0], argv[1], name, &why), why);
}

DEFUN(cfg_no_calling_code, cfg_no_calling_code_cmd, "no calling-code <1-999>",
      NO_STR "Override the main country of a calling code\n" "Calling code\n")
{
	return done(vty, numbering_override_remove_country(g_nb, argv[0]), "no such calling-code override");
}

DEFUN(numbering_reload, numbering_reload_cmd, "numbering reload",
      NUMBERING_STR "Read the data file again (the overrides stay)\n")
{
	return reload(vty);
}

DEFUN(show_numbering, show_numbering_cmd, "show numbering", SHOW_STR NUMBERING_STR)
{
	struct numbering_stats st;
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	numbering_stats(g_nb, &st);
	vty_out(vty, "Data file: %s%s", numbering_loaded_path(g_nb) ? numbering_loaded_path(g_nb) : "(none loaded)",
		VTY_NEWLINE);
	vty_out(vty, " countries %u, country prefixes %u, MCC-MNC %u, networks %u, ranges %u%s", st.countries,
		st.cprefixes, st.mccmncs, st.networks, st.ranges, VTY_NEWLINE);
	vty_out(vty, " trie nodes %u, memory %zu bytes; overrides %u%s", st.trie_nodes, st.bytes, st.overrides,
		VTY_NEWLINE);
	vty_out(vty, "Normaliser: country code %s, trunk prefix %s, international prefixes %s%s",
		n->country_code ? n->country_code : "(none)",
		n->trunk_prefix ? (n->trunk_prefix[0] ? n->trunk_prefix : "(none)") : "0",
		n->intl_prefixes ? n->intl_prefixes : "00", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_numbering_number, show_numbering_number_cmd, "show numbering number NUMBER",
      SHOW_STR NUMBERING_STR "What the data says of a number\n" "As typed (+49..., 0049..., 0170...)\n")
{
	char e164[NUMBERING_E164_MAX + 1];
	const char *why = NULL;
	struct numbering_info info;
	if (numbering_normalise(argv[0], numbering_norm_defaults(g_nb), e164, sizeof(e164), &why) < 0) {
		vty_out(vty, "%% %s: %s%s", argv[0], why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (numbering_lookup(g_nb, e164, &info) < 0) {
		vty_out(vty, "%% %s: unknown country code%s", e164, VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "Number %s: calling code %s, country %s (%s)%s", e164, info.cc,
		info.country ? info.country->iso : "?", info.country ? info.country->name : "?", VTY_NEWLINE);
	if (!info.network) {
		vty_out(vty, " network: unknown (no range)%s", VTY_NEWLINE);
		return CMD_SUCCESS;
	}
	vty_out(vty, " network: %s, range %.*s%s, MCC-MNC", info.network->name, info.range_len, e164,
		info.from_config ? " (configured)" : "");
	for (unsigned i = 0; i < info.network->n_mccmnc; i++)
		vty_out(vty, "%s%s", i ? "," : " ", info.network->mccmnc[i]);
	vty_out(vty, "%s%s", info.network->n_mccmnc ? "" : " unknown", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_numbering_mccmnc, show_numbering_mccmnc_cmd, "show numbering mcc-mnc MCCMNC",
      SHOW_STR NUMBERING_STR "What the data says of an MCC-MNC\n" "5 or 6 digits\n")
{
	const struct numbering_mccmnc *m = numbering_lookup_mccmnc(g_nb, argv[0]);
	if (!m) {
		vty_out(vty, "%% MCC-MNC %s: unknown%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "MCC-MNC %s: %s, country %s%s%s", m->mccmnc, m->name, m->iso[0] ? m->iso : "(several)",
		m->from_config ? " (configured)" : "", VTY_NEWLINE);
	return CMD_SUCCESS;
}

static int config_write_numbering(struct vty *vty)
{
	const struct numbering_norm_cfg *n = numbering_norm_defaults(g_nb);
	vty_out(vty, "numbering%s", VTY_NEWLINE);
	if (numbering_data_file(g_nb))
		vty_out(vty, " data-file %s%s", numbering_data_file(g_nb), VTY_NEWLINE);
	if (n->country_code)
		vty_out(vty, " country-code %s%s", n->country_code, VTY_NEWLINE);
	if (n->trunk_prefix)
		vty_out(vty, " trunk-prefix %s%s", n->trunk_prefix[0] ? n->trunk_prefix : "none", VTY_NEWLINE);
	if (n->intl_prefixes) {
		vty_out(vty, " international-prefix ");
		for (const char *p = n->intl_prefixes; *p; p++)
			vty_out(vty, "%c", *p == ',' ? ' ' : *p);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	for (const struct numbering_override *o = numbering_override_next(g_nb, NULL); o;
	     o = numbering_override_next(g_nb, o)) {
		switch (o->kind) {
		case NUMBERING_OVR_RANGE:
			if (o->mccmnc[0])
				vty_out(vty, " range %s mcc-mnc %s network %s%s", o->key, o->mccmnc, o->name,
					VTY_NEWLINE);
			else
				vty_out(vty, " range %s network %s%s", o->key, o->name, VTY_NEWLINE);
			break;
		case NUMBERING_OVR_NETWORK:
			vty_out(vty, " network %s country %s name %s%s", o->key, o->iso[0] ? o->iso : "any", o->name,
				VTY_NEWLINE);
			break;
		case NUMBERING_OVR_COUNTRY:
			vty_out(vty, " calling-code %s country %s name %s%s", o->key, o->iso, o->name, VTY_NEWLINE);
			break;
		}
	}
	return CMD_SUCCESS;
}

void numbering_vty_init(struct numbering *nb)
{
	g_nb = nb;
	install_element(CONFIG_NODE, &cfg_numbering_cmd);
	install_node(&numbering_node, config_write_numbering);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_data_file_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_data_file_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_country_code_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_country_code_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_trunk_prefix_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_trunk_prefix_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_intl_prefix_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_intl_prefix_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_range_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_range_mccmnc_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_range_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_network_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_network_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_calling_code_cmd);
	install_element(SIGWAY_NUMBERING_NODE, &cfg_no_calling_code_cmd);
	install_element(ENABLE_NODE, &numbering_reload_cmd);
	install_element_ve(&show_numbering_cmd);
	install_element_ve(&show_numbering_number_cmd);
	install_element_ve(&show_numbering_mccmnc_cmd);
}
