/* The tshark oracle for unit tests: runs tests/tools/dissect on bytes we
 * encoded. Exit status 0 = decoded cleanly, 2 = Wireshark calls it malformed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decode one frame. extra_args goes to dissect as is, e.g. "-e sccp.message_type
 * -e sccp.called.digits" (fields come back tab-separated, several occurrences
 * comma-separated) or "-V" for the text tree. Up to outlen-1 bytes of the output
 * land in out (NUL-terminated, trailing newline removed; out may be NULL).
 * Returns dissect's exit status, or -1 if it could not be run. */
int dissect_run(const uint8_t *buf, size_t len, const char *layer,
		const char *extra_args, char *out, size_t outlen);

/* 1 if the dissect tool and tshark are there (tests skip() otherwise only
 * when SIGWAY_ALLOW_NO_TSHARK is set; by default a missing oracle fails). */
int dissect_available(void);

/* For a test's main(): 0 when the oracle is there; otherwise 77 (meson's
 * "skipped") if SIGWAY_ALLOW_NO_TSHARK is set, else 1 with a message. */
int dissect_require(void);
