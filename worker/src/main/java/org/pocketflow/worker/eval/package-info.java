/** Evaluation of a trained network: top-1 accuracy, loss and measured inference latency. */
package org.pocketflow.worker.eval;
