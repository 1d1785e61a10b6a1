package swap.api.fcm.support;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Reads that take no lock ({@link PagedFile#readWithoutLock}) against writes under the lock
 * ({@link PagedFile#writeLocked}), on the real classes: pages of 2 bytes, no I/O (every page the
 * test reads is cached or written whole).
 */
public final class ReadWithoutLockTest {

    private ReadWithoutLockTest() {
    }

    static SingleMapFile file() {
        return new SingleMapFile(null, null, 0, 2, 8);
    }

    static void write(SingleMapFile f, long position, byte value, int length) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, value);
        synchronized (f) {
            try {
                f.writeLocked(position, b, 0, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A read spanning two cached pages against a write of both: the write makes both stamps odd
     * before changing a byte and even only after the last, so the read has both pages of before or
     * both of after, or reads again under the lock. (With each page written and released in turn,
     * as before reads took no lock, the read could take the first page after the write and the
     * second before it: the contract test caught it.)
     *
     * <p>Result: (bytes read, or -2: read again under the lock; first byte; second byte).
     */
    @JCStressTest
    @Description("A read without the lock over two pages sees all of a two-page write or none of it")
    @Outcome(id = {"2, 0, 0", "2, 1, 1"}, expect = ACCEPTABLE, desc = "both pages before the write, or both after")
    @Outcome(id = {"-2, 0, 0", "-2, 0, 1", "-2, 1, 0", "-2, 1, 1"}, expect = ACCEPTABLE, desc = "a stamp moved or was odd: read again under the lock")
    @Outcome(id = {"2, 0, 1", "2, 1, 0"}, expect = FORBIDDEN, desc = "half of the write accepted")
    @State
    public static class TwoPages {
        final SingleMapFile f = file();

        public TwoPages() {
            write(f, 0, (byte) 0, 4); // pages 0 and 1 cached
        }

        @Actor
        public void writer() {
            write(f, 0, (byte) 1, 4);
        }

        @Actor
        public void reader(III_Result r) {
            byte[] b = new byte[2];
            r.r1 = f.readWithoutLock(1, b, 0, 2); // byte 1 (page 0) and byte 2 (page 1)
            r.r2 = b[0];
            r.r3 = b[1];
        }
    }

    /**
     * A page a write inserts: a read that finds it without the lock sees the written bytes or reads
     * again under the lock, never the zeros it was created with (the page is odd before it is
     * published, and published with a releasing store).
     *
     * <p>Result: (bytes read, or -1 past the end, or -2: read again under the lock; first byte; second byte).
     */
    @JCStressTest
    @Description("A page inserted by a write is never read without the lock before its bytes")
    @Outcome(id = {"-1, 0, 0", "-2, 0, 0", "-2, 0, 7", "-2, 7, 0", "-2, 7, 7"}, expect = ACCEPTABLE, desc = "past the end, or read again under the lock")
    @Outcome(id = "2, 7, 7", expect = ACCEPTABLE, desc = "the written page")
    @Outcome(id = {"2, 0, 0", "2, 0, 7", "2, 7, 0"}, expect = FORBIDDEN, desc = "the page found before its bytes")
    @State
    public static class InsertedPage {
        final SingleMapFile f = file();

        @Actor
        public void writer() {
            write(f, 0, (byte) 7, 2); // page 0, whole: created, not read from the file
        }

        @Actor
        public void reader(III_Result r) {
            byte[] b = new byte[2];
            r.r1 = f.readWithoutLock(0, b, 0, 2);
            r.r2 = b[0];
            r.r3 = b[1];
        }
    }
}
