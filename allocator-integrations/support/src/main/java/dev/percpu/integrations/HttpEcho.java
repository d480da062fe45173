package dev.percpu.integrations;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * The recipes' traffic: POSTs random bodies of 1 KB, 40 KB and 300 KB (a small class, a large class and
 * the large path) to a server's {@code /echo} on 127.0.0.1 over HTTP/1.1 and checks each comes back whole.
 */
public final class HttpEcho {
    private static final int[] BODY_SIZES = {1_000, 40_000, 300_000};

    private HttpEcho() {
    }

    /**
     * Sends every body and checks the answer.
     *
     * @throws AssertionError naming the body whose status or echo was wrong
     */
    public static void echoBodies(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(26);
        for (int size : BODY_SIZES) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new AssertionError("echo of " + size + " bytes: status " + response.statusCode());
            }
            if (!Arrays.equals(body, response.body())) {
                throw new AssertionError("echo of " + size + " bytes: the body came back different");
            }
        }
    }
}
