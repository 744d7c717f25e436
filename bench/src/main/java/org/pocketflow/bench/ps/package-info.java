/**
 * The two exchanges that {@code TransportThroughputBench} compares on loopback: nd4j's v2
 * {@code ModelParameterServer} over {@code AeronUdpTransport}, unmodified ({@link
 * org.pocketflow.bench.ps.ModelParameterServerRun}), and the parameter server's raw-frame Aeron
 * exchange ({@link org.pocketflow.bench.ps.AeronExchangeRun}). Both send the same random bytes
 * from one node to two receivers and time each receiver.
 */
package org.pocketflow.bench.ps;
