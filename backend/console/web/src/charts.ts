// Small SVG charts: bars drawn with SVG attributes (not style attributes, which the CSP forbids),
// each labelled in text so the figures read without colour, plus a caption for screen readers.
import { html, svg, nothing } from "lit-html";
import { formatNumber, t } from "./i18n";

export interface Bar {
  label: string;
  value: number | null;
  /** Text shown after the bar; defaults to the value. */
  display?: string;
}

const ROW = 26;
const LABEL_WIDTH = 210;
const BAR_WIDTH = 230;
const VALUE_WIDTH = 80;
const LABEL_CHARS = 25;

export function barChart(title: string, bars: Bar[], max?: number) {
  if (!bars.length) return html`<figure class="chart"><figcaption>${title}</figcaption><p class="muted">${t("noData")}</p></figure>`;
  const top = max ?? Math.max(1, ...bars.map((b) => b.value ?? 0));
  const height = bars.length * ROW + 4;
  const width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label=${t("chartOf", { title })}
      preserveAspectRatio="xMinYMin meet">
      ${bars.map((bar, i) => {
        const y = i * ROW + 2;
        const w = bar.value === null ? 0 : Math.max(1, (bar.value / top) * BAR_WIDTH);
        return svg`<g>
          <text x=${LABEL_WIDTH - 8} y=${y + ROW / 2 + 5} text-anchor="end" class="chart-label">${bar.label.length > LABEL_CHARS ? `${bar.label.slice(0, LABEL_CHARS - 1)}…` : bar.label}<title>${bar.label}</title></text>
          <rect x=${LABEL_WIDTH} y=${y + 4} width=${BAR_WIDTH} height=${ROW - 8} class="chart-track"></rect>
          ${bar.value === null ? nothing : svg`<rect x=${LABEL_WIDTH} y=${y + 4} width=${w} height=${ROW - 8} class="chart-bar"></rect>`}
          <text x=${LABEL_WIDTH + BAR_WIDTH + 8} y=${y + ROW / 2 + 5} class="chart-value">${bar.display ?? (bar.value === null ? "—" : formatNumber(bar.value))}</text>
        </g>`;
      })}
    </svg>
  </figure>`;
}

export function percent(share: number | null): string {
  return share === null ? "—" : `${formatNumber(share * 100, 1)} %`;
}
