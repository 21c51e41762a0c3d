#!/bin/sh
# Never answers: the caller's timeout must kill it and what it started. The pid of its child is
# written to $HANG_PIDFILE so that the test can check it is gone.
sleep 30 &
[ -n "$HANG_PIDFILE" ] && echo $! > "$HANG_PIDFILE"
wait
echo '{}'
