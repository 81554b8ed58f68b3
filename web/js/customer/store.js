// Keeps the running chat in sessionStorage so a reload (or moving to another page of the
// shop in the same tab) resumes it. sessionStorage, not localStorage: the secureKey is the
// chat's only credential and should not outlive the tab.

const key = (service) => `parley-chat:${service}`;

export function loadChat(service) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key(service)) || 'null');
    return saved?.cred?.chatId && saved.cred.secureKey ? saved : null;
  } catch {
    return null; // storage disabled or corrupt: start afresh
  }
}

/** saved: {cred:{chatId,userId,secureKey,alias}, nickname, lastIndex} */
export function saveChat(service, saved) {
  try { sessionStorage.setItem(key(service), JSON.stringify(saved)); } catch { /* storage full or disabled */ }
}

export function forgetChat(service) {
  try { sessionStorage.removeItem(key(service)); } catch { /* ignore */ }
}
