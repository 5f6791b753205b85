#!/bin/sh
# setup.sh [demo|test] - everything a fresh Debian bookworm machine needs:
# installs the Debian packages (only those missing) and builds sigway.
#   demo: build/      (gcc, optimised; what the demo runs)
#   test: build-test/ (clang, ASan+UBSan, libFuzzer harnesses), and build/ for valgrind
set -eu
mode=${1:-demo}
top=$(cd "$(dirname "$0")/.." && pwd)

# Build and test dependencies, all from Debian bookworm.
PKGS="build-essential clang libclang-rt-14-dev meson ninja-build pkg-config
 libosmocore-dev libosmo-sigtran-dev libosmo-netif-dev libtalloc-dev libsqlite3-dev
 libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev curl libxml2-dev libcrypt-dev nettle-dev
 libcmocka-dev osmo-stp tshark xxd python3 valgrind sqlite3"
# SMPP peers nobody here wrote, for the interop tests: Kannel's bearerbox,
# Net::SMPP, libsmpp34 (second decoder); npm's `smpp` comes from the npm registry;
# a real OsmoHLR for USSD over GSUP (the GSUP codec itself is libosmocore-dev's);
# wrk, the load client of contrib/bench/lookup_bench.py (C: it leaves the CPU
# to the processes measured)
TEST_PKGS="kannel libnet-smpp-perl libsmpp34-dev osmo-hlr tmux wrk"
[ "$mode" = test ] && PKGS="$PKGS $TEST_PKGS"
# the demo's and the tests' SMPP client runs on Node.js
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	# wireshark-common asks whether non-root users may capture; answer for it
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

cd "$top"
# npm `smpp` at the version package-lock.json pins (the demo's and the tests' ESME)
[ -d tests/smpp/node/node_modules/smpp ] || (cd tests/smpp/node && npm ci --no-audit --no-fund --loglevel=error)
case $mode in
demo)
	[ -f build/build.ninja ] || meson setup build --buildtype=release -Dtests=disabled
	ninja -C build
	;;
test)
	# the sanitizer build runs the suite; the plain one is what valgrind checks
	[ -f build/build.ninja ] || meson setup build --buildtype=release -Dtests=disabled
	ninja -C build
	[ -f build-test/build.ninja ] || CC=clang meson setup build-test \
		-Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true
	ninja -C build-test
	;;
*)
	echo "usage: $0 [demo|test]" >&2; exit 1 ;;
esac
