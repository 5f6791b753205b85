/* The "numbering" config node: data file, overrides, default normaliser
 * settings; "show numbering ..." and "numbering reload" (doc/numbering.md). */
#pragma once

struct numbering;

void numbering_vty_init(struct numbering *nb);
