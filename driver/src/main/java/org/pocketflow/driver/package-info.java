/**
 * The Spark application: command line, job runner (validation before any Spark work, base model
 * on an executor, report with provenance), Spark context set-up and the run directory.
 */
package org.pocketflow.driver;
