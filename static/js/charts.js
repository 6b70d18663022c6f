// Charts of the dashboards and summaries, drawn with the vendored Chart.js.
// Loaded as a file (CSP: no inline JS). Every <canvas data-chart="key"> gets the
// spec `key` of the JSON in <script id="chart-data" type="application/json">
// (written by Django's json_script). The numbers are always in a table next to
// the chart too: a chart is never the only way to read them.
(function () {
  "use strict";

  const source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  const specs = JSON.parse(source.textContent);

  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const BLUE = color("--bs-primary", "#0d6efd");
  const GREEN = color("--bs-success", "#198754");
  const RED = color("--bs-danger", "#dc3545");
  const GREY = color("--bs-secondary", "#6c757d");
  const AMBER = color("--bs-warning", "#ffc107");
  const BAND = "rgba(13, 110, 253, 0.15)";

  Chart.defaults.font.family = css.getPropertyValue("--bs-body-font-family").trim() || undefined;
  Chart.defaults.maintainAspectRatio = false;
  if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  const short = (label, size) =>
    typeof label === "string" && label.length > size ? label.slice(0, size - 1) + "…" : label;
  const fmt = (value) =>
    value === null || value === undefined
      ? "—"
      : Number(value).toLocaleString(document.documentElement.lang || undefined, {
          maximumFractionDigits: 2,
        });

  // A vertical (or horizontal) line at the target score, for bar charts.
  const targetLine = {
    id: "targetLine",
    afterDatasetsDraw(chart, _args, options) {
      if (options.value === null || options.value === undefined) return;
      const { ctx, chartArea } = chart;
      const horizontal = chart.options.indexAxis === "y";
      const scale = horizontal ? chart.scales.x : chart.scales.y;
      const at = scale.getPixelForValue(options.value);
      ctx.save();
      ctx.strokeStyle = RED;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      if (horizontal) {
        ctx.moveTo(at, chartArea.top);
        ctx.lineTo(at, chartArea.bottom);
      } else {
        ctx.moveTo(chartArea.left, at);
        ctx.lineTo(chartArea.right, at);
      }
      ctx.stroke();
      ctx.restore();
    },
  };

  function trend(spec) {
    const target = spec.labels.map(() => spec.target);
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: [
          { label: spec.text.high, data: spec.high, borderColor: BAND, backgroundColor: BAND,
            pointRadius: 0, fill: false, spanGaps: false, order: 3 },
          { label: spec.text.low, data: spec.low, borderColor: BAND, backgroundColor: BAND,
            pointRadius: 0, fill: "-1", spanGaps: false, order: 3 },
          { label: spec.text.mean, data: spec.mean, borderColor: BLUE, backgroundColor: BLUE,
            pointRadius: 4, borderWidth: 2, spanGaps: false, order: 1 },
          { label: spec.text.target, data: target, borderColor: RED, borderDash: [6, 4],
            pointRadius: 0, borderWidth: 2, fill: false, order: 2 },
        ],
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: { y: { suggestedMin: 50, max: 100, title: { display: false } } },
        plugins: {
          legend: {
            labels: { filter: (item) => item.datasetIndex !== 0 }, // one entry for the band
          },
          tooltip: {
            callbacks: {
              label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y)}`,
              footer: (items) =>
                items.length ? `${spec.text.n}: ${spec.n[items[0].dataIndex]}` : "",
            },
          },
        },
      },
    };
  }

  function bars(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [
          {
            label: spec.text.mean,
            data: spec.mean,
            backgroundColor: spec.mean.map((v) =>
              v !== null && spec.target !== null && v < spec.target ? AMBER : GREEN
            ),
            borderRadius: 4,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        indexAxis: "y",
        scales: {
          x: { min: 0, max: 100 },
          y: { ticks: { callback(value) { return short(this.getLabelForValue(value), 22); } } },
        },
        plugins: {
          legend: { display: false },
          targetLine: { value: spec.target },
          tooltip: {
            callbacks: {
              label: (ctx) => `${spec.text.mean}: ${fmt(ctx.parsed.x)}`,
              footer: (items) =>
                items.length ? `${spec.text.n}: ${spec.n[items[0].dataIndex]}` : "",
            },
          },
        },
      },
      plugins: [targetLine],
    };
  }

  function pareto(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [
          { type: "line", label: spec.text.cumulative, data: spec.cumulative, yAxisID: "share",
            borderColor: RED, backgroundColor: RED, pointRadius: 3, clip: 6, order: 1 },
          { label: spec.text.defects, data: spec.defects, backgroundColor: BLUE,
            borderRadius: 4, maxBarThickness: 48, order: 2 },
        ],
      },
      options: {
        scales: {
          x: { ticks: { callback(value) { return short(this.getLabelForValue(value), 14); } } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
          share: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false } },
        },
        plugins: { tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${fmt(ctx.parsed.y)}` } } },
      },
    };
  }

  function progress(spec) {
    const datasets = [
      { label: spec.text.planned, data: spec.planned, backgroundColor: GREY, borderRadius: 3 },
    ];
    if (spec.due) {
      datasets.push({ label: spec.text.due, data: spec.due, backgroundColor: AMBER, borderRadius: 3 });
    }
    datasets.push({ label: spec.text.done, data: spec.done, backgroundColor: GREEN, borderRadius: 3 });
    return {
      type: "bar",
      data: { labels: spec.labels, datasets },
      options: {
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        interaction: { mode: "index", intersect: false },
      },
    };
  }

  const builders = { trend, bars, pareto, progress };

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = specs[canvas.dataset.chart];
    const build = spec && builders[spec.kind];
    if (!build || !spec.labels.length) return;
    const config = build(spec);
    // Marked ready once drawn in full (after the first animation), for tests.
    const ready = () => {
      canvas.dataset.chartReady = "true";
    };
    config.options.animation =
      Chart.defaults.animation === false ? false : { onComplete: ready };
    new Chart(canvas, config);
    if (config.options.animation === false) ready();
  });
})();
