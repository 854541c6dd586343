package dev.gatehouse.core.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestTargetTest {

    @Test
    void leavesAnAsciiTargetAsTheSameString() {
        String target = "/api/v1/caf%C3%A9?q=a%20b";
        assertThat(RequestTarget.encodeRawBytes(target)).isSameAs(target);
    }

    @Test
    void encodesEachRawByteOnceInThePathAndTheQuery() {
        // the chars a byte-wise decoder makes of UTF-8 "/café?q=é", and of a lone Latin-1 é
        assertThat(RequestTarget.encodeRawBytes("/caf\u00c3\u00a9?q=\u00c3\u00a9")).isEqualTo("/caf%C3%A9?q=%C3%A9");
        assertThat(RequestTarget.encodeRawBytes("/caf\u00e9")).isEqualTo("/caf%E9");
    }

    @Test
    void encodesACharThatNoByteDecoderYieldsAsItsUtf8Bytes() {
        assertThat(RequestTarget.encodeRawBytes("/\u0142/\uD83D\uDE00")).isEqualTo("/%C5%82/%F0%9F%98%80");
    }
}
