package dev.gatehouse.core.cache;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ConditionalTest {

    @ParameterizedTest(name = "If-None-Match {0}, If-Modified-Since {1} vs ETag {2}, Last-Modified {3} -> 304: {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            '"v1"'              | -                             | '"v1"'   | -                             | true
            'W/"v1"'            | -                             | '"v1"'   | -                             | true
            '"v1"'              | -                             | 'W/"v1"' | -                             | true
            '"v0", "v1"'        | -                             | '"v1"'   | -                             | true
            '*'                 | -                             | '"v1"'   | -                             | true
            '"v2"'              | -                             | '"v1"'   | -                             | false
            '"v1"'              | -                             | -        | -                             | false
            'v1'                | -                             | '"v1"'   | -                             | false
            '"v2"'              | Sat, 28 Nov 2026 10:00:00 GMT | '"v1"'   | Fri, 27 Nov 2026 10:00:00 GMT | false
            -                   | Sat, 28 Nov 2026 10:00:00 GMT | -        | Fri, 27 Nov 2026 10:00:00 GMT | true
            -                   | Fri, 27 Nov 2026 10:00:00 GMT | -        | Fri, 27 Nov 2026 10:00:00 GMT | true
            -                   | Thu, 26 Nov 2026 10:00:00 GMT | -        | Fri, 27 Nov 2026 10:00:00 GMT | false
            -                   | yesterday                     | -        | Fri, 27 Nov 2026 10:00:00 GMT | false
            -                   | Sat, 28 Nov 2026 10:00:00 GMT | -        | -                             | false
            -                   | -                             | '"v1"'   | Fri, 27 Nov 2026 10:00:00 GMT | false
            """)
    void answersNotModifiedOnlyWhenThePreconditionsSaySo(String ifNoneMatch, String ifModifiedSince, String etag, String lastModified,
                                                          boolean notModified) {
        assertThat(Conditional.notModified(ifNoneMatch, ifModifiedSince, etag, lastModified)).isEqualTo(notModified);
    }
}
