package dev.gatehouse.server.cli;

import dev.gatehouse.core.config.GatewayConfig;
import dev.gatehouse.core.config.InvalidConfigException;
import dev.gatehouse.server.config.ConfigLoader;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code gatehouse jobs queues|list|show|replay|delete}: async jobs through a running node's admin API (so it works
 * while the node runs, on the embedded database too). The admin address comes from the configuration file, the admin
 * key from {@code --key} or {@code GATEHOUSE_ADMIN_KEY}.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Inspect and replay async jobs through a running node's admin API (an admin key in GATEHOUSE_ADMIN_KEY or --key).",
        subcommands = {JobsCommand.Queues.class, JobsCommand.ListJobs.class, JobsCommand.Show.class, JobsCommand.Replay.class,
                JobsCommand.Delete.class})
final class JobsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What every jobs subcommand shares: where the admin API is, the key, and one call to it. */
    abstract static class AdminCall implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gatehouse.yaml",
                description = "Configuration file, for the admin listener's address (default: ${DEFAULT-VALUE}; 127.0.0.1:8081 when absent).")
        Path config;

        @Option(names = "--admin", paramLabel = "URL", description = "The admin API's URL, e.g. http://127.0.0.1:8081 (instead of the file's).")
        String admin;

        @Option(names = "--key", paramLabel = "KEY", description = "An admin-scoped API key (default: GATEHOUSE_ADMIN_KEY).")
        String key;

        @Option(names = "--json", description = "Print the admin API's JSON as it is.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String base;
            try {
                base = base();
            } catch (InvalidConfigException e) {
                err.println(e.getMessage());
                return ConfigFiles.INVALID;
            }
            String credential = key != null ? key : System.getenv("GATEHOUSE_ADMIN_KEY");
            if (credential == null || credential.isBlank()) {
                err.println("gatehouse jobs needs an admin-scoped API key: --key, or GATEHOUSE_ADMIN_KEY (see gatehouse keys create --scopes admin)");
                return ConfigFiles.INVALID;
            }
            try {
                HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(request(HttpRequest.newBuilder().timeout(Duration.ofSeconds(30)).header("X-API-Key", credential), base),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 400) {
                    err.println(problem(response));
                    return response.statusCode() == 404 || response.statusCode() == 409 || response.statusCode() == 400 ? 2 : 1;
                }
                if (json) {
                    out.println(response.body());
                } else {
                    print(response, out);
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("could not reach the admin API at " + base + ": " + e.getMessage() + " (is the node running? --admin sets its URL)");
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } finally {
                err.flush();
            }
        }

        private String base() throws InvalidConfigException {
            if (admin != null) {
                return admin.endsWith("/") ? admin.substring(0, admin.length() - 1) : admin;
            }
            if (!Files.exists(config)) {
                return "http://127.0.0.1:8081";
            }
            GatewayConfig loaded = new ConfigLoader(System.getenv(), warning -> { }).load(config);
            String host = loaded.admin().host();
            return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + loaded.admin().port();
        }

        abstract HttpRequest request(HttpRequest.Builder builder, String base);

        abstract void print(HttpResponse<String> response, PrintWriter out);

        static String problem(HttpResponse<String> response) {
            try {
                JsonObject problem = new JsonObject(response.body());
                return response.statusCode() + " " + problem.getString("title", "") + ": " + problem.getString("detail", "");
            } catch (DecodeException | ClassCastException e) {
                return response.statusCode() + ": " + response.body();
            }
        }

        static String encode(String value) {
            return URLEncoder.encode(value, StandardCharsets.UTF_8);
        }
    }

    @Command(name = "queues", mixinStandardHelpOptions = true, description = "Each queue: jobs by state, the oldest wait, pace and quota use.")
    static final class Queues extends AdminCall {
        @Override
        HttpRequest request(HttpRequest.Builder builder, String base) {
            return builder.uri(URI.create(base + "/jobs/queues")).GET().build();
        }

        @Override
        void print(HttpResponse<String> response, PrintWriter out) {
            JsonArray queues = new JsonArray(response.body());
            out.printf("%-16s %-16s %9s %8s %10s %8s %8s %9s  %s%n", "QUEUE", "UPSTREAM", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "DEAD",
                    "OLDEST s", "QUOTA (used/budget per window)");
            for (Object o : queues) {
                JsonObject q = (JsonObject) o;
                JsonObject d = q.getJsonObject("depth");
                StringBuilder quota = new StringBuilder();
                JsonObject plan = q.getJsonObject("quota");
                if (plan != null) {
                    for (Object w : plan.getJsonArray("windows")) {
                        JsonObject window = (JsonObject) w;
                        quota.append(window.getString("window")).append(' ').append(window.getValue("used")).append('/')
                                .append(window.getLong("budget")).append("  ");
                    }
                    quota.append(String.format(Locale.ROOT, "(%.2f calls/s)", plan.getDouble("perSecond")));
                }
                if (q.getDouble("pausedSeconds") > 0) {
                    quota.append(String.format(Locale.ROOT, "  PAUSED %.0f s", q.getDouble("pausedSeconds")));
                }
                out.printf(Locale.ROOT, "%-16s %-16s %9d %8d %10d %8d %8d %9.1f  %s%n", q.getString("queue"), q.getString("upstream"),
                        d.getLong("queued"), d.getLong("running"), d.getLong("succeeded"), d.getLong("failed"), d.getLong("dead"),
                        q.getDouble("oldestWaitingSeconds"), quota.toString().trim());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Jobs in queue order: --state dead lists the dead letters.")
    static final class ListJobs extends AdminCall {
        @Option(names = "--queue", paramLabel = "QUEUE", description = "Only this queue's jobs.")
        String queue;

        @Option(names = "--state", paramLabel = "STATE", description = "queued, running, succeeded, failed or dead.")
        String state;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "At most this many, 1 to 1000 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--after", paramLabel = "SEQ", description = "Jobs after this place in the queue (the SEQ column): the next page.")
        Long after;

        @Override
        HttpRequest request(HttpRequest.Builder builder, String base) {
            StringBuilder uri = new StringBuilder(base).append("/jobs?limit=").append(limit);
            if (queue != null) {
                uri.append("&queue=").append(encode(queue));
            }
            if (state != null) {
                uri.append("&state=").append(encode(state));
            }
            if (after != null) {
                uri.append("&after=").append(after);
            }
            return builder.uri(URI.create(uri.toString())).GET().build();
        }

        @Override
        void print(HttpResponse<String> response, PrintWriter out) {
            JsonArray jobs = new JsonArray(response.body());
            if (jobs.isEmpty()) {
                spec.commandLine().getErr().println("no jobs match");
                return;
            }
            out.printf("%-8s %-36s %-10s %-12s %8s  %-24s %s%n", "SEQ", "ID", "STATUS", "QUEUE", "ATTEMPTS", "CREATED", "ERROR");
            for (Object o : jobs) {
                JsonObject j = (JsonObject) o;
                out.printf("%-8d %-36s %-10s %-12s %4d/%-3d  %-24s %s%n", j.getLong("seq"), j.getString("jobId"), j.getString("status"),
                        j.getString("queue"), j.getInteger("attempts"), j.getInteger("maxAttempts"), j.getString("createdAt"),
                        j.getString("error", ""));
            }
            if (response.headers().firstValue("link").isPresent()) {
                spec.commandLine().getErr().println("more jobs match: --after " + jobs.getJsonObject(jobs.size() - 1).getLong("seq"));
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One job whole: where it stands and the third party's answer.")
    static final class Show extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The job's id.")
        String id;

        @Override
        HttpRequest request(HttpRequest.Builder builder, String base) {
            return builder.uri(URI.create(base + "/jobs/" + encode(id))).GET().build();
        }

        @Override
        void print(HttpResponse<String> response, PrintWriter out) {
            out.println(new JsonObject(response.body()).encodePrettily());
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Put a dead (or failed) job back in its queue with its attempts afresh; --all: every dead job (of --queue).")
    static final class Replay extends AdminCall {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "The job's id.")
        String id;

        @Option(names = "--all", description = "Every dead job (or --state failed ones), of --queue when given.")
        boolean all;

        @Option(names = "--queue", paramLabel = "QUEUE", description = "With --all: only this queue's jobs.")
        String queue;

        @Option(names = "--state", paramLabel = "STATE", defaultValue = "dead", description = "With --all: dead (default) or failed.")
        String state;

        @Override
        public Integer call() {
            if ((id == null) == !all) {
                spec.commandLine().getErr().println("give a job's id, or --all (with --queue and --state to narrow it)");
                return ConfigFiles.INVALID;
            }
            return super.call();
        }

        @Override
        HttpRequest request(HttpRequest.Builder builder, String base) {
            if (id != null) {
                return builder.uri(URI.create(base + "/jobs/" + encode(id) + "/replay")).POST(HttpRequest.BodyPublishers.noBody()).build();
            }
            JsonObject body = new JsonObject().put("state", state);
            if (queue != null) {
                body.put("queue", queue);
            }
            return builder.uri(URI.create(base + "/jobs/replay")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
        }

        @Override
        void print(HttpResponse<String> response, PrintWriter out) {
            out.println("replayed " + new JsonObject(response.body()).getLong("replayed") + " job(s)");
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a job (a worker holding it drops its outcome).")
    static final class Delete extends AdminCall {
        @Parameters(paramLabel = "ID", description = "The job's id.")
        String id;

        @Override
        HttpRequest request(HttpRequest.Builder builder, String base) {
            return builder.uri(URI.create(base + "/jobs/" + encode(id))).DELETE().build();
        }

        @Override
        void print(HttpResponse<String> response, PrintWriter out) {
            out.println("deleted job " + id);
        }
    }
}
