// The Lagebild chart, drawn with uPlot (vendor/, loaded on first use; no build step, no CDN): mentions
// per bucket as bars against the detector's expected volume (dashed), the negative share on a second
// axis (0–100 %) with the brand's usual range as a band, and the incident's moments and published
// statements as numbered vertical lines. It follows the width of its container; on a phone it shows
// fewer axis labels and no live values.

import { formatClock, formatDayMonth, t } from "./i18n.js";
import { chartColumns, chartLines, openingWindow } from "./series.js";

const NARROW_PX = 560;
const COLORS = {
  volume: "rgba(31, 95, 191, 0.55)",
  volumeLine: "#1f5fbf",
  expected: "#5a6474",
  negative: "#b42318",
  usual: "#177245",
  usualFill: "rgba(23, 114, 69, 0.10)",
  moment: "#13294b",
  statement: "#5b3fa0",
  grid: "#e4e8ee",
  axis: "#5a6474",
};

let loading = null;

/** uPlot, loaded once from the same origin (the CSP allows scripts from 'self' only). */
export function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = "ui/uPlot.iife.min.js";
      script.addEventListener("load", () => (window.uPlot ? resolve(window.uPlot) : reject(new Error("uPlot missing"))));
      script.addEventListener("error", () => {
        loading = null; // try again on the next chart
        script.remove();
        reject(new Error("uPlot could not be loaded"));
      });
      document.head.append(script);
    });
  }
  return loading;
}

/** Time labels in Berlin time: "10:30", with the date where a new day starts. */
function timeLabels(u, splits) {
  let lastDay = null;
  return splits.map((split) => {
    const moment = new Date(split * 1000);
    const day = formatDayMonth(moment);
    const clock = formatClock(moment);
    const label = day !== lastDay && lastDay !== null ? `${day}\n${clock}` : clock;
    lastDay = day;
    return label;
  });
}

function niceMax(max) {
  if (!max || max < 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const steps = [1, 2, 2.5, 5, 10];
  const step = steps.find((s) => s * magnitude >= max) * magnitude;
  return step;
}

const ROW_PX = 18; // one row of line labels, in CSS pixels

/**
 * Draws the numbered vertical lines and their labels in a strip above the plot, so that no label
 * covers a bar or the share line: the full label where a row has room (right of the line, else left),
 * else just the number; where not even that fits, the line goes without (the list below names it).
 */
function linesPlugin(lines, pxRatio, { labels, rows }) {
  function draw(u) {
    const { ctx, bbox } = u;
    const min = u.scales.x.min;
    const max = u.scales.x.max;
    const font = 12 * pxRatio;
    const pad = 3 * pxRatio;
    const rowHeight = ROW_PX * pxRatio;
    const top = bbox.top - rows * rowHeight;
    const taken = Array.from({ length: rows }, () => []); // per row: [left, right] of the labels in it
    const free = (row, left, right) => left >= 0 && right <= bbox.left + bbox.width + pad && taken[row].every(([l, r]) => right + pad <= l || left >= r + pad);
    const shown = lines
      .filter((line) => line.at >= min && line.at <= max)
      .map((line) => ({ ...line, x: Math.round(u.valToPos(line.at, "x", true)), color: line.statement ? COLORS.statement : COLORS.moment }));
    ctx.save();
    for (const line of shown) {
      ctx.strokeStyle = line.color;
      ctx.lineWidth = (line.statement ? 2 : 1.5) * pxRatio;
      ctx.setLineDash(line.statement ? [] : [4 * pxRatio, 3 * pxRatio]);
      ctx.beginPath();
      ctx.moveTo(line.x, top);
      ctx.lineTo(line.x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.font = `600 ${font}px system-ui, sans-serif`;
    ctx.textBaseline = "top";
    // Statements get their labels first: what the team said matters more than when it noticed.
    for (const line of [...shown.filter((l) => l.statement), ...shown.filter((l) => !l.statement)]) {
      const { x, color } = line;
      const texts = labels ? [`${line.number} ${line.label}`, String(line.number)] : [String(line.number)];
      let placed = null;
      for (const text of texts) {
        const width = ctx.measureText(text).width + 2 * pad;
        for (const left of [x + pxRatio, x - width - pxRatio]) {
          const row = taken.findIndex((_, index) => free(index, left, left + width));
          if (row !== -1) {
            placed = { text, left, width, row };
            break;
          }
        }
        if (placed) break;
      }
      if (!placed) continue;
      taken[placed.row].push([placed.left, placed.left + placed.width]);
      const y = top + placed.row * rowHeight + 2 * pxRatio;
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(placed.left, y - pxRatio, placed.width, font + 3 * pxRatio);
      ctx.fillStyle = color;
      ctx.fillText(placed.text, placed.left + pad, y);
    }
    ctx.restore();
  }
  return { hooks: { draw: [draw] } };
}

function options(uPlot, series, { width, narrow }) {
  const columns = chartColumns(series);
  const usual = columns.usualUpper.some((value) => value !== null);
  const maxVolume = Math.max(0, ...columns.volume, ...columns.expected.filter((v) => v !== null));
  const chartSeries = [
    { label: t("chart.colTime"), value: (u, v) => (v === null || v === undefined ? t("none") : `${formatDayMonth(new Date(v * 1000))} ${formatClock(new Date(v * 1000))}`) },
    {
      label: t("chart.volume"),
      scale: "count",
      stroke: COLORS.volumeLine,
      fill: COLORS.volume,
      width: 0,
      paths: uPlot.paths.bars({ size: [0.85, 40], align: 1 }),
      points: { show: false },
      value: (u, v) => (v === null ? t("none") : String(v)),
    },
    {
      label: t("chart.expected"),
      scale: "count",
      stroke: COLORS.expected,
      width: 1.5,
      dash: [6, 4],
      points: { show: false },
      value: (u, v) => (v === null ? t("none") : String(Math.round(v * 10) / 10).replace(".", t("chart.decimal"))),
    },
  ];
  if (usual) {
    chartSeries.push({
      label: t("chart.usual"),
      scale: "pct",
      stroke: COLORS.usual,
      width: 1,
      dash: [2, 3],
      fill: COLORS.usualFill,
      fillTo: 0,
      points: { show: false },
      value: (u, v) => (v === null ? t("none") : `${v} %`),
    });
  }
  chartSeries.push({
    label: t("chart.negative"),
    scale: "pct",
    stroke: COLORS.negative,
    width: 2,
    spanGaps: false,
    // Dots too: a bucket between gaps (too few mentions before and after) has no line to show it.
    points: { show: true, size: 5, width: 1, stroke: COLORS.negative, fill: COLORS.negative },
    value: (u, v) => (v === null ? t("none") : `${v} %`),
  });
  const data = [columns.xs, columns.volume, columns.expected, ...(usual ? [columns.usualUpper] : []), columns.share];
  const font = "12px system-ui, sans-serif";
  const labelRows = narrow ? 3 : 4;
  return {
    data,
    opts: {
      width,
      height: narrow ? 270 : 350,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Europe/Berlin"),
      scales: {
        x: { time: true },
        count: { range: () => [0, niceMax(maxVolume)] },
        pct: { range: [0, 100] },
      },
      series: chartSeries,
      axes: [
        { stroke: COLORS.axis, font, space: narrow ? 90 : 70, size: 44, values: timeLabels, grid: { stroke: COLORS.grid, width: 1 }, ticks: { show: false } },
        {
          scale: "count",
          stroke: COLORS.axis,
          font,
          size: narrow ? 34 : 48,
          space: narrow ? 40 : 30,
          label: narrow ? null : t("chart.axisCount"),
          labelFont: font,
          labelSize: 18,
          values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")),
          grid: { stroke: COLORS.grid, width: 1 },
          ticks: { show: false },
        },
        {
          scale: "pct",
          side: 1,
          stroke: COLORS.negative,
          font,
          size: narrow ? 42 : 56,
          space: narrow ? 40 : 30,
          label: narrow ? null : t("chart.axisShare"),
          labelFont: font,
          labelSize: 18,
          splits: () => (narrow ? [0, 50, 100] : [0, 25, 50, 75, 100]),
          values: (u, splits) => splits.map((v) => `${v} %`),
          grid: { show: false },
          ticks: { show: false },
        },
      ],
      legend: { live: !narrow },
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      // On a phone the lines carry their numbers only; the list below the chart names them.
      padding: [labelRows * ROW_PX + 4, null, null, null],
      plugins: [linesPlugin(chartLines(series), uPlot.pxRatio || window.devicePixelRatio || 1, { labels: !narrow, rows: labelRows })],
    },
  };
}

/**
 * A chart in `host` that follows the host's width. `draw(series)` (re)draws it, `destroy()` ends it.
 * Resolves `draw` once the chart is on the page.
 */
export function createChart(host) {
  let plot = null;
  let shown = null; // { series, narrow }
  let observer = null;
  let frame = null;

  function width() {
    return Math.max(240, Math.floor(host.clientWidth || host.getBoundingClientRect().width || 0));
  }

  function build(uPlot, series) {
    const narrow = width() < NARROW_PX;
    const { opts, data } = options(uPlot, series, { width: width(), narrow });
    plot?.destroy();
    plot = new uPlot(opts, data, host);
    const window_ = openingWindow(series);
    plot.setScale("x", window_);
    shown = { series, narrow };
  }

  function resize() {
    if (!plot || !shown) return;
    const narrow = width() < NARROW_PX;
    if (narrow !== shown.narrow) build(window.uPlot, shown.series);
    else if (Math.abs(plot.width - width()) > 1) plot.setSize({ width: width(), height: narrow ? 270 : 350 });
  }

  return {
    async draw(series) {
      const uPlot = await loadUplot();
      build(uPlot, series);
      if (!observer && "ResizeObserver" in window) {
        observer = new ResizeObserver(() => {
          // One resize per frame; a resize inside the observer's own callback would loop.
          if (frame) return;
          frame = window.requestAnimationFrame(() => {
            frame = null;
            resize();
          });
        });
        observer.observe(host);
      }
    },
    /** For the page's own refresh when the window changed size without the host noticing. */
    resize,
    destroy() {
      observer?.disconnect();
      observer = null;
      if (frame) window.cancelAnimationFrame(frame);
      plot?.destroy();
      plot = null;
      shown = null;
    },
  };
}
