/**
 * The message format (version 1, {@link org.pocketflow.qsgd.wire.WireFormat}), its validated
 * view ({@link org.pocketflow.qsgd.wire.Frame}) and the Kryo 5 serializer for {@link
 * org.pocketflow.qsgd.EncodedGradient} ({@link org.pocketflow.qsgd.wire.QsgdKryo#register}).
 */
package org.pocketflow.qsgd.wire;
