// API client for /api/v1: JSON bodies, Bearer access token, transparent refresh.
//
// Tokens: the access token lives in memory and in sessionStorage (survives a reload of this tab);
// the refresh token goes to localStorage when «Запомнить меня» was ticked, otherwise to
// sessionStorage. A refresh token is single-use, so refreshes are serialised: one in flight per tab,
// and across tabs through the Web Locks API where the browser has it.

import { proofOfWork } from "./pow.js";

const API_BASE = "/api/v1";

const NETWORK_MESSAGE = "Нет связи с сервером. Проверьте подключение к интернету и повторите попытку.";
const SERVER_MESSAGE = "Сервис временно недоступен. Повторите попытку позже.";

class ApiError extends Error {
  constructor(status, code, message, fields = [], retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

function safeStorage(kind) {
  try {
    const storage = window[kind];
    const probe = "__kabinet_probe__";
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return null;
  }
}

// `loginPath`: the staff console signs in at its own route (employees are a separate realm).
export function createClient({ prefix, loginPath = "/auth/login" }) {
  const session = safeStorage("sessionStorage");
  const local = safeStorage("localStorage");
  const keys = {
    access: `${prefix}.access`,
    refresh: `${prefix}.refresh`,
  };
  let accessToken = session?.getItem(keys.access) || null;
  let refreshing = null;
  const expiredListeners = new Set();

  function storedRefresh() {
    return session?.getItem(keys.refresh) || local?.getItem(keys.refresh) || null;
  }

  function rememberMode() {
    return Boolean(local?.getItem(keys.refresh));
  }

  function saveTokens({ access_token, refresh_token }, remember) {
    accessToken = access_token;
    session?.setItem(keys.access, access_token);
    session?.removeItem(keys.refresh);
    local?.removeItem(keys.refresh);
    (remember ? local : session)?.setItem(keys.refresh, refresh_token);
  }

  function clearTokens() {
    accessToken = null;
    session?.removeItem(keys.access);
    session?.removeItem(keys.refresh);
    local?.removeItem(keys.refresh);
  }

  async function send(method, path, body, token, accept = "application/json") {
    const headers = { Accept: accept };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(API_BASE + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network_error", NETWORK_MESSAGE);
    }
    return response;
  }

  async function parse(response) {
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (response.ok) return data;
    const error = data && typeof data.error === "object" ? data.error : null;
    const retryHeader = Number.parseInt(response.headers.get("Retry-After") || "", 10);
    throw new ApiError(
      response.status,
      error?.code || "http_error",
      error?.message || SERVER_MESSAGE,
      Array.isArray(error?.fields) ? error.fields : [],
      Number.isFinite(retryHeader) ? retryHeader : null,
    );
  }

  async function doRefresh() {
    const run = async () => {
      // Another tab may have rotated the token while we waited for the lock: always read it anew.
      const token = storedRefresh();
      if (!token) return false;
      const remember = rememberMode();
      const response = await send("POST", "/auth/refresh", { refresh_token: token });
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        clearTokens();
        return false;
      }
      const data = await parse(response);
      saveTokens(data, remember);
      return true;
    };
    if (navigator.locks?.request) {
      return navigator.locks.request(`${prefix}.refresh`, run);
    }
    return run();
  }

  function refreshOnce() {
    if (!refreshing) {
      refreshing = doRefresh().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  function notifyExpired() {
    for (const listener of expiredListeners) listener();
  }

  // `raw`: answer a file (CSV) — a successful response comes back as a Blob instead of parsed JSON.
  // `accept`: the file's media type when the API sends it as binary (80020 XML, zip); errors stay JSON.
  async function request(method, path, { body, auth = true, quiet = false, raw = false, accept } = {}) {
    if (!auth) return parse(await send(method, path, body));
    if (!accessToken && storedRefresh()) await refreshOnce();
    if (!accessToken) {
      if (!quiet) notifyExpired();
      throw new ApiError(401, "unauthorized", "Сеанс завершён. Войдите снова.");
    }
    const sentWith = accessToken;
    let response = await send(method, path, body, sentWith, accept);
    if (response.status === 401) {
      // A parallel request may already have refreshed the token.
      const renewed = accessToken !== sentWith ? true : await refreshOnce();
      if (!renewed || !accessToken) {
        clearTokens();
        if (!quiet) notifyExpired();
        throw new ApiError(401, "unauthorized", "Сеанс завершён. Войдите снова.");
      }
      response = await send(method, path, body, accessToken, accept);
    }
    if (raw && response.ok) return response.blob();
    return parse(response);
  }

  // After repeated failures the server asks for a proof of work (challenge_required): solve it in a
  // worker and try once more, without bothering the user.
  async function signInStep(path, body) {
    try {
      return await request("POST", path, { body, auth: false });
    } catch (error) {
      if (error.code !== "challenge_required") throw error;
      const pow = await proofOfWork({ get: (p, options) => request("GET", p, options) });
      return request("POST", path, { body: { ...body, pow }, auth: false });
    }
  }

  return {
    get: (path, options) => request("GET", path, options),
    post: (path, body, options) => request("POST", path, { ...options, body }),
    patch: (path, body, options) => request("PATCH", path, { ...options, body }),
    put: (path, body, options) => request("PUT", path, { ...options, body }),
    delete: (path, options) => request("DELETE", path, options),

    hasSession() {
      return Boolean(accessToken || storedRefresh());
    },

    // The staff console's answer is a second step (`second_factor`, no session yet): returned as it is,
    // for `secondFactor` to complete.
    async login(identifier, password, remember) {
      const data = await signInStep(loginPath, { identifier, password, remember });
      if (data.second_factor) return data;
      saveTokens(data, remember);
      return data.user;
    },

    // The staff console's second step (a code): the session, and whatever else the answer holds.
    async secondFactor(path, body, remember) {
      const data = await signInStep(path, body);
      saveTokens(data, remember);
      return data;
    },

    // Tokens issued by another call (e.g. POST /me/password); keeps the current «remember» choice.
    acceptTokens(data) {
      saveTokens(data, rememberMode());
    },

    async logout() {
      try {
        if (!accessToken && storedRefresh()) await refreshOnce();
        const token = storedRefresh();
        if (token) await request("POST", "/auth/logout", { body: { refresh_token: token }, quiet: true });
      } catch {
        // The local session ends regardless of whether the server could be told.
      } finally {
        clearTokens();
      }
    },

    forget: clearTokens,

    onExpired(listener) {
      expiredListeners.add(listener);
    },
  };
}
