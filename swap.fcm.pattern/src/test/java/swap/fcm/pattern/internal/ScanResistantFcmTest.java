package swap.fcm.pattern.internal;

/** {@link ScanResistantFcm} under the file-cache contract. */
public class ScanResistantFcmTest extends PatternContract {

    @Override
    PatternFcm fresh() {
        return new ScanResistantFcm();
    }

    @Override
    protected String implementation() {
        return ScanResistantFcm.NAME;
    }
}
