/**
 * Units of work an executor runs for the driver, as plain Java (no Spark types): requests are
 * serializable records built on the driver, results are records the driver writes to the report.
 */
package org.pocketflow.worker.task;
