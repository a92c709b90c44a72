// The moderator console: sign-in, the shell (navigation, language switch) and a hash router.
import "leaflet/dist/leaflet.css";
import "./styles.css";
import type { User } from "firebase/auth";
import { html, nothing, render } from "lit-html";
import { CONSOLE_ROLES, type ConsoleConfig, grantOf, initAuth, loadConfig, onUser, signIn, signOutNow } from "./api";
import { type Page, errorMessage, focusHeading, setRenderer } from "./app";
import { enumLabel, lang, onLangChange, setLang, t } from "./i18n";
import { AlertsPage } from "./pages/alerts";
import { setSession, unitName } from "./session";
import { DashboardPage } from "./pages/dashboard";
import { QueuePage } from "./pages/queue";
import { ReportPage } from "./pages/report";

type Session =
  | { state: "loading" }
  | { state: "config-failed"; error: string }
  | { state: "signed-out"; error: string; busy: boolean }
  | { state: "refused"; email: string }
  | { state: "ready"; user: User; role: string };

const root = document.getElementById("app") as HTMLElement;
// lit-html renders next to what is there: drop the boot message first.
root.replaceChildren();
let config: ConsoleConfig | null = null;
let session: Session = { state: "loading" };
let page: Page | null = null;
let pageKey = "";

function route(): { key: string; make: () => Page; nav: string } {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, id] = hash.split("/");
  if (name === "report" && id) return { key: `report/${id}`, make: () => new ReportPage(decodeURIComponent(id)), nav: "queue" };
  if (name === "dashboard") return { key: "dashboard", make: () => new DashboardPage(), nav: "dashboard" };
  if (name === "alerts") return { key: "alerts", make: () => new AlertsPage(), nav: "alerts" };
  return { key: "queue", make: () => new QueuePage(), nav: "queue" };
}

function syncPage(): boolean {
  if (session.state !== "ready") {
    page?.unmount?.();
    page = null;
    pageKey = "";
    return false;
  }
  const next = route();
  if (next.key === pageKey) return false;
  page?.unmount?.();
  pageKey = next.key;
  page = next.make();
  return true;
}

async function submitSignIn(event: Event): Promise<void> {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  session = { state: "signed-out", error: "", busy: true };
  draw();
  try {
    await signIn(String(form.get("email")), String(form.get("password")));
    // onUser() takes it from here.
  } catch {
    session = { state: "signed-out", error: t("signInFailed"), busy: false };
    draw();
  }
}

function signInView(error: string, busy: boolean) {
  return html`<main id="main" class="signin">
    <h1 tabindex="-1">${t("signInTitle")}</h1>
    <p>${t("signInHelp")}</p>
    ${config?.authEmulatorHost ? html`<p class="note">${t("emulatorNote")}</p>` : nothing}
    <form class="panel" @submit=${submitSignIn}>
      <div class="field">
        <label for="signin-email">${t("email")}</label>
        <input id="signin-email" name="email" type="email" autocomplete="username" required />
      </div>
      <div class="field">
        <label for="signin-password">${t("password")}</label>
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required />
      </div>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      <button type="submit" ?disabled=${busy}>${busy ? t("signingIn") : t("signIn")}</button>
    </form>
  </main>`;
}

function langSwitch() {
  const other = lang() === "vi" ? "en" : "vi";
  return html`<button type="button" class="secondary lang" lang=${other} aria-label="${t("language")}: ${t("switchTo")}"
    @click=${() => setLang(other)}>${t("switchTo")}</button>`;
}

/** "staff · Hoàn Kiếm Ward": the role in words, with the unit staff work for. */
function roleName(role: string): string {
  const unit = unitName();
  const name = enumLabel(`ROLE_${role.toUpperCase()}`);
  return unit ? `${name} · ${unit}` : name;
}

function header(nav: string | null) {
  const link = (name: string, label: string) =>
    html`<li><a href="#/${name}" aria-current=${nav === name ? "page" : "false"}>${label}</a></li>`;
  return html`<a class="skip" href="#main">${t("skipToContent")}</a>
    <header class="top">
      <span class="brand">${t("appName")}</span>
      ${session.state === "ready"
        ? html`<nav aria-label=${t("mainNav")}>
            <ul>${link("queue", t("navQueue"))}${link("dashboard", t("navDashboard"))}${link("alerts", t("navAlerts"))}</ul>
          </nav>`
        : nothing}
      <div class="account">
        ${langSwitch()}
        ${session.state === "ready"
          ? html`<span class="who">${t("signedInAs", { email: session.user.email ?? session.user.uid, role: roleName(session.role) })}</span>`
          : nothing}
        ${session.state === "ready" || session.state === "refused"
          ? html`<button type="button" class="secondary" @click=${() => signOutNow()}>${t("signOut")}</button>`
          : nothing}
      </div>
    </header>`;
}

function view() {
  switch (session.state) {
    case "loading":
      return html`${header(null)}<main id="main"><p>${t("loading")}</p></main>`;
    case "config-failed":
      return html`${header(null)}<main id="main"><h1 tabindex="-1">${t("configFailed")}</h1><p class="error" role="alert">${session.error}</p></main>`;
    case "signed-out":
      return html`${header(null)}${signInView(session.error, session.busy)}`;
    case "refused":
      return html`${header(null)}<main id="main">
          <h1 tabindex="-1">${t("refusedTitle")}</h1>
          <p class="error" role="alert">${t("refused", { email: session.email })}</p>
        </main>`;
    case "ready":
      return html`${header(route().nav)}<main id="main">${page?.view() ?? nothing}</main>`;
  }
}

function draw(): void {
  const changed = syncPage();
  render(view(), root);
  page?.afterRender?.();
  if (changed) focusHeading();
}

setRenderer(draw);
onLangChange(draw);
window.addEventListener("hashchange", draw);

async function start(): Promise<void> {
  try {
    config = await loadConfig();
    initAuth(config);
  } catch (error) {
    session = { state: "config-failed", error: errorMessage(error) };
    draw();
    return;
  }
  onUser(async (user) => {
    if (!user) {
      session = { state: "signed-out", error: "", busy: false };
    } else {
      const grant = await grantOf(user);
      const role = grant.role;
      setSession(grant, user.uid);
      session =
        role && CONSOLE_ROLES.has(role)
          ? { state: "ready", user, role }
          : { state: "refused", email: user.email ?? user.uid };
    }
    draw();
    if (session.state !== "ready") focusHeading();
  });
  draw();
}

void start();
