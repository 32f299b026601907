/** Query keys of admin accounts. */
export const adminKeys = {
  all: ["admins"] as const,
  list: () => [...adminKeys.all, "list"] as const,
};
