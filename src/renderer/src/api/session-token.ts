const STORAGE_KEY = 'lookalike.token';

/**
 * The bridge's access token: taken from the page's address (`?token=…`, as `lookalike serve`
 * prints it), kept in sessionStorage for reloads, and removed from the address bar so it does not
 * end up in bookmarks, history or screenshots.
 */
export function takeSessionToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY);
}

export function forgetSessionToken(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
