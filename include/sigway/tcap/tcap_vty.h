/* VTY of the TCAP layer: "show tcap statistics" over the TCAP instances a
 * process registers (one per local SSN it serves with TCAP). */
#pragma once

struct tcap_instance;

/* Installs the show commands; call once, after vty_init() */
void tcap_vty_init(void);
/* Lists an instance under a name (e.g. "gateway", "hlr"); it leaves the list
 * by itself when it is freed. name is copied. Returns 0 or -ENOMEM. */
int tcap_vty_add_instance(const char *name, struct tcap_instance *inst);
