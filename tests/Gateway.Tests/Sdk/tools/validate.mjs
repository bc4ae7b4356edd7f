// Validates OpenAPI documents (JSON or YAML files named on the command line) with @apidevtools/swagger-parser,
// an implementation independent of the gateway's generator, plus two rules of the specification that its schema
// check leaves out: every {param} of a path is declared "in: path", and every security requirement names a
// defined scheme. Exit code 0 only when every document is valid.
import SwaggerParser from "@apidevtools/swagger-parser";

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function ruleErrors(api) {
  const errors = [];
  const schemes = Object.keys(api.components?.securitySchemes ?? {});
  for (const [path, item] of Object.entries(api.paths ?? {})) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of methods.filter((m) => item[m])) {
      const operation = item[method];
      const declared = [...(item.parameters ?? []), ...(operation.parameters ?? [])].filter((p) => p.in === "path").map((p) => p.name);
      for (const name of names.filter((n) => !declared.includes(n))) {
        errors.push(`${method} ${path}: path parameter {${name}} is not declared`);
      }
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement).filter((s) => !schemes.includes(s))) {
          errors.push(`${method} ${path}: security scheme '${scheme}' is not defined`);
        }
      }
    }
  }
  return errors;
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const api = await SwaggerParser.validate(file);
    const errors = ruleErrors(api);
    if (errors.length > 0) {
      throw new Error(errors.join("\n  "));
    }
    console.log(`valid ${file}: OpenAPI ${api.openapi}, ${Object.keys(api.paths ?? {}).length} paths`);
  } catch (error) {
    failed++;
    console.log(`INVALID ${file}: ${error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
