package dev.gatehouse.server.observe;

import dev.gatehouse.core.config.TracingConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * The node's tracer: OpenTelemetry's SDK, sampling by ratio with a caller's decision respected, batching spans in
 * a bounded queue to the collector over OTLP/HTTP (the JDK's HTTP client, off the event loops).
 */
public final class Tracing implements AutoCloseable {

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("dev.gatehouse");
    }

    /**
     * @param exporter where spans go instead of the configured collector (tests), or null
     */
    public static Tracing start(TracingConfig config, String nodeId, SpanExporter exporter, MeterRegistry registry) {
        double ratio = config == null ? 1.0 : config.sampleRatio();
        int maxQueue = config == null ? TracingConfig.DEFAULT_MAX_QUEUE : config.maxQueue();
        if (exporter == null) {
            OtlpHttpSpanExporterBuilder otlp = OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint()).setTimeout(Duration.ofSeconds(10));
            config.headers().forEach(otlp::addHeader);
            exporter = otlp.build();
        }
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), config == null ? TracingConfig.DEFAULT_SERVICE_NAME : config.serviceName(),
                AttributeKey.stringKey("service.instance.id"), nodeId)));
        Gauge.builder("gatehouse.tracing.max.queue", () -> maxQueue)
                .description("Spans held for export at most (tracing.maxQueue); past it new ones are dropped").register(registry);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(ratio)))
                .addSpanProcessor(BatchSpanProcessor.builder(new Counting(exporter, registry))
                        .setMaxQueueSize(maxQueue).setMaxExportBatchSize(Math.min(512, maxQueue))
                        .setScheduleDelay(Duration.ofMillis(500)).build())
                .build();
        return new Tracing(provider);
    }

    public Tracer tracer() {
        return tracer;
    }

    /** W3C trace context: {@code traceparent} read from callers and written to upstreams. */
    public static TextMapPropagator propagator() {
        return W3CTraceContextPropagator.getInstance();
    }

    /** Exports what is queued, then stops. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** Counts what reaches the collector and what it refused or could not be sent. */
    private static final class Counting implements SpanExporter {
        private final SpanExporter delegate;
        private final Counter exported;
        private final Counter failed;

        Counting(SpanExporter delegate, MeterRegistry registry) {
            this.delegate = delegate;
            String description = "Spans handed to the collector, by result (spans over tracing.maxQueue are dropped before this)";
            this.exported = Counter.builder("gatehouse.tracing.spans").tag("result", "exported").description(description).register(registry);
            this.failed = Counter.builder("gatehouse.tracing.spans").tag("result", "failed").description(description).register(registry);
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            CompletableResultCode result = delegate.export(spans);
            result.whenComplete(() -> (result.isSuccess() ? exported : failed).increment(spans.size()));
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }
    }
}
