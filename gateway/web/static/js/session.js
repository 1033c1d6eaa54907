// Who is signed in and what the role allows. The page hides what the role may not do; the
// server refuses it regardless.

import { api, ApiError } from "./api.js";

export const session = { operator: null, openMode: false };

// The gateway answers 404 on /auth/me only when it runs without sign-in (an older gateway).
const OPEN_MODE_PERMISSIONS = ["view", "intake", "command", "roster"];

export async function whoAmI() {
  try {
    session.operator = await api("/api/v1/auth/me", { quiet401: true });
    session.openMode = false;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 404) {
      session.operator = { username: "-", display_name: "", role: "open", permissions: OPEN_MODE_PERMISSIONS };
      session.openMode = true;
    } else {
      session.operator = null;
    }
  }
  return session.operator;
}

export async function signIn(username, password) {
  const answer = await api("/api/v1/auth/sign-in", { method: "POST", body: { username, password }, quiet401: true });
  session.operator = answer.operator;
  session.openMode = false;
  return answer.operator;
}

export async function signOut() {
  try {
    await api("/api/v1/auth/sign-out", { method: "POST", quiet401: true });
  } finally {
    session.operator = null;
  }
}

export function can(permission) {
  return Boolean(session.operator && session.operator.permissions.includes(permission));
}
