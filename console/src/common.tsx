import { useCallback, useEffect, useState } from "react";
import { ApiError } from "./api";

/** Loads from the admin API on mount and on reload(); the console keeps nothing else. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const reload = useCallback(() => {
    load().then((d) => { setData(d); setError(undefined); }, setError);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/** An admin API refusal with every problem it lists, where the user made the change. */
export function Problem({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, "", String(error));
  return (
    <div className="problem" role="alert" data-testid="problem">
      <strong>{e.status ? `${e.status} ${e.code}` : "Error"}</strong> {e.message}
      {e.errors.length > 0 && (
        <ul>{e.errors.map((x, i) => <li key={i}><code>{x.path}</code> {x.message}</li>)}</ul>
      )}
    </div>
  );
}

export function Field(props: { label: string; value: string; onChange: (v: string) => void; name?: string; type?: string; placeholder?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input name={props.name ?? props.label} type={props.type ?? "text"} value={props.value} placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value)} />
    </label>
  );
}

export function Select(props: { label: string; value: string; onChange: (v: string) => void; options: string[]; name?: string; blank?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <select name={props.name ?? props.label} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.blank !== undefined && <option value="">{props.blank}</option>}
        {props.options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}

/** Runs an admin call from a button: shows its refusal, or calls done() on success. */
export function useAction() {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>, done?: () => void) => {
    setBusy(true);
    try {
      await action();
      setError(undefined);
      done?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export const stages = ["RELEASE", "PRE", "TEST"];
