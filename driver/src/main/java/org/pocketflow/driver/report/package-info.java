/**
 * {@code report.html}: the page a person reads after a job, rendered from {@code report.json}
 * (summary, study fronts and progress, per-layer settings, curves, provenance) with charts
 * embedded as SVG.
 */
package org.pocketflow.driver.report;
