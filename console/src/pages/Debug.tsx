import { useState } from "react";
import { call, get } from "../api";
import { Field, Problem, Select, stages, useAction, useLoad } from "../common";
import { debugFields, debugRequest, type ParameterDefinition } from "../logic";

interface ApiView { draft: { id: string; name: string; path: string; parameters?: ParameterDefinition[] }; stages: { stage: string; version: number }[] }
interface Group { name: string; basePath?: string }
interface App { app: { id: string; name: string } }
interface Step { step: string; outcome: string; detail?: string }
interface Answer {
  status: number; headers: Record<string, string>; body: string; bodyTruncated: boolean; errorCode?: string; requestId?: string;
  totalMs: number; gatewayMs?: number; backendMs?: number; steps: Step[]; curl: string; note: string; draft?: string;
}

/** Call APIs > Debug: a real call through a real frontend, signed on the server with the chosen app's key. */
export function Debug() {
  const apis = useLoad(() => get<ApiView[]>("/v1/apis"));
  const groups = useLoad(() => get<Group[]>("/v1/groups"));
  const apps = useLoad(() => get<App[]>("/v1/apps"));
  const [apiId, setApiId] = useState("");
  const [stage, setStage] = useState("TEST");
  const [app, setApp] = useState("");
  const [draft, setDraft] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [body, setBody] = useState("");
  const [answer, setAnswer] = useState<Answer>();
  const [copied, setCopied] = useState(false);
  const action = useAction();
  const api = apis.data?.find((a) => a.draft.id === apiId);
  const fields = api ? debugFields(api.draft.path, api.draft.parameters) : [];
  return (
    <section>
      <h2>Call APIs › Debug</h2>
      <Problem error={apis.error ?? groups.error ?? apps.error} />
      <div className="card">
        <Select label="API" name="api" value={apiId} onChange={(v) => { setApiId(v); setValues({}); setAnswer(undefined); }}
          options={apis.data?.map((a) => a.draft.id) ?? []} blank="choose an API" />
        <Select label="Stage" name="stage" value={stage} onChange={setStage} options={stages} />
        {api && <p className="hint">Live: {api.stages.map((s) => `${s.stage} v${s.version}`).join(", ") || "not published (call its draft)"}</p>}
        <p><label><input type="checkbox" name="draft" checked={draft} onChange={(e) => setDraft(e.target.checked)} /> Unpublished draft</label>
          <span className="hint"> — call the definition as saved, as if published in {stage}; normal callers still get what is live</span></p>
        <Select label="App" name="app" value={app} onChange={setApp} options={apps.data?.map((a) => a.app.id) ?? []} blank="anonymous" />
        {fields.map((f) => {
          const key = `${f.where}.${f.name}`;
          const label = `${f.name} (${f.where}, ${f.hint}${f.required ? ", required" : ""})`;
          return f.choices.length > 0
            ? <Select key={key} label={label} name={key} value={values[key] ?? f.initial} onChange={(v) => setValues({ ...values, [key]: v })} options={f.choices} />
            : <Field key={key} label={label} name={key} value={values[key] ?? f.initial} onChange={(v) => setValues({ ...values, [key]: v })} />;
        })}
        {api && !fields.some((f) => f.where === "body") && <Field label="Body" name="body" value={body} onChange={setBody} />}
        <button disabled={!api || action.busy} onClick={() => action.run(async () =>
          setAnswer(await call<Answer>("POST", "/v1/debug", { ...debugRequest(apiId, stage, app, fields, values, body), draft })))}>Send</button>
        <Problem error={action.error} />
      </div>
      {answer && (
        <div className="card" data-testid="answer">
          <h3>Answer: <span data-testid="status">{answer.status}</span> {answer.errorCode && <code data-testid="error-code">{answer.errorCode}</code>}
            {answer.draft && <> · <span data-testid="draft">draft {answer.draft.slice(0, 12)}</span></>}</h3>
          <p>Request id <code>{answer.requestId}</code> · total {answer.totalMs} ms
            {answer.gatewayMs !== undefined && answer.gatewayMs !== null && <> · gateway {answer.gatewayMs.toFixed(1)} ms</>}
            {answer.backendMs !== undefined && answer.backendMs !== null && <> · backend {answer.backendMs.toFixed(1)} ms</>}</p>
          <ol className="timeline" data-testid="timeline">{answer.steps.map((s) => (
            <li key={s.step} className={s.outcome.replace(" ", "-")} data-step={s.step} data-outcome={s.outcome}>
              <strong>{s.step}</strong> {s.outcome}{s.detail && <> — {s.detail}</>}
            </li>
          ))}</ol>
          <p className="hint" data-testid="note">{answer.note}</p>
          <h4>Headers</h4>
          <table><tbody>{Object.entries(answer.headers).map(([k, v]) => <tr key={k}><td>{k}</td><td>{v}</td></tr>)}</tbody></table>
          <h4>Body{answer.bodyTruncated && " (cut at 64 KiB)"}</h4>
          <pre className="raw" data-testid="body">{answer.body}</pre>
          <button onClick={() => { void navigator.clipboard?.writeText(answer.curl).catch(() => undefined); setCopied(true); }}>Copy as curl</button>
          {copied && <span> copied</span>}
          <pre className="raw" data-testid="curl">{answer.curl}</pre>
        </div>
      )}
    </section>
  );
}
