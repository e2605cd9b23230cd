#!/usr/bin/env bash
# The whole test suite. With CI=true it first brings the machine back to a
# new user's (scripts/fresh_state.sh). Then two lanes run side by side, each
# stage after stage:
#   lab lane:    the README's main job end to end (tests/e2e: check mode on a
#                fresh lab, `make lab` twice, `make lab-down`), then the
#                multi_dc and nginx_lb scenarios (the two lanes take about
#                as long);
#   other lane:  unit tests, ansible-lint (production profile), ansible-test
#                sanity, then every other Molecule scenario but master_move.
# One lane alone leaves about a third of the two cores idle: a play on one or
# two hosts, a test waiting for a timer. Every stage writes its own log,
# printed whole when the stage ends; a line per stage start and end shows
# progress meanwhile. The first stage to fail stops both lanes.
#
#   scripts/test.sh                 everything, as CI runs it
#   scripts/test.sh --stage NAME    one stage: unit, lint, sanity, fresh,
#                                   main-job or a scenario name
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
export VIRTUAL_ENV="$REPO/.venv" PATH="$REPO/.venv/bin:$PATH"
export ANSIBLE_CONFIG="$REPO/ansible.cfg"
export PY_COLORS=0 ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 NO_COLOR=1

LAB_LANE=(main-job multi_dc nginx_lb)
# master_move (three DCs, four full converges, about 45 minutes on two cores)
# would take CI past its 90 minutes: it runs on its own,
# `molecule test -s master_move` (docs/master_move.md).
NOT_IN_CI=(master_move)

run_stage_command() {
    case $1 in
        unit) pytest tests/unit -q -p no:cacheprovider ;;
        lint) ansible-lint --profile production --offline ;;
        sanity) bash scripts/sanity.sh ;;
        fresh) bash scripts/fresh_state.sh ;;
        main-job) pytest tests/e2e -v -p no:cacheprovider --durations=10 ;;
        *) [ -f "molecule/$1/molecule.yml" ] || { echo "no such stage: $1" >&2; return 2; }
           molecule test -s "$1" ;;
    esac
}

if [ "${1:-}" = "--stage" ]; then
    run_stage_command "$2"
    exit
fi

scenarios() {
    local file name
    for file in molecule/*/molecule.yml; do
        name=$(basename "$(dirname "$file")")
        [[ " ${NOT_IN_CI[*]} ${LAB_LANE[*]} " == *" $name "* ]] || echo "$name"
    done
}

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/multidc-apim-test.XXXXXX")
RESULTS="$LOGS/results"
: >"$RESULTS"
now() { date +%H:%M:%S; }

# One stage: its output into its own log, printed whole (under a lock, so two
# lanes never interleave) when it ends.
stage() {
    local name=$1 started=$SECONDS rc=0 took verdict=ok
    printf '%s started %s\n' "$(now)" "$name"
    run_stage_command "$name" >"$LOGS/$name.log" 2>&1 || rc=$?
    took=$((SECONDS - started))
    [ "$rc" -eq 0 ] || verdict=FAILED
    {
        flock 9
        printf '\n===== %s (%ds, exit %d)\n' "$name" "$took" "$rc"
        cat "$LOGS/$name.log"
        printf '%s ended %s: %s in %ds\n' "$(now)" "$name" "$verdict" "$took"
        printf '%-15s %-6s %5ds  %s\n' "$name" "$verdict" "$took" "$LANE" >>"$RESULTS"
    } 9>"$LOGS/lock"
    return "$rc"
}

lane() {
    LANE=$1
    shift
    local name
    for name in "$@"; do
        stage "$name" || exit 1
    done
}

summary() {
    printf '\n===== summary (total %ds, two lanes side by side)\n' "$SECONDS"
    cat "$RESULTS"
}

declare -a LANE_PIDS=()
stop_lanes() {
    local pid
    for pid in "${LANE_PIDS[@]}"; do
        # Each lane leads its own process group (setsid): this stops the
        # molecule, pytest and ansible-playbook processes under it too.
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
}
unfinished() {
    local log
    for log in "$LOGS"/*.log; do
        [ -e "$log" ] || continue
        grep -q "^$(basename "$log" .log) " "$RESULTS" && continue
        printf -- '\n===== %s: stopped before its end; its last lines\n' "$(basename "$log" .log)"
        tail -n 40 "$log"
    done
}
interrupted() {
    stop_lanes
    unfinished
    summary
    exit 130
}
trap interrupted TERM INT

# CI proves the fresh path every run: no containers left over, and a base
# image built from scratch, as on a new user's machine. Before the lanes:
# it removes every lab and scenario container.
if [ "${CI:-}" = "true" ]; then
    LANE=first stage fresh || { summary; exit 1; }
fi

mapfile -t OTHER_LANE < <(echo unit lint sanity | tr ' ' '\n'; scenarios)
export -f run_stage_command stage lane now
export LOGS RESULTS
setsid bash -c 'set -euo pipefail; lane lab "$@"' lane "${LAB_LANE[@]}" &
LANE_PIDS+=($!)
setsid bash -c 'set -euo pipefail; lane other "$@"' lane "${OTHER_LANE[@]}" &
LANE_PIDS+=($!)

failed=0
for _ in "${LANE_PIDS[@]}"; do
    if ! wait -n; then
        failed=1
        stop_lanes
    fi
done
unfinished
summary
if [ "$failed" -ne 0 ] || grep -q FAILED "$RESULTS"; then
    printf 'a stage failed: see its log above\n'
    exit 1
fi
printf 'stages: %d passed, 0 failed\n' "$(wc -l <"$RESULTS")"
rm -rf "$LOGS"
