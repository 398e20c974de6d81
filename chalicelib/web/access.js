// Opened with an alert's link: a card that says so, what the link allows, and where to sign in for more.

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** The card that says how this page was opened, and where to sign in for more. */
export function createAccess(ctx) {
  const title = h("h2", { id: "access-title", class: "card__title access__active" });
  const can = h("span");
  const signIn = h("button", { type: "button", class: "link-button", id: "access-sign-in" });
  signIn.addEventListener("click", () => ctx.offerSignIn());
  const element = h(
    "section",
    { class: "card card--access", id: "access", "aria-labelledby": "access-title" },
    title,
    h("p", { class: "access__can" }, can, " ", signIn),
  );
  return {
    element,
    update() {
      title.textContent = t("link.active");
      can.textContent = t("link.can");
      signIn.textContent = t("link.toSignIn");
    },
  };
}
