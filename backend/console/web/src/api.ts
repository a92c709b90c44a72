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
import { humanize, lang, t } from "./i18n";

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

/** What the custom claims (set by `backend.cli users grant`) say the signed-in user may do. */
export interface Grant {
  role: string | null;
  /** Staff: the department they work for (the API scopes their queue and statistics to it). */
  department: string | null;
  /** Staff of a ward or commune office: its area codes. */
  areas: string[];
}

export async function grantOf(user: User): Promise<Grant> {
  const { claims } = await getIdTokenResult(user);
  const text = (value: unknown) => (typeof value === "string" && value ? value : null);
  const areas = Array.isArray(claims["areas"]) ? claims["areas"].filter((a): a is string => typeof a === "string") : [];
  const area = text(claims["area"]);
  return {
    role: text(claims["role"]),
    department: text(claims["department"]),
    areas: area && !areas.includes(area) ? [area, ...areas] : areas,
  };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(humanize(message));
  }

  /** The request never got an answer (offline, server down): worth a retry. */
  get isNetwork(): boolean {
    return this.code === "NETWORK";
  }
}

/** fetch() with "Failed to fetch" (a TypeError) turned into a clear, retryable ApiError. */
async function send(input: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(input, init);
  } catch {
    throw new ApiError(t("networkError"), "NETWORK");
  }
  // A proxy or load balancer answering for a stopped server.
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    throw new ApiError(t("networkError"), "NETWORK");
  }
  return response;
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
  const response = await send("/graphql", {
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
  const response = await send("/media", { method: "POST", headers: await headers(), body: form });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 201) {
    throw new ApiError(body?.error?.message ?? `HTTP ${response.status}`, body?.error?.code ?? "HTTP_ERROR");
  }
  return body as UploadedPhoto;
}

/** Download a file the API streams (GET, with the ID token): saved under the server's name. */
export async function download(path: string, params: Record<string, unknown>): Promise<string> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(name, String(value));
  }
  const response = await send(`${path}?${query}`, { headers: await headers() });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(body?.error?.message ?? `HTTP ${response.status}`, body?.error?.code ?? "HTTP_ERROR");
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? "export.csv";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
