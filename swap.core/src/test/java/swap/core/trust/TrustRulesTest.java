package swap.core.trust;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.Test;

/** The trust policy's rules, decided without a framework (the signature check is given). */
public class TrustRulesTest {
    private static final Supplier<String> SIGNED = () -> null;
    private static final Supplier<String> UNSIGNED = () -> "not signed";

    private static TrustPolicy.Settings policy(String unlisted, String... rules) {
        return new TrustPolicy.Settings(true, rules, unlisted, null, null, null);
    }

    @Test
    public void noConfigurationTrustsEveryBundle() {
        TrustPolicy.Settings none = new TrustPolicy.Settings(false, new String[0], "trust", null, null, null);
        assertNull(TrustPolicy.decide(none, "anything", "any.Interface", UNSIGNED));
    }

    @Test
    public void anyRuleForTheInterfaceMayAdmitTheBundle() {
        TrustPolicy.Settings p = policy("refuse", "swap.api.fcm.*=swap.fcm.*", "swap.api.fcm.*=com.acme.fcm.*;signed");
        assertNull("the platform's own, unsigned", TrustPolicy.decide(p, "swap.fcm.shared", "swap.api.fcm.FileCacheManager", UNSIGNED));
        assertNull("a signed third party", TrustPolicy.decide(p, "com.acme.fcm.fast", "swap.api.fcm.FileCacheManager", SIGNED));
        assertEquals("bundle com.acme.fcm.fast not signed (rule swap.api.fcm.*=com.acme.fcm.*;signed)",
                TrustPolicy.decide(p, "com.acme.fcm.fast", "swap.api.fcm.FileCacheManager", UNSIGNED));
        assertEquals("bundle evil.fcm is not allowed to provide swap.api.fcm.FileCacheManager (rules: swap.api.fcm.*=swap.fcm.*, swap.api.fcm.*=com.acme.fcm.*;signed)",
                TrustPolicy.decide(p, "evil.fcm", "swap.api.fcm.FileCacheManager", SIGNED));
        assertEquals("no trust rule covers com.other.Thing and unlisted interfaces are refused",
                TrustPolicy.decide(p, "swap.fcm.shared", "com.other.Thing", SIGNED));
        assertNull(TrustPolicy.decide(policy("trust", "swap.api.fcm.*=swap.fcm.*"), "x", "com.other.Thing", UNSIGNED));
    }

    @Test
    public void theSignatureIsCheckedOnlyWhenARuleNeedsIt() {
        AtomicInteger checks = new AtomicInteger();
        Supplier<String> counted = () -> {
            checks.incrementAndGet();
            return null;
        };
        TrustPolicy.Settings p = policy("trust", "a.*=x.*", "a.*=y.*;signed");
        assertNull(TrustPolicy.decide(p, "x.one", "a.I", counted));
        assertEquals(0, checks.get());
        assertNull(TrustPolicy.decide(p, "y.one", "a.I", counted));
        assertEquals(1, checks.get());
    }

    @Test
    public void patternsAreGlobs() {
        assertTrue(TrustPolicy.glob("swap.*").matcher("swap.fcm.shared").matches());
        assertTrue(TrustPolicy.glob("*.fcm.*").matcher("com.acme.fcm.x").matches());
        assertTrue(!TrustPolicy.glob("swap.fcm").matcher("swap.fcmX").matches());
        assertTrue("dots are literal", !TrustPolicy.glob("swap.fcm").matcher("swapXfcm").matches());
        assertTrue(TrustPolicy.glob("PAXEXAM-PROBE-*").matcher("PAXEXAM-PROBE-1234").matches());
    }

    @Test
    public void aMalformedRuleIsRejectedWithWhatToWrite() {
        try {
            policy("trust", "no equals sign");
            throw new AssertionError("accepted a rule without '='");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("INTERFACE-PATTERN=BUNDLE-PATTERN"));
        }
    }

    /** At install: a bundle named only by signed rules and not signed is told about; one an unsigned rule names, or none, is not (issue 24). */
    @Test
    public void aBundleNamedOnlyBySignedRulesIsToldAtInstall() {
        TrustPolicy.Settings p = policy("refuse", "swap.api.fcm.*=swap.fcm.*", "swap.api.fcm.*=com.acme.*;signed", "swap.example.*=*;signed");
        assertEquals("not signed (rule swap.api.fcm.*=com.acme.*;signed)", TrustPolicy.signedOnly(p, "com.acme.fcm.fast", UNSIGNED));
        assertNull("signed", TrustPolicy.signedOnly(p, "com.acme.fcm.fast", SIGNED));
        assertNull("an unsigned rule names it", TrustPolicy.signedOnly(p, "swap.fcm.shared", UNSIGNED));
        assertEquals("not signed (rule swap.example.*=*;signed)", TrustPolicy.signedOnly(p, "org.other", UNSIGNED));
        assertNull("no rule names it", TrustPolicy.signedOnly(policy("refuse", "swap.api.fcm.*=swap.fcm.*"), "org.other", UNSIGNED));
    }
}
