package swap.disttest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.Test;

/**
 * The journal and the memory of stable keys through the real distribution, with a kept storage
 * ({@code -Dswap.storage=DIR}): swaps are made from the console, the platform's process is killed
 * with SIGKILL (as {@code kill -9}), a torn record is appended to the journal (what a crash in the
 * middle of a write leaves), and the platform is started again on the same storage. Every completed
 * swap is in {@code swap:journal}, the torn record is skipped and reported, and the file swapped to
 * fcm.distributed, opened again, runs fcm.distributed (journaled as {@code restore}).
 */
public class JournalIT {
    private static final String COUNTER = "swap.example.counter.Counter";

    @Test
    public void journalSurvivesKillNineAndAFileComesBackOnItsLastImplementation() throws Exception {
        Path work = Console.scratch("journal");
        Path storage = work.resolve("storage");
        Files.write(work.resolve("data.bin"), new byte[64 * 1024]);
        String keep = "-Dswap.storage=" + storage;

        List<String> swaps = new ArrayList<>();
        try (Console c = Console.start(work, keep)) {
            String opened = c.run("fcm:open data.bin");
            Matcher m = Pattern.compile("entry (\\d+): .*\\(fcm\\.shared ").matcher(opened);
            assertTrue(opened, m.find());
            String file = m.group(1);
            String s = c.run("swap:swap " + file + " fcm.distributed");
            assertTrue(s, s.contains("COMPLETED"));
            swaps.add(file + " fcm.shared -> fcm.distributed");

            c.installAndStart(Console.bundle("example.api"));
            c.installAndStart(Console.bundle("example.simple"));
            c.installAndStart(Console.bundle("example.striped"));
            String created = c.run("swap:create " + COUNTER + " counter.simple");
            Matcher cm = Pattern.compile("(?m)^entry\\s+(\\d+)$").matcher(created);
            assertTrue(created, cm.find());
            String counter = cm.group(1);
            for (String[] step : new String[][] {{"counter.striped", "counter.simple"}, {"counter.simple", "counter.striped"}, {"counter.striped", "counter.simple"}}) {
                String r = c.run("swap:swap " + counter + " " + step[0]);
                assertTrue(r, r.contains("COMPLETED"));
                swaps.add(counter + " " + step[1] + " -> " + step[0]);
            }
            String refused = c.run("swap:swap " + counter + " counter.nothing");
            assertTrue(refused, refused.contains("no implementation"));

            c.kill(); // SIGKILL: no shutdown, no flush
        }

        Path journal;
        try (Stream<Path> files = Files.walk(storage)) {
            journal = files.filter(p -> p.getFileName().toString().equals("journal.log")).findFirst()
                    .orElseThrow(() -> new AssertionError("no journal.log under " + storage));
        }
        // What a crash in the middle of a write leaves: the first half of a record, no newline.
        byte[] torn = "1a2b3c4d\t999\t1764633600000\tswap\tshell\t1\t-\tfcm.shared 1.0.0\tfcm.distr".getBytes(StandardCharsets.UTF_8);
        Files.write(journal, torn, StandardOpenOption.APPEND);

        try (Console c = Console.start(work, keep)) {
            String j = c.run("swap:journal 100");
            for (String swap : swaps) {
                String[] p = swap.split(" ");
                // Seq|Time|Kind|Initiator|Entry|Key|From|To|Format|Outcome|Reason
                Pattern row = Pattern.compile("(?m)^ *\\d+\\|[^|]+\\|swap *\\|shell *\\| *" + p[0] + "\\|[^|]*\\|" + Pattern.quote(p[1]) + " [^|]*\\|"
                        + Pattern.quote(p[3]) + " [^|]*\\|[^|]*\\|COMPLETED");
                assertTrue("completed swap " + swap + " missing from the journal:\n" + j, row.matcher(j).find());
            }
            assertEquals(j, swaps.size(), Pattern.compile("(?m)\\|COMPLETED *\\|").matcher(j).results()
                    .filter(r -> j.substring(j.lastIndexOf('\n', r.start()) + 1, r.start()).contains("|swap ")).count());
            assertTrue(j, j.matches("(?s).*\\|refusal *\\|shell *\\|.*\\|REFUSED *\\|.*counter\\.nothing.*"));
            assertTrue(j, j.contains("1 torn or corrupt record(s) skipped"));

            String opened = c.run("fcm:open data.bin");
            assertTrue("the file did not come back on fcm.distributed:\n" + opened, opened.contains("(fcm.distributed "));
            Matcher m = Pattern.compile("entry (\\d+): ").matcher(opened);
            assertTrue(opened, m.find());
            String info = c.run("swap:info " + m.group(1));
            assertTrue(info, info.contains("implementation  fcm.distributed"));
            String restore = c.run("swap:journal --entry " + m.group(1));
            assertTrue(restore, restore.matches("(?s).*\\|restore *\\|shell *\\|.*file:" + Pattern.quote(work.resolve("data.bin").toRealPath().toString())
                    + ".*back on fcm\\.distributed, the implementation it last ran.*"));
            assertEquals(0, c.exit());
        }
        String all;
        try (Stream<String> lines = Files.lines(journal)) {
            all = lines.collect(Collectors.joining("\n"));
        }
        assertTrue("the journal file holds the torn line, then the records after the restart", all.contains("fcm.distr\n"));
    }
}
