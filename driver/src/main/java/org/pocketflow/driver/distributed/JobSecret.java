package org.pocketflow.driver.distributed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.apache.spark.SecurityManager;
import org.apache.spark.SparkEnv;

/**
 * The parameter server's HMAC key, derived from the job's Spark secret: with {@code
 * spark.authenticate=true} every message carries an HMAC-SHA256 under this key and
 * unauthenticated ones are dropped; without it there is no HMAC (the server then binds to the
 * configured interface only).
 *
 * <p>The key never travels: the driver and each executor derive it from their own Spark {@link
 * SecurityManager} ({@code spark.authenticate.secret}, or the secret Spark generated and handed to
 * its executors). It is SHA-256 over a fixed label and the secret, so the Spark secret itself is
 * never used as a MAC key of another protocol.
 */
public final class JobSecret {
    private static final byte[] LABEL = "pocketflow-parameter-server-hmac/1\0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TRIAL_LABEL = "pocketflow-trial-server-hmac/1\0".getBytes(StandardCharsets.UTF_8);

    private JobSecret() {
    }

    /** The key in this JVM (driver or executor), empty when Spark authentication is off. */
    public static byte[] fromSparkEnv() {
        SecurityManager sm = SparkEnv.get().securityManager();
        return hmacKey(sm.isAuthenticationEnabled(), sm.isAuthenticationEnabled() ? sm.getSecretKey() : null);
    }

    /**
     * Trial {@code trial}'s own key, so that the parameter servers of a study's concurrent trials
     * never accept each other's messages: SHA-256 over a fixed label, the job's key and the trial
     * number. Empty when the job's key is (no authentication).
     */
    public static byte[] forTrial(byte[] jobKey, int trial) {
        if (jobKey.length == 0) {
            return jobKey;
        }
        MessageDigest sha = sha256();
        sha.update(TRIAL_LABEL);
        sha.update(jobKey);
        sha.update(java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(trial).array());
        return sha.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java platform must", e);
        }
    }

    /**
     * @param authenticate whether {@code spark.authenticate} is on
     * @param sparkSecret the job's Spark secret (ignored when {@code authenticate} is false)
     * @return the HMAC key, or an empty array for no authentication
     * @throws IllegalStateException if authentication is on but there is no secret
     */
    static byte[] hmacKey(boolean authenticate, String sparkSecret) {
        if (!authenticate) {
            return new byte[0];
        }
        if (sparkSecret == null || sparkSecret.isEmpty()) {
            throw new IllegalStateException("spark.authenticate is true but this JVM has no Spark secret. Fix: set"
                    + " spark.authenticate.secret (standalone and local-cluster masters need it) or run on a master that"
                    + " generates one (local, YARN, Kubernetes)");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(LABEL);
            return sha.digest(sparkSecret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java platform must", e);
        }
    }
}
