#!/usr/bin/env sh
# SAMSA_HEAP_OPTS: the node flags that size the JavaScript heap, as KAFKA_HEAP_OPTS does for Kafka's JVM
# (default: start the heap at 64 MB; V8's own small start made a broker under load run a full
# collection several times a second). Set it empty to run with V8's defaults.
exec node ${SAMSA_HEAP_OPTS---initial-heap-size=64} "$(dirname "$0")/../dist/bin/kafka-server-start.mjs" "$@"
