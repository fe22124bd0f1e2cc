#!/usr/bin/env sh
exec node "$(dirname "$0")/../dist/bin/kafka-acls.mjs" "$@"
