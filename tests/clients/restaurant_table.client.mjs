// A tourist reserves a restaurant table with Apollo Client 4 (normalised InMemoryCache, the
// persisted query link with ids from graphql/persisted-query-manifest.json, queries by GET) against
// production's allowlist: restaurants near a point, one restaurant's seatings, hold, confirm, the
// booking in myBookings, cancel. After each step the test reads what the cache shows.
//
// Not named *.test.mjs: tests/clients/test_restaurant_client.py runs it on a stack of its own
// (test restaurants, a signed token), apart from app_day.test.mjs's run of the directory. It sets
// API_URL, TOKEN, HERE ("lat,lng"), CUISINE, RESTAURANT and DAY (YYYY-MM-DD, Hanoi).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { SetContextLink } from "@apollo/client/link/context";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { RemoveTypenameFromVariablesLink } from "@apollo/client/link/remove-typename";
import {
  createPersistedQueryManifestVerificationLink,
  generatePersistedQueryIdsFromManifest,
} from "@apollo/persisted-query-lists";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set (tests/clients/test_restaurant_client.py sets it)`);
  return value;
};
const API_URL = env("API_URL");
const [hereLat, hereLng] = env("HERE").split(",").map(Number);
const HERE = { lat: hereLat, lng: hereLng };
const RESTAURANT_ID = env("RESTAURANT");
const DAY = env("DAY");
const MANIFEST = JSON.parse(readFileSync(`${ROOT}graphql/persisted-query-manifest.json`, "utf8"));

const operation = (path) =>
  gql(readFileSync(`${ROOT}graphql/operations/${path}.graphql`, "utf8"));
const RESTAURANTS = operation("bookings/Restaurants");
const RESTAURANT = operation("bookings/Restaurant");
const TABLE_HOLD = operation("bookings/RestaurantTableHold");
const TABLE_CONFIRM = operation("bookings/RestaurantTableConfirm");
const TABLE_CANCEL = operation("bookings/RestaurantTableCancel");
const MY_BOOKINGS = operation("bookings/RestaurantMyBookings");

const unverified = [];

function appClient() {
  const auth = new SetContextLink(async (previous) => ({
    headers: {
      ...previous.headers,
      "accept-language": "en",
      authorization: `Bearer ${env("TOKEN")}`,
    },
  }));
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
    new HttpLink({ uri: `${API_URL}/graphql` }),
  ]);
  return new ApolloClient({ cache: new InMemoryCache(), link });
}

test("a table: near, seatings, hold, confirm, myBookings, cancel; the cache follows", async () => {
  const client = appClient();
  // Restaurants near the tourist, nearest first, with the distance on the edge.
  const { data: list } = await client.query({
    query: RESTAURANTS,
    variables: { filter: { near: HERE, radiusMeters: 20000, cuisine: env("CUISINE") }, first: 5 },
  });
  const edges = list.restaurants.edges;
  assert.equal(edges[0].node.id, RESTAURANT_ID);
  assert.ok(Math.abs(edges[0].distanceMeters - 2000) < 50, `${edges[0].distanceMeters}`);
  assert.ok(edges.every((e, i) => i === 0 || e.distanceMeters >= edges[i - 1].distanceMeters));

  // Open it: its free seatings of the day for two.
  const restaurantQuery = { query: RESTAURANT, variables: { id: RESTAURANT_ID, date: DAY, partySize: 2 } };
  const { data: opened } = await client.query(restaurantQuery);
  const slots = opened.restaurant.slots;
  assert.ok(slots.length > 0);
  const slot = slots[0];
  assert.equal(slot.tablesLeft, 1);

  // Hold its only table for two: the cached seating shows none left.
  const { data: held } = await client.mutate({
    mutation: TABLE_HOLD,
    variables: {
      input: {
        idempotencyKey: randomUUID(),
        table: { restaurantId: RESTAURANT_ID, startsAt: slot.startsAt, partySize: 2 },
      },
    },
  });
  assert.deepEqual(held.bookingHold.errors, []);
  assert.equal(held.bookingHold.hold.tableSlot.id, slot.id);
  const seatingOf = () =>
    client.readQuery(restaurantQuery).restaurant.slots.find((s) => s.id === slot.id);
  assert.equal(seatingOf().tablesLeft, 0);

  // Confirm: free, so CONFIRMED at once, with a ticket.
  const { data: confirmed } = await client.mutate({
    mutation: TABLE_CONFIRM,
    variables: {
      input: {
        holdId: held.bookingHold.hold.id,
        idempotencyKey: randomUUID(),
        contact: { name: "Jane Tourist", phone: "+84 912 345 678", email: "jane@example.com" },
        guests: 2,
      },
    },
  });
  const booking = confirmed.bookingConfirm.booking;
  assert.equal(booking.status, "CONFIRMED");
  assert.ok(booking.ticket.code);

  // The booking in myBookings.
  const { data: mine } = await client.query({ query: MY_BOOKINGS, variables: { first: 10 } });
  assert.deepEqual(
    mine.myBookings.edges.map((e) => [e.node.id, e.node.status, e.node.kind]),
    [[booking.id, "CONFIRMED", "TABLE"]],
  );

  // Cancel: the cached booking in myBookings says CANCELLED, and the seating has its table back.
  const { data: cancelled } = await client.mutate({
    mutation: TABLE_CANCEL,
    variables: { input: { bookingId: booking.id } },
  });
  assert.deepEqual(cancelled.bookingCancel.errors, []);
  const cached = client.readQuery({ query: MY_BOOKINGS, variables: { first: 10 } });
  assert.equal(cached.myBookings.edges[0].node.status, "CANCELLED");
  assert.equal(cached.myBookings.edges[0].node.tableSlot.tablesLeft, 1);
  assert.equal(seatingOf().tablesLeft, 1);
  assert.deepEqual(unverified, []);
});
