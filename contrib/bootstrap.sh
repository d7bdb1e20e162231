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
	libsqlite3-dev libgnutls28-dev nettle-dev gnupg gpg-agent sqlite3 neomutt tmux python3 openssl util-linux"

# What only the test suite drives: valgrind for the memory check, and the
# programs whose recipes contrib/ ships, run for real by t0910.  Installing
# Dovecot must not start a system Dovecot: services stay down meanwhile.
[ "$what" = check ] &&
	packages="$packages valgrind procmail maildrop dovecot-core dovecot-sieve fetchmail getmail6 systemd postfix"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ] && [ "${SKIP_APT:-}" != 1 ]; then
	echo "bootstrap: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Postfix for t0900, which runs a private instance: no system configuration.
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get update -q >/dev/null
	norc=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		norc=1
	fi
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >/dev/null
	[ -z "$norc" ] || rm -f /usr/sbin/policy-rc.d
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
