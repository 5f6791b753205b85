#!/bin/sh
# demo.sh - set up a fresh Debian machine, build, and run the demo on the
# embedded defaults: osmo-stp, sigway-netsim and sigwayd on loopback, then
# the gateway talks to the simulated network through the STP.
# Extra arguments: none. The processes are stopped at the end.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/setup.sh" demo
exec python3 "$top/contrib/demo.py" "$top/build"
