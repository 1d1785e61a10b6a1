package swap.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

import swap.api.SwapOptions;

/** Issue 24: {@code swap:upgrade --watch WINDOW} and {@code --canary} take the gates as swap:watch and swap:canary do. */
public class UpgradeGatesTest {

    @Test
    public void noOptionIsAPlainUpgrade() {
        SwapOptions o = UpgradeCommands.gates("", false);
        assertFalse(o.isWatch());
        assertFalse(o.isCanary());
    }

    @Test
    public void watchTakesAWindow() {
        SwapOptions o = UpgradeCommands.gates("10s", false);
        assertTrue(o.isWatch());
        assertFalse(o.isCanary());
        assertEquals(10_000, o.windowMillis());
    }

    @Test
    public void canaryWithAndWithoutAWatch() {
        SwapOptions c = UpgradeCommands.gates("", true);
        assertTrue(c.isCanary());
        assertFalse(c.isWatch());
        SwapOptions cw = UpgradeCommands.gates("500ms", true);
        assertTrue(cw.isCanary());
        assertTrue(cw.isWatch());
        assertEquals(500, cw.windowMillis());
    }

    @Test
    public void aZeroOrWrongWindowIsRefusedInOneLine() {
        try {
            UpgradeCommands.gates("0", false);
            fail();
        } catch (ShellException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("--watch 0 is no window"));
        }
        try {
            UpgradeCommands.gates("soon", false);
            fail();
        } catch (ShellException e) {
            assertEquals("--watch soon is not a duration; write e.g. 500ms, 10s or 2m", e.getMessage());
        }
    }
}
