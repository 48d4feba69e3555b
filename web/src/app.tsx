import { useEffect, useState } from "preact/hooks";
import { ChatPage } from "./chat/chat-page.js";
import { KeysPage } from "./keys/keys-page.js";
import { MonitorPage } from "./monitor/monitor-page.js";

const PAGES = [
  { path: "/", label: "Chat" },
  { path: "/monitor", label: "Monitor" },
  { path: "/keys", label: "Keys" },
] as const;
type PagePath = (typeof PAGES)[number]["path"];

const pageOf = (pathname: string): PagePath => PAGES.find((p) => p.path === pathname)?.path ?? "/";

/** Three pages under one document; links change the path without a reload. */
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
      <main class="page">{page === "/" ? <ChatPage /> : page === "/monitor" ? <MonitorPage /> : <KeysPage />}</main>
    </div>
  );
}
