#!/bin/sh
# Runs a test program under $VFIOPLAN_WRAPPER (the valgrind test setup sets
# it), as the golden runners do for the vfioplan binary; the wrapper is a
# command line, split on spaces on purpose.
# shellcheck disable=SC2086
exec ${VFIOPLAN_WRAPPER:-} "$@"
