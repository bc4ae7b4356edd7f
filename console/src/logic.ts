// Front-end logic of the console, kept apart from the pages so that Vitest checks it without a browser.

export type Role = "viewer" | "editor" | "admin";

/** What each action needs, as the admin API's routes declare it (Silo/Admin: RequireRole). */
const needs: Record<string, Role> = {
  edit: "editor", // groups, backends, APIs, apps, grants, throttle policies and bindings
  publish: "editor",
  debug: "editor",
  resetQuota: "editor",
  keys: "admin", // app keys and their secrets
  alertRules: "admin",
};

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

/** Whether a token of this role may do the action; unknown actions are refused, unknown roles may do nothing. */
export function can(role: string | undefined, action: string): boolean {
  const need = needs[action];
  const have = role ? rank[role as Role] : undefined;
  return need !== undefined && have !== undefined && have >= rank[need];
}

/** The four steps of the API wizard, as the seed's console names them. */
export const wizardSteps = ["Basic information", "Define API Request", "Define Backend Service", "Define Response"] as const;

export interface WizardParameter {
  name: string;
  location: "Path" | "Query" | "Header" | "Form" | "Body";
  type: string;
  required: boolean;
}

export interface WizardState {
  id: string;
  name: string;
  group: string;
  description: string;
  authType: "Anonymous" | "AppSignature";
  method: string;
  path: string;
  parameters: WizardParameter[];
  backend: string;
  backendPath: string;
  timeoutMs: string;
  mock: boolean;
  mockStatus: string;
  mockBody: string;
  successExample: string;
}

export const emptyWizard: WizardState = {
  id: "", name: "", group: "", description: "", authType: "AppSignature", method: "GET", path: "/", parameters: [],
  backend: "", backendPath: "", timeoutMs: "", mock: false, mockStatus: "200", mockBody: "", successExample: "",
};

/** The names a path template declares: "/users/{id}/{rest*}" gives id and rest. */
export function pathParameters(template: string): string[] {
  return [...template.matchAll(/\{([^}*]+)\*?\}/g)].map((m) => m[1]);
}

/** Problems of one wizard step, so that the wizard does not move on with an incomplete step. */
export function stepProblems(step: number, s: WizardState): string[] {
  const p: string[] = [];
  if (step === 0) {
    if (!/^[A-Za-z0-9_.-]+$/.test(s.id)) p.push("The id needs letters, digits, '-', '_' or '.'.");
    if (!s.name.trim()) p.push("Give the API a name.");
    if (!s.group) p.push("Choose an API group.");
  }
  if (step === 1) {
    if (!s.path.startsWith("/")) p.push("The path starts with '/'.");
    for (const name of pathParameters(s.path)) {
      if (!s.parameters.some((x) => x.name === name && x.location === "Path")) p.push(`Define the path parameter '${name}'.`);
    }
  }
  if (step === 2 && !s.mock) {
    if (!s.backend) p.push("Choose a backend, or answer with a mock.");
    if (!s.backendPath.startsWith("/")) p.push("The backend path starts with '/'.");
    if (s.timeoutMs && !(Number(s.timeoutMs) > 0)) p.push("The timeout is a number of milliseconds.");
  }
  if (step === 2 && s.mock && !(Number(s.mockStatus) >= 100 && Number(s.mockStatus) <= 599)) p.push("The mock status is 100-599.");
  return p;
}

/** The API definition the admin API stores (PUT /v1/apis/{id}) from the wizard's answers. */
export function toDefinition(s: WizardState): Record<string, unknown> {
  const d: Record<string, unknown> = {
    id: s.id, group: s.group, name: s.name, methods: [s.method], path: s.path, authType: s.authType,
  };
  if (s.description) d.description = s.description;
  if (s.parameters.length) d.parameters = s.parameters.map((x) => ({ name: x.name, location: x.location, type: x.type, required: x.required }));
  if (s.mock) {
    d.mock = { status: Number(s.mockStatus), body: s.mockBody };
  } else {
    d.backend = s.backend;
    d.backendPath = s.backendPath;
    if (s.timeoutMs) d.timeoutMs = Number(s.timeoutMs);
  }
  if (s.successExample) d.description = [s.description, "Success example: " + s.successExample].filter(Boolean).join("\n");
  return d;
}

export interface ParameterDefinition {
  name: string;
  location?: string;
  type?: string;
  required?: boolean;
  default?: string;
  enum?: string[];
  description?: string;
}

export interface DebugField {
  name: string;
  where: "path" | "query" | "headers" | "body";
  required: boolean;
  initial: string;
  choices: string[];
  hint: string;
}

/** The Debug page's form: one field per parameter of the API, the path template's names first. */
export function debugFields(path: string, parameters: ParameterDefinition[] = []): DebugField[] {
  const fields: DebugField[] = [];
  for (const name of pathParameters(path)) {
    const def = parameters.find((p) => p.name === name);
    fields.push({ name, where: "path", required: true, initial: def?.default ?? "", choices: def?.enum ?? [], hint: def?.type ?? "String" });
  }
  for (const p of parameters) {
    const location = (p.location ?? "Query").toLowerCase();
    if (location === "path") continue;
    const where = location === "header" ? "headers" : location === "body" || location === "form" ? "body" : "query";
    fields.push({ name: p.name, where, required: !!p.required, initial: p.default ?? "", choices: p.enum ?? [], hint: p.type ?? "String" });
  }
  return fields;
}

/** The Debug API's request body from the form's values; empty optional fields are left out. */
export function debugRequest(
  api: string, stage: string, app: string, fields: DebugField[], values: Record<string, string>, body: string,
): Record<string, unknown> {
  const request: Record<string, Record<string, string> | string> = { api, stage, path: {}, query: {}, headers: {} };
  if (app) request.app = app;
  const form: string[] = [];
  for (const f of fields) {
    const v = values[`${f.where}.${f.name}`] ?? f.initial;
    if (v === "") continue;
    if (f.where === "body") form.push(`${encodeURIComponent(f.name)}=${encodeURIComponent(v)}`);
    else (request[f.where] as Record<string, string>)[f.name] = v;
  }
  if (form.length) {
    request.body = form.join("&");
    request.contentType = "application/x-www-form-urlencoded";
  } else if (body) {
    request.body = body;
  }
  return request;
}

export interface Point { requests: number; status4xx: number; status5xx: number; p95LatencyMs: number; p99LatencyMs: number }

/**
 * A latency percentile as the usage windows report it: the upper bound of the histogram bucket that holds it, so "≤".
 * Slower than the last bound (60 s) is reported as twice that bound; no calls, no percentile.
 */
export function latency(ms: number, requests: number): string {
  if (requests <= 0) return "–";
  if (ms > 60000) return "> 60000 ms";
  return `≤ ${ms} ms`;
}

/** An SVG polyline's points for a series, scaled into width × height (the highest value at the top). */
export function sparkline(values: number[], width: number, height: number): string {
  if (values.length === 0) return "";
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`).join(" ");
}

/** Share of a window's budget used, 0-100, for the quota bar; a limit of 0 is full. */
export function usedPercent(used: number, limit: number): number {
  if (limit <= 0) return 100;
  return Math.min(100, Math.max(0, Math.round((used / limit) * 100)));
}

export interface FieldChange { field: string; live: string; draft: string }

/** What publishing would change: the definition's fields whose value differs between live and draft. */
export function diffFields(live: Record<string, unknown> | undefined, draft: Record<string, unknown>): FieldChange[] {
  const fields = new Set([...Object.keys(live ?? {}), ...Object.keys(draft)]);
  const changes: FieldChange[] = [];
  for (const field of [...fields].sort()) {
    const a = live === undefined ? "" : JSON.stringify(live[field] ?? null);
    const b = JSON.stringify(draft[field] ?? null);
    if (a !== b) changes.push({ field, live: live === undefined ? "(not live)" : a, draft: b });
  }
  return changes;
}
