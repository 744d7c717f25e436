/**
 * The parameter server's transport: raw byte messages over Aeron UDP, built directly on the Aeron
 * client and embedded media driver that nd4j-parameter-server-node brings ({@code io.aeron}).
 *
 * <p><b>Why not the library's v2 {@code ModelParameterServer}/{@code AeronUdpTransport}.</b>
 * Three such nodes on loopback deliver a BYTE-typed {@code INDArray} intact but at 3–18 MB/s per
 * receiver in our runs, whatever {@code maxChunkSize} is. A JFR profile puts the time in Java object
 * serialization of the message's {@code INDArray} ({@code ObjectOutputStream}, element by element)
 * and its reverse on every receiver; {@code TransportThroughputBench} times that alone at
 * 90–700 ms to serialize and 210–2,100 ms to deserialize an 8 MB message on the shared 2-core
 * machine (load average 11–22), which alone exceeds the 40 ms that 8 MB may take at 200 MB/s.
 * No configuration of the library avoids it: every v2 message is a {@code Serializable} {@code VoidMessage}. Its message flow also does not fit
 * (updates are broadcast through a mesh to every node, where the server needs worker → master
 * gradients and master → worker parameters with a sender id, a step and a checksum). So the
 * exchange uses Aeron itself: our frames are already bytes (an {@code EncodedGradient} is a
 * {@code byte[]}), and they are copied once into the publication and once out of it.
 *
 * <p><b>What the configuration does.</b> With Aeron's own defaults (MTU 1,408 bytes, 128 KiB
 * receiver window and socket buffers) the raw exchange reached only 30–60 MB/s per receiver: the
 * sender waits for status messages every 128 KiB. {@link
 * org.pocketflow.qsgd.ps.transport.TransportSettings#DEFAULTS} (MTU 65,504 bytes, loopback's
 * limit; 4 MiB window and socket buffers, the kernel's {@code rmem_max} here; 16 MiB terms)
 * reached 260–660 MB/s per receiver for 1 and 8 MB messages in the same runs. Off loopback use an
 * MTU the path carries (1,408, or a jumbo-frame size).
 *
 * <p><b>Pieces.</b> {@link org.pocketflow.qsgd.ps.transport.AeronRuntime} (one media driver and
 * client per JVM) → {@link org.pocketflow.qsgd.ps.transport.AeronEndpoint} (one subscription on
 * its address, one publication per peer) → whole messages to a {@link
 * org.pocketflow.qsgd.ps.transport.MessageHandler}. Messages longer than an Aeron message (an
 * eighth of a term) are split into chunks with a 16-byte header and rebuilt per Aeron session,
 * within {@link org.pocketflow.qsgd.ps.transport.AssemblyLimits} (a chunk header is never trusted
 * for an allocation). What a handler throws leaves {@code poll} on the polling thread.
 * Integrity and authentication are the frame layer's job ({@code org.pocketflow.qsgd.ps.wire}).
 */
package org.pocketflow.qsgd.ps.transport;
