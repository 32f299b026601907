/** Whether an admin is locked out at `now`. */
export function isLocked(admin: { locked_until?: string | null }, now: Date = new Date()): boolean {
  return admin.locked_until != null && new Date(admin.locked_until).getTime() > now.getTime();
}
