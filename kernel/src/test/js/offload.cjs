// Runs one capfabric job over NATS the way a non-Java client does, following the README's
// "The offload wire": a request on capfabric.node.<id>.cap.<cap>, and for payloads above the server's
// max payload the input and output through the JetStream Object Store bucket capfabric-payloads.
// usage: node offload.cjs <nats-url> <subject> json <json-body>
//        node offload.cjs <nats-url> <subject> large <bytes>
// prints {"headers": {...}, "body": <text>|null, "sha256_in", "sha256_out", "output_by_reference"} on stdout
const crypto = require("crypto");
const { connect, headers, nuid } = require("nats");

(async () => {
  const [url, subject, mode, arg] = process.argv.slice(2);
  const nc = await connect({ servers: url });
  const h = headers();
  const out = {};
  let data;
  let os;
  let inputName;
  if (mode === "json") {
    h.set("Content-Type", "application/json");
    data = new TextEncoder().encode(arg);
  } else {
    const input = crypto.randomBytes(Number(arg));
    out.sha256_in = crypto.createHash("sha256").update(input).digest("hex");
    // the nodes create the bucket when they join; the client only opens it
    os = await nc.jetstream().views.os("capfabric-payloads");
    inputName = `js-client-${nuid.next()}`;
    await os.putBlob({ name: inputName }, input);
    h.set("Content-Type", "application/octet-stream");
    h.set("Capfabric-Params", JSON.stringify({ echo_bytes: "1" }));
    h.set("Capfabric-Input-Ref", inputName);
    h.set("Capfabric-Timeout-Ms", "30000");
    data = new Uint8Array(0);
  }
  const reply = await nc.request(subject, data, { timeout: 30000, headers: h });
  out.headers = {};
  for (const [key, values] of reply.headers || []) {
    out.headers[key] = values[0];
  }
  let body = reply.data;
  const outputRef = reply.headers && reply.headers.get("Capfabric-Output-Ref");
  out.output_by_reference = Boolean(outputRef);
  if (outputRef) {
    body = await os.getBlob(outputRef);
    await os.delete(outputRef); // the receiver deletes what it read
  }
  if (inputName) {
    await os.delete(inputName); // the sender deletes its input once answered
    out.sha256_out = crypto.createHash("sha256").update(body).digest("hex");
    out.body = null;
  } else {
    out.body = new TextDecoder().decode(body);
  }
  await nc.close();
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
