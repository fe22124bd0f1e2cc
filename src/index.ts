// The samsa package: a Kafka client (producer, consumer, admin) for Kafka-compatible brokers.
export * from './client/index.js';
