#!/usr/bin/env bash
# Bash completion against the built binary: the commands it offers are the
# binary's subcommands, and for each command (and the default trace) the
# options it offers are exactly the ones that command's --help lists (plus
# --version, wired by the CLI).  Option values: a real map created here is
# offered for --map-id and --map-name; --order and --probe values.
# usage: tests/packaging/completion.sh [BUILD_DIR]   (from the tree's top; root)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$build/trace-map-iter
source tests/packaging/lib/help.bash
source completion/trace-map-iter.bash
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "$bin not built"

# complete WORD...: COMPREPLY for the last word, sorted, one per line.
complete_words()
{
	COMP_WORDS=(trace-map-iter "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_trace_map_iter
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u
}

same() # what got want
{
	if [ "$2" != "$3" ]; then
		echo "--- $1: completion offers / binary has:" >&2
		diff <(echo "$2") <(echo "$3") >&2 || true
		fail "$1"
	fi
}

same "commands" "$(complete_words '')" "$(help_commands "$bin" | sort -u)"
same "trace options" "$(complete_words - | grep -vx -- --version)" \
	"$(help_options "$bin" | grep -vx -- --version | sort -u)"
for cmd in $(help_commands "$bin"); do
	same "$cmd options" "$(complete_words "$cmd" -)" "$(help_options "$bin" "$cmd" | sort -u)"
done
# Options after a trace option's value still complete as trace options.
same "trace options after -d 5" "$(complete_words -d 5 --ex)" "--exact-cursor"
same "dump options after the command" "$(complete_words --map-id 1 dump --di)" "--digest"

same "--order values" "$(complete_words --order '')" "$(printf '%s\n' fingerprint full none)"
same "--probe values" "$(complete_words --probe '')" "$(printf '%s\n' raw_tp tracepoint)"
same "--format values" "$(complete_words dump --format '')" "$(printf '%s\n' jsonl table)"

# A real map: its id and name are offered (bpftool lists maps as root).
pin=/sys/fs/bpf/tmic_$$
trap 'rm -f "$pin"' EXIT
bpftool map create "$pin" type hash key 4 value 4 entries 8 name tmic_$$ ||
	fail "can't create a test map"
id=$(bpftool map show pinned "$pin" | sed -n 's/^\([0-9]*\):.*/\1/p')
[ -n "$id" ] || fail "no id for $pin"
complete_words --map-id '' | grep -qx "$id" || fail "--map-id does not offer map $id"
complete_words buckets --map-name tmic_ | grep -qx "tmic_$$" ||
	fail "--map-name does not offer tmic_$$"
complete_words --pinned "$pin" | grep -qx "$pin" || fail "--pinned does not offer $pin"
echo "ok: completion matches $bin --help (commands: $(help_commands "$bin" | tr '\n' ' '))"
