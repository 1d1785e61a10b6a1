package swap.fcm.pattern.internal;

/** {@link ClockFcm} under the file-cache contract. */
public class ClockFcmTest extends PatternContract {

    @Override
    PatternFcm fresh() {
        return new ClockFcm();
    }

    @Override
    protected String implementation() {
        return ClockFcm.NAME;
    }
}
