/**
 * Full-precision training: optimizer and learning-rate schedule, the training loop with progress;
 * {@link org.pocketflow.worker.train.StepHook}, what a learner keeps in force around each step, and
 * {@link org.pocketflow.worker.train.HookState}, the checked form of a hook's state in a
 * parameter-server checkpoint.
 */
package org.pocketflow.worker.train;
