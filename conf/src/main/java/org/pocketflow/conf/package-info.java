/**
 * Typed job configuration for PocketFlow on Spark.
 *
 * <p>Every key is declared exactly once as a {@link org.pocketflow.conf.ConfigKey} (name, type,
 * default, one-line doc, validator) in a small holder per area ({@link org.pocketflow.conf.RunKeys},
 * {@link org.pocketflow.conf.DataKeys}, ...), and {@link org.pocketflow.conf.ConfigKeys#all()} is
 * the one registry. {@link org.pocketflow.conf.JobConfig#load} layers {@code --conf} overrides over
 * a HOCON job file over the generated {@code reference.conf}, validates the whole result at once
 * and reports every problem with the bad value and its fix ({@link org.pocketflow.conf.ConfigException}).
 * {@link org.pocketflow.conf.ConfigDocs} regenerates {@code docs/CONFIG.md} and
 * {@code reference.conf} from the declarations; {@link org.pocketflow.conf.JvmFlags} exposes the
 * project's one list of Java 17 JVM flags.
 */
package org.pocketflow.conf;
