/**
 * Checkpoints of the parameter server: {@link org.pocketflow.qsgd.ps.checkpoint.Checkpoint}
 * (step, parameters, optimizer state, workers' encoder states, the optimizer's extra state), {@link
 * org.pocketflow.qsgd.ps.checkpoint.CheckpointStore} (one versioned, CRC32C-checked file, replaced
 * atomically, java.nio) and {@link org.pocketflow.qsgd.ps.checkpoint.CheckpointRefusedException}
 * (a checkpoint there that cannot be resumed from).
 */
package org.pocketflow.qsgd.ps.checkpoint;
