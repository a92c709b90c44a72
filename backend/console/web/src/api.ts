// Configuration, Firebase sign-in and the GraphQL client of the console.
import { initializeApp } from "firebase/app";
import {
  type Auth,
  type User,
  browserLocalPersistence,
  connectAuthEmulator,
  getIdTokenResult,
  indexedDBLocalPersistence,
  initializeAuth,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut,
} from "firebase/auth";
import { lang } from "./i18n";

export interface ConsoleConfig {
  projectId: string;
  apiKey: string | null;
  authEmulatorHost: string | null;
}

/** The roles the console accepts; the API enforces the same rule on every call. */
export const CONSOLE_ROLES = new Set(["moderator", "staff", "admin"]);

let auth: Auth | null = null;

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/console/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

export function initAuth(config: ConsoleConfig): void {
  const app = initializeApp({
    apiKey: config.apiKey ?? "",
    projectId: config.projectId,
    authDomain: `${config.projectId}.firebaseapp.com`,
  });
  // initializeAuth rather than getAuth: getAuth also wires the popup/redirect resolver, which
  // loads an iframe from firebaseapp.com that email sign-in never needs (and the CSP refuses).
  auth = initializeAuth(app, { persistence: [indexedDBLocalPersistence, browserLocalPersistence] });
  if (config.authEmulatorHost) {
    // The SDK's warning banner is replaced by our own note on the sign-in page.
    connectAuthEmulator(auth, `http://${config.authEmulatorHost}`, { disableWarnings: true });
  }
}

function requireAuth(): Auth {
  if (!auth) throw new Error("initAuth() first");
  return auth;
}

export function onUser(listener: (user: User | null) => void): void {
  onAuthStateChanged(requireAuth(), listener);
}

export async function signIn(email: string, password: string): Promise<void> {
  await signInWithEmailAndPassword(requireAuth(), email, password);
}

export async function signOutNow(): Promise<void> {
  await signOut(requireAuth());
}

/** The `role` custom claim of the signed-in user (set by `backend.cli users grant`). */
export async function roleOf(user: User): Promise<string | null> {
  const result = await getIdTokenResult(user);
  const role = result.claims["role"];
  return typeof role === "string" ? role : null;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface UserError {
  field: string | null;
  message: string;
  code: string;
}

async function headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const user = requireAuth().currentUser;
  // The SDK caches the ID token and refreshes it shortly before it expires.
  const token = user ? await user.getIdToken() : null;
  return {
    "accept-language": lang(),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

/** Run one of the documents in operations.ts; top-level errors become an ApiError. */
export async function gql<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: await headers({ "content-type": "application/json", accept: "application/json" }),
    body: JSON.stringify({ query: document, variables }),
  });
  let body: {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
    error?: { code: string; message: string };
  };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, "HTTP_ERROR");
  }
  if (body.error) throw new ApiError(body.error.message, body.error.code);
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new ApiError(first.message, first.extensions?.code ?? "GRAPHQL_ERROR");
  }
  if (!body.data) throw new ApiError(`HTTP ${response.status}`, "HTTP_ERROR");
  return body.data;
}

export interface UploadedPhoto {
  id: string;
  url: string;
  thumbnailUrl: string;
}

/** Upload an evidence photo (POST /media, multipart field `file`). */
export async function uploadPhoto(file: File): Promise<UploadedPhoto> {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/media", { method: "POST", headers: await headers(), body: form });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 201) {
    throw new ApiError(body?.error?.message ?? `HTTP ${response.status}`, body?.error?.code ?? "HTTP_ERROR");
  }
  return body as UploadedPhoto;
}
