// Runs beside the generated Java SDK, compiled by SdkRunTests with javac: the signer core against the X-Ca vectors,
// then every API of the test catalog through the generated client against the running gateway.
// Arguments: gateway address, AppKey, AppSecret, vectors file, OpenID Connect token.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.gatewayorleans.sdk.shop.*;

public class Runner {
    public static void main(String[] args) throws Exception {
        String baseUrl = args[0], appKey = args[1], appSecret = args[2], vectors = args[3], token = args[4];
        for (String line : Files.readAllLines(Paths.get(vectors), StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = Arrays.stream(line.split("\t", -1)).map(x -> new String(Base64.getDecoder().decode(x), StandardCharsets.UTF_8)).toArray(String[]::new);
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (String h : f[4].split("\n")) {
                if (!h.isEmpty()) {
                    headers.add(new java.util.AbstractMap.SimpleImmutableEntry<>(h.substring(0, h.indexOf(':')), h.substring(h.indexOf(':') + 1)));
                }
            }
            List<Map.Entry<String, String>> form = f[9].isEmpty() ? null : CaSigner.parsePairs(f[9]);
            String stringToSign = CaSigner.stringToSign(f[1], f[5], f[6], f[7], f[8], headers, f[2], CaSigner.parsePairs(f[3]), form);
            String signature = CaSigner.sign(f[10], f[11], stringToSign);
            boolean md5 = f[6].isEmpty() || form != null || CaSigner.contentMd5(f[14].getBytes(StandardCharsets.UTF_8)).equals(f[6]);
            System.out.println(stringToSign.equals(f[12]) && signature.equals(f[13]) && md5
                ? "VECTOR " + f[0] + " ok"
                : "VECTOR " + f[0] + " FAILED: " + stringToSign.replace("\n", "#") + " " + signature);
        }

        ShopClient client = new ShopClient(new GatewayConnection(baseUrl, appKey, appSecret));
        call("get-item", () -> client.getItem(42L, "t-7", 2, Arrays.asList("a", "b c"), "desc"));
        call("place-order", () -> client.placeOrder("{\"sku\":\"A-1\",\"qty\":3}"));
        call("login", () -> client.login("ann", "x y&z", true));
        call("nonce-1", () -> client.noncePing());
        call("nonce-2", () -> client.noncePing());
        call("hello", () -> client.shopHello("w\u00f6rld"));
        call("status", () -> client.status());
        call("whoami", () -> client.whoami(token));
        ShopClient wrong = new ShopClient(new GatewayConnection(baseUrl, appKey, "not-the-secret-of-this-app"));
        call("wrong-secret", () -> wrong.getItem(42L, "t-7", null, null, null));

        // A server on loopback that answers the first attempt with 503 and the second with 200: the retry must be
        // signed anew, with a nonce of its own.
        List<String> nonces = new ArrayList<>();
        com.sun.net.httpserver.HttpServer busy = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        busy.createContext("/", exchange -> {
            synchronized (nonces) {
                nonces.add(exchange.getRequestHeaders().getFirst("X-Ca-Nonce"));
            }
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(nonces.size() == 1 ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        busy.start();
        try {
            ShopClient retrying = new ShopClient(new GatewayConnection("http://127.0.0.1:" + busy.getAddress().getPort(), appKey, appSecret));
            System.out.println("CALL retry " + retrying.noncePing().getStatus() + " e30=");
        } finally {
            busy.stop(0);
        }
        System.out.println("RETRY " + nonces.size() + " " + new java.util.HashSet<>(nonces).size());
    }

    private static void call(String name, Callable<ApiResponse> run) throws Exception {
        try {
            ApiResponse response = run.call();
            System.out.println("CALL " + name + " " + response.getStatus() + " " + Base64.getEncoder().encodeToString(response.getBody().getBytes(StandardCharsets.UTF_8)));
        } catch (GatewayApiException e) {
            System.out.println("ERROR " + name + " " + e.getStatus() + " " + e.getErrorCode());
        }
    }
}
