#!/bin/sh
# tests/data/srvstats/hang.sh: a control program that prints a line and never ends (the reader's timeout test).
echo "mod-stats.request-protocol[udp4] = 1"
exec sleep 30
