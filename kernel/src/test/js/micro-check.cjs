// Asks every instance of a NATS micro service for PING, INFO and STATS through nats.js' own services
// client, and validates each reply against the micro v1 JSON schemas with ajv.
// usage: node micro-check.cjs <nats-url> <schemas-dir> <service-name>
// prints {"ping": [...], "info": [...], "stats": [...], "errors": [...]} on stdout
const fs = require("fs");
const path = require("path");
const { connect } = require("nats");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

(async () => {
  const [url, schemas, name] = process.argv.slice(2);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const nc = await connect({ servers: url });
  const client = nc.services.client({ maxWait: 400 }) // loopback: every instance answers well within;
  const out = { ping: [], info: [], stats: [], errors: [] };
  for (const verb of ["ping", "info", "stats"]) {
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(schemas, `${verb}_response.json`), "utf8")));
    for await (const reply of await client[verb](name)) {
      out[verb].push(reply);
      if (!validate(reply)) {
        out.errors.push({ verb, id: reply.id, errors: validate.errors });
      }
    }
  }
  await nc.close();
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
