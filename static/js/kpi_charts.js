// Trend lines of KPI dashboards. Each canvas with data-kpi-chart names the id
// of a JSON script element holding {name, labels, values, target} and, on a
// KPI page, benchmark (the peer median per period). A canvas marked
// data-kpi-compact draws a small line without axes. Tables beside the charts
// hold the same figures for screen readers and printing.

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") {
    return;
  }
  for (const canvas of document.querySelectorAll("canvas[data-kpi-chart]")) {
    const source = document.getElementById(canvas.dataset.kpiChart);
    if (!source) {
      continue;
    }
    const data = JSON.parse(source.textContent);
    const compact = canvas.dataset.kpiCompact === "true";
    const datasets = [
      {
        label: data.name,
        data: data.values,
        borderColor: "#2f5d8f",
        backgroundColor: "#2f5d8f",
        spanGaps: true,
        pointRadius: compact ? 0 : 3,
      },
    ];
    if (data.target !== null) {
      datasets.push({
        label: "Target",
        data: data.labels.map(() => data.target),
        borderColor: "#1e7b34",
        borderDash: [6, 4],
        pointRadius: 0,
      });
    }
    if (!compact && data.benchmark && data.benchmark.some((v) => v !== null)) {
      datasets.push({
        label: "Peer median",
        data: data.benchmark,
        borderColor: "#8a5a00",
        borderDash: [2, 3],
        spanGaps: true,
        pointRadius: 2,
      });
    }
    const chart = new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: !compact }, tooltip: { enabled: !compact } },
        scales: compact
          ? { x: { display: false }, y: { display: false } }
          : { y: { beginAtZero: true } },
      },
    });
    canvas.dataset.kpiChartReady = String(chart.data.datasets.length);
  }
});
