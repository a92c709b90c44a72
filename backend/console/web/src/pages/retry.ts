// The network went away: say so in words (not "Failed to fetch") and offer to try again.
import { html } from "lit-html";
import { t } from "../i18n";

export function retryView(message: string, retry: () => void) {
  return html`<div class="offline" role="alert">
    <p>${message || t("networkError")}</p>
    <button type="button" @click=${retry}>${t("retry")}</button>
  </div>`;
}
