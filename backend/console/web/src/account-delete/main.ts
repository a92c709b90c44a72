// /account/delete: Google Play's web link to delete an account. The resident signs in with the
// Firebase JS SDK (e-mail and password), confirms, and the page posts the checked-in
// AccountDelete document (production runs only the documents in graphql/operations/). Built by
// Vite with the console (a second entry of vite.config.mts) and served by backend/auth/routes.py.
import { initializeApp } from "firebase/app";
import {
  type Auth,
  type User,
  connectAuthEmulator,
  inMemoryPersistence,
  initializeAuth,
  signInWithEmailAndPassword,
} from "firebase/auth";
import ACCOUNT_DELETE from "../../../../../graphql/operations/auth/AccountDelete.graphql?raw";
import "./style.css";

interface PageConfig {
  projectId: string;
  apiKey: string | null;
  authEmulatorHost: string | null;
}

interface DeletePayload {
  deletion: { requestedAt: string; done: boolean } | null;
  errors: { code: string; message: string }[];
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

function say(vi: string, en: string): void {
  element("status").textContent = `${vi} · ${en}`;
}

async function startAuth(): Promise<Auth> {
  const response = await fetch("/console/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as PageConfig;
  const app = initializeApp({
    apiKey: config.apiKey ?? "",
    projectId: config.projectId,
    authDomain: `${config.projectId}.firebaseapp.com`,
  });
  // initializeAuth without a popup resolver: no iframe from firebaseapp.com (the CSP refuses
  // it). The session lives only as long as the page: nothing stays signed in afterwards.
  const auth = initializeAuth(app, { persistence: inMemoryPersistence });
  if (config.authEmulatorHost) {
    connectAuthEmulator(auth, `http://${config.authEmulatorHost}`, { disableWarnings: true });
  }
  return auth;
}

async function requestDeletion(user: User): Promise<DeletePayload | null> {
  const token = await user.getIdToken(true);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${token}`,
      "Accept-Language": document.documentElement.lang,
      "apollo-require-preflight": "true",
    },
    body: JSON.stringify({
      query: ACCOUNT_DELETE,
      variables: { input: { idempotencyKey: crypto.randomUUID() } },
    }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: { accountDelete?: DeletePayload } | null;
  };
  return body.data?.accountDelete ?? null;
}

async function start(): Promise<void> {
  const auth = await startAuth();
  const signIn = element<HTMLFormElement>("sign-in");
  const confirm = element<HTMLFormElement>("confirm");
  let user: User | null = null;

  signIn.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(signIn);
    try {
      const email = String(form.get("email") ?? "");
      const password = String(form.get("password") ?? "");
      user = (await signInWithEmailAndPassword(auth, email, password)).user;
    } catch {
      say("Đăng nhập không thành công", "Could not sign in");
      return;
    }
    signIn.hidden = true;
    confirm.hidden = false;
    element("who").textContent = user.email || user.phoneNumber || user.uid;
    say("Đã đăng nhập", "Signed in");
  });

  confirm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!user) return;
    const button = confirm.querySelector("button");
    if (button) button.disabled = true;
    const result = await requestDeletion(user).catch(() => null);
    if (result?.deletion) {
      confirm.hidden = true;
      say(
        "Đã nhận yêu cầu: tài khoản của bạn sẽ bị xoá trong ít phút",
        "Request received: your account will be deleted within minutes",
      );
    } else {
      if (button) button.disabled = false;
      const reason = result?.errors[0]?.message;
      say(
        `Không gửi được yêu cầu; hãy thử lại${reason ? ` (${reason})` : ""}`,
        "The request failed; please try again",
      );
    }
  });
}

start().catch(() => say("Không tải được trang", "The page could not load"));
