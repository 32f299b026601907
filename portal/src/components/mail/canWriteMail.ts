import { createContext, useContext } from "react";

/**
 * Whether whoever looks may change mail accounts (holds `write:mail`).
 * The Mail accounts page sets it; its cards hide what would only be
 * refused. Outside a provider, changes are offered.
 */
export const CanWriteMail = createContext(true);

/** Whether the current reader may change mail accounts. */
export function useCanWriteMail(): boolean {
  return useContext(CanWriteMail);
}
