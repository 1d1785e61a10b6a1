package swap.core.trust;

import static org.junit.Assert.assertEquals;

import java.util.List;

import org.junit.Test;

/** The line a bundle refused the swap manager gets on the console and in the log: who, and the configuration that allows it. */
public class VisibilityRefusalTest {

    @Test
    public void theLineNamesTheBundleAndTheConfigurationThatAllowsIt() {
        assertEquals("bundle com.acme.session [42] is not allowed to see the swap manager (PID swap.visibility, allowed.bundles): it gets no service."
                + " To allow it, put this line in deploy/swap.visibility.config:"
                + " allowed.bundles=[\"swap.shell\",\"swap.monitor\",\"com.acme.session\"] and restart the bundle (stop 42, start 42),"
                + " or start the platform with -Dswap.visibility.allowed=com.acme.session",
                SwapManagerVisibility.refusal("com.acme.session", 42, List.of("swap.shell", "swap.monitor")));
    }
}
