import { useEffect, useState } from "react";
import { get, hasToken, setToken } from "./api";
import { Field, Problem } from "./common";
import { can } from "./logic";
import { ApiDetail, Apis, Backends, Groups } from "./pages/Catalog";
import { Debug } from "./pages/Debug";
import { Alerts, Apps, Audit, Monitoring, Overview, Throttling } from "./pages/Operate";

interface Me { name: string; role: string }

const pages: { path: string; label: string; needs?: string }[] = [
  { path: "overview", label: "Overview" },
  { path: "groups", label: "API groups" },
  { path: "backends", label: "Backends" },
  { path: "apis", label: "APIs" },
  { path: "apps", label: "Apps" },
  { path: "throttling", label: "Throttling" },
  { path: "monitoring", label: "Monitoring" },
  { path: "alerts", label: "Alerts" },
  { path: "audit", label: "Audit log" },
  { path: "debug", label: "Debug", needs: "debug" },
];

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const f = () => setHash(location.hash);
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return hash.replace(/^#\/?/, "");
}

export function App() {
  const [me, setMe] = useState<Me>();
  const [error, setError] = useState<unknown>();
  const [token, setTokenText] = useState("");
  const route = useHash();

  const login = async (candidate: string) => {
    setToken(candidate);
    try {
      setMe(await get<Me>("/v1/whoami"));
      setError(undefined);
    } catch (e) {
      setToken("");
      setError(e);
    }
  };
  useEffect(() => {
    if (hasToken()) void login(sessionStorage.getItem("gateway-token") ?? "");
  }, []);

  if (!me) {
    return (
      <main className="login">
        <h1>Gateway console</h1>
        <form className="card" onSubmit={(e) => { e.preventDefault(); void login(token); }}>
          <Field label="Admin token" name="token" type="password" value={token} onChange={setTokenText} />
          <button type="submit">Log in</button>
          <Problem error={error} />
        </form>
      </main>
    );
  }

  const [page, ...rest] = route.split("/");
  const view = (() => {
    switch (page) {
      case "groups": return <Groups role={me.role} />;
      case "backends": return <Backends role={me.role} />;
      case "apis": return rest[0] ? <ApiDetail id={decodeURIComponent(rest[0])} role={me.role} /> : <Apis role={me.role} />;
      case "apps": return <Apps role={me.role} />;
      case "throttling": return <Throttling role={me.role} />;
      case "monitoring": return <Monitoring />;
      case "alerts": return <Alerts />;
      case "audit": return <Audit />;
      case "debug": return can(me.role, "debug") ? <Debug /> : <p>Your role cannot send debug calls.</p>;
      default: return <Overview />;
    }
  })();
  return (
    <div className="shell">
      <nav>
        <h1>Gateway</h1>
        {pages.filter((p) => !p.needs || can(me.role, p.needs)).map((p) => (
          <a key={p.path} href={`#/${p.path}`} className={page === p.path ? "current" : ""}>{p.label}</a>
        ))}
        <p className="me" data-testid="me">{me.name} ({me.role})</p>
        <button onClick={() => { setToken(""); setMe(undefined); }}>Log out</button>
      </nav>
      <main>{view}</main>
    </div>
  );
}
