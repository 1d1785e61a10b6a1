package swap.core.trust;

import swap.core.journal.JournalService;
import swap.core.osgi.OsgiImplementationSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import swap.api.SwapConstants;
import swap.api.TrustCheck;

/**
 * Which bundles may provide implementations of which interfaces. Configuration PID {@value #PID}.
 *
 * <p>A rule is {@code INTERFACE-PATTERN=BUNDLE-PATTERN[|BUNDLE-PATTERN...][;signed]}; patterns are
 * globs ({@code *} is any text). An implementation is trusted when a rule whose interface pattern
 * matches its interface admits it: the providing bundle's symbolic name matches one of the rule's
 * bundle patterns and, with {@code ;signed}, the bundle is signed, untampered, by a certificate of
 * the trust store ({@link JarVerifier}). So one interface may have an unsigned rule for the
 * platform's own bundles and a signed one for everybody else's. When rules match the interface but
 * none admits the bundle, it is refused (the reason: the failed signature check if a rule named it,
 * else the rules it did not match). An interface no rule matches is trusted unless
 * {@code unlisted=refuse}.
 * Without a configuration every bundle is trusted (as before this policy existed); the platform says
 * so once at start.
 *
 * <p>An untrusted implementation is never a swap target ({@link OsgiImplementationSource} skips it
 * and says why), {@code swap:impls} shows it as refused with the reason, and when such a service
 * is registered (or a policy change refuses one) an event {@link SwapConstants#TOPIC_TRUST_REFUSED}
 * is posted, a warning logged and a {@code refusal} journaled. Entries already running an
 * implementation the policy now refuses stay on it (the health check warns); swap them away.
 *
 * <p>When a bundle with components ({@code Service-Component}) is installed or updated and every rule
 * that names it requires a signature it does not have, the console is told at once (stderr, as the
 * platform's other notices) and a {@code refusal} is journaled: its implementations will be refused
 * when it starts (issue 24). Implementations are registered only later, so this is said of the
 * bundle, not of its interfaces.
 *
 * <p>Signature checks are cached per bundle and its last modification, and dropped on a policy
 * change. Thread-safe.
 */
@Component(service = {TrustPolicy.class, TrustCheck.class}, configurationPid = TrustPolicy.PID, immediate = true)
@Designate(ocd = TrustPolicy.Config.class)
public class TrustPolicy implements TrustCheck {
    static final String PID = "swap.trust";

    @ObjectClassDefinition(id = PID, name = "Swap trust policy", description = "Which bundles may provide implementations of which interfaces.")
    public @interface Config {
        @AttributeDefinition(name = "Rules", description = "INTERFACE-PATTERN=BUNDLE-PATTERN[|BUNDLE-PATTERN...][;signed], globs with *; a bundle is trusted "
                + "for an interface when any rule for that interface admits it, e.g. swap.api.fcm.*=swap.fcm.* and swap.api.fcm.*=com.acme.fcm.*;signed", required = false)
        String[] rules() default {};

        @AttributeDefinition(name = "Unlisted interfaces", description = "What an interface that no rule matches gets.",
                options = {@Option(value = "trust", label = "trust every bundle"), @Option(value = "refuse", label = "refuse every bundle")})
        String unlisted() default "trust";

        @AttributeDefinition(name = "Trust store", description = "Path of the key store whose certificates sign trusted bundles (rules with ;signed).", required = false)
        String truststore() default "";

        @AttributeDefinition(name = "Trust store type", description = "PKCS12 or JKS.")
        String truststore_type() default "PKCS12";

        @AttributeDefinition(name = "Trust store password", type = AttributeType.PASSWORD, required = false)
        String truststore_password() default "";
    }

    /** One rule: interfaces, the bundles that may provide them, whether they must be signed. */
    static final class Rule {
        final String text;
        final Pattern iface;
        final List<Pattern> bundles = new ArrayList<>();
        final boolean signed;

        Rule(String text) {
            this.text = text.trim();
            int eq = this.text.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("trust rule '" + text + "' has no '=': write INTERFACE-PATTERN=BUNDLE-PATTERN[|...][;signed]");
            }
            iface = glob(this.text.substring(0, eq).trim());
            String[] parts = this.text.substring(eq + 1).split(";");
            for (String b : parts[0].split("[|,]")) {
                if (!b.isBlank()) {
                    bundles.add(glob(b.trim()));
                }
            }
            boolean s = false;
            for (int i = 1; i < parts.length; i++) {
                String flag = parts[i].trim();
                if (flag.equals("signed") || flag.equals("signed=true")) {
                    s = true;
                } else if (!flag.isEmpty() && !flag.equals("signed=false")) {
                    throw new IllegalArgumentException("trust rule '" + text + "': unknown flag '" + flag + "' (only ;signed)");
                }
            }
            signed = s;
        }
    }

    /** The parsed configuration. */
    static final class Settings {
        final boolean set;
        final List<Rule> rules = new ArrayList<>();
        final boolean refuseUnlisted;
        final KeyStore trustStore;
        final String trustStorePath;
        /** Why the configuration is unusable, or {@code null}: an unusable policy refuses every implementation (fails closed). */
        final String invalid;

        Settings(String invalid) {
            this.set = true;
            this.refuseUnlisted = true;
            this.trustStore = null;
            this.trustStorePath = null;
            this.invalid = invalid;
        }

        Settings(boolean set, String[] rules, String unlisted, String path, String type, String password) {
            this.set = set;
            for (String r : rules == null ? new String[0] : rules) {
                if (r != null && !r.isBlank()) {
                    this.rules.add(new Rule(r));
                }
            }
            this.refuseUnlisted = "refuse".equalsIgnoreCase(unlisted == null ? "" : unlisted.trim());
            this.trustStorePath = path == null || path.isBlank() ? null : path.trim();
            this.trustStore = trustStorePath == null ? null : load(trustStorePath, type, password);
            this.invalid = null;
        }

        private static KeyStore load(String path, String type, String password) {
            try (InputStream in = Files.newInputStream(Paths.get(path))) {
                KeyStore ks = KeyStore.getInstance(type == null || type.isBlank() ? "PKCS12" : type.trim());
                ks.load(in, password == null || password.isEmpty() ? null : password.toCharArray());
                return ks;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot load the trust store " + path + ": " + e.getMessage(), e);
            }
        }

        String describe() {
            if (invalid != null) {
                return "the trust policy (PID " + PID + ") is invalid, so every implementation is refused: " + invalid;
            }
            if (!set) {
                return "no trust policy is set (PID " + PID + "): every bundle may provide implementations";
            }
            List<String> l = new ArrayList<>();
            for (Rule r : rules) {
                l.add(r.text);
            }
            return "trust policy: rules " + l + ", unlisted interfaces " + (refuseUnlisted ? "refused" : "trusted")
                    + (trustStorePath == null ? "" : ", trust store " + trustStorePath);
        }
    }

    private final BundleContext context;
    private final ServiceListener registrations;
    private final SynchronousBundleListener installs;
    private final Map<Long, Object[]> signatures = new ConcurrentHashMap<>();
    private volatile Settings settings;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile EventAdmin eventAdmin;

    @Reference(service = LoggerFactory.class)
    Logger log;

    private final JournalService journal;

    @Activate
    public TrustPolicy(BundleContext context, @Reference JournalService journal, Config config, Map<String, Object> properties) {
        this.context = context;
        this.journal = journal;
        this.registrations = event -> {
            if (event.getType() == ServiceEvent.REGISTERED || event.getType() == ServiceEvent.MODIFIED) {
                report(event.getServiceReference());
            }
        };
        // synchronous: delivered on the installing thread, so the notice comes before the console's "Bundle ID: N"
        this.installs = event -> {
            if (event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED) {
                tellUnsigned(event.getBundle());
            }
        };
        apply(config, properties);
        context.addBundleListener(installs);
        try {
            context.addServiceListener(registrations, "(" + SwapConstants.IMPL_NAME + "=*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        apply(config, properties);
        reportAll();
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(installs);
        context.removeServiceListener(registrations);
    }

    private void apply(Config config, Map<String, Object> properties) {
        Settings s;
        try {
            s = new Settings(properties.containsKey(Constants.SERVICE_PID), config.rules(), config.unlisted(), config.truststore(),
                    config.truststore_type(), config.truststore_password());
        } catch (IllegalArgumentException e) {
            s = new Settings(e.getMessage());
        }
        settings = s;
        signatures.clear();
        String line = s.describe();
        journal.policy(line);
        if (!s.set || s.invalid != null) {
            // the one-line notice at start: visible on the console, and in the log
            System.out.println("swap: " + line + "; see docs/trust-and-journal.md");
        }
        Logger l = log;
        if (l != null) {
            if (s.invalid != null) {
                l.error(line);
            } else {
                l.info(line);
            }
        }
    }

    /**
     * @return why the implementation service {@code ref}, offered as {@code iface}, is refused, or
     *         {@code null} when it is trusted
     */
    public String refusal(ServiceReference<?> ref, String iface) {
        Bundle b = ref.getBundle();
        if (b == null) {
            return "its bundle is gone";
        }
        return refusal(settings, b, iface);
    }

    String refusal(Settings s, Bundle b, String iface) {
        return decide(s, b.getSymbolicName(), iface, () -> signature(s, b));
    }

    /**
     * The policy's decision for a bundle named {@code bsn} offering {@code iface}, without the framework.
     *
     * @param signature checks the bundle's signature ({@code null}: signed by a trusted certificate, else why not); called only if a rule needs it
     * @return {@code null} if trusted, else why not
     */
    static String decide(Settings s, String bsn, String iface, java.util.function.Supplier<String> signature) {
        if (!s.set) {
            return null;
        }
        if (s.invalid != null) {
            return "the trust policy is invalid: " + s.invalid;
        }
        List<String> notNamed = new ArrayList<>();
        String signatureRefusal = null;
        for (Rule r : s.rules) {
            if (!r.iface.matcher(iface).matches()) {
                continue;
            }
            boolean named = false;
            for (Pattern p : r.bundles) {
                named |= p.matcher(bsn == null ? "" : bsn).matches();
            }
            if (!named) {
                notNamed.add(r.text);
                continue;
            }
            String why = r.signed ? signature.get() : null;
            if (why == null) {
                return null; // this rule admits it
            }
            if (signatureRefusal == null) {
                signatureRefusal = "bundle " + bsn + " " + why + " (rule " + r.text + ")";
            }
        }
        if (signatureRefusal != null) {
            return signatureRefusal;
        }
        if (!notNamed.isEmpty()) {
            return "bundle " + bsn + " is not allowed to provide " + iface + " (rules: " + String.join(", ", notNamed) + ")";
        }
        return s.refuseUnlisted ? "no trust rule covers " + iface + " and unlisted interfaces are refused" : null;
    }

    /** The decision for a jar not installed yet (a fix a feed downloaded): its symbolic name and signature, per interface. */
    @Override
    public String refusal(java.nio.file.Path jar, java.util.Collection<String> interfaces) {
        Settings s = settings;
        String bsn;
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            java.util.jar.Manifest mf = f.getManifest();
            String name = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            if (name == null) {
                return jar.getFileName() + " is not a bundle (no Bundle-SymbolicName)";
            }
            bsn = name.split(";")[0].trim();
        } catch (java.io.IOException e) {
            return jar.getFileName() + " cannot be read as a jar: " + e.getMessage();
        }
        String[] signature = new String[1];
        java.util.function.Supplier<String> check = () -> {
            if (signature[0] == null) {
                if (s.trustStore == null) {
                    signature[0] = "cannot be checked: the rule requires a signature and no trust store is configured";
                } else {
                    try {
                        String why = JarVerifier.check(jar, s.trustStore);
                        signature[0] = why == null ? "" : why;
                    } catch (java.io.IOException e) {
                        signature[0] = "cannot be checked: " + e.getMessage();
                    }
                }
            }
            return signature[0].isEmpty() ? null : signature[0];
        };
        for (String iface : interfaces) {
            String why = decide(s, bsn, iface, check);
            if (why != null) {
                journal.refusalAsked(iface, bsn + " (" + jar.getFileName() + ", refused before installing it)", why);
                return why;
            }
        }
        return null;
    }

    private String signature(Settings s, Bundle b) {
        if (s.trustStore == null) {
            return "cannot be checked: the rule requires a signature and no trust store is configured";
        }
        Object[] cached = signatures.get(b.getBundleId());
        if (cached != null && (Long) cached[0] == b.getLastModified() && cached[2] == s) {
            return (String) cached[1];
        }
        Path scratch = context.getDataFile("verify").toPath();
        String why = JarVerifier.check(b, s.trustStore, scratch);
        signatures.put(b.getBundleId(), new Object[] {b.getLastModified(), why, s});
        return why;
    }

    /**
     * Tells the console and the journal when {@code b}, a bundle with components, is named only by rules
     * that require a signature it does not have (its implementations will be refused).
     */
    private void tellUnsigned(Bundle b) {
        Settings s = settings;
        if (!s.set || s.invalid != null || b.getHeaders("").get("Service-Component") == null) {
            return;
        }
        String why = signedOnly(s, b.getSymbolicName(), () -> signature(s, b));
        if (why == null) {
            return;
        }
        String line = "bundle " + b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "] is installed, but the trust policy will refuse"
                + " its implementations: " + why + "; sign it with a certificate of the trust store, or change the rules (PID " + PID
                + "; docs/trust-and-journal.md)";
        System.err.println("swap: " + line);
        journal.refusal("bundle " + b.getSymbolicName(), b.getSymbolicName() + " " + b.getVersion(), line);
        Logger l = log;
        if (l != null) {
            l.warn(line);
        }
    }

    /**
     * Why a bundle named {@code bsn} can be admitted by no rule that names it: every rule whose bundle
     * patterns match it requires a signature, and {@code signature} says why it has none; {@code null}
     * if some rule would admit it, or none names it (then its interfaces decide, later).
     */
    static String signedOnly(Settings s, String bsn, java.util.function.Supplier<String> signature) {
        String why = null;
        for (Rule r : s.rules) {
            boolean named = false;
            for (Pattern p : r.bundles) {
                named |= p.matcher(bsn == null ? "" : bsn).matches();
            }
            if (!named) {
                continue;
            }
            if (!r.signed) {
                return null;
            }
            if (why == null) {
                String w = signature.get();
                if (w == null) {
                    return null; // signed by a trusted certificate: the signed rules admit it
                }
                why = w + " (rule " + r.text + ")";
            }
        }
        return why;
    }

    /** Reports every implementation the current policy refuses. */
    private void reportAll() {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(" + SwapConstants.IMPL_NAME + "=*)");
            if (refs != null) {
                for (ServiceReference<?> r : refs) {
                    report(r);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void report(ServiceReference<?> ref) {
        for (String iface : (String[]) ref.getProperty(Constants.OBJECTCLASS)) {
            String why = refusal(ref, iface);
            if (why == null) {
                continue;
            }
            Bundle b = ref.getBundle();
            String impl = ref.getProperty(SwapConstants.IMPL_NAME) + " " + ref.getProperty(SwapConstants.IMPL_VERSION);
            journal.refusal(iface, impl, why);
            Logger l = log;
            if (l != null) {
                l.warn("implementation " + impl + " of " + iface + " refused by the trust policy: " + why);
            }
            EventAdmin admin = eventAdmin;
            if (admin != null) {
                Map<String, Object> p = new HashMap<>();
                p.put(SwapConstants.EVENT_INTERFACE, iface);
                p.put(SwapConstants.EVENT_TO, impl);
                p.put(SwapConstants.EVENT_REASON, why);
                if (b != null) {
                    p.put("bundle.id", b.getBundleId());
                    p.put("bundle.symbolicName", String.valueOf(b.getSymbolicName()));
                }
                admin.postEvent(new Event(SwapConstants.TOPIC_TRUST_REFUSED, p));
            }
        }
    }

    static Pattern glob(String g) {
        StringBuilder b = new StringBuilder();
        String[] parts = g.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                b.append(".*");
            }
            if (!parts[i].isEmpty()) {
                b.append(Pattern.quote(parts[i]));
            }
        }
        return Pattern.compile(b.toString());
    }
}
