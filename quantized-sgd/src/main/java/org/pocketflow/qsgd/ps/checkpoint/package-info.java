/**
 * Checkpoints of the parameter server: {@link org.pocketflow.qsgd.ps.checkpoint.Checkpoint}
 * (step, parameters, optimizer state) and {@link org.pocketflow.qsgd.ps.checkpoint.CheckpointStore}
 * (one versioned, CRC32C-checked file, replaced atomically, java.nio).
 */
package org.pocketflow.qsgd.ps.checkpoint;
