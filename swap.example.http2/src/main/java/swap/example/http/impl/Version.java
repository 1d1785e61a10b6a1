package swap.example.http.impl;

/** The implementation version of this bundle's handler (its service property and every answer say it). */
final class Version {
    static final String IMPL = "1.1.0";

    private Version() {
    }
}
