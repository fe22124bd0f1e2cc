/*
 * librdkafka's own mock cluster (rdkafka_mock.h, from the Debian package librdkafka-dev), for
 * bench:broker's kcat comparison: one broker, the topics named on the command line created with one
 * partition each. Prints "mock ready <bootstrap servers>" and runs until its standard input closes.
 * Build: gcc -O2 -o mock-cluster mock-cluster.c -lrdkafka
 */
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(int argc, char **argv) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "mock-cluster: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) {
    fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (rd_kafka_mock_topic_create(mc, argv[i], 1, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fprintf(stderr, "mock-cluster: cannot create topic %s\n", argv[i]);
      return 1;
    }
  }
  printf("mock ready %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  while (getchar() != EOF) {
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
