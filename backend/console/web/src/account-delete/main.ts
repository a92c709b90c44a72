// /account/delete: Google Play's web link to delete an account. The resident signs in with the
// Firebase JS SDK as in the app (Google, a phone number and its SMS code, or e-mail and
// password), confirms, and the page posts the checked-in AccountDelete document (production
// runs only the documents in graphql/operations/). Built by Vite with the console (a second
// entry of vite.config.mts) and served by backend/auth/routes.py, whose CSP lets in only what
// Google and phone sign-in need: Google's API loader, the auth domain's helper iframe, reCAPTCHA.
import { initializeApp } from "firebase/app";
import {
  type Auth,
  type ConfirmationResult,
  type User,
  browserPopupRedirectResolver,
  connectAuthEmulator,
  GoogleAuthProvider,
  inMemoryPersistence,
  initializeAuth,
  RecaptchaVerifier,
  signInWithEmailAndPassword,
  signInWithPhoneNumber,
  signInWithPopup,
} from "firebase/auth";
import ACCOUNT_DELETE from "../../../../../graphql/operations/auth/AccountDelete.graphql?raw";
import "./style.css";

interface PageConfig {
  projectId: string;
  authDomain: string;
  apiKey: string | null;
  authEmulatorHost: string | null;
}

interface DeletePayload {
  deletion: { requestedAt: string; done: boolean } | null;
  errors: { code: string; message: string }[];
}

type Text = readonly [vi: string, en: string];

const COULD_NOT_SIGN_IN: Text = ["Đăng nhập không thành công", "Could not sign in"];
// What a failed sign-in tells the resident, by Firebase Auth error code.
const SIGN_IN_ERRORS: Record<string, Text> = {
  "auth/popup-closed-by-user": [
    "Cửa sổ đăng nhập Google đã bị đóng",
    "The Google sign-in window was closed",
  ],
  "auth/cancelled-popup-request": [
    "Cửa sổ đăng nhập Google đã bị đóng",
    "The Google sign-in window was closed",
  ],
  "auth/popup-blocked": [
    "Trình duyệt đã chặn cửa sổ đăng nhập Google; hãy cho phép cửa sổ bật lên",
    "The browser blocked the Google sign-in window; allow pop-ups for this page",
  ],
  "auth/invalid-phone-number": [
    "Số điện thoại không hợp lệ",
    "The phone number is not valid",
  ],
  "auth/invalid-verification-code": [
    "Mã xác minh không đúng",
    "The verification code is not right",
  ],
  "auth/code-expired": ["Mã xác minh đã hết hạn", "The verification code has expired"],
  "auth/too-many-requests": [
    "Quá nhiều lần thử; hãy thử lại sau",
    "Too many attempts; try again later",
  ],
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
}

function say(vi: string, en: string): void {
  element("status").textContent = `${vi} · ${en}`;
}

function sayFailure(error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  const [vi, en] = (typeof code === "string" && SIGN_IN_ERRORS[code]) || COULD_NOT_SIGN_IN;
  say(vi, en);
}

/** A number as residents write it (0912 345 678) in E.164 (+84912345678). */
function e164(typed: string): string {
  const digits = typed.replace(/[\s().-]/g, "");
  if (digits.startsWith("+")) return digits;
  if (digits.startsWith("00")) return `+${digits.slice(2)}`;
  if (digits.startsWith("0")) return `+84${digits.slice(1)}`;
  return `+${digits}`;
}

async function startAuth(): Promise<Auth> {
  const response = await fetch("/account/delete/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as PageConfig;
  const app = initializeApp({
    apiKey: config.apiKey ?? "",
    projectId: config.projectId,
    authDomain: config.authDomain,
  });
  // The session lives only as long as the page: nothing stays signed in afterwards. The popup
  // resolver is what Google sign-in needs (its helper iframe comes from the auth domain).
  const auth = initializeAuth(app, {
    persistence: inMemoryPersistence,
    popupRedirectResolver: browserPopupRedirectResolver,
  });
  auth.languageCode = "vi"; // the SMS and reCAPTCHA, as the page's first language
  if (config.authEmulatorHost) {
    // Google sign-in then goes through the emulator's own account chooser, and reCAPTCHA is
    // not run (the emulator does not check it).
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

/** Phone sign-in: the number (reCAPTCHA, then an SMS), then the code. */
function phoneSignIn(auth: Auth, signedIn: (user: User) => void): void {
  const phone = element<HTMLFormElement>("phone");
  const code = element<HTMLFormElement>("code");
  let verifier: RecaptchaVerifier | null = null;
  let confirmation: ConfirmationResult | null = null;

  phone.addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = e164(String(new FormData(phone).get("phone") ?? ""));
    verifier ??= new RecaptchaVerifier(auth, element("recaptcha"), { size: "invisible" });
    try {
      confirmation = await signInWithPhoneNumber(auth, number, verifier);
    } catch (error) {
      verifier.clear(); // a fresh challenge for the next try
      verifier = null;
      sayFailure(error);
      return;
    }
    phone.hidden = true;
    code.hidden = false;
    code.querySelector("input")?.focus();
    say(`Đã gửi mã tới ${number}`, `A code was sent to ${number}`);
  });

  code.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!confirmation) return;
    try {
      const typed = String(new FormData(code).get("code") ?? "").trim();
      signedIn((await confirmation.confirm(typed)).user);
    } catch (error) {
      sayFailure(error);
    }
  });
}

async function start(): Promise<void> {
  const auth = await startAuth();
  const signIn = element("sign-in");
  const emailSignIn = element<HTMLFormElement>("email-sign-in");
  const confirm = element<HTMLFormElement>("confirm");
  let user: User | null = null;

  const signedIn = (who: User): void => {
    user = who;
    signIn.hidden = true;
    confirm.hidden = false;
    element("who").textContent = who.email || who.phoneNumber || who.uid;
    say("Đã đăng nhập", "Signed in");
  };

  element("google").addEventListener("click", async () => {
    const provider = new GoogleAuthProvider();
    provider.setCustomParameters({ prompt: "select_account" });
    try {
      // Opened straight from the click, so that browsers do not block the popup.
      signedIn((await signInWithPopup(auth, provider)).user);
    } catch (error) {
      sayFailure(error);
    }
  });

  phoneSignIn(auth, signedIn);

  emailSignIn.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(emailSignIn);
    try {
      const email = String(form.get("email") ?? "");
      const password = String(form.get("password") ?? "");
      signedIn((await signInWithEmailAndPassword(auth, email, password)).user);
    } catch {
      say(...COULD_NOT_SIGN_IN); // never which of the two was wrong
    }
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
