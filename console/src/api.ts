// The console's only way to the server: the admin API, with the token the user logged in with.

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public errors: { path?: string; message?: string }[] = []) {
    super(message);
  }
}

let token = sessionStorage.getItem("gateway-token") ?? "";

export function setToken(value: string) {
  token = value;
  if (value) sessionStorage.setItem("gateway-token", value);
  else sessionStorage.removeItem("gateway-token");
}

export function hasToken() {
  return token !== "";
}

export async function call<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = contentType;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    let errors = [];
    try {
      const problem = JSON.parse(text);
      detail = problem.detail ?? problem.title ?? text;
      errors = problem.errors ?? [];
    } catch {
      /* not JSON: show the text */
    }
    throw new ApiError(response.status, response.headers.get("X-Ca-Error-Code") ?? "", detail, errors);
  }
  const type = response.headers.get("Content-Type") ?? "";
  return (type.includes("json") && text ? JSON.parse(text) : text) as T;
}

export const get = <T = unknown>(path: string) => call<T>("GET", path);

/** Whether a route answers (not 404): the documentation and SDK links are shown only where they exist. */
export async function exists(path: string): Promise<boolean> {
  const response = await fetch(path, { method: "GET", headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return response.status !== 404;
}

/** Downloads a file the admin API serves behind the token (an SDK zip): fetched with it, saved from memory. */
export async function download(path: string) {
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(response.status, response.headers.get("X-Ca-Error-Code") ?? "", await response.text());
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = path.split("/").filter(Boolean).slice(-3).join("-") + ".zip";
  a.click();
  URL.revokeObjectURL(url);
}
