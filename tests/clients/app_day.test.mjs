// The mobile app's days, run with the clients the app is built on: the Firebase JS SDK signs in
// against the Auth emulator, Apollo Client 4 talks to the API with a normalised InMemoryCache and
// the persisted query link (ids from graphql/persisted-query-manifest.json, queries by GET), and
// the server runs production's allowlist. After each step the test reads what the cache shows.
//
// tests/clients/test_app_clients.py starts the stack and sets: API_URL, FIREBASE_AUTH_EMULATOR_HOST,
// FIREBASE_PROJECT_ID, FCM_URL (the local FCM endpoint), MODERATOR_TOKEN, PHOTO_PATH, STREET.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";

import {
  ApolloClient,
  ApolloLink,
  HttpLink,
  InMemoryCache,
  gql,
} from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { RemoveTypenameFromVariablesLink } from "@apollo/client/link/remove-typename";
import { relayStylePagination } from "@apollo/client/utilities";
import {
  createPersistedQueryManifestVerificationLink,
  generatePersistedQueryIdsFromManifest,
} from "@apollo/persisted-query-lists";
import { deleteApp, initializeApp } from "firebase/app";
import {
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  getAuth,
  getIdToken,
} from "firebase/auth";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (tests/clients/test_app_clients.py sets it)`);
  return value;
};
const API_URL = env("API_URL");
const FCM_URL = env("FCM_URL");
const [streetLat, streetLng] = env("STREET").split(",").map(Number);
const STREET = { lat: streetLat, lng: streetLng };
const VAN_MIEU = { lat: 21.0282, lng: 105.8356 };
const HOAN_KIEM = { lat: 21.02875, lng: 105.8524 };
const MANIFEST = JSON.parse(
  readFileSync(`${ROOT}graphql/persisted-query-manifest.json`, "utf8"),
);
const PUSH_DEADLINE_MS = 30_000;

/** The app's own document, exactly as checked in under graphql/operations. */
const operation = (path) =>
  gql(readFileSync(`${ROOT}graphql/operations/${path}.graphql`, "utf8"));
const VIEWER = operation("auth/Viewer");
const DEVICE_REGISTER = operation("notifications/DeviceRegister");
const REPORT_CREATE = operation("reports/ReportCreate");
const REPORT = operation("reports/Report");
const REPORTS_NEARBY = operation("reports/ReportsNearby");
const REPORT_FOLLOW = operation("reports/ReportFollow");
const REPORT_SET_STATUS = operation("moderation/ReportSetStatus");
const INBOX = operation("notifications/Inbox");
const MARK_READ = operation("notifications/NotificationsMarkRead");
const POIS = operation("tourism/Pois");
const SEARCH = operation("tourism/Search");
const JOURNEYS = operation("tourism/Journeys");
const JOURNEY = operation("tourism/Journey");
const JOURNEY_START = operation("tourism/JourneyStart");
const JOURNEY_CHECK_IN = operation("tourism/JourneyCheckIn");
const REVIEW_CREATE = operation("tourism/ReviewCreate");
const TOURS = operation("bookings/Tours");
const TOUR = operation("bookings/Tour");
const BOOKING_HOLD = operation("bookings/BookingHold");
const BOOKING_CONFIRM = operation("bookings/BookingConfirm");
const BOOKING_CANCEL = operation("bookings/BookingCancel");
const BOOKING_PAYMENT = operation("bookings/BookingPayment");
const USED = [
  VIEWER, DEVICE_REGISTER, REPORT_CREATE, REPORT, REPORTS_NEARBY, REPORT_FOLLOW, REPORT_SET_STATUS,
  INBOX, MARK_READ, POIS, SEARCH, JOURNEYS, JOURNEY, JOURNEY_START, JOURNEY_CHECK_IN, REVIEW_CREATE,
  TOURS, TOUR, BOOKING_HOLD, BOOKING_CONFIRM, BOOKING_CANCEL, BOOKING_PAYMENT,
];

// Every request any client sent to /graphql, and every document the manifest did not match.
const sent = [];
const unverified = [];
const firebaseApps = [];

after(async () => {
  await Promise.all(firebaseApps.map((app) => deleteApp(app)));
});

/** fetch, noting what each GraphQL request carried (GET parameters or a POST body). */
function recordingFetch(input, init = {}) {
  const url = new URL(typeof input === "string" ? input : input.url);
  const method = init.method ?? "GET";
  const params =
    method === "GET"
      ? {
          operationName: url.searchParams.get("operationName"),
          query: url.searchParams.get("query") ?? undefined,
          extensions: JSON.parse(url.searchParams.get("extensions") ?? "{}"),
        }
      : JSON.parse(init.body);
  sent.push({
    method,
    operationName: params.operationName,
    query: params.query,
    hash: params.extensions?.persistedQuery?.sha256Hash,
  });
  return fetch(input, init);
}

/** The cache the app configures: nearby reports page with relay-style cursors. */
function appCache() {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          reportsNearby: relayStylePagination(["near", "radiusMeters", "status", "categoryId"]),
        },
      },
    },
  });
}

/** An Apollo client as the app builds it; `token()` gives the Bearer token, if any. */
function appClient({ token, locale }) {
  const auth = new SetContextLink(async (previous) => {
    const headers = { ...previous.headers, "accept-language": locale };
    const idToken = await token();
    if (idToken) headers.authorization = `Bearer ${idToken}`;
    return { headers };
  });
  const link = ApolloLink.from([
    createPersistedQueryManifestVerificationLink({
      loadManifest: () => MANIFEST,
      onVerificationFailed: (details) => unverified.push(details),
    }),
    new RemoveTypenameFromVariablesLink(),
    auth,
    new PersistedQueryLink({
      ...generatePersistedQueryIdsFromManifest({ loadManifest: () => MANIFEST }),
      useGETForHashedQueries: true,
    }),
    new HttpLink({ uri: `${API_URL}/graphql`, fetch: recordingFetch }),
  ]);
  return new ApolloClient({ cache: appCache(), link });
}

/** A Firebase app of its own per person, signed up against the Auth emulator. */
async function signUp(name) {
  const app = initializeApp(
    { apiKey: "fake-api-key", projectId: env("FIREBASE_PROJECT_ID") },
    `${name}-${randomUUID()}`,
  );
  firebaseApps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${env("FIREBASE_AUTH_EMULATOR_HOST")}`, {
    disableWarnings: true,
  });
  const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
  const { user } = await createUserWithEmailAndPassword(auth, email, "correct horse battery");
  return user;
}

/** An FCM registration token as getToken() gives one: "<installation id>:APA91b...". */
function fcmToken() {
  const id = randomBytes(16).toString("base64url").slice(0, 22);
  return `${id}:APA91b${randomBytes(105).toString("base64url")}`;
}

/** The pushes the local FCM endpoint delivered to one device. */
async function pushesTo(token) {
  const url = new URL("/_local/messages", FCM_URL);
  url.searchParams.set("token", token);
  url.searchParams.set("limit", "1000");
  const response = await fetch(url);
  assert.equal(response.status, 200);
  return (await response.json()).messages.map((m) => m.message);
}

/** Poll the endpoint (delivery is asynchronous) until `found` holds, within a deadline. */
async function waitForPushes(token, found, what) {
  const deadline = Date.now() + PUSH_DEADLINE_MS;
  for (;;) {
    const pushes = await pushesTo(token);
    if (found(pushes)) return pushes;
    assert.ok(Date.now() < deadline, `no ${what} within ${PUSH_DEADLINE_MS} ms: ${JSON.stringify(pushes)}`);
    await delay(100);
  }
}

const radians = (degrees) => (degrees * Math.PI) / 180;
/** Great-circle distance on the sphere MongoDB's $geoNear uses (radius 6378.1 km, backend/geo.py). */
function meters(a, b) {
  const dLat = radians(b.lat - a.lat);
  const dLng = radians(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_378_100 * Math.asin(Math.sqrt(h));
}

const close = (actual, expected, tolerance, message) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message}: ${actual} vs ${expected}`);

test("production's allowlist: only the manifest's ids run, and a document is refused", async () => {
  // A client that sends documents (no persisted query link) gets nothing run, introspection
  // included; an id the manifest lacks is PERSISTED_QUERY_NOT_FOUND, as Apollo's link expects.
  const introspection = await fetch(`${API_URL}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ __schema { types { name } } }" }),
  });
  assert.equal(introspection.status, 400);
  assert.equal(
    (await introspection.json()).errors[0].extensions.code,
    "PERSISTED_QUERY_NOT_ALLOWED",
  );
  const unknown = new URL(`${API_URL}/graphql`);
  unknown.searchParams.set(
    "extensions",
    JSON.stringify({ persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } }),
  );
  const answer = await (await fetch(unknown)).json();
  assert.equal(answer.errors[0].extensions.code, "PERSISTED_QUERY_NOT_FOUND");
});

test("a resident's day: sign up, photo, report, nearby, follow, push, inbox", async () => {
  // Sign up with the Firebase SDK; the API knows the new user from the SDK's ID token.
  const user = await signUp("resident");
  const client = appClient({ token: () => getIdToken(user), locale: "vi-VN" });
  const { data: viewerData } = await client.query({ query: VIEWER });
  assert.equal(viewerData.viewer.id, user.uid);
  assert.deepEqual(client.readQuery({ query: VIEWER }).viewer.roles, ["RESIDENT"]);

  // Register the phone for pushes, with the token the Firebase SDK would give.
  const deviceToken = fcmToken();
  const { data: registered } = await client.mutate({
    mutation: DEVICE_REGISTER,
    variables: { input: { token: deviceToken, platform: "ANDROID", locale: "vi-VN", appVersion: "1.0.0" } },
  });
  assert.deepEqual(registered.deviceRegister.errors, []);

  // Upload a photo over REST with the ID token, as a multipart form (fetch + FormData).
  const form = new FormData();
  form.append("file", new Blob([readFileSync(env("PHOTO_PATH"))], { type: "image/jpeg" }), "pothole.jpg");
  const uploadResponse = await fetch(`${API_URL}/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${await getIdToken(user)}` },
    body: form,
  });
  assert.equal(uploadResponse.status, 201, await uploadResponse.clone().text());
  const upload = await uploadResponse.json();
  assert.deepEqual([upload.width, upload.height], [640, 480]);
  assert.ok(upload.url.startsWith(`${API_URL}/media/`), upload.url);
  const image = await fetch(upload.thumbnailUrl);
  assert.equal(image.status, 200);
  assert.match(image.headers.get("content-type"), /^image\//);

  // Report a pothole; the network drops the answer, so the app sends the same request again.
  const reportInput = {
    categoryId: "pothole",
    description: "Ổ gà sâu trước số 12 phố Hàng Bài, xe máy dễ ngã",
    location: { lat: STREET.lat, lng: STREET.lng },
    idempotencyKey: randomUUID(),
    photoIds: [upload.id],
  };
  const first = await client.mutate({ mutation: REPORT_CREATE, variables: { input: reportInput } });
  const retry = await client.mutate({ mutation: REPORT_CREATE, variables: { input: reportInput } });
  assert.deepEqual(first.data.reportCreate.errors, []);
  const reportId = first.data.reportCreate.report.id;
  assert.equal(retry.data.reportCreate.report.id, reportId, "the retry returns the first report");
  const reportRef = client.cache.identify({ __typename: "Report", id: reportId });
  const cachedReport = client.cache.extract()[reportRef];
  assert.equal(cachedReport.status, "SUBMITTED");
  assert.equal(cachedReport.viewerIsReporter, true);
  assert.deepEqual(cachedReport.location, { __typename: "GeoPoint", ...STREET });
  const [photoRef] = cachedReport.photos;
  assert.deepEqual(client.cache.extract()[photoRef.__ref], {
    __typename: "ReportPhoto", id: upload.id, url: upload.url, thumbnailUrl: upload.thumbnailUrl,
    width: 640, height: 480,
  });

  // Reports on the map around the street, two at a time: page 1, then fetchMore for page 2.
  const nearby = { near: STREET, radiusMeters: 500, first: 2 };
  const page1 = await client.query({ query: REPORTS_NEARBY, variables: nearby });
  const firstPage = page1.data.reportsNearby;
  assert.equal(firstPage.edges.length, 2);
  assert.equal(firstPage.pageInfo.hasNextPage, true);
  const watched = client.watchQuery({ query: REPORTS_NEARBY, variables: nearby });
  const subscription = watched.subscribe(() => {});
  await watched.fetchMore({ variables: { after: firstPage.pageInfo.endCursor } });
  subscription.unsubscribe();
  const list = client.readQuery({ query: REPORTS_NEARBY, variables: nearby }).reportsNearby;
  // the cache merged both pages: the resident's report and the neighbour's three, nearest first
  assert.equal(list.edges.length, 4, JSON.stringify(list.edges.map((e) => e.node.id)));
  assert.equal(new Set(list.edges.map((e) => e.node.id)).size, 4);
  assert.equal(list.pageInfo.hasNextPage, false);
  assert.ok(list.edges.some((e) => e.node.id === reportId));
  for (const [index, edge] of list.edges.entries()) {
    close(edge.distanceMeters, meters(STREET, edge.node.location), 1, `distance of ${edge.node.id}`);
    if (index > 0) assert.ok(edge.distanceMeters >= list.edges[index - 1].distanceMeters);
  }

  // Follow the neighbour's farthest report: the list in the cache shows it without a refetch.
  const followed = list.edges.at(-1).node;
  assert.notEqual(followed.id, reportId);
  assert.equal(followed.viewerIsFollowing, false);
  const follow = await client.mutate({
    mutation: REPORT_FOLLOW,
    variables: { input: { reportId: followed.id } },
  });
  assert.deepEqual(follow.data.reportFollow.errors, []);
  const afterFollow = client.readQuery({ query: REPORTS_NEARBY, variables: nearby }).reportsNearby;
  const followedNow = afterFollow.edges.find((e) => e.node.id === followed.id).node;
  assert.equal(followedNow.viewerIsFollowing, true);
  assert.equal(followedNow.followerCount, followed.followerCount + 1);

  // The report was received: one push, though the app sent reportCreate twice.
  const isKind = (kind, id) => (m) => m.data.kind === kind && m.data.reportId === id;
  await waitForPushes(deviceToken, (p) => p.some(isKind("REPORT_CREATED", reportId)), "receipt push");

  // A moderator starts work on it with a public note: status and note are one change, one push.
  const moderator = appClient({ token: async () => env("MODERATOR_TOKEN"), locale: "vi" });
  const note = "Đội duy tu sẽ vá ổ gà trong tuần này.";
  const setStatus = async (id) => {
    const { data } = await moderator.mutate({
      mutation: REPORT_SET_STATUS,
      variables: { input: { reportId: id, status: "IN_PROGRESS", publicNote: note } },
    });
    assert.deepEqual(data.reportSetStatus.errors, []);
  };
  await setStatus(reportId);
  const statusKind = isKind("REPORT_STATUS_CHANGED", reportId);
  await waitForPushes(deviceToken, (p) => p.some(statusKind), "status push");
  // Then the followed report changes too; the worker sends in order, so once this push is here
  // any second push for the first change would have come before it.
  await setStatus(followed.id);
  const followedKind = isKind("REPORT_STATUS_CHANGED", followed.id);
  const pushes = await waitForPushes(deviceToken, (p) => p.some(followedKind), "follower push");
  assert.equal(pushes.filter(isKind("REPORT_CREATED", reportId)).length, 1, JSON.stringify(pushes));
  assert.equal(pushes.filter(statusKind).length, 1, JSON.stringify(pushes));
  assert.equal(pushes.filter(followedKind).length, 1, JSON.stringify(pushes));
  assert.equal(pushes.length, 3, JSON.stringify(pushes));
  const statusPush = pushes.find(statusKind);
  assert.equal(statusPush.data.status, "IN_PROGRESS");
  assert.equal(statusPush.data.answered, "true");
  assert.equal(statusPush.data.deepLink, `thanglong://reports/${reportId}`);
  assert.match(statusPush.notification.body, /của bạn/, "worded for the reporter");
  assert.doesNotMatch(pushes.find(followedKind).notification.body, /của bạn/, "worded for a follower");

  // The inbox shows each pushed item under the push's id, and the badge's count.
  const inboxFromServer = { query: INBOX, variables: { first: 20 }, fetchPolicy: "network-only" };
  const { data: inbox } = await client.query(inboxFromServer);
  const inboxIds = inbox.notifications.edges.map((e) => e.node.id);
  for (const push of pushes) assert.ok(inboxIds.includes(push.data.inboxItemId), push.data.inboxItemId);
  assert.equal(inbox.unreadNotificationCount, 3);
  assert.equal(Number(pushes.find(followedKind).data.unreadCount), 3);
  const statusItem = inbox.notifications.edges.find((e) => e.node.id === statusPush.data.inboxItemId).node;
  assert.equal(statusItem.read, false);
  assert.equal(statusItem.deepLink, statusPush.data.deepLink);

  // Tapping the pushes marks their items read; the app writes the answer into its cache.
  const ids = pushes.map((p) => p.data.inboxItemId);
  const { data: marked } = await client.mutate({
    mutation: MARK_READ,
    variables: { input: { ids } },
    update(cache, { data }) {
      for (const id of ids) {
        cache.modify({ id: cache.identify({ __typename: "InboxItem", id }), fields: { read: () => true } });
      }
      cache.modify({ fields: { unreadNotificationCount: () => data.notificationsMarkRead.unreadCount } });
    },
  });
  assert.deepEqual(marked.notificationsMarkRead.errors, []);
  assert.equal(marked.notificationsMarkRead.marked, 3);
  const cachedInbox = client.readQuery({ query: INBOX, variables: { first: 20 } });
  assert.equal(cachedInbox.unreadNotificationCount, 0);
  assert.ok(cachedInbox.notifications.edges.every((e) => e.node.read));
  // and the server agrees (cursors aside: they are encrypted afresh on every answer)
  const { data: fresh } = await client.query(inboxFromServer);
  const items = (data) => data.notifications.edges.map((e) => e.node);
  assert.deepEqual(items(fresh), items(cachedInbox));
  assert.equal(fresh.unreadNotificationCount, 0);

  // Opening the report from the push refreshes it; the nearby list in the cache shows it too.
  const { data: opened } = await client.query({
    query: REPORT,
    variables: { id: reportId },
    fetchPolicy: "network-only",
  });
  assert.equal(opened.report.status, "IN_PROGRESS");
  assert.ok(opened.report.timeline.some((event) => event.note === note));
  const mapList = client.readQuery({ query: REPORTS_NEARBY, variables: nearby }).reportsNearby;
  assert.equal(mapList.edges.find((e) => e.node.id === reportId).node.status, "IN_PROGRESS");
});

test("a tourist's day: places near two sights, search, a journey, check-in, offline, review", async () => {
  const user = await signUp("tourist");
  const client = appClient({ token: () => getIdToken(user), locale: "en-US" });

  // Places near the Temple of Literature, then near Hoàn Kiếm lake, in one cache.
  const near = (point) => ({ filter: { near: point, radiusMeters: 3000 }, first: 30 });
  const { data: fromTemple } = await client.query({ query: POIS, variables: near(VAN_MIEU) });
  const { data: fromLake } = await client.query({ query: POIS, variables: near(HOAN_KIEM) });
  // each list reads back from the cache as the server sent it, with its own distances
  assert.deepEqual(client.readQuery({ query: POIS, variables: near(VAN_MIEU) }), fromTemple);
  assert.deepEqual(client.readQuery({ query: POIS, variables: near(HOAN_KIEM) }), fromLake);
  const templeEdges = new Map(fromTemple.pois.edges.map((e) => [e.node.id, e]));
  const shared = fromLake.pois.edges.filter((e) => templeEdges.has(e.node.id));
  assert.ok(shared.length > 0, "some places are near both");
  let differ = 0;
  for (const lakeEdge of shared) {
    const templeEdge = templeEdges.get(lakeEdge.node.id);
    close(lakeEdge.distanceMeters, meters(HOAN_KIEM, lakeEdge.node.location), 1, lakeEdge.node.id);
    close(templeEdge.distanceMeters, meters(VAN_MIEU, templeEdge.node.location), 1, lakeEdge.node.id);
    if (Math.abs(lakeEdge.distanceMeters - templeEdge.distanceMeters) > 100) differ += 1;
  }
  assert.ok(differ > 0, "the same place is at different distances from the two sights");

  // Search without diacritics, as a tourist types it.
  const search = { query: "hoan kiem", near: HOAN_KIEM, first: 10 };
  const { data: found } = await client.query({ query: SEARCH, variables: search });
  const named = (r) => r.poi?.name.includes("Hoàn Kiếm") || r.journey?.title.includes("Hoàn Kiếm");
  assert.ok(found.search.some(named), JSON.stringify(found.search));
  assert.deepEqual(client.readQuery({ query: SEARCH, variables: search }), found);

  // Journeys near the lake; two of them opened, each with its own stops in the cache.
  const { data: journeys } = await client.query({
    query: JOURNEYS,
    variables: { filter: { near: HOAN_KIEM }, first: 10 },
  });
  assert.ok(journeys.journeys.edges.length >= 2);
  const opened = [];
  for (const edge of journeys.journeys.edges.slice(0, 2)) {
    const { data } = await client.query({ query: JOURNEY, variables: { id: edge.node.id } });
    opened.push(data);
  }
  for (const data of opened) {
    assert.deepEqual(client.readQuery({ query: JOURNEY, variables: { id: data.journey.id } }), data);
  }
  const journey = opened[0].journey;
  const stopIds = opened.flatMap((data) => data.journey.stops.map((s) => s.id));
  assert.equal(new Set(stopIds).size, stopIds.length, "a stop's id names one stop of one journey");

  // Start it and check in at its first stop, sending the location read from the cache back.
  const started = await client.mutate({
    mutation: JOURNEY_START,
    variables: { input: { journeyId: journey.id } },
  });
  assert.deepEqual(started.data.journeyStart.errors, []);
  const progressRef = client.cache.identify(started.data.journeyStart.progress);
  assert.equal(client.cache.extract()[progressRef].stopsVisited, 0);
  const stop = client.readQuery({ query: JOURNEY, variables: { id: journey.id } }).journey.stops[0];
  assert.equal(stop.poi.location.__typename, "GeoPoint", "the cache's location carries __typename");
  const checkedIn = await client.mutate({
    mutation: JOURNEY_CHECK_IN,
    variables: { input: { journeyId: journey.id, stopId: stop.id, location: stop.poi.location } },
  });
  assert.deepEqual(checkedIn.data.journeyCheckIn.errors, []);
  const progress = client.cache.extract()[progressRef];
  assert.equal(progress.stopsVisited, 1);
  assert.deepEqual(progress.visits.map((v) => v.stopId), [stop.id]);

  // The offline pack, downloaded, then revalidated with its ETag: 304, nothing sent again.
  const packUrl = new URL(journey.offlinePack.url, API_URL);
  const pack = await fetch(packUrl);
  assert.equal(pack.status, 200);
  const etag = pack.headers.get("etag");
  assert.ok(etag);
  const packBody = await pack.json();
  assert.equal(JSON.stringify(packBody).includes(journey.id), true);
  const again = await fetch(packUrl, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  assert.equal((await again.arrayBuffer()).byteLength, 0);

  // Review a place from the lake's list: its cached rating changes without a refetch.
  const place = fromLake.pois.edges[0].node;
  const before = place.rating;
  const reviewed = await client.mutate({
    mutation: REVIEW_CREATE,
    variables: { input: { poiId: place.id, rating: 5, text: "Beautiful at dawn, worth the early start." } },
  });
  assert.deepEqual(reviewed.data.reviewCreate.errors, []);
  const cachedPlace = client.readQuery({ query: POIS, variables: near(HOAN_KIEM) }).pois.edges[0].node;
  assert.equal(cachedPlace.rating.count, before.count + 1);
  const average = (before.average * before.count + 5) / (before.count + 1);
  close(cachedPlace.rating.average, average, 0.05, "the new average");
  // and the temple's list, which shares the place's record, shows the same new rating
  const inTempleList = client
    .readQuery({ query: POIS, variables: near(VAN_MIEU) })
    .pois.edges.find((e) => e.node.id === place.id);
  if (inTempleList) assert.deepEqual(inTempleList.node.rating, cachedPlace.rating);
});

test("a booking: hold seats, confirm, pay on VNPay's page, cancel; the cache follows", async () => {
  const user = await signUp("traveller");
  const client = appClient({ token: () => getIdToken(user), locale: "en" });
  const { data: tours } = await client.query({
    query: TOURS,
    variables: { filter: { near: HOAN_KIEM }, first: 10 },
  });
  assert.ok(tours.tours.edges.length > 0);
  const tourId = tours.tours.edges[0].node.id;
  const { data: tourData } = await client.query({ query: TOUR, variables: { id: tourId } });
  const departure = tourData.tour.departures.find((d) => d.seatsLeft >= 2);
  assert.ok(departure, JSON.stringify(tourData.tour.departures));
  const seatsLeft = () =>
    client
      .readQuery({ query: TOUR, variables: { id: tourId } })
      .tour.departures.find((d) => d.id === departure.id).seatsLeft;

  // Hold two seats: the departure the tour screen shows has two fewer.
  const held = await client.mutate({
    mutation: BOOKING_HOLD,
    variables: { input: { idempotencyKey: randomUUID(), tour: { departureId: departure.id, seats: 2 } } },
  });
  assert.deepEqual(held.data.bookingHold.errors, []);
  assert.equal(seatsLeft(), departure.seatsLeft - 2);

  // Confirm it: a priced booking waits for its payment, with VNPay's page to open.
  const hold = held.data.bookingHold.hold;
  const confirmed = await client.mutate({
    mutation: BOOKING_CONFIRM,
    variables: {
      input: {
        holdId: hold.id, idempotencyKey: randomUUID(), guests: 2,
        contact: { name: "Alex Tourist", phone: "+84 912 345 678", email: "alex@example.com" },
      },
    },
  });
  assert.deepEqual(confirmed.data.bookingConfirm.errors, []);
  const booking = confirmed.data.bookingConfirm.booking;
  assert.equal(booking.status, "HELD");
  assert.equal(booking.paymentStatus, "UNPAID");
  const paymentUrl = confirmed.data.bookingConfirm.paymentUrl;
  assert.match(paymentUrl, /vnp_SecureHash=[0-9a-f]{128}$/);
  assert.equal(new URL(paymentUrl).searchParams.get("vnp_Locale"), "en");
  assert.equal(seatsLeft(), departure.seatsLeft - 2);

  // Pay on the page as a customer would: its form, then back to the app's return page.
  const page = await fetch(paymentUrl);
  assert.equal(page.status, 200);
  const html = await page.text();
  const field = (name) => html.match(new RegExp(`name="${name}" value="([^"]+)"`))[1];
  const decided = await fetch(new URL("/paymentv2/decide", paymentUrl), {
    method: "POST",
    body: new URLSearchParams({ tmn: field("tmn"), txn_ref: field("txn_ref"), outcome: "pay" }),
    redirect: "manual",
  });
  assert.equal(decided.status, 302);
  const back = decided.headers.get("location");
  assert.ok(back.startsWith(`${API_URL}/payments/vnpay/return?`), back);
  assert.match(await (await fetch(back)).text(), /data-result="paid"/);
  // VNPay's IPN confirmed it: read again, the cached booking is confirmed and paid.
  const { data: paid } = await client.query({
    query: BOOKING_PAYMENT,
    variables: { id: booking.id },
    fetchPolicy: "network-only",
  });
  assert.equal(paid.booking.status, "CONFIRMED");
  assert.equal(paid.booking.paymentStatus, "PAID");
  assert.equal(client.cache.extract()[client.cache.identify(booking)].status, "CONFIRMED");
  assert.equal(seatsLeft(), departure.seatsLeft - 2);

  // Cancel: the seats come back in the cache, and the booking shows it was cancelled.
  const cancelled = await client.mutate({
    mutation: BOOKING_CANCEL,
    variables: { input: { bookingId: booking.id, reason: "plans changed" } },
  });
  assert.deepEqual(cancelled.data.bookingCancel.errors, []);
  assert.equal(seatsLeft(), departure.seatsLeft);
  assert.equal(client.cache.extract()[client.cache.identify(booking)].status, "CANCELLED");
  const { data: fresh } = await client.query({
    query: TOUR,
    variables: { id: tourId },
    fetchPolicy: "network-only",
  });
  assert.equal(fresh.tour.departures.find((d) => d.id === departure.id).seatsLeft, departure.seatsLeft);
});

test("every request was a persisted id from the manifest: queries by GET, mutations by POST", () => {
  assert.deepEqual(unverified.map((d) => `${d.reason}: ${d.operation.operationName}`), []);
  const graphql = sent.filter((r) => r.operationName);
  const names = (documents) => documents.map((d) => d.definitions[0].name.value).sort();
  assert.deepEqual([...new Set(graphql.map((r) => r.operationName))].sort(), names(USED));
  const ids = new Map(MANIFEST.operations.map((o) => [o.name, o]));
  for (const request of graphql) {
    const manifestOperation = ids.get(request.operationName);
    assert.ok(manifestOperation, request.operationName);
    assert.equal(request.hash, manifestOperation.id, request.operationName);
    assert.equal(request.query, undefined, `${request.operationName} sent its document`);
    assert.equal(request.method, manifestOperation.type === "query" ? "GET" : "POST", request.operationName);
  }
});
