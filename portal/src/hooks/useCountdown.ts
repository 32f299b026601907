import { useEffect, useState } from "react";

/**
 * Seconds left of a wait of `seconds` that began when the component mounted,
 * ticking down to 0; null for none. A new wait needs a new component `key`.
 */
export function useCountdown(seconds: number | null): number | null {
  const [deadline] = useState(() => (seconds === null ? null : Date.now() + seconds * 1000));
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (deadline === null) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [deadline]);

  if (deadline === null) {
    return null;
  }
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}
