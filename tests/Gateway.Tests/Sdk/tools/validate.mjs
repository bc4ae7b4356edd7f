// Validates OpenAPI documents (JSON or YAML files named on the command line) with @apidevtools/swagger-parser,
// an implementation independent of the gateway's generator. Exit code 0 only when every document is valid.
import SwaggerParser from "@apidevtools/swagger-parser";

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const api = await SwaggerParser.validate(file);
    console.log(`valid ${file}: OpenAPI ${api.openapi}, ${Object.keys(api.paths ?? {}).length} paths`);
  } catch (error) {
    failed++;
    console.log(`INVALID ${file}: ${error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
