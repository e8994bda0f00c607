import type { Metrics } from "@aws-lambda-powertools/metrics";

/**
 * Publishes what the invocation stored, if anything. Per-record counts go out as single-metric EMF documents
 * when they happen, so an invocation may have nothing stored: Powertools would warn "No application metrics to
 * publish" on every such call, which says nothing here.
 */
export function publishStoredMetrics(metrics: Metrics): void {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
