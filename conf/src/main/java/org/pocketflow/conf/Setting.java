package org.pocketflow.conf;

/**
 * One raw key/value pair as read from a layer, before typing and validation.
 *
 * @param key full dotted key
 * @param text the value as text (HOCON numbers keep their literal text; lists are rendered)
 * @param scalar false when the job file gave a list, which no key accepts
 * @param origin the layer
 * @param where for messages: {@code reference.conf}, the job file as given, or {@code --conf}
 */
record Setting(String key, String text, boolean scalar, Origin origin, String where) {
}
