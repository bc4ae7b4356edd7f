// Runs inside the generated TypeScript SDK's folder after tsc, for SdkRunTests: the signer core against the X-Ca
// vectors, then every API of the test catalog through the generated client against the running gateway.
// Arguments: gateway address, AppKey, AppSecret, vectors file, OpenID Connect token.
import { readFileSync } from "node:fs";
import { GatewayApiError, GatewayConnection, ShopClient, signer } from "./dist/index.js";

const [baseUrl, appKey, appSecret, vectors, token] = process.argv.slice(2);
const text = (b64) => Buffer.from(b64, "base64").toString("utf8");

for (const line of readFileSync(vectors, "utf8").split("\n").filter((l) => l.length > 0)) {
  const f = line.split("\t").map(text);
  const headers = f[4].split("\n").filter((h) => h.length > 0).map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1)]);
  const form = f[9].length === 0 ? undefined : signer.parsePairs(f[9]);
  const stringToSign = signer.stringToSign(f[1], f[5], f[6], f[7], f[8], headers, f[2], signer.parsePairs(f[3]), form);
  const signature = await signer.sign(f[10], f[11], stringToSign);
  const md5 = f[6].length === 0 || form !== undefined || signer.contentMd5(new TextEncoder().encode(f[14])) === f[6];
  console.log(stringToSign === f[12] && signature === f[13] && md5
    ? `VECTOR ${f[0]} ok`
    : `VECTOR ${f[0]} FAILED: ${stringToSign.replaceAll("\n", "#")} ${signature}`);
}

async function call(name, run) {
  try {
    const response = await run();
    console.log(`CALL ${name} ${response.status} ${Buffer.from(response.body, "utf8").toString("base64")}`);
  } catch (e) {
    if (!(e instanceof GatewayApiError)) throw e;
    console.log(`ERROR ${name} ${e.status} ${e.errorCode}`);
  }
}

const client = new ShopClient(new GatewayConnection({ baseUrl, appKey, appSecret }));
await call("get-item", () => client.getItem(42, "t-7", 2, ["a", "b c"], "desc"));
await call("place-order", () => client.placeOrder({ sku: "A-1", qty: 3 }));
await call("login", () => client.login("ann", "x y&z", true));
await call("nonce-1", () => client.noncePing());
await call("nonce-2", () => client.noncePing());
await call("hello", () => client.shopHello("wörld"));
await call("status", () => client.status());
await call("whoami", () => client.whoami(token));
const wrong = new ShopClient(new GatewayConnection({ baseUrl, appKey, appSecret: "not-the-secret-of-this-app" }));
await call("wrong-secret", () => wrong.getItem(42, "t-7"));

// A 503 on the first attempt: the retry must be signed anew, with a nonce of its own.
const realFetch = globalThis.fetch;
const nonces = [];
globalThis.fetch = async (url, init) => {
  nonces.push(init.headers["X-Ca-Nonce"]);
  return nonces.length === 1 ? new Response("busy", { status: 503 }) : realFetch(url, init);
};
await call("retry", () => client.noncePing());
globalThis.fetch = realFetch;
console.log(`RETRY ${nonces.length} ${new Set(nonces).size}`);
