// Public surface of the metrics layer. See README.md.
export {
  CONTENT_TYPE,
  Exposition,
  escapeLabelValue,
  formatLabels,
  formatValue,
  type Labels,
  type MetricType,
} from './exposition.js';
export { Histogram, type HistogramOptions, LATENCY_MS } from './histogram.js';
export {
  type EndpointHandlers,
  type JsonAnswer,
  MetricsServer,
  type MetricsServerOptions,
} from './http-server.js';
export { ProcessMetrics } from './process.js';
export { type Collector, MetricsRegistry } from './registry.js';
