import { h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ChatPage } from "./chat/chat-page.js";
import { KeysPage } from "./keys/keys-page.js";
import { ModelsPage } from "./models/models-page.js";
import { MonitorPage } from "./monitor/monitor-page.js";
import { PipelinesPage } from "./pipelines/pipelines-page.js";
import { UsagePage } from "./usage/usage-page.js";

const PAGES = [
  { path: "/", label: "Chat", view: ChatPage },
  { path: "/pipelines", label: "Pipelines", view: PipelinesPage },
  { path: "/models", label: "Models", view: ModelsPage },
  { path: "/usage", label: "Usage", view: UsagePage },
  { path: "/monitor", label: "Monitor", view: MonitorPage },
  { path: "/keys", label: "Keys", view: KeysPage },
] as const;
type PagePath = (typeof PAGES)[number]["path"];

const pageOf = (pathname: string): PagePath => PAGES.find((p) => p.path === pathname)?.path ?? "/";

/** The pages under one document; links change the path without a reload. */
export function App() {
  const [page, setPage] = useState<PagePath>(pageOf(location.pathname));
  useEffect(() => {
    const onPop = () => setPage(pageOf(location.pathname));
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const go = (path: PagePath) => (event: MouseEvent) => {
    event.preventDefault();
    history.pushState(null, "", path);
    setPage(path);
  };
  return (
    <div class="shell">
      <nav class="topbar">
        <span class="brand">Lantern</span>
        {PAGES.map((p) => (
          <a key={p.path} href={p.path} class={p.path === page ? "active" : ""} onClick={go(p.path)}>
            {p.label}
          </a>
        ))}
      </nav>
      <main class="page">{h(PAGES.find((p) => p.path === page)!.view, {})}</main>
    </div>
  );
}
