package swap.fleet.internal;

import java.util.Properties;

/**
 * What one node reports for one step: OK (the step ran and its health gate passed), NO-OP (nothing
 * matched here: nothing to do) or FAILED (the node is back where it was before the step, and says why), with the
 * incarnation of the node that ran it.
 *
 * @param ok          whether the step succeeded (or had nothing to do)
 * @param noop        whether it had nothing to do here
 * @param detail      what happened, for the operator (never {@code null})
 * @param incarnation the reporting node's incarnation
 * @param millis      how long the step took on the node
 */
record StepResult(boolean ok, boolean noop, String detail, String incarnation, long millis) {

    static StepResult ok(String detail) {
        return new StepResult(true, false, detail, "", 0);
    }

    /** Nothing matched here: not a failure, not a success either ({@code NO-OP: ...}). */
    static StepResult noop(String detail) {
        return new StepResult(true, true, detail, "", 0);
    }

    static StepResult failed(String detail) {
        return new StepResult(false, false, detail, "", 0);
    }

    StepResult by(String incarnation, long millis) {
        return new StepResult(ok, noop, detail, incarnation, millis);
    }

    /** "OK: moved 1 entry ..." / "NO-OP: no entry matches ..." / "FAILED: ..." */
    String line() {
        return (noop ? "NO-OP: " : ok ? "OK: " : "FAILED: ") + detail;
    }

    byte[] toBytes() {
        Properties p = new Properties();
        p.setProperty("ok", String.valueOf(ok));
        p.setProperty("noop", String.valueOf(noop));
        p.setProperty("detail", detail);
        p.setProperty("incarnation", incarnation);
        p.setProperty("millis", String.valueOf(millis));
        return FleetStore.bytes(p);
    }

    static StepResult fromBytes(byte[] data) {
        Properties p = FleetStore.props(data);
        return new StepResult(Boolean.parseBoolean(p.getProperty("ok")), Boolean.parseBoolean(p.getProperty("noop", "false")), p.getProperty("detail", ""), p.getProperty("incarnation", ""),
                Long.parseLong(p.getProperty("millis", "0")));
    }
}
