#!/usr/bin/env bash
# The man page trace-map-iter(8): groff -ww and man -l render it without a
# warning; it covers every command of the built binary and, in each
# command's section, every option that command's --help lists; its exit
# codes are those of user/base/error.hpp; its version is VERSION.
# usage: tests/packaging/manpage.sh [BUILD_DIR]   (from the tree's top)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$build/trace-map-iter
page=docs/trace-map-iter.8
source tests/packaging/lib/help.bash
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "$bin not built"

warnings=$(groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null) || fail "groff failed"
[ -z "$warnings" ] || fail "groff -ww: $warnings"
out=$(MANWIDTH=80 man --warnings=w -l "$page" 2>/tmp/tmi-man-$$.err) || fail "man -l failed"
warnings=$(cat /tmp/tmi-man-$$.err); rm -f /tmp/tmi-man-$$.err
[ -z "$warnings" ] || fail "man -l: $warnings"
grep -q '^EXIT STATUS' <<<"$out" || fail "man -l rendered no EXIT STATUS section"

# The source with \- as - and font escapes gone, to find options in it.
text=$(sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\%//g' "$page")
# section HEADING-REGEX: the lines from that .SS/.SH to the next one.
section()
{
	awk -v re="$1" '/^\.S[SH] /{ on = ($0 ~ re) ; next } on' <<<"$text"
}
has_option() # SECTION_TEXT OPTION
{
	grep -Eq -- "(^|[^a-z-])$2([^a-z-]|$)" <<<"$1"
}

global=$(section '^\.SH "?GLOBAL OPTIONS')
maps=$(section '^\.SH "?MAP SELECTION')
check_command() # NAME HEADING-REGEX [COMMAND ARGS for --help]
{
	local name=$1 re=$2 body opt
	shift 2
	body=$(section "$re")
	[ -n "$body" ] || fail "no section for $name"
	for opt in $(help_options "$bin" "$@"); do
		has_option "$body" "$opt" && continue
		case $opt in
		-h | --help | --version) has_option "$global" "$opt" && continue ;;
		--map-id | --map-name | --pinned) has_option "$maps" "$opt" && continue ;;
		esac
		fail "$name: option $opt is not in the man page"
	done
}
check_command trace '^\.SS "?trace[ "]'
for cmd in $(help_commands "$bin"); do
	check_command "$cmd" "^\\.SS \"?$cmd([ \"]|\$)" "$cmd"
done

# Exit codes: every one of error.hpp is an item of EXIT STATUS.
exits=$(section '^\.SH "?EXIT STATUS')
for code in $(sed -n 's/^\tkExit[A-Za-z]* = \([0-9]*\),.*/\1/p' user/base/error.hpp); do
	grep -qx "\.B $code" <<<"$exits" || fail "exit code $code is not in EXIT STATUS"
done
grep -q "\"trace-map-iter $(cat VERSION)\"" "$page" || fail ".TH does not say version $(cat VERSION)"
echo "ok: $page renders cleanly and covers $(help_commands "$bin" | wc -l) commands + trace"
