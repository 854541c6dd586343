// The credential the dashboard calls the admin API with, kept for this browser tab only (sessionStorage).
const KEY = 'gatehouse.credential';

/** {kind: 'session' | 'key', secret, who} or null. */
export function current() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null;
  }
}

export function remember(kind, secret, who) {
  sessionStorage.setItem(KEY, JSON.stringify({kind, secret, who}));
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

/** The request headers that carry the credential. */
export function headers(credential = current()) {
  if (!credential) return {};
  return credential.kind === 'key' ? {'X-API-Key': credential.secret} : {'Authorization': `Bearer ${credential.secret}`};
}
