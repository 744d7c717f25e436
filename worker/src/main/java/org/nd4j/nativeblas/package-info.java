/**
 * Not ours: a single compatibility class at the package name DL4J 1.0.0-M2 expects, so that its
 * layers find the oneDNN kernels of nd4j-native 1.0.0-M2 (see {@link org.nd4j.nativeblas.Nd4jCpu}).
 */
package org.nd4j.nativeblas;
