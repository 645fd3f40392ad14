#!/bin/bash
# busybox.sh MMUEMU ARCH CACHE REFERENCE - Debian's busybox-static for ARCH (a Debian
# architecture name: meson's guest_debian) under mmuemu, applet by applet on real inputs,
# against the REFERENCE run of the same binary ("native" or "qemu-ARCH": meson's
# guest_reference): the same stdout and exit status, nothing on stderr but the stats,
# nothing left in use (run.sh). TAP output, one test per command.
#
# The package comes from Debian's archive (bookworm main, or trixie where bookworm has no
# such architecture) at the first run and is kept in
# CACHE: the system's own architecture through the system's apt (`apt-get download`), any
# other (or the system's when its lists do not have it) through a private apt configuration, as .ci/setup does for
# trixie. Exit 77 (skip) only when the archive cannot be reached.
set -u
mmuemu=$1 arch=$2 cache=$3 ref=$4
here=$(cd "$(dirname "$0")" && pwd)
case $mmuemu in /*) ;; *) mmuemu=$(pwd)/$mmuemu ;; esac
case $cache in /*) ;; *) cache=$(pwd)/$cache ;; esac
dir=$cache/busybox-$arch
bin=$dir/root/bin/busybox
[ -x "$bin" ] || [ ! -x "$dir/root/usr/bin/busybox" ] || bin=$dir/root/usr/bin/busybox

fetch() {
	local apt lists
	mkdir -p "$dir/debs" || return 1
	rm -f "$dir"/debs/*.deb
	if [ "$arch" = "$(dpkg --print-architecture 2>/dev/null)" ] && (cd "$dir/debs" && apt-get download -q busybox-static) >"$dir/apt.log" 2>&1; then
		:
	else
		# bookworm first; trixie for an architecture bookworm does not have (riscv64).
		for suite in bookworm trixie; do
			apt=$dir/apt-$suite
			mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
				>"$apt/sources.list"
			aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
				 -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
				 -o "Dir::State::Status=/dev/null"
				 -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
				 -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
			if ! apt-get "${aptopts[@]}" update -q >>"$dir/apt.log" 2>&1; then
				echo "1..0 # SKIP the Debian archive cannot be reached (apt-get update failed)"
				sed 's/^/# /' "$dir/apt.log" | tail -5
				exit 77
			fi
			if (cd "$dir/debs" && apt-get "${aptopts[@]}" download busybox-static:$arch) >>"$dir/apt.log" 2>&1; then
				break
			fi
			if [ $suite = trixie ]; then
				echo "Bail out! apt-get download busybox-static:$arch failed"
				sed 's/^/# /' "$dir/apt.log" | tail -5
				exit 1
			fi
		done
	fi
	rm -rf "$dir/root"
	dpkg-deb -x "$dir"/debs/busybox-static_*.deb "$dir/root" || return 1
	# trixie's package is merged-/usr: /usr/bin/busybox.
	[ -x "$bin" ] || [ ! -x "$dir/root/usr/bin/busybox" ] || bin=$dir/root/usr/bin/busybox
	[ -x "$bin" ]
}

if [ ! -x "$bin" ]; then
	fetch || { echo "Bail out! cannot unpack busybox-static for $arch"; exit 1; }
fi

# Real inputs, the same for both runs (copied into each run's directory).
in=$(mktemp -d) || exit 1
trap 'rm -rf "$in"' EXIT
cat >"$in/words.txt" <<'TXT'
the quick brown fox
jumps over the lazy dog
pack my box with five dozen liquor jugs
the five boxing wizards jump quickly
sphinx of black quartz judge my vow
how vexingly quick daft zebras jump
the quick brown fox
TXT
seq 1 37 | awk '{ print ($1 * 7919) % 1000 }' >"$in/nums.txt"
printf 'b\na\nc\na\nb\nb\n' >"$in/dups.txt"
head -c 100000 /dev/zero | tr '\0' 'x' >"$in/big.txt"
mkdir "$in/sub"
echo inner >"$in/sub/file"
touch -d '2024-01-02 03:04:05' "$in"/*.txt "$in/sub/file" "$in/sub"

cmds=(
	"echo hello world"
	"echo -e a\\tb\\nc"
	"cat words.txt nums.txt"
	"cat big.txt"
	"wc words.txt nums.txt big.txt"
	"wc -l words.txt"
	"sort words.txt"
	"sort -n nums.txt"
	"sort -r -u words.txt"
	"uniq -c sorted:dups.txt"
	"head -n 3 words.txt"
	"tail -n 2 words.txt"
	"tail -c 30 words.txt"
	"seq 1 20"
	"seq 5 -2 -5"
	"sha256sum words.txt nums.txt big.txt"
	"md5sum words.txt big.txt"
	"tr a-z A-Z stdin:words.txt"
	"cut -d@ -f2,4 words.txt"
	"cut -c1-5 nums.txt"
	"sed s/o/0/g words.txt"
	"sed -n 2,4p words.txt"
	"awk {s+=\$1}END{print@s,NR} nums.txt"
	"awk {print@NF,\$NF} words.txt"
	"grep -n the words.txt"
	"grep -c quick words.txt"
	"grep -v -e the -e quick words.txt"
	"grep nothing words.txt"
	"ls"
	"ls -l"
	"ls -1a sub"
	"stat -c %n@%s@%a@%F@%Y words.txt sub"
	"expr 6 * 7"
	"expr length hello"
	"expr 3 > 5"
	"printf %05d@%s\\n 42 foo"
	"cat missing-file"
	"cp words.txt copy.txt"
	"ln -s words.txt link"
	"chmod 600 words.txt"
	"truncate -s 5 words.txt"
	"od -c dups.txt"
	"id -u"
	"env -i A=1 bb:env"
)
echo "1..${#cmds[@]}"
n=0 fail=0
for c in "${cmds[@]}"; do
	n=$((n + 1))
	stdin=/dev/null
	read -r -a argv <<<"$c"
	for i in "${!argv[@]}"; do
		a=${argv[$i]}
		case $a in
		stdin:*) stdin=$in/${a#stdin:}; unset "argv[$i]"; continue ;;
		sorted:*) sort "$in/${a#sorted:}" >"$in/sorted.tmp"; a=sorted.tmp ;;
		esac
		# bb:APPLET: the applet through this busybox's own path, for commands that exec it
		# (PATH would find the host's program, which qemu-user runs natively).
		a=${a//bb:/$bin@}
		argv[$i]=$(printf '%b' "${a//@/ }")
	done
	out=$(ABI_FILES=$in ABI_STDIN=$stdin ABI_QUIET=1 "$here/run.sh" "$mmuemu" "$bin" "$ref" "${argv[@]}" 2>&1)
	st=$?
	if [ $st = 77 ]; then
		echo "ok $n - busybox $c # SKIP $out"
	elif [ $st = 0 ]; then
		echo "ok $n - busybox $c"
	else
		echo "not ok $n - busybox $c"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=1
	fi
done
exit $fail
