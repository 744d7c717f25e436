/** The native compute backend of a worker JVM (oneDNN switch) and runtime versions for provenance. */
package org.pocketflow.worker.runtime;
