#!/bin/sh
# Never answers: the caller's timeout must kill it and its children.
sleep 30
echo '{}'
