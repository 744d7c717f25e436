/**
 * The {@link org.pocketflow.qsgd.GradientCodec} implementations: {@link
 * org.pocketflow.qsgd.codec.EcqCodec} (ECQ-SGD, the one this module is for), {@link
 * org.pocketflow.qsgd.codec.IdentityCodec} (fp32, the reference) and the baselines ECQ is measured
 * against: {@link org.pocketflow.qsgd.codec.QsgdCodec}, {@link
 * org.pocketflow.qsgd.codec.TernGradCodec}, {@link org.pocketflow.qsgd.codec.SignEfCodec}, {@link
 * org.pocketflow.qsgd.codec.ThresholdCodec}. Each has one parameter record ({@code <Algorithm>Params})
 * with validation, documented defaults and its header layout.
 *
 * <p>Shared pieces: {@link org.pocketflow.qsgd.codec.AbstractCodec} (the decode pipeline: validate
 * everything, then write), {@link org.pocketflow.qsgd.codec.AbstractEncoder} (length check, message
 * counter), {@link org.pocketflow.qsgd.codec.LevelFormat} (payload of the three stochastic-level
 * codecs) and {@link org.pocketflow.qsgd.codec.CodecCatalog} (codec from a message header).
 */
package org.pocketflow.qsgd.codec;
