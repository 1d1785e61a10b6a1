package swap.example.http.impl;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import swap.api.StatefulComponent;
import swap.example.http.HandlerState;
import swap.example.http.RequestHandler;
import swap.example.http.Response;

public class HandlerTest {

    @Test
    public void aBucketGivesItsCapacityThenRefillsWithTime() {
        Bucket b = new Bucket(0);
        for (int i = 0; i < RequestHandler.BUCKET_CAPACITY; i++) {
            assertTrue("token " + i, b.take(0));
        }
        assertFalse(b.take(0));
        assertEquals(RequestHandler.BUCKET_CAPACITY + 1, b.requests);
        // 1,000 tokens a second: 2.5 ms later two whole tokens, the half one is kept for later
        assertTrue(b.take(2_500_000));
        assertTrue(b.take(2_500_000));
        assertFalse(b.take(2_500_000));
        assertTrue(b.take(3_000_000));
        // never above the capacity
        b.take(3_600_000_000_000L);
        assertEquals(RequestHandler.BUCKET_CAPACITY - 1, b.tokens);
    }

    @Test
    public void counterAndCacheTravelBetweenBothImplementationsBothWays() throws Exception {
        RequestHandler[] chain = {new MapHandler(), new LockedHandler(), new MapHandler(), new LockedHandler()};
        long n = 0;
        for (int k = 0; k < chain.length; k++) {
            RequestHandler h = chain[k];
            if (k > 0) {
                StatefulComponent from = (StatefulComponent) chain[k - 1];
                HandlerState s = (HandlerState) from.exportState(RequestHandler.STATE);
                ((StatefulComponent) h).importState(RequestHandler.STATE, s, null);
                // the export left the old one intact
                assertEquals(s, from.exportState(RequestHandler.STATE));
            }
            for (int i = 0; i < 5; i++) {
                Response r = h.handle("c1", "/p" + i);
                assertEquals(200, r.status());
                n++;
                String first = r.body().split("\n")[0];
                assertTrue(first, first.contains(" client=c1 request=" + n + " "));
                assertEquals(first, k > 0, first.endsWith("cached=true"));
                // the page rendered by the first handler survives every swap
                assertEquals("page /p" + i + " rendered by handler.map 1.0.0", r.body().split("\n")[1]);
            }
        }
        HandlerState end = (HandlerState) ((StatefulComponent) chain[3]).exportState(RequestHandler.STATE);
        assertEquals(20, end.clients().get("c1").requests());
        assertEquals(5, end.cache().size());
    }
}
