package swap.webconsole.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token a confirmation page puts in its form: an HMAC-SHA256, under a key drawn at random when the
 * console starts, of the action and its arguments. A POST performs an action only with the token of
 * that very action, which only a page of this console (read with the operator's credentials) carries:
 * another site's page cannot make the operator's browser perform an action (cross-site request
 * forgery), and a confirmation cannot be edited into another action. Thread-safe: the key is never
 * changed, each call uses its own {@link Mac}.
 */
final class Confirmations {
    private final byte[] key = new byte[32];

    Confirmations() {
        new SecureRandom().nextBytes(key);
    }

    /** The token of {@code r}. */
    String token(Actions.Request r) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(r.identity().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** Whether {@code token} is {@code r}'s (compared in constant time). */
    boolean valid(Actions.Request r, String token) {
        return token != null && MessageDigest.isEqual(token(r).getBytes(StandardCharsets.US_ASCII), token.getBytes(StandardCharsets.US_ASCII));
    }
}
