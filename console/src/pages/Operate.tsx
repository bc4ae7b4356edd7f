import { useEffect, useRef, useState } from "react";
import { call, get } from "../api";
import { Field, Problem, Select, stages, useAction, useLoad } from "../common";
import { can, latency, sparkline, usedPercent, type Point } from "../logic";

interface Series { totals: Point; points: (Point & { time: string })[]; resolutionSeconds: number }
interface ApiView { draft: { id: string; name: string }; stages: { stage: string; version: number }[] }

/**
 * Refreshes every few seconds while the page is open: live state, not a stored copy. The timer calls the newest
 * tick, so that a refresh follows what the page shows now (another API, stage or span), not what it first showed.
 */
function useEvery(ms: number, tick: () => void) {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const t = setInterval(() => latest.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

export function Overview() {
  const health = useLoad(async () => (await fetch("/health/ready")).status === 200);
  const apis = useLoad(() => get<ApiView[]>("/v1/apis"));
  const live = apis.data?.flatMap((a) => a.stages.map((s) => ({ id: a.draft.id, stage: s.stage }))) ?? [];
  return (
    <section>
      <h2>Overview</h2>
      <p data-testid="health">Cluster: {health.data === undefined ? "…" : health.data ? "ready" : "not ready"}</p>
      <Problem error={apis.error} />
      <table data-testid="overview"><thead><tr><th>API</th><th>Stage</th><th>Calls (5 min)</th><th>4xx</th><th>5xx</th><th>p95 latency</th><th>p99 latency</th></tr></thead>
        <tbody>{live.map((l) => <OverviewRow key={`${l.id}/${l.stage}`} id={l.id} stage={l.stage} />)}</tbody></table>
      <p className="hint">Over the last 5 minutes. The usage windows keep a latency histogram per second; p95 and p99 are the upper bounds of the histogram's buckets (1, 2, 5, 10, 25, 50, 100, 250, 500 ms …) that hold them.</p>
    </section>
  );
}

function OverviewRow({ id, stage }: { id: string; stage: string }) {
  const s = useLoad(() => get<Series>(`/v1/monitoring/apis/${encodeURIComponent(id)}?stage=${stage}&minutes=5`), [id, stage]);
  const t = s.data?.totals;
  return <tr><td>{id}</td><td>{stage}</td><td>{t?.requests ?? "…"}</td><td>{t?.status4xx}</td><td>{t?.status5xx}</td>
    <td data-testid="p95">{t ? latency(t.p95LatencyMs, t.requests) : ""}</td><td>{t ? latency(t.p99LatencyMs, t.requests) : ""}</td>
    {s.error !== undefined && <td><Problem error={s.error} /></td>}</tr>;
}

export function Monitoring() {
  const apis = useLoad(() => get<ApiView[]>("/v1/apis"));
  const apps = useLoad(() => get<{ app: { id: string } }[]>("/v1/apps"));
  const [kind, setKind] = useState("apis");
  const [id, setId] = useState("");
  const [stage, setStage] = useState("RELEASE");
  const [minutes, setMinutes] = useState("5");
  const series = useLoad(() => (id ? get<Series>(`/v1/monitoring/${kind}/${encodeURIComponent(id)}?stage=${stage}&minutes=${minutes}`) : Promise.resolve(undefined)), [kind, id, stage, minutes]);
  useEvery(5000, series.reload);
  const ids = kind === "apis" ? apis.data?.map((a) => a.draft.id) : apps.data?.map((a) => a.app.id);
  const points = series.data?.points ?? [];
  const chart = (label: string, values: number[]) => (
    <figure className="chart"><figcaption>{label} (max {Math.max(0, ...values).toFixed(0)})</figcaption>
      <svg width="320" height="80" viewBox="0 0 320 80"><polyline fill="none" stroke="currentColor" strokeWidth="1.5" points={sparkline(values, 320, 80)} /></svg>
    </figure>
  );
  return (
    <section>
      <h2>Monitoring</h2>
      <div className="row">
        <Select label="Of" value={kind} onChange={(k) => { setKind(k); setId(""); }} options={["apis", "apps"]} />
        <Select label="Which" value={id} onChange={setId} options={ids ?? []} blank="choose" />
        <Select label="Stage" value={stage} onChange={setStage} options={stages} />
        <Select label="Minutes" value={minutes} onChange={setMinutes} options={["1", "5", "60"]} />
      </div>
      <Problem error={series.error} />
      {series.data && (<div data-testid="charts">
        <p>Totals: {series.data.totals.requests} calls, {series.data.totals.status4xx} 4xx, {series.data.totals.status5xx} 5xx,
          p95 {latency(series.data.totals.p95LatencyMs, series.data.totals.requests)}, p99 {latency(series.data.totals.p99LatencyMs, series.data.totals.requests)}; one point per {series.data.resolutionSeconds} s.</p>
        {chart("Calls", points.map((p) => p.requests))}
        {chart("Errors (4xx + 5xx)", points.map((p) => p.status4xx + p.status5xx))}
        {chart("p95 latency ms", points.map((p) => p.p95LatencyMs))}
        {chart("p99 latency ms", points.map((p) => p.p99LatencyMs))}
      </div>)}
    </section>
  );
}

interface Policy { name: string; unit: string; apiLimit?: number; userLimit?: number; appLimit?: number; ipLimit?: number }
interface Binding { api: string; stage: string; policy: string }
interface Quota { limit: number; used: number; granted: number; remaining: number; windowStart: string; windowEnd: string; unit: string; mode: string; leases: { frontend: string; granted: number; used: number; outstanding: number }[] }
interface Consumers { consumers: { level: string; subject: string; used: number }[] }

export function Throttling({ role }: { role: string }) {
  const policies = useLoad(() => get<Policy[]>("/v1/throttle-policies"));
  const bindings = useLoad(() => get<Binding[]>("/v1/throttle-bindings"));
  const [selected, setSelected] = useState<Binding>();
  return (
    <section>
      <h2>Throttling</h2>
      <Problem error={policies.error ?? bindings.error} />
      <h3>Policies</h3>
      <table data-testid="policies"><thead><tr><th>Name</th><th>Unit</th><th>API</th><th>User</th><th>App</th><th>IP</th></tr></thead>
        <tbody>{policies.data?.map((p) => <tr key={p.name}><td>{p.name}</td><td>{p.unit}</td><td>{p.apiLimit}</td><td>{p.userLimit}</td><td>{p.appLimit}</td><td>{p.ipLimit}</td></tr>)}</tbody></table>
      {can(role, "edit") && <NewPolicy done={policies.reload} />}
      <h3>Bindings</h3>
      <table data-testid="bindings"><thead><tr><th>API</th><th>Stage</th><th>Policy</th><th /></tr></thead>
        <tbody>{bindings.data?.map((b) => <tr key={`${b.api}/${b.stage}`}><td>{b.api}</td><td>{b.stage}</td><td>{b.policy}</td>
          <td><button onClick={() => setSelected(b)}>Live quota</button></td></tr>)}</tbody></table>
      {can(role, "edit") && <NewBinding done={bindings.reload} policies={policies.data?.map((p) => p.name) ?? []} />}
      {selected && <QuotaState binding={selected} role={role} />}
    </section>
  );
}

function NewPolicy({ done }: { done: () => void }) {
  const [name, setName] = useState("");
  const [unit, setUnit] = useState("Minute");
  const [apiLimit, setApiLimit] = useState("");
  const action = useAction();
  return (
    <form className="card row" onSubmit={(e) => { e.preventDefault(); action.run(() => call("PUT", `/v1/throttle-policies/${encodeURIComponent(name)}`,
      { name, unit, ...(apiLimit ? { apiLimit: Number(apiLimit) } : {}) }), done); }}>
      <Field label="Policy name" value={name} onChange={setName} />
      <Select label="Unit" value={unit} onChange={setUnit} options={["Second", "Minute", "Hour", "Day"]} />
      <Field label="API limit" value={apiLimit} onChange={setApiLimit} />
      <button type="submit">Save policy</button>
      <Problem error={action.error} />
    </form>
  );
}

function NewBinding({ done, policies }: { done: () => void; policies: string[] }) {
  const [api, setApi] = useState("");
  const [stage, setStage] = useState("RELEASE");
  const [policy, setPolicy] = useState("");
  const action = useAction();
  return (
    <form className="card row" onSubmit={(e) => { e.preventDefault(); action.run(() => call("PUT", `/v1/apis/${encodeURIComponent(api)}/stages/${stage}/throttle-policy`, { policy }), done); }}>
      <Field label="Bind API" value={api} onChange={setApi} />
      <Select label="Stage" value={stage} onChange={setStage} options={stages} />
      <Select label="Policy" value={policy} onChange={setPolicy} options={policies} blank="choose" />
      <button type="submit">Bind</button>
      <Problem error={action.error} />
    </form>
  );
}

function QuotaState({ binding, role }: { binding: Binding; role: string }) {
  const base = `/v1/quotas/${encodeURIComponent(binding.api)}/${binding.stage}`;
  const quota = useLoad(() => get<Quota>(`${base}/api`), [base]);
  const top = useLoad(() => get<Consumers>(`${base}/top`), [base]);
  const reset = useAction();
  useEvery(2000, () => { quota.reload(); top.reload(); });
  const q = quota.data;
  return (
    <div className="card" data-testid="quota">
      <h3>Live quota: {binding.api} in {binding.stage} ({binding.policy})</h3>
      <Problem error={quota.error ?? top.error} />
      {q && (<>
        <div className="bar"><div style={{ width: `${usedPercent(q.used, q.limit)}%` }} /></div>
        <p>Limit <span data-testid="quota-limit">{q.limit}</span> · used <span data-testid="quota-used">{q.used}</span> · remaining <span data-testid="quota-remaining">{q.remaining}</span>
          {" "}· leased to frontends {q.granted} · window {new Date(q.windowStart).toLocaleTimeString()}–{new Date(q.windowEnd).toLocaleTimeString()} ({q.unit}, {q.mode})</p>
        <h4>Leases per frontend</h4>
        <table data-testid="leases"><thead><tr><th>Frontend</th><th>Granted</th><th>Used</th><th>Outstanding</th></tr></thead>
          <tbody>{q.leases.map((l) => <tr key={l.frontend}><td>{l.frontend}</td><td>{l.granted}</td><td>{l.used}</td><td>{l.outstanding}</td></tr>)}</tbody></table>
      </>)}
      <h4>Top consumers</h4>
      {top.data?.consumers.length === 0 && <p className="hint">No consumers reported in this window yet.</p>}
      <table><tbody>{top.data?.consumers.map((c) => <tr key={`${c.level}/${c.subject}`}><td>{c.level}</td><td>{c.subject}</td><td>{c.used}</td></tr>)}</tbody></table>
      {can(role, "resetQuota") && <button onClick={() => reset.run(() => call("POST", `${base}/api/reset`), quota.reload)}>Reset the API-level window</button>}
      <Problem error={reset.error} />
    </div>
  );
}

interface AppView { app: { id: string; name: string; owner: string; enabled: boolean }; keys: { key: string; createdAt: string }[] }
interface Grant { app: string; api: string; stage: string; expiresAt?: string }

export function Apps({ role }: { role: string }) {
  const apps = useLoad(() => get<AppView[]>("/v1/apps"));
  const [id, setId] = useState("");
  const [owner, setOwner] = useState("");
  const action = useAction();
  return (
    <section>
      <h2>Apps</h2>
      <Problem error={apps.error} />
      {apps.data?.map((a) => <AppCard key={a.app.id} view={a} role={role} reload={apps.reload} />)}
      {can(role, "edit") && (
        <form className="card row" onSubmit={(e) => { e.preventDefault(); action.run(() => call("PUT", `/v1/apps/${encodeURIComponent(id)}`, { id, name: id, owner }), apps.reload); }}>
          <Field label="App id" value={id} onChange={setId} />
          <Field label="Owner" value={owner} onChange={setOwner} />
          <button type="submit">Create app</button>
          <Problem error={action.error} />
        </form>
      )}
    </section>
  );
}

function AppCard({ view, role, reload }: { view: AppView; role: string; reload: () => void }) {
  const id = encodeURIComponent(view.app.id);
  const grants = useLoad(() => get<Grant[]>(`/v1/apps/${id}/grants`), [id]);
  const [secret, setSecret] = useState<{ appKey: string; appSecret: string }>();
  const [api, setApi] = useState("");
  const [stage, setStage] = useState("TEST");
  const action = useAction();
  return (
    <div className="card" data-testid={`app-${view.app.id}`}>
      <h3>{view.app.name} <small>({view.app.id}, owner {view.app.owner}{view.app.enabled ? "" : ", disabled"})</small></h3>
      <p>Keys: {view.keys.map((k) => k.key).join(", ") || "none"}</p>
      {can(role, "keys") && <button onClick={() => action.run(async () => setSecret(await call("POST", `/v1/apps/${id}/keys`)), reload)}>New key</button>}
      {secret && <p className="secret" data-testid="secret">AppKey <code>{secret.appKey}</code>, AppSecret <code>{secret.appSecret}</code> — shown this once: copy it now.</p>}
      <h4>Grants</h4>
      <table><tbody>{grants.data?.map((g) => <tr key={`${g.api}/${g.stage}`}><td>{g.api}</td><td>{g.stage}</td><td>{g.expiresAt ?? "no expiry"}</td>
        <td>{can(role, "edit") && <button onClick={() => action.run(() => call("DELETE", `/v1/apps/${id}/grants/${encodeURIComponent(g.api)}/${g.stage}`), grants.reload)}>Revoke</button>}</td></tr>)}</tbody></table>
      {can(role, "edit") && (<div className="row">
        <Field label="Grant API" value={api} onChange={setApi} />
        <Select label="Stage" value={stage} onChange={setStage} options={stages} />
        <button onClick={() => action.run(() => call("PUT", `/v1/apps/${id}/grants/${encodeURIComponent(api)}/${stage}`, {}), grants.reload)}>Grant</button>
      </div>)}
      <Problem error={action.error ?? grants.error} />
    </div>
  );
}

export function Alerts() {
  const rules = useLoad(() => get<{ id: string; name?: string; scope: string; target?: string; stage: string; metric: string; comparison: string; threshold: number; windowMinutes: number }[]>("/v1/alert-rules"));
  const history = useLoad(() => get<{ alertId: string; ruleName: string; apiId: string; stage: string; metric: string; threshold: number; value: number;
    firedAt: string; resolvedAt?: string; deliveries: unknown[] }[]>("/v1/alerts"));
  return (
    <section>
      <h2>Alerts</h2>
      <Problem error={rules.error ?? history.error} />
      <h3>Rules</h3>
      <table><thead><tr><th>Id</th><th>Scope</th><th>Stage</th><th>Condition</th></tr></thead>
        <tbody>{rules.data?.map((r) => <tr key={r.id}><td>{r.name ?? r.id}</td><td>{r.scope} {r.target}</td><td>{r.stage}</td><td>{r.metric} {r.comparison} {r.threshold} over {r.windowMinutes} min</td></tr>)}</tbody></table>
      <h3>History</h3>
      <table data-testid="alert-history"><thead><tr><th>Fired</th><th>Rule</th><th>API</th><th>Value</th><th>Resolved</th><th>Deliveries</th></tr></thead>
        <tbody>{history.data?.map((a) => <tr key={a.alertId}><td>{new Date(a.firedAt).toLocaleString()}</td><td>{a.ruleName}</td><td>{a.apiId} {a.stage}</td>
          <td>{a.metric} {a.value} (threshold {a.threshold})</td><td>{a.resolvedAt ? new Date(a.resolvedAt).toLocaleString() : "open"}</td><td>{a.deliveries.length}</td></tr>)}</tbody></table>
      {history.data?.length === 0 && <p className="hint">No alert has fired.</p>}
    </section>
  );
}

export function Audit() {
  const entries = useLoad(() => get<{ at: string; actor: string; route: string; items: string[] }[] | { entries: { at: string; actor: string; route: string; items: string[] }[] }>("/v1/audit"));
  const list = Array.isArray(entries.data) ? entries.data : entries.data?.entries ?? [];
  return (
    <section>
      <h2>Audit log</h2>
      <Problem error={entries.error} />
      <table data-testid="audit"><thead><tr><th>When</th><th>Who</th><th>Route</th><th>Items</th></tr></thead>
        <tbody>{list.map((e, i) => <tr key={i}><td>{new Date(e.at).toLocaleString()}</td><td>{e.actor}</td><td>{e.route}</td><td>{e.items.join(", ")}</td></tr>)}</tbody></table>
    </section>
  );
}
