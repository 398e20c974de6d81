// The incident's time series (GET /incidents/{id}/series) made ready to read: the peak in one plain
// sentence, the window the chart opens on, the moments to mark and the rows of the table that stands in
// for the chart. Pure: no DOM, no requests.

import { formatClock, formatDayMonth, formatNumber, formatPercent, isSameBerlinDay, language, t } from "./i18n.js";

export const RESOLUTIONS = { "5m": 5 * 60, "1h": 60 * 60 };
// Below this many mentions in a bucket a share is mostly chance (1 of 1 is "100 % negativ").
export const MIN_VOLUME_FOR_SHARE = 3;
// The 5-minute chart opens on the crisis: from this long before the first signal to the end.
const LEAD_IN_S = 2 * 60 * 60;

export function seconds(value) {
  const ms = Date.parse(value || "");
  return Number.isNaN(ms) ? null : ms / 1000;
}

/** The label of a marker or statement in the current language. */
export function markerLabel(marker) {
  return (language() === "en" ? marker.label_en : marker.label_de) || marker.label_de || marker.kind || "";
}

export function statementLabel(statement) {
  const kind = t(`draftKind.${statement.kind}`);
  const channel = t(`draftChannel.${statement.channel}`);
  return t("chart.statementOn", { kind, channel });
}

/**
 * The vertical lines: the incident's moments and each published statement, in time order and numbered
 * ({ at (s), label, kind, statement, number }).
 */
export function chartLines(series) {
  const moments = (series.markers || []).map((marker) => ({
    at: seconds(marker.at),
    label: markerLabel(marker),
    kind: marker.kind,
    statement: false,
  }));
  const statements = (series.statements || []).map((statement) => ({
    at: seconds(statement.published_at),
    label: statementLabel(statement),
    kind: "statement",
    statement: true,
  }));
  return [...moments, ...statements]
    .filter((line) => line.at !== null)
    .sort((a, b) => a.at - b.at)
    .map((line, index) => ({ ...line, number: index + 1 }));
}

/** Columns for the chart: x (s), volume, expected, negative share in % (null where too few), usual upper %. */
export function chartColumns(series) {
  const points = series.points || [];
  const usual = series.usual_negative_share;
  const xs = [];
  const volume = [];
  const expected = [];
  const share = [];
  const usualUpper = [];
  for (const point of points) {
    xs.push(seconds(point.start));
    volume.push(point.volume ?? 0);
    expected.push(point.expected ?? null);
    const enough = (point.volume ?? 0) >= MIN_VOLUME_FOR_SHARE && point.negative_share !== null && point.negative_share !== undefined;
    share.push(enough ? Math.round(point.negative_share * 1000) / 10 : null);
    usualUpper.push(usual && usual.upper !== null && usual.upper !== undefined ? Math.round(usual.upper * 1000) / 10 : null);
  }
  return { xs, volume, expected, share, usualUpper };
}

/** The x range the chart opens on: the crisis close-up at 5 minutes, everything at 1 hour. */
export function openingWindow(series) {
  const since = seconds(series.since);
  const until = seconds(series.until);
  const step = RESOLUTIONS[series.resolution] || RESOLUTIONS["5m"];
  const lines = chartLines(series);
  const first = lines.length ? lines[0].at : null;
  const start = series.resolution === "1h" || first === null ? since : Math.max(since, first - LEAD_IN_S);
  // The bucket running now is drawn whole, not cut off at this minute.
  const points = series.points || [];
  const last = points.length ? seconds(points[points.length - 1].start) + step : until + step;
  return { min: start, max: Math.max(until, last) };
}

function median(values) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The peak bucket and what is usual otherwise: { volume, start, end, usual } or null when all is quiet. */
export function peak(series) {
  const points = series.points || [];
  if (!points.length) return null;
  let top = points[0];
  for (const point of points) if ((point.volume ?? 0) > (top.volume ?? 0)) top = point;
  if (!top.volume) return null;
  const step = RESOLUTIONS[series.resolution] || RESOLUTIONS["5m"];
  const start = seconds(top.start);
  const others = points.filter((point) => point !== top).map((point) => point.volume ?? 0);
  return { volume: top.volume, start, end: start + step, usual: median(others), negativeShare: top.negative_share };
}

/** "Spitze: 41 Erwähnungen zwischen 10:35 und 10:40 Uhr, sonst etwa 1." (and the negative share at the peak) */
export function summarySentence(series, now = Date.now()) {
  const top = peak(series);
  if (!top) return t("chart.quiet");
  const startDate = new Date(top.start * 1000);
  const params = {
    volume: formatNumber(top.volume),
    from: formatClock(startDate),
    to: formatClock(new Date(top.end * 1000)),
    day: formatDayMonth(startDate),
  };
  const when = isSameBerlinDay(startDate, new Date(now)) ? t("chart.peakToday", params) : t("chart.peakOn", params);
  const usual = top.usual < 0.5 ? t("chart.usualNone") : t("chart.usualAbout", { count: formatNumber(Math.round(top.usual)) });
  const parts = [`${when}, ${usual}.`];
  const usualShare = series.usual_negative_share;
  if (top.volume >= MIN_VOLUME_FOR_SHARE && top.negativeShare !== null && top.negativeShare !== undefined) {
    parts.push(
      usualShare && usualShare.upper !== null && usualShare.upper !== undefined
        ? t("chart.negativeAtPeakUsual", { share: formatPercent(top.negativeShare), upper: formatPercent(usualShare.upper) })
        : t("chart.negativeAtPeak", { share: formatPercent(top.negativeShare) }),
    );
  }
  return parts.join(" ");
}

/** The rows of the table beside the chart: the buckets in the window, with the lines that fall in them. */
export function tableRows(series, window = openingWindow(series)) {
  const step = RESOLUTIONS[series.resolution] || RESOLUTIONS["5m"];
  const lines = chartLines(series);
  return (series.points || [])
    .map((point) => ({ point, start: seconds(point.start) }))
    .filter(({ start }) => start !== null && start + step > window.min && start < window.max)
    .map(({ point, start }) => ({
      start,
      end: start + step,
      volume: point.volume ?? 0,
      expected: point.expected,
      negativeShare: point.negative_share,
      lines: lines.filter((line) => line.at >= start && line.at < start + step),
    }));
}
