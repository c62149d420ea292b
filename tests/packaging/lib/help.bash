# Sourced by tests/packaging/*.sh: what the built binary says it accepts,
# read from its CLI11 --help, so the man page and the completion are checked
# against the tool itself rather than against a list kept in a test.

# help_commands BIN: the subcommands, one per line.
help_commands()
{
	"$1" --help | sed -n '/^Subcommands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}'
}

# help_options BIN [COMMAND]: every option spelling (-h, --help, ...), one
# per line; "--consistent{3}" is "--consistent".
help_options()
{
	local bin=$1
	shift
	"$bin" "$@" --help | sed -n '/^Options:/,/^$/p' |
		sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' '\n' | sed 's/{.*//'
}
