/**
 * The signed-in API key lives in sessionStorage only: it goes with the browser tab, is never
 * written anywhere lasting, and sign-out removes it.
 */
const KEY = "fibrix.apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
