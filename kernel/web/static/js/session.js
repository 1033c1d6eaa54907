// Who is signed in and what the role allows. The page hides what the role may not do; the
// server refuses it regardless.

import { api, ApiError } from "./api.js";

export const session = { operator: null };

export async function whoAmI() {
  try {
    session.operator = await api("/api/v1/auth/me", { quiet401: true });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    session.operator = null;
  }
  return session.operator;
}

export async function signIn(username, password) {
  const answer = await api("/api/v1/auth/sign-in", { method: "POST", body: { username, password }, quiet401: true });
  session.operator = answer.operator;
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
