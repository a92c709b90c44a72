// Photos in a viewer: a modal <dialog> (Esc closes it, focus stays inside), one photo at a time,
// with previous / next (buttons and arrow keys) and a link to the original file.
import { html, nothing } from "lit-html";
import { update } from "../app";
import { t } from "../i18n";

export interface ViewerPhoto {
  id: string;
  url: string;
  thumbnailUrl: string;
}

let photos: ViewerPhoto[] = [];
let index = -1;

export function openPhoto(list: ViewerPhoto[], at: number): void {
  photos = list;
  index = at;
  update();
}

function close(): void {
  index = -1;
  update();
}

function step(by: number): void {
  if (!photos.length) return;
  index = (index + by + photos.length) % photos.length;
  update();
}

/** Thumbnails that open the viewer (buttons: they act in the page, they do not navigate). */
export function thumbs(list: ViewerPhoto[], className = "thumbs") {
  return html`<div class=${className}>
    ${list.map(
      (p, i) => html`<button type="button" class="thumb" @click=${() => openPhoto(list, i)}
        aria-label=${t("openPhoto", { n: i + 1, count: list.length })}><img src=${p.thumbnailUrl} alt="" /></button>`,
    )}
  </div>`;
}

export function viewerView() {
  const photo = photos[index];
  if (!photo) return nothing;
  const keys = (event: KeyboardEvent) => {
    if (event.key === "ArrowRight") step(1);
    else if (event.key === "ArrowLeft") step(-1);
  };
  return html`<dialog id="photo-viewer" class="photo-viewer" aria-labelledby="photo-viewer-title"
      @close=${close} @keydown=${keys}>
    <h2 id="photo-viewer-title">${t("photoOf", { n: index + 1, count: photos.length })}</h2>
    <img src=${photo.url} alt=${t("photoAlt", { n: index + 1 })} />
    <div class="buttons">
      ${photos.length > 1
        ? html`<button type="button" class="secondary" @click=${() => step(-1)}>← ${t("previous")}</button>
            <button type="button" class="secondary" @click=${() => step(1)}>${t("next")} →</button>`
        : nothing}
      <a href=${photo.url} target="_blank" rel="noopener">${t("openOriginal")}</a>
      <button type="button" @click=${close}>${t("close")}</button>
    </div>
  </dialog>`;
}

/** After a render: show the dialog as a modal when a photo is open. */
export function syncViewer(): void {
  const dialog = document.getElementById("photo-viewer") as HTMLDialogElement | null;
  if (dialog && !dialog.open) dialog.showModal();
}
