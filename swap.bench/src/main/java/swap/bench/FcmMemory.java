package swap.bench;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import swap.api.fcm.FcmFormats;
import swap.api.fcm.FcmFormats.PageSet;
import swap.api.fcm.FileCacheManager;
import swap.kernel.Engine;
import swap.core.fcm.FileCacheService;
import swap.fcm.distributed.internal.DistributedFcm;
import swap.fcm.shared.internal.SharedFcm;

/**
 * Heap cost of the FCMs, measured as the difference in used heap (after full GCs) before and
 * after creating many of them:
 * <ul>
 * <li>per open file: {@value #FILES} empty files, each with an FCM bound to an open channel; the
 * channels themselves are measured alone first and subtracted. Reported for the FCM alone and for
 * the FCM behind its swap entry opened by the file-cache service (entry, handle, bookkeeping);</li>
 * <li>per cached page: one file of {@value #PAGES} pages read whole with a budget that holds it all;
 * the figure includes the 4096 data bytes of each page.</li>
 * </ul>
 * The distributed FCM is measured with its default partition count and with 16 partitions.
 * Run: {@code java -XX:+UseSerialGC -Xmx2g -cp swap.bench/target/benchmarks.jar swap.bench.FcmMemory}.
 */
public final class FcmMemory {

    static final int FILES = 2000;
    static final int PAGES = 16384;
    static final int PAGE = 4096;
    static Object keep;

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory(FcmWorkloadBenchmark.baseDir(""), "fcm-memory");
        try {
            List<Path> paths = new ArrayList<>();
            for (int i = 0; i < FILES; i++) {
                paths.add(Files.createFile(root.resolve("f" + i)));
            }
            Path big = root.resolve("big");
            try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
                f.setLength((long) PAGES * PAGE);
            }
            // Three rounds: the first pays for class loading, JIT and lazily built JDK structures; the
            // figures of the last are the ones to quote.
            for (int round = 1; round <= 3; round++) {
                double channels = perFileChannels(paths);
                System.out.printf("round %d: open FileChannel alone %.0f bytes per file (subtracted below); distributed FCM: %d partitions%n",
                        round, channels, DistributedFcm.DEFAULT_PARTITIONS);
                for (String label : new String[] {"shared", "distributed", "distributed/16"}) {
                    String impl = label.startsWith("distributed") ? "distributed" : "shared";
                    int partitions = label.endsWith("/16") ? 16 : 0;
                    Supplier<FileCacheManager> make = impl.equals("shared") ? SharedFcm::new
                            : partitions > 0 ? () -> new DistributedFcm(partitions) : DistributedFcm::new;
                    double fcm = perFileFcm(paths, make) - channels;
                    double entry = perFileEntry(paths, impl, partitions) - channels;
                    double page = perPage(big, make);
                    System.out.printf("round %d: %-15s per open file: FCM %.0f bytes, FCM + swap entry + handle %.0f bytes; per cached page: %.0f bytes (%.0f over the %d data bytes)%n",
                            round, label, fcm, entry, page, page - PAGE, PAGE);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static long used() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static double perFileChannels(List<Path> paths) throws Exception {
        List<FileChannel> l = new ArrayList<>();
        long before = used();
        for (Path p : paths) {
            l.add(FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE));
        }
        long after = used();
        keep = l;
        for (FileChannel c : l) {
            c.close();
        }
        keep = null;
        return (after - before) / (double) paths.size();
    }

    static double perFileFcm(List<Path> paths, Supplier<FileCacheManager> make) throws Exception {
        List<FileCacheManager> l = new ArrayList<>();
        List<FileChannel> channels = new ArrayList<>();
        long before = used();
        for (Path p : paths) {
            FileChannel c = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channels.add(c);
            FileCacheManager f = make.get();
            ((swap.api.StatefulComponent) f).importState(FcmFormats.PAGES, new PageSet(p, c, 0, PAGE, 1024, List.of()), null);
            l.add(f);
        }
        long after = used();
        keep = l;
        for (FileCacheManager f : l) {
            f.close();
        }
        keep = null;
        return (after - before) / (double) paths.size();
    }

    static double perFileEntry(List<Path> paths, String impl, int partitions) throws Exception {
        Engine engine = FcmWorkloadBenchmark.engine(partitions);
        FileCacheService cache = new FileCacheService(engine, PAGE, 1024, FcmWorkloadBenchmark.target(impl));
        // One file first, so that the handle class is generated and loaded outside the measurement.
        cache.close(cache.open(paths.get(0)).id());
        long before = used();
        for (Path p : paths) {
            cache.open(p);
        }
        long after = used();
        cache.closeAll();
        engine.shutdown();
        return (after - before) / (double) paths.size();
    }

    static double perPage(Path big, Supplier<FileCacheManager> make) throws Exception {
        try (FileChannel c = FileChannel.open(big, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileCacheManager f = make.get();
            ((swap.api.StatefulComponent) f).importState(FcmFormats.PAGES, new PageSet(big, c, (long) PAGES * PAGE, PAGE, PAGES, List.of()), null);
            byte[] buf = new byte[PAGE];
            long before = used();
            for (long pos = 0; pos < (long) PAGES * PAGE; pos += PAGE) {
                f.read(pos, buf, 0, PAGE);
            }
            long after = used();
            if (f.stats().cachedPages != PAGES) {
                throw new IllegalStateException("expected " + PAGES + " cached pages: " + f.stats());
            }
            keep = f;
            keep = null;
            return (after - before) / (double) PAGES;
        }
    }
}
