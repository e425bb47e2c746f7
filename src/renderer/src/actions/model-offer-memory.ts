/**
 * Remembers, per library, that the person answered the first-run offer of the recommended model.
 * Kept in the window's storage, keyed by the library file: forgetting it costs nothing but the
 * offer appearing once more, and the library's schema has no place for interface preferences.
 */
export type ModelOfferAnswer = 'declined' | 'accepted';

const KEY_PREFIX = 'lookalike.modelOffer:';

export interface ModelOfferMemory {
  get(library: string): ModelOfferAnswer | null;
  set(library: string, answer: ModelOfferAnswer): void;
}

/** Storage may be missing or refuse writes (private windows, full quota): then nothing is remembered. */
export function modelOfferMemory(storage: Pick<Storage, 'getItem' | 'setItem'> | null): ModelOfferMemory {
  return {
    get(library) {
      try {
        const value = storage?.getItem(KEY_PREFIX + library);
        return value === 'declined' || value === 'accepted' ? value : null;
      } catch {
        return null;
      }
    },
    set(library, answer) {
      try {
        storage?.setItem(KEY_PREFIX + library, answer);
      } catch {
        // Not remembered: the offer shows again next time, which loses nothing.
      }
    },
  };
}

/** The window's localStorage, or null where it cannot be reached. */
export function windowStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
