package swap.disttest.flaky;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ServiceScope;

import swap.api.StateFormat;
import swap.api.SwapConstants;
import swap.api.TransferContext;
import swap.api.fcm.FileCacheManager;
import swap.example.fcm.ExampleFcm;

/**
 * Test support for the fleet rollouts ({@code FleetIT}, {@code FleetTimes}): the example FCM under
 * another implementation name whose state import fails, by fault injection, on a node whose JVM runs
 * with {@code -Dswap.test.fleet.failImport=true} or whose working directory holds a file
 * {@code fail-import}: "the new version fails on node 3". The import fails before it takes anything,
 * so the swap rolls back with the file's state intact on the old instance.
 */
@Component(service = FileCacheManager.class, scope = ServiceScope.PROTOTYPE, property = {
        SwapConstants.IMPL_NAME + "=fcm.flaky",
        SwapConstants.IMPL_VERSION + "=1.0.0",
        FileCacheManager.CONCURRENCY + "=shared",
        "test=true"})
public class FlakyFcm extends ExampleFcm {

    @Override
    public synchronized void importState(StateFormat<?> format, Object state, TransferContext context) throws IOException {
        if (Boolean.getBoolean("swap.test.fleet.failImport") || java.nio.file.Files.exists(java.nio.file.Path.of("fail-import"))) {
            throw new IOException("injected: fcm.flaky cannot import on this node (-Dswap.test.fleet.failImport=true or a file fail-import in its working directory)");
        }
        super.importState(format, state, context);
    }
}
