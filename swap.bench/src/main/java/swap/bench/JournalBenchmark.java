package swap.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import swap.api.JournalRecordDTO;
import swap.core.journal.Journal;

/**
 * What journaling costs a swap: appending one swap record (about 230 bytes, the size of a real
 * one) to the journal, durable on return, with an fsync per record ({@code RECORD}) or with
 * concurrent appenders sharing one fsync ({@code GROUP}, group commit). Sample mode gives p50 and
 * p99 per append; run with {@code -t 1} and {@code -t 4} (threads appending at once). The journal
 * lives in {@code swap.bench.journal.dir} (default {@code target/journal-bench}, on the disk the
 * build runs on: not tmpfs, where fsync costs nothing).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class JournalBenchmark {

    @Param({"RECORD", "GROUP"})
    public String sync;

    private Journal journal;
    private Path dir;

    @Setup
    public void open() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(Paths.get(System.getProperty("swap.bench.journal.dir", "target/journal-bench"))), "j");
        journal = new Journal(dir, Journal.Sync.valueOf(sync), 64L << 20, 2);
    }

    @TearDown
    public void close() throws IOException {
        journal.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public long append() throws IOException {
        JournalRecordDTO r = new JournalRecordDTO();
        r.kind = "swap";
        r.initiator = "shell";
        r.entryId = 1;
        r.key = "file:/data/cache/segment-0001.bin";
        r.from = "fcm.shared 1.0.0";
        r.to = "fcm.distributed 1.0.0";
        r.format = "fcm.pages.v1";
        r.outcome = "COMPLETED";
        r.reason = "policy.concurrency: 4 threads, up to 3 calls at once for 3 windows";
        journal.append(r);
        return r.seq;
    }
}
