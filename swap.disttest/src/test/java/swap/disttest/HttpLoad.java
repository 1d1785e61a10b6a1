package swap.disttest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP/1.1 load client for the network example: {@code connections} keep-alive
 * connections (plain sockets, NIO, one selector thread), each sending its next {@code GET} as soon as
 * the previous answer arrived. Connection {@code i} is client {@code PREFIX-i} ({@code X-Client}
 * header) and cycles through {@link #PATHS} paths.
 *
 * <p>It counts: <b>failed</b> requests (an answer other than 200, or no answer because the connection
 * ended first: those are also counted as <b>lost</b>), <b>limited</b> answers (429, also counted as
 * failed), <b>dropped</b> connections (end of stream, reset, {@code Connection: close} or any I/O error;
 * a dropped connection is reopened only if the load was made with {@code reconnect}, as a client of a
 * proxy that closes connections on reload must, and then its next request's latency counts from the
 * drop), and checks the state the service carries on every answer, exactly:
 * <ul>
 * <li><b>counter breaks</b>: each answer's {@code request=N} must be the previous answer's N + 1 for
 * that client (its first answer sets the start);</li>
 * <li><b>cache losses</b>: once an answer for a path has <em>arrived</em>, every request for that path
 * <em>sent</em> later must be answered {@code cached=true} with the same page (which names the
 * implementation that first rendered it); after a loss the new page is the one expected, so each
 * loss of a page counts once.</li>
 * </ul>
 * Latency (send to last byte of the answer) goes to one of two HdrHistograms: <b>upgrade</b> if the
 * request was sent between {@link #upgradeStarted()} and one second after {@link #upgradeEnded()},
 * else <b>steady</b>. Nothing is recorded before {@link #measure()}.
 *
 * <p>Threads: the selector thread owns every connection and both histograms; the other methods may be
 * called from any thread; {@link #stop()} joins the selector thread, so results read after it are
 * complete (Thread.join's happens-before).
 */
final class HttpLoad implements AutoCloseable {
    static final int PATHS = 64;
    private static final long WINDOW_AFTER_UPGRADE = TimeUnit.SECONDS.toNanos(1);
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern REPORT = Pattern.compile("^impl=(\\S+) client=(\\S+) request=(\\d+) tokens=\\d+ cache=(\\d+) cached=(true|false)\\n(.*)\\n$", Pattern.DOTALL);

    private static final Pattern LIMITED = Pattern.compile("rate limited: client \\S+ request (\\d+)");
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)");

    private final Selector selector;
    private final InetSocketAddress address;
    private final boolean reconnect;
    private final long minGapNanos;
    /** connections waiting for their minimum gap to pass before their next request, soonest first */
    private final java.util.PriorityQueue<Conn> delayed = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong((Conn c) -> c.dueAt));
    private static final int WINDOW = 4096;
    private volatile int busiestSecond;
    private volatile String busiestClient = "";
    private final List<Conn> conns = new ArrayList<>();
    private final Thread loop;
    private volatile boolean running = true;
    private volatile boolean measuring;
    private volatile boolean inUpgrade;
    private volatile long upgradeWindowEnd = System.nanoTime();

    // owned by the selector thread until stop() joined it
    private final Histogram steady = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Histogram upgrade = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Map<String, Long> pathArrived = new HashMap<>();
    private final Map<String, String> pathPage = new HashMap<>();
    private final Map<String, Integer> implSeen = new HashMap<>();
    private volatile long ok;
    private volatile long failed;
    private volatile long limited;
    private volatile long lost;
    private volatile long dropped;
    private volatile long counterBreaks;
    private volatile long cacheLosses;
    private volatile String firstProblem;
    private final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final long started = System.nanoTime();

    private final class Conn {
        final int index;
        final String client;
        SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out;
        long sentAt;
        /** when the connection was dropped and a new one began to open (0: not reconnecting) */
        long reconnectAt;
        int reconnects;
        boolean awaiting;
        /** when its delayed next request is due (while in {@code delayed}) */
        long dueAt;
        boolean scheduled;
        /** the send times of its requests of the last second (a ring): the most any one second saw */
        final long[] sends = new long[WINDOW];
        long head;
        long tail;
        boolean sentInWindow;
        String path;
        long lastRequest = -1;
        int next;
        boolean open = true;

        Conn(int index, String client, SocketChannel ch) {
            this.index = index;
            this.client = client;
            this.ch = ch;
        }
    }

    /**
     * Opens every connection (blocking connects, then non-blocking), sends each one's first request and
     * starts the selector thread.
     */
    HttpLoad(String host, int port, int connections, String clientPrefix) throws IOException {
        this(host, port, connections, clientPrefix, false, 0);
    }

    /**
     * As {@link #HttpLoad(String, int, int, String)}; with {@code reconnect} a dropped connection is
     * counted, then opened again (non-blocking) and goes on with the same client id. With
     * {@code minGapMicros} above 0 a client sends its next request no sooner than that long after its
     * previous one (a polite client: a gap of 2,000 us keeps every client at 500 requests a second or
     * less, under the example's rate limit of 1,000 a second, however fast its answers come).
     */
    HttpLoad(String host, int port, int connections, String clientPrefix, boolean reconnect, long minGapMicros) throws IOException {
        minGapNanos = TimeUnit.MICROSECONDS.toNanos(minGapMicros);
        selector = Selector.open();
        address = new InetSocketAddress(host, port);
        this.reconnect = reconnect;
        for (int i = 0; i < connections; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            Conn c = new Conn(i, clientPrefix + "-" + i, ch);
            conns.add(c);
            ch.register(selector, SelectionKey.OP_READ, c);
        }
        for (Conn c : conns) {
            send(c);
        }
        loop = new Thread(this::run, "http-load");
        loop.setDaemon(true);
        loop.start();
    }

    /** From now on answers are counted and latencies recorded (before: a warm-up; failures and drops count always). */
    void measure() {
        measuring = true;
    }

    void upgradeStarted() {
        inUpgrade = true;
    }

    void upgradeEnded() {
        upgradeWindowEnd = System.nanoTime() + WINDOW_AFTER_UPGRADE;
        inUpgrade = false;
    }

    private void send(Conn c) throws IOException {
        c.path = "/p" + ((c.index + c.next++) % PATHS);
        String req = "GET /hello" + c.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Client: " + c.client + "\r\n\r\n";
        c.out = ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII));
        c.sentAt = c.reconnectAt != 0 ? c.reconnectAt : System.nanoTime();
        c.sentInWindow = c.reconnectAt != 0 ? c.sentInWindow : inUpgrade || c.sentAt - upgradeWindowEnd < 0;
        c.reconnectAt = 0;
        c.awaiting = true;
        long t = System.nanoTime();
        c.sends[(int) (c.tail++ % WINDOW)] = t;
        while (c.head < c.tail && t - c.sends[(int) (c.head % WINDOW)] >= WINDOW_NANOS) {
            c.head++;
        }
        if (c.tail - c.head >= WINDOW) {
            c.head++;
        }
        if (measuring && c.tail - c.head > busiestSecond) {
            busiestSecond = (int) (c.tail - c.head);
            busiestClient = c.client;
        }
        c.ch.write(c.out);
        if (c.out.hasRemaining()) {
            c.ch.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void run() {
        try {
            while (running) {
                Conn first = delayed.peek();
                long wait = first == null ? 100 : Math.max(0, (first.dueAt - System.nanoTime() + 999_999) / 1_000_000);
                if (wait == 0) {
                    selector.selectNow();
                } else {
                    selector.select(Math.min(100, wait));
                }
                sendDue();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    Conn c = (Conn) k.attachment();
                    try {
                        if (k.isValid() && k.isConnectable()) {
                            c.ch.finishConnect();
                            k.interestOps(SelectionKey.OP_READ);
                            send(c);
                            continue;
                        }
                        if (k.isValid() && k.isWritable()) {
                            c.ch.write(c.out);
                            if (!c.out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        }
                        if (k.isValid() && k.isReadable()) {
                            read(c);
                        }
                    } catch (IOException e) {
                        drop(c, e.toString());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            problem("load loop ended: " + e);
        }
    }

    private void read(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) {
            drop(c, "end of stream");
            return;
        }
        while (true) {
            String head = headOf(c.in);
            if (head == null) {
                if (!c.in.hasRemaining()) {
                    drop(c, "answer larger than " + c.in.capacity() + " bytes");
                }
                return;
            }
            int headLen = head.length() + 4;
            Matcher cl = CONTENT_LENGTH.matcher(head);
            if (!cl.find()) {
                drop(c, "answer without Content-Length: " + head.lines().findFirst().orElse(""));
                return;
            }
            int bodyLen = Integer.parseInt(cl.group(1));
            if (c.in.position() < headLen + bodyLen) {
                return;
            }
            long now = System.nanoTime();
            byte[] all = new byte[c.in.position()];
            c.in.flip();
            c.in.get(all);
            c.in.clear();
            c.in.put(all, headLen + bodyLen, all.length - headLen - bodyLen);
            int status = Integer.parseInt(head.substring(9, 12));
            String body = new String(all, headLen, bodyLen, StandardCharsets.UTF_8);
            answered(c, status, body, now);
            if (!running) {
                return;
            }
            if (head.toLowerCase().contains("\nconnection: close")) {
                drop(c, "server said Connection: close");
                return;
            }
            sendNext(c);
            if (c.in.position() == 0) {
                return;
            }
        }
    }

    /** Sends {@code c}'s next request now, or when its minimum gap has passed. */
    private void sendNext(Conn c) throws IOException {
        long due = c.sentAt + minGapNanos;
        if (minGapNanos > 0 && System.nanoTime() - due < 0) {
            c.dueAt = due;
            c.scheduled = true;
            delayed.add(c);
        } else {
            send(c);
        }
    }

    private void sendDue() {
        long now = System.nanoTime();
        while (!delayed.isEmpty() && delayed.peek().dueAt - now <= 0) {
            Conn c = delayed.poll();
            c.scheduled = false;
            try {
                send(c);
            } catch (IOException e) {
                drop(c, e.toString());
            }
        }
    }

    private static String headOf(ByteBuffer in) {
        byte[] a = in.array();
        for (int i = 3; i < in.position(); i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                return new String(a, 0, i - 3, StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private void answered(Conn c, int status, String body, long now) {
        c.awaiting = false;
        if (status != 200) {
            failed++;
            if (status == 429) {
                limited++;
            }
            problem(c.client + " GET " + c.path + ": " + status + " " + body.strip());
            Matcher limited = LIMITED.matcher(body);
            if (limited.find()) {
                // a 429 still counted the request: the next answer continues from it
                c.lastRequest = Long.parseLong(limited.group(1));
            }
            return;
        }
        Matcher m = REPORT.matcher(body);
        if (!m.matches()) {
            failed++;
            problem(c.client + " GET " + c.path + ": unexpected body " + body);
            return;
        }
        long request = Long.parseLong(m.group(3));
        if (c.lastRequest >= 0 && request != c.lastRequest + 1) {
            counterBreaks++;
            problem(c.client + ": request=" + request + " after request=" + c.lastRequest + " (by " + m.group(1) + ")");
        }
        c.lastRequest = request;
        Long arrived = pathArrived.get(c.path);
        if (arrived != null && c.sentAt > arrived && (!m.group(5).equals("true") || !m.group(6).equals(pathPage.get(c.path)))) {
            cacheLosses++;
            problem(c.client + " GET " + c.path + " (by " + m.group(1) + "): cached=" + m.group(5) + ", page '" + m.group(6) + "', expected the cached '" + pathPage.get(c.path) + "'");
            // this page is what the service holds now: a loss counts once, later answers are checked against it
            pathArrived.put(c.path, now);
            pathPage.put(c.path, m.group(6));
        }
        if (arrived == null) {
            pathArrived.put(c.path, now);
            pathPage.put(c.path, m.group(6));
        }
        if (measuring) {
            ok++;
            implSeen.merge(m.group(1), 1, Integer::sum);
            (c.sentInWindow ? upgrade : steady).recordValue(Math.min(now - c.sentAt, steady.getHighestTrackableValue()));
        }
    }

    private void drop(Conn c, String why) {
        if (!c.open) {
            return;
        }
        c.open = false;
        dropped++;
        if (c.scheduled) {
            c.scheduled = false;
            delayed.remove(c);
        }
        boolean wasAwaiting = c.awaiting;
        if (wasAwaiting) {
            c.awaiting = false;
            failed++;
            lost++;
            why += " (request GET " + c.path + " lost)";
        }
        problem(c.client + " dropped: " + why);
        try {
            c.ch.close();
        } catch (IOException e) {
            // closing anyway
        }
        if (reconnect && running && c.reconnects < 10_000) {
            c.reconnects++;
            long at = System.nanoTime();
            c.sentInWindow = inUpgrade || at - upgradeWindowEnd < 0;
            c.reconnectAt = at;
            try {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
                c.ch = ch;
                c.open = true;
                c.in.clear();
                if (wasAwaiting) {
                    c.next--; // the lost request's path again
                }
                if (ch.connect(address)) {
                    ch.register(selector, SelectionKey.OP_READ, c);
                    send(c);
                } else {
                    ch.register(selector, SelectionKey.OP_CONNECT, c);
                }
            } catch (IOException e) {
                c.open = false; // not retried: a connect that fails at once means the listener is gone
                dropped++;
                problem(c.client + " could not reconnect: " + e);
            }
        }
    }

    private void problem(String text) {
        if (firstProblem == null) {
            firstProblem = text;
        }
        if (problems.size() < 20) {
            problems.add(String.format("%.3f s: %s", (System.nanoTime() - started) / 1e9, text));
        }
    }

    /** Adds a line to the problem list's time line (only while it has problems: for context). */
    void note(String text) {
        if (!problems.isEmpty() && problems.size() < 20) {
            problems.add(String.format("%.3f s: (%s)", (System.nanoTime() - started) / 1e9, text));
        }
    }

    /** The first 20 problems, each with its time since the load started. */
    List<String> problems() {
        return problems;
    }

    /** Stops sending, joins the selector thread; answers still in flight are neither waited for nor counted. */
    void stop() throws InterruptedException {
        running = false;
        loop.join(10_000);
    }

    @Override
    public void close() throws IOException {
        running = false;
        for (Conn c : conns) {
            c.ch.close();
        }
        selector.close();
    }

    long ok() {
        return ok;
    }

    long failed() {
        return failed;
    }

    /** Answers 429 (rate limited); also counted in {@link #failed()}. */
    long limited() {
        return limited;
    }

    /** Requests whose connection ended before their answer; also counted in {@link #failed()}. */
    long lost() {
        return lost;
    }

    /** The most requests one client sent within one second (while measuring), and which client: "N (c-i)". */
    String busiestSecond() {
        return String.format("%,d (%s)", busiestSecond, busiestClient);
    }

    long dropped() {
        return dropped;
    }

    long counterBreaks() {
        return counterBreaks;
    }

    long cacheLosses() {
        return cacheLosses;
    }

    String firstProblem() {
        return firstProblem;
    }

    Histogram steady() {
        return steady;
    }

    Histogram upgrade() {
        return upgrade;
    }

    /** Answers per implementation/version seen while measuring. */
    Map<String, Integer> implementations() {
        return implSeen;
    }

    /** One line: count, p50, p99, max in milliseconds. */
    static String latency(Histogram h) {
        return String.format("%,d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms", h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
}
