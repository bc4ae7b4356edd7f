import { useState } from "react";
import { stringify } from "yaml";
import { call, download, exists, get } from "../api";
import { Field, Problem, Select, stages, useAction, useLoad } from "../common";
import { can, diffFields, emptyWizard, pathParameters, stepProblems, toDefinition, wizardSteps, type WizardState } from "../logic";

interface Group { name: string; basePath?: string; domains?: string[]; description?: string }
interface Backend { name: string; addresses?: string[]; hostHeader?: string }
interface StageStatus { stage: string; version: number }
interface ApiView { draft: Record<string, unknown> & { id: string; name: string; group: string; path: string; methods?: string[] }; stages: StageStatus[] }
interface ApiVersion { version: number; stage: string; remark: string; publishedAt: string; definition: Record<string, unknown> }

export function Groups({ role }: { role: string }) {
  const { data, error, reload } = useLoad(() => get<Group[]>("/v1/groups"));
  const [name, setName] = useState("");
  const [basePath, setBasePath] = useState("");
  const [domains, setDomains] = useState("");
  const action = useAction();
  return (
    <section>
      <h2>API groups</h2>
      <Problem error={error} />
      <table data-testid="groups"><thead><tr><th>Name</th><th>Base path</th><th>Domains</th><th /></tr></thead>
        <tbody>{data?.map((g) => (
          <tr key={g.name}><td>{g.name}</td><td>{g.basePath}</td><td>{g.domains?.join(", ") || "any host"}</td>
            <td>{can(role, "edit") && <button onClick={() => action.run(() => call("DELETE", `/v1/groups/${encodeURIComponent(g.name)}`), reload)}>Delete</button>}</td></tr>
        ))}</tbody></table>
      {can(role, "edit") && (
        <form className="card" onSubmit={(e) => { e.preventDefault(); action.run(() => call("PUT", `/v1/groups/${encodeURIComponent(name)}`, {
          name, basePath, domains: domains.split(",").map((d) => d.trim()).filter(Boolean) }), () => { setName(""); reload(); }); }}>
          <h3>New group</h3>
          <Field label="Group name" value={name} onChange={setName} />
          <Field label="Base path" value={basePath} onChange={setBasePath} placeholder="/shop" />
          <Field label="Domains" value={domains} onChange={setDomains} placeholder="api.example.com, (empty: any host)" />
          <button type="submit" disabled={action.busy}>Create group</button>
          <Problem error={action.error} />
        </form>
      )}
    </section>
  );
}

export function Backends({ role }: { role: string }) {
  const { data, error, reload } = useLoad(() => get<Backend[]>("/v1/backends"));
  const [name, setName] = useState("");
  const [addresses, setAddresses] = useState("");
  const [hostHeader, setHostHeader] = useState("");
  const action = useAction();
  return (
    <section>
      <h2>Backends</h2>
      <Problem error={error} />
      <table data-testid="backends"><thead><tr><th>Name</th><th>Addresses</th><th>Host header</th><th /></tr></thead>
        <tbody>{data?.map((b) => (
          <tr key={b.name}><td>{b.name}</td><td>{b.addresses?.join(", ")}</td><td>{b.hostHeader}</td>
            <td>{can(role, "edit") && <button onClick={() => action.run(() => call("DELETE", `/v1/backends/${encodeURIComponent(b.name)}`), reload)}>Delete</button>}</td></tr>
        ))}</tbody></table>
      {can(role, "edit") && (
        <form className="card" onSubmit={(e) => { e.preventDefault(); action.run(() => call("PUT", `/v1/backends/${encodeURIComponent(name)}`, {
          name, addresses: addresses.split(",").map((a) => a.trim()).filter(Boolean), ...(hostHeader ? { hostHeader } : {}) }), () => { setName(""); reload(); }); }}>
          <h3>New backend</h3>
          <Field label="Backend name" value={name} onChange={setName} />
          <Field label="Addresses" value={addresses} onChange={setAddresses} placeholder="http://10.0.0.5:80, http://10.0.0.6:80" />
          <Field label="Host header" value={hostHeader} onChange={setHostHeader} placeholder="shop.internal (optional)" />
          <button type="submit" disabled={action.busy}>Create backend</button>
          <Problem error={action.error} />
        </form>
      )}
    </section>
  );
}

export function Apis({ role }: { role: string }) {
  const { data, error, reload } = useLoad(() => get<ApiView[]>("/v1/apis"));
  const [wizard, setWizard] = useState(false);
  return (
    <section>
      <h2>APIs</h2>
      <Problem error={error} />
      <table data-testid="apis"><thead><tr><th>Id</th><th>Name</th><th>Group</th><th>Request</th><th>Live</th></tr></thead>
        <tbody>{data?.map((a) => (
          <tr key={a.draft.id}><td><a href={`#/apis/${encodeURIComponent(a.draft.id)}`}>{a.draft.id}</a></td>
            <td>{a.draft.name}</td><td>{a.draft.group}</td><td>{a.draft.methods?.join(",")} {a.draft.path}</td>
            <td>{a.stages.map((s) => `${s.stage} v${s.version}`).join(", ") || "not published"}</td></tr>
        ))}</tbody></table>
      {can(role, "edit") && !wizard && <button onClick={() => setWizard(true)}>Create API</button>}
      {wizard && <Wizard done={() => { setWizard(false); reload(); }} />}
    </section>
  );
}

function Wizard({ done }: { done: () => void }) {
  const groups = useLoad(() => get<Group[]>("/v1/groups"));
  const backends = useLoad(() => get<Backend[]>("/v1/backends"));
  const [step, setStep] = useState(0);
  const [s, setS] = useState<WizardState>(emptyWizard);
  const [problems, setProblems] = useState<string[]>([]);
  const action = useAction();
  const set = (patch: Partial<WizardState>) => setS({ ...s, ...patch });
  const next = () => {
    const p = stepProblems(step, s);
    setProblems(p);
    if (p.length === 0) setStep(step + 1);
  };
  const addPathParameters = () => set({
    parameters: [...s.parameters, ...pathParameters(s.path).filter((n) => !s.parameters.some((x) => x.name === n))
      .map((name) => ({ name, location: "Path" as const, type: "String", required: true }))],
  });
  return (
    <div className="card wizard" data-testid="wizard">
      <ol className="steps">{wizardSteps.map((w, i) => <li key={w} className={i === step ? "current" : ""}>{w}</li>)}</ol>
      {step === 0 && (<>
        <Field label="API id" value={s.id} onChange={(id) => set({ id })} />
        <Field label="API name" value={s.name} onChange={(name) => set({ name })} />
        <Select label="Group" value={s.group} onChange={(group) => set({ group })} options={groups.data?.map((g) => g.name) ?? []} blank="choose a group" />
        <Field label="Description" value={s.description} onChange={(description) => set({ description })} />
        <Select label="Authentication" value={s.authType} onChange={(a) => set({ authType: a as WizardState["authType"] })} options={["AppSignature", "Anonymous"]} />
      </>)}
      {step === 1 && (<>
        <Select label="Method" value={s.method} onChange={(method) => set({ method })} options={["GET", "POST", "PUT", "DELETE", "PATCH"]} />
        <Field label="Request path" value={s.path} onChange={(path) => set({ path })} placeholder="/orders/{id}" />
        <button type="button" onClick={addPathParameters}>Define path parameters</button>
        <table><thead><tr><th>Parameter</th><th>Location</th><th>Type</th><th>Required</th><th /></tr></thead>
          <tbody>{s.parameters.map((p, i) => (
            <tr key={i}><td>{p.name}</td><td>{p.location}</td><td>{p.type}</td><td>{p.required ? "yes" : "no"}</td>
              <td><button type="button" onClick={() => set({ parameters: s.parameters.filter((_, j) => j !== i) })}>Remove</button></td></tr>
          ))}</tbody></table>
        <AddParameter add={(p) => set({ parameters: [...s.parameters, p] })} />
      </>)}
      {step === 2 && (<>
        <label className="field"><span>Answer with a mock</span><input type="checkbox" name="mock" checked={s.mock} onChange={(e) => set({ mock: e.target.checked })} /></label>
        {s.mock ? (<>
          <Field label="Mock status" value={s.mockStatus} onChange={(mockStatus) => set({ mockStatus })} />
          <Field label="Mock body" value={s.mockBody} onChange={(mockBody) => set({ mockBody })} />
        </>) : (<>
          <Select label="Backend" value={s.backend} onChange={(backend) => set({ backend })} options={backends.data?.map((b) => b.name) ?? []} blank="choose a backend" />
          <Field label="Backend path" value={s.backendPath} onChange={(backendPath) => set({ backendPath })} placeholder="/internal/orders/{id}" />
          <Field label="Timeout (ms)" value={s.timeoutMs} onChange={(timeoutMs) => set({ timeoutMs })} />
        </>)}
      </>)}
      {step === 3 && (<>
        <Field label="Success response example" value={s.successExample} onChange={(successExample) => set({ successExample })} />
        <pre className="raw" data-testid="wizard-definition">{JSON.stringify(toDefinition(s), null, 2)}</pre>
      </>)}
      {problems.length > 0 && <ul className="problem">{problems.map((p) => <li key={p}>{p}</li>)}</ul>}
      <div className="buttons">
        {step > 0 && <button type="button" onClick={() => setStep(step - 1)}>Back</button>}
        {step < 3 && <button type="button" onClick={next}>Next</button>}
        {step === 3 && <button type="button" disabled={action.busy}
          onClick={() => action.run(() => call("PUT", `/v1/apis/${encodeURIComponent(s.id)}`, toDefinition(s)), done)}>Save API</button>}
        <button type="button" onClick={done}>Cancel</button>
      </div>
      <Problem error={action.error} />
    </div>
  );
}

function AddParameter({ add }: { add: (p: WizardState["parameters"][number]) => void }) {
  const [name, setName] = useState("");
  const [location, setLocation] = useState("Query");
  const [type, setType] = useState("String");
  const [required, setRequired] = useState(false);
  return (
    <div className="row">
      <Field label="Parameter name" value={name} onChange={setName} />
      <Select label="Location" value={location} onChange={setLocation} options={["Query", "Header", "Form", "Path"]} />
      <Select label="Type" value={type} onChange={setType} options={["String", "Int", "Long", "Float", "Double", "Boolean"]} />
      <label className="field"><span>Required</span><input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /></label>
      <button type="button" disabled={!name} onClick={() => { add({ name, location: location as "Query", type, required }); setName(""); }}>Add parameter</button>
    </div>
  );
}

export function ApiDetail({ id, role }: { id: string; role: string }) {
  const view = useLoad(() => get<ApiView>(`/v1/apis/${encodeURIComponent(id)}`), [id]);
  const versions = useLoad(() => get<ApiVersion[]>(`/v1/apis/${encodeURIComponent(id)}/versions`), [id]);
  const [stage, setStage] = useState("TEST");
  const [remark, setRemark] = useState("");
  const [raw, setRaw] = useState<string | undefined>();
  const publish = useAction();
  const save = useAction();
  const reload = () => { view.reload(); versions.reload(); };
  if (!view.data) return <section><Problem error={view.error} /></section>;
  const draft = view.data.draft;
  const live = view.data.stages.find((s) => s.stage === stage);
  const liveDefinition = versions.data?.find((v) => v.version === live?.version)?.definition;
  const changes = diffFields(liveDefinition, draft);
  const text = raw ?? stringify(draft);
  return (
    <section>
      <h2>API {draft.name} <small>({draft.id})</small></h2>
      <div className="card">
        <h3>Definition (draft, YAML)</h3>
        <p className="hint">Edit the YAML (or paste JSON); the admin API checks it and lists every problem, with its path, below.</p>
        <textarea name="definition" className="raw" rows={14} value={text} readOnly={!can(role, "edit")} onChange={(e) => setRaw(e.target.value)} />
        {can(role, "edit") && <button disabled={save.busy} onClick={() => save.run(() => call("PUT", `/v1/apis/${encodeURIComponent(id)}`, text,
          text.trimStart().startsWith("{") ? "application/json" : "application/yaml"), () => { setRaw(undefined); reload(); })}>Save draft</button>}
        <Problem error={save.error} />
      </div>
      <div className="card" data-testid="publish">
        <h3>Publish</h3>
        <Select label="Stage" value={stage} onChange={setStage} options={stages} />
        <p>Live in {stage}: {live ? `version ${live.version}` : "nothing"}.</p>
        {changes.length > 0 && <table className="diff"><thead><tr><th>Field</th><th>Live</th><th>Draft</th></tr></thead>
          <tbody>{changes.map((c) => <tr key={c.field}><td>{c.field}</td><td>{c.live}</td><td>{c.draft}</td></tr>)}</tbody></table>}
        {changes.length === 0 && <p>The draft is what is live.</p>}
        {can(role, "publish") ? (<>
          <Field label="Remark" value={remark} onChange={setRemark} placeholder="why this version goes live (required)" />
          <button disabled={publish.busy || !remark.trim()} onClick={() => publish.run(() =>
            call("POST", `/v1/apis/${encodeURIComponent(id)}/stages/${stage}/publish`, { remark }), () => { setRemark(""); reload(); })}>Publish to {stage}</button>
        </>) : <p className="hint" data-testid="no-publish">Your role ({role}) cannot publish.</p>}
        <Problem error={publish.error} />
      </div>
      <div className="card">
        <h3>Version history</h3>
        <Problem error={versions.error} />
        <table data-testid="versions"><thead><tr><th>Version</th><th>Stage</th><th>Remark</th><th>Published</th><th /></tr></thead>
          <tbody>{versions.data?.map((v) => (
            <tr key={`${v.version}-${v.stage}`}><td>{v.version}</td><td>{v.stage}</td><td>{v.remark}</td><td>{new Date(v.publishedAt).toLocaleString()}</td>
              <td>{can(role, "publish") && live && v.version !== live.version && v.stage === stage &&
                <button onClick={() => publish.run(() => call("POST", `/v1/apis/${encodeURIComponent(id)}/stages/${stage}/rollback`, { version: v.version }), reload)}>Roll back to {v.version}</button>}</td></tr>
          ))}</tbody></table>
      </div>
      <DocsLinks group={draft.group} />
    </section>
  );
}

/** The group's documentation and SDK downloads, shown only where the admin host serves them. */
function DocsLinks({ group }: { group: string }) {
  const links = useLoad(async () => {
    const candidates = stages.flatMap((stage) => [
      { label: `Documentation (${stage})`, href: `/docs/${encodeURIComponent(group)}/${stage}` },
      ...["csharp", "java", "python", "typescript", "go"].map((l) => ({ label: `SDK ${l} (${stage})`, href: `/v1/groups/${encodeURIComponent(group)}/stages/${stage}/sdks/${l}` })),
    ]);
    const found = await Promise.all(candidates.map(async (c) => ((await exists(c.href)) ? c : null)));
    return found.filter((c) => c !== null);
  }, [group]);
  if (!links.data?.length) return null;
  return <div className="card"><h3>Documentation and SDKs</h3><ul>{links.data.map((l) => <li key={l.href}>{l.href.startsWith("/docs/") ? <a href={l.href} target="_blank" rel="noreferrer">{l.label}</a> : <button onClick={() => void download(l.href)}>{l.label}</button>}</li>)}</ul></div>;
}
