#!/bin/sh
# bootstrap.sh: on a fresh Debian 12 machine (as root), install what is
# missing, build, and then either run the demo practice or the test suite.
#
#   sh contrib/bootstrap.sh demo    # build and run the self-contained demo
#   sh contrib/bootstrap.sh check   # build and run the whole test suite
#
# Environment: CONFIGURE_FLAGS adds configure options (CI passes
# --enable-werror); SKIP_APT=1 skips the package step.
set -eu

what=${1:-check}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build tools and libraries, and what the tests drive for real: gpg and its
# agent, NeoMutt in tmux, sqlite3 and python3 to read results.
packages="build-essential autoconf automake pkg-config libetpan-dev libgpgme-dev
	libsqlite3-dev libgnutls28-dev gnupg gpg-agent sqlite3 neomutt tmux python3 openssl util-linux"

# What only the test suite drives: valgrind for the memory check.
[ "$what" = check ] && packages="$packages valgrind"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ] && [ "${SKIP_APT:-}" != 1 ]; then
	echo "bootstrap: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
	# shellcheck disable=SC2086
	./configure ${CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)"

case $what in
demo)
	exec bash contrib/demo.sh "$top/src/confidant"
	;;
check)
	exec make -j"$(nproc)" check
	;;
*)
	echo "usage: sh contrib/bootstrap.sh demo|check" >&2
	exit 64
	;;
esac
