#!/bin/sh
# Writes far more than any credential: must be refused, not buffered without end.
head -c 3000000 /dev/zero | tr '\0' 'x'
