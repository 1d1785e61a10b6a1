package swap.fleet.internal;

import java.util.Properties;

/**
 * What one node reports for one step: OK (the step ran and its health gate passed, or there was
 * nothing to do) or FAILED (the node is back where it was before the step, and says why), with the
 * incarnation of the node that ran it.
 *
 * @param ok          whether the step succeeded
 * @param detail      what happened, for the operator (never {@code null})
 * @param incarnation the reporting node's incarnation
 * @param millis      how long the step took on the node
 */
record StepResult(boolean ok, String detail, String incarnation, long millis) {

    static StepResult ok(String detail) {
        return new StepResult(true, detail, "", 0);
    }

    static StepResult failed(String detail) {
        return new StepResult(false, detail, "", 0);
    }

    StepResult by(String incarnation, long millis) {
        return new StepResult(ok, detail, incarnation, millis);
    }

    /** "OK: moved 1 entry ..." / "FAILED: ..." */
    String line() {
        return (ok ? "OK: " : "FAILED: ") + detail;
    }

    byte[] toBytes() {
        Properties p = new Properties();
        p.setProperty("ok", String.valueOf(ok));
        p.setProperty("detail", detail);
        p.setProperty("incarnation", incarnation);
        p.setProperty("millis", String.valueOf(millis));
        return FleetStore.bytes(p);
    }

    static StepResult fromBytes(byte[] data) {
        Properties p = FleetStore.props(data);
        return new StepResult(Boolean.parseBoolean(p.getProperty("ok")), p.getProperty("detail", ""), p.getProperty("incarnation", ""),
                Long.parseLong(p.getProperty("millis", "0")));
    }
}
