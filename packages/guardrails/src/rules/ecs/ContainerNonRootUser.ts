/** Containers run as a non-root user; with no `user` they run as the image's user, root by default. */
import { checkContainers } from "../../support.ts";
import { ECS_TASK_DEFINITION as TASK_DEFINITION } from "../../types.ts";
import type { Props, ResourceRule } from "../../rule.ts";

/** Whether an ECS `user` (`uid`, `uid:gid`, `name`, `name:group`) is root. */
export function isRootUser(user: string): boolean {
  const who = user.split(":")[0]!.trim();
  return who === "root" || /^0+$/.test(who) || who === "";
}

export const ContainerNonRootUser: ResourceRule = {
  kind: "resource",
  name: "ContainerNonRootUser",
  resourceTypes: [TASK_DEFINITION],
  check(type: string, props: Props) {
    return checkContainers(type, props, (c, name) => {
      if (typeof c.user !== "string") {
        return [`container \`${name}\` sets no \`user\`, so it runs as the image's user (root unless the image says otherwise); set \`user\` to a non-root uid:gid such as 10001:10001`];
      }
      return isRootUser(c.user) ? [`container \`${name}\` runs as root (\`user: ${c.user}\`); set \`user\` to a non-root uid:gid such as 10001:10001`] : [];
    });
  },
};
