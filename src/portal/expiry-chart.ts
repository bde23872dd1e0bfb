/**
 * Certificates expiring per week over the next 90 days, one small bar chart
 * per issuing CA: inline SVG built with DOM calls (no chart library, no
 * inline style: colours come from styles.css, so the strict CSP holds). Each
 * chart is an `img` with a `<title>` and `<desc>`, says its total in words,
 * and has its numbers in a table beside it.
 */
import { h } from "./dom.js";
import { EXPIRY_HORIZON_DAYS, EXPIRY_WEEKS, expiryWeekRanges, type IssuerTally } from "./inventory-census.js";
import { EXPIRY_WARNING_DAYS } from "./model.js";

const SVG = "http://www.w3.org/2000/svg";

/** One chart: a CA and what it issued that expires soon. */
export interface ExpiryChartEntry {
  /** The issuing CA's name. */
  ca: string;
  /** What it issued, in words: "certificate" (server and device) or "intermediate CA". */
  what: { one: string; many: string };
  tally: IssuerTally;
  /** False when the census stopped before the end: the numbers are lower bounds. */
  complete: boolean;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

const number = (value: number) => value.toLocaleString("en-US");

// Geometry in viewBox units; the SVG scales to its box.
const WIDTH = 320;
const HEIGHT = 112;
const PLOT = { left: 36, right: 314, top: 10, bottom: 86 };

/** The bar chart of one CA; `index` makes its ids unique on the page. */
export function expiryChart(entry: ExpiryChartEntry, index: number, now: Date): HTMLElement {
  const weeks = expiryWeekRanges(now);
  const counts = entry.tally.expiringByWeek;
  const total = counts.reduce((sum, count) => sum + count, 0);
  const max = Math.max(1, ...counts);
  const atLeast = entry.complete ? "" : "at least ";
  const what = total === 1 && entry.complete ? entry.what.one : entry.what.many;
  const titleText = `${entry.ca}: ${atLeast}${number(total)} ${what} ${what === entry.what.one ? "expires" : "expire"} in the next ${EXPIRY_HORIZON_DAYS} days`;
  const busiest = counts.indexOf(Math.max(...counts));
  const descText =
    `Per week from ${weeks[0]?.first} to ${weeks.at(-1)?.last}: ${counts.map(number).join(", ")}.` +
    (total > 0 ? ` Most in the week of ${weeks[busiest]?.first} (${number(counts[busiest] ?? 0)}).` : "");
  const titleId = `expiry-chart-${index}-title`;
  const descId = `expiry-chart-${index}-desc`;

  const slot = (PLOT.right - PLOT.left) / EXPIRY_WEEKS;
  const barWidth = slot * 0.72;
  const plotHeight = PLOT.bottom - PLOT.top;
  const soonWeeks = Math.floor(EXPIRY_WARNING_DAYS / 7);
  const bars = counts.flatMap((count, week) => {
    if (count === 0) return [];
    const height = Math.max(1.5, (count / max) * plotHeight);
    const range = weeks[week];
    return [
      svg(
        "rect",
        {
          class: week <= soonWeeks ? "chart-bar chart-bar-soon" : "chart-bar",
          x: (PLOT.left + week * slot + (slot - barWidth) / 2).toFixed(2),
          y: (PLOT.bottom - height).toFixed(2),
          width: barWidth.toFixed(2),
          height: height.toFixed(2),
          "data-week": week,
          "data-count": count,
        },
        svg("title", {}, `${range?.first} – ${range?.last}: ${number(count)}`),
      ),
    ];
  });
  const label = (x: number, y: number, anchor: "start" | "middle" | "end", text: string) =>
    svg("text", { class: "chart-label", x, y, "text-anchor": anchor }, text);
  const chart = svg(
    "svg",
    {
      class: "expiry-chart",
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      focusable: "false",
    },
    svg("title", { id: titleId }, titleText),
    svg("desc", { id: descId }, descText),
    svg("line", { class: "chart-axis", x1: PLOT.left, y1: PLOT.bottom, x2: PLOT.right, y2: PLOT.bottom }),
    svg("line", { class: "chart-axis", x1: PLOT.left, y1: PLOT.top, x2: PLOT.left, y2: PLOT.bottom }),
    label(PLOT.left - 4, PLOT.top + 4, "end", number(max)),
    label(PLOT.left - 4, PLOT.bottom, "end", "0"),
    label(PLOT.left, PLOT.bottom + 14, "start", weeks[0]?.first.slice(5) ?? ""),
    label((PLOT.left + PLOT.right) / 2, PLOT.bottom + 14, "middle", weeks[6]?.first.slice(5) ?? ""),
    label(PLOT.right, PLOT.bottom + 14, "end", weeks.at(-1)?.last.slice(5) ?? ""),
    label(PLOT.left, HEIGHT - 2, "start", "week starting (month-day, UTC)"),
    ...bars,
  );

  const table = h(
    "table",
    { class: "chart-numbers" },
    h("caption", { class: "visually-hidden" }, titleText),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Week"),
        h("th", { scope: "col" }, entry.complete ? "Expiring" : "At least"),
      ),
    ),
    h(
      "tbody",
      {},
      ...weeks.map((range, week) =>
        h(
          "tr",
          { "data-week": week },
          h("th", { scope: "row" }, `${range.first} – ${range.last}`),
          h("td", {}, number(counts[week] ?? 0)),
        ),
      ),
    ),
  );
  return h(
    "figure",
    { class: "expiry", "data-ca": entry.ca },
    h("figcaption", {}, h("strong", {}, entry.ca), ` · ${atLeast}${number(total)} ${what} expiring`),
    chart,
    h("details", { class: "chart-table" }, h("summary", {}, `Numbers per week for ${entry.ca}`), table),
  );
}

/**
 * Fills the expiry section: a chart for each CA with something expiring, one
 * line naming the CAs with nothing expiring.
 */
export function renderExpiryCharts(container: HTMLElement, entries: readonly ExpiryChartEntry[], now: Date): void {
  const expiring = entries.filter((entry) => entry.tally.expiringByWeek.some((count) => count > 0));
  const quiet = entries.filter((entry) => !expiring.includes(entry));
  const parts: HTMLElement[] = [];
  if (entries.length === 0) parts.push(h("p", { class: "empty" }, "No CA yet."));
  if (expiring.length > 0) {
    parts.push(h("div", { class: "expiry-grid" }, ...expiring.map((entry, index) => expiryChart(entry, index, now))));
  }
  if (quiet.length > 0) {
    parts.push(
      h(
        "p",
        { class: "expiry-quiet" },
        `Nothing expires in the next ${EXPIRY_HORIZON_DAYS} days under: ${quiet.map((entry) => entry.ca).join(", ")}`,
        quiet.some((entry) => !entry.complete) ? " (as far as the pages read show)." : ".",
      ),
    );
  }
  container.replaceChildren(...parts);
}
