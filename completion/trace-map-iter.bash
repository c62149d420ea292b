# bash completion for trace-map-iter(8)                      -*- shell-script -*-
# Installed as share/bash-completion/completions/trace-map-iter.  Commands and
# options mirror the binary's --help (tests/packaging/completion.sh checks
# both ways); map ids and names come from bpftool when it is installed.

_trace_map_iter_maps()
{
	# $1: "id" or "name".  Quiet when bpftool is missing or not allowed.
	command -v bpftool >/dev/null 2>&1 || return
	if [[ $1 == id ]]; then
		bpftool map show 2>/dev/null | sed -n 's/^\([0-9][0-9]*\): .*/\1/p'
	else
		bpftool map show 2>/dev/null | sed -n 's/^[0-9][0-9]*: [a-z_]*  name \([^ ]*\) .*/\1/p'
	fi
}

_trace_map_iter()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="dump diff buckets audit demo serve top"
	local map_opts="--map-id --map-name --pinned"
	local cmd="" i w
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ " $commands " == *" $w "* ]]; then
			cmd=$w
			break
		fi
	done

	# The value of an option.
	case $prev in
	--map-id)
		COMPREPLY=($(compgen -W "$(_trace_map_iter_maps id)" -- "$cur"))
		return ;;
	--map-name)
		COMPREPLY=($(compgen -W "$(_trace_map_iter_maps name)" -- "$cur"))
		return ;;
	--pinned | -o | --output | --svg | --traced)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--order)
		COMPREPLY=($(compgen -W "none fingerprint full" -- "$cur"))
		return ;;
	--sort)
		COMPREPLY=($(compgen -W "calls walks p99 lost restarts" -- "$cur"))
		return ;;
	--comm)
		COMPREPLY=($(compgen -W "$(ps -e -o comm= 2>/dev/null)" -- "$cur"))
		return ;;
	--hook | --probe)
		COMPREPLY=($(compgen -W "auto fentry kprobe tracepoint raw_tp" -- "$cur"))
		return ;;
	--format)
		COMPREPLY=($(compgen -W "jsonl table" -- "$cur"))
		return ;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur"))
		return ;;
	-d | --duration | -i | --interval | --ringbuf-size | --top | --entries | --expect | \
	--listen | --digest-interval | -n | --count)
		return ;;
	esac

	local opts
	case $cmd in
	"") opts="-h --help --version $map_opts -p --pid --comm -d --duration -i --interval -j --json
		  --order --ringbuf-size --exact-cursor --hook --probe --top --sort -o --output -v --verbose" ;;
	dump) opts="-h --help $map_opts -o --output --format --consistent --digest --expect --raw --fsync" ;;
	diff) opts="-h --help -j --json" ;;
	buckets) opts="-h --help $map_opts -j --json --top --svg" ;;
	audit) opts="-h --help $map_opts --traced -j --json" ;;
	demo) opts="-h --help -j --json --entries --hook --probe" ;;
	serve) opts="-h --help --listen $map_opts -p --pid --hook --probe --digest-interval --ringbuf-size --walk-events" ;;
	top) opts="-h --help $map_opts -p --pid --comm -i --interval --sort -n --count --digest-interval" ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
	elif [[ $cmd == diff ]]; then
		# A and B: dump files, or id:N / pinned:PATH / name:NAME.
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur") $(compgen -W "id: pinned: name:" -- "$cur"))
	fi
} &&
	complete -F _trace_map_iter trace-map-iter
