package swap.fcm.pattern.internal;

/** {@link ReadAheadFcm} under the file-cache contract. */
public class ReadAheadFcmTest extends PatternContract {

    @Override
    PatternFcm fresh() {
        return new ReadAheadFcm();
    }

    @Override
    protected String implementation() {
        return ReadAheadFcm.NAME;
    }
}
