/** Full-precision training: optimizer and learning-rate schedule, the training loop with progress. */
package org.pocketflow.worker.train;
