/** One area of the portal in the navigation. */
export interface NavigationItem {
  path: string;
  /** The i18n key of its name, `nav.<key>`. */
  key: string;
  /** Whether its page exists yet; areas of later work say so plainly. */
  built: boolean;
}

/** Every area of the portal, in the order the navigation lists them. */
export const NAVIGATION: NavigationItem[] = [
  { path: "/", key: "dashboard", built: true },
  { path: "/mail", key: "mail", built: true },
  { path: "/mail-accounts", key: "mailAccounts", built: true },
  { path: "/dns", key: "dns", built: true },
  { path: "/containers", key: "containers", built: false },
  { path: "/sites", key: "sites", built: false },
  { path: "/databases", key: "databases", built: false },
  { path: "/backups", key: "backups", built: false },
  { path: "/security", key: "security", built: true },
  { path: "/audit", key: "audit", built: true },
  { path: "/settings", key: "settings", built: true },
];

/** The navigation item a location belongs to, by the longest matching path. */
export function activeItem(pathname: string): NavigationItem | undefined {
  return NAVIGATION.filter(
    (item) => item.path === pathname || (item.path !== "/" && pathname.startsWith(`${item.path}/`)),
  ).sort((a, b) => b.path.length - a.path.length)[0];
}
