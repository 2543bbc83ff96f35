# lib.sh - what run.sh and generated.sh share; sourced by them, not run.

# bench_tools SCRIPT BUILD: set pp, bench and gen (the planner, bench_month
# and the month generator), or exit 1 saying which is missing and how to
# build it.  Needs $root, the top of the tree.
bench_tools() {
	pp=$2/daemon/peerplan
	bench=$2/contrib/bench/bench_month
	gen=$root/contrib/gen/peerplan-gen
	for tool in "$pp" "$bench"; do
		if [ ! -x "$tool" ]; then
			echo "$1: $tool is missing; build it first:" >&2
			echo "  cmake --build $2 --target peerplan bench_month" >&2
			exit 1
		fi
	done
}
