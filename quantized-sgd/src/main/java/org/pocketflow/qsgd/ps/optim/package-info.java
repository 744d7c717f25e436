/**
 * The server-side optimizer: {@link org.pocketflow.qsgd.ps.optim.Optimizer} (stateful, one per
 * server) made from an immutable parameter record ({@link org.pocketflow.qsgd.ps.optim.SgdParams}
 * → {@link org.pocketflow.qsgd.ps.optim.SgdOptimizer}: SGD, classical or Nesterov momentum as
 * DL4J computes them). Plain {@code float[]}, no ND4J.
 */
package org.pocketflow.qsgd.ps.optim;
