package dev.gatehouse.server.cli;

import dev.gatehouse.core.time.Clock;
import dev.gatehouse.server.logs.LogSearch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code gatehouse logs}: the request log's rows, newest first, from the configured PostgreSQL. */
@Command(name = "logs", mixinStandardHelpOptions = true,
        description = "Show requests from the request log in the configured PostgreSQL, newest first "
                + "(with an embedded database, stop the node first or use the admin API's /logs).")
final class LogsCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigFileOption config;

    @Option(names = "--since", paramLabel = "DURATION", description = "How far back: 15m, 1h, 24h, 7d (default: 1h; with --request-id, all that is kept).")
    String since;

    @Option(names = "--from", paramLabel = "INSTANT", description = "Start of the range, e.g. 2026-12-06T10:00:00Z (instead of --since).")
    String from;

    @Option(names = "--until", paramLabel = "INSTANT", description = "End of the range (default: now).")
    String until;

    @Option(names = "--status", paramLabel = "STATUS", description = "A status (503) or a class (5xx).")
    String status;

    @Option(names = "--route", paramLabel = "ROUTE", description = "Only this route's requests.")
    String route;

    @Option(names = "--request-id", paramLabel = "ID", description = "The request with this X-Request-Id.")
    String requestId;

    @Option(names = "--key", paramLabel = "ID", description = "Only requests made with this API key (its id, as keys list shows it).")
    Long key;

    @Option(names = "--subject", paramLabel = "SUBJECT", description = "Only this caller: key:<id>, user:<id> or jwt:<sub>.")
    String subject;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most this many rows, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        return ConfigFiles.withDatabase(config.path, err, "gatehouse logs", (given, db) -> {
            LogSearch search = new LogSearch(db.dataSource(), given.logs(), Clock.system());
            LogSearch.Criteria criteria = new LogSearch.Criteria(search.range(since, from, until, requestId != null), requestId,
                    status == null ? null : LogSearch.Status.parse(status), route, key, subject, limit, null);
            LogSearch.Page page = search.search(criteria);
            print(page, spec.commandLine().getOut());
            if (page.rows().isEmpty()) {
                err.println("no requests match from " + criteria.range().from() + " to " + criteria.range().until());
            } else if (page.next() != null) {
                err.println("more requests match: showing the newest " + limit + " (--limit up to " + LogSearch.MAX_LIMIT + ", or narrow the range)");
            }
            return 0;
        });
    }

    static void print(LogSearch.Page page, PrintWriter out) {
        if (page.rows().isEmpty()) {
            return;
        }
        out.printf("%-27s %-6s %-7s %-16s %9s  %-10s %-20s %s%n", "TIME", "STATUS", "METHOD", "ROUTE", "MS", "CALLER", "REQUEST ID", "PATH");
        for (LogSearch.Entry e : page.rows()) {
            String detail = e.problem() == null ? "" : "  [" + e.problem() + "]";
            out.printf(Locale.ROOT, "%-27s %-6d %-7s %-16s %9.3f  %-10s %-20s %s%s%n", e.time(), e.status(), e.method(), e.route(),
                    e.durationMicros() / 1000.0, e.subject() == null ? "-" : e.subject(), e.requestId(), e.path(), detail);
        }
        out.flush();
    }
}
