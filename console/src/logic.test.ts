import { describe, expect, it } from "vitest";
import { can, diffFields, debugFields, debugRequest, emptyWizard, latency, pathParameters, sparkline, stepProblems, toDefinition, usedPercent } from "./logic";

describe("roles", () => {
  it("a viewer may not publish, edit or debug", () => {
    expect(can("viewer", "publish")).toBe(false);
    expect(can("viewer", "edit")).toBe(false);
    expect(can("viewer", "debug")).toBe(false);
  });
  it("an editor publishes but handles no keys or alert rules", () => {
    expect(can("editor", "publish")).toBe(true);
    expect(can("editor", "keys")).toBe(false);
    expect(can("editor", "alertRules")).toBe(false);
  });
  it("an admin may do everything; unknown roles and actions nothing", () => {
    expect(can("admin", "keys")).toBe(true);
    expect(can("root", "edit")).toBe(false);
    expect(can(undefined, "edit")).toBe(false);
    expect(can("admin", "format-disk")).toBe(false);
  });
});

describe("wizard", () => {
  it("finds the path template's parameters", () => {
    expect(pathParameters("/users/{id}/files/{rest*}")).toEqual(["id", "rest"]);
  });
  it("refuses a step with every problem listed", () => {
    expect(stepProblems(0, { ...emptyWizard, id: "bad id" })).toHaveLength(3);
    expect(stepProblems(1, { ...emptyWizard, path: "/u/{id}" })).toEqual(["Define the path parameter 'id'."]);
    expect(stepProblems(2, { ...emptyWizard, backendPath: "x", timeoutMs: "soon" })).toHaveLength(3);
  });
  it("builds a backend definition, or a mock one without a backend", () => {
    const s = { ...emptyWizard, id: "a", name: "A", group: "g", path: "/a", backend: "b", backendPath: "/x", timeoutMs: "500" };
    expect(toDefinition(s)).toMatchObject({ id: "a", methods: ["GET"], backend: "b", backendPath: "/x", timeoutMs: 500 });
    const mock = toDefinition({ ...s, mock: true, mockStatus: "201", mockBody: "{}" });
    expect(mock).toMatchObject({ mock: { status: 201, body: "{}" } });
    expect(mock).not.toHaveProperty("backend");
  });
});

describe("debug form", () => {
  const fields = debugFields("/hello/{name}", [
    { name: "name", location: "Path", type: "String" },
    { name: "lang", location: "Query", enum: ["en", "de"], default: "en" },
    { name: "X-Trace", location: "Header" },
  ]);
  it("has a field per parameter, path first", () => {
    expect(fields.map((f) => `${f.where}.${f.name}`)).toEqual(["path.name", "query.lang", "headers.X-Trace"]);
    expect(fields[1].choices).toEqual(["en", "de"]);
  });
  it("sends defaults, leaves out empty optional fields, and names the app", () => {
    expect(debugRequest("hello", "TEST", "app1", fields, { "path.name": "Ann" }, "")).toEqual({
      api: "hello", stage: "TEST", app: "app1", path: { name: "Ann" }, query: { lang: "en" }, headers: {},
    });
  });
  it("anonymous calls carry no app", () => {
    expect(debugRequest("hello", "TEST", "", fields, {}, "")).not.toHaveProperty("app");
  });
});

describe("charts and quotas", () => {
  it("scales a series into the box, highest at the top", () => {
    expect(sparkline([0, 5, 10], 100, 50)).toBe("0.0,50.0 50.0,25.0 100.0,0.0");
    expect(sparkline([], 100, 50)).toBe("");
    expect(latency(50, 1000)).toBe("≤ 50 ms");
    expect(latency(120000, 3)).toBe("> 60000 ms");
    expect(latency(0, 0)).toBe("–");
  });
  it("bounds the used share", () => {
    expect(usedPercent(3, 10)).toBe(30);
    expect(usedPercent(30, 10)).toBe(100);
    expect(usedPercent(0, 0)).toBe(100);
  });
});

describe("publish diff", () => {
  it("names each changed field with both values", () => {
    expect(diffFields({ id: "a", path: "/a", timeoutMs: 1 }, { id: "a", path: "/b" })).toEqual([
      { field: "path", live: '"/a"', draft: '"/b"' },
      { field: "timeoutMs", live: "1", draft: "null" },
    ]);
  });
  it("marks everything as new when nothing is live", () => {
    expect(diffFields(undefined, { id: "a" })).toEqual([{ field: "id", live: "(not live)", draft: '"a"' }]);
  });
});
