package dev.gatehouse.core.path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /                          | /
            ''                         | /
            /api/v1/resources          | /api/v1/resources
            /api/v1/resources/         | /api/v1/resources/
            //api///v1//resources      | /api/v1/resources
            /api/./v1/./resources      | /api/v1/resources
            /api/v1/x/../resources     | /api/v1/resources
            /api/v1/resources/.        | /api/v1/resources/
            /api/v1/resources/x/..     | /api/v1/resources/
            /api/v1/%72esources        | /api/v1/resources
            /api/v1/%2e%2e/v2          | /api/v2
            /api/v1/%2E/resources      | /api/v1/resources
            /api/v1/a%7eb              | /api/v1/a~b
            /api/v1/a%20b              | /api/v1/a%20b
            /api/v1/a%3fb              | /api/v1/a%3Fb
            /api/v1/.hidden            | /api/v1/.hidden
            /api/v1/..dots             | /api/v1/..dots
            /a/b/c/../../d             | /a/d
            /caf%c3%a9                 | /caf%C3%A9
            /caf\u00c3\u00a9             | /caf%C3%A9
            /%f0%9f%98%80/x            | /%F0%9F%98%80/x
            """)
    void normalisesToTheCanonicalPath(String raw, String expected) {
        NormalizedPath result = PathNormalizer.normalize(raw);
        assertThat(result.isRejected()).as("rejected: %s", result.rejection()).isFalse();
        assertThat(result.path()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /api/v1%2Fadmin            | encoded '/'
            /api/v1%2fadmin            | encoded '/'
            /api/v1/%5Cadmin           | encoded '\\'
            /api/v1/%5cadmin           | encoded '\\'
            /api\\v1                   | '\\' is not allowed
            /..                        | climbs above the root
            /api/../../etc/passwd      | climbs above the root
            /api/%2e%2e/%2e%2e/etc     | climbs above the root
            /api/v1/%00                | control character
            /api/v1/%0a                | control character
            /api/v1/%                  | malformed percent-escape
            /api/v1/%zz                | malformed percent-escape
            /api/v1/%4                 | malformed percent-escape
            api/v1                     | must start with '/'
            /api/v1/admin;x/y          | ';' is not allowed
            /api/v1/..;/admin          | ';' is not allowed
            /api/v1/admin%3Bx/y        | encoded ';' (%3B)
            /api/v1/admin%3b/y         | encoded ';' (%3B)
            /caf%E9/x                  | not valid UTF-8 (at '/')
            /caf\u00e9                  | not valid UTF-8 (at the end of the path)
            /x%C3                      | not valid UTF-8 (at the end of the path)
            /x%C3/y                    | not valid UTF-8 (at '/')
            /x%C3%2Fy                  | not valid UTF-8 (at %2F)
            /admin%C0%AFy              | not valid UTF-8 (at %C0)
            /x%E0%80%AF                | not valid UTF-8 (at %80)
            /x%ED%A0%80                | not valid UTF-8 (at %A0)
            /x%F4%90%80%80             | not valid UTF-8 (at %90)
            /x%80                      | not valid UTF-8 (at %80)
            """)
    void refusesPathsThatCouldBeReadTwoWays(String raw, String reason) {
        NormalizedPath result = PathNormalizer.normalize(raw);
        assertThat(result.isRejected()).isTrue();
        assertThat(result.rejection()).contains(reason);
    }

    @ParameterizedTest
    @CsvSource({"/api/v1/resources/42", "/", "/a-b_c~d.e/f"})
    void leavesAnAlreadyCleanPathAsTheSameString(String clean) {
        assertThat(PathNormalizer.normalize(clean).path()).isSameAs(clean);
    }
}
