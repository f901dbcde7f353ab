/* Disputes reporting charts (Chart.js 4): weekly opened/closed bars and open amount by reason. */
(function () {
  "use strict";
  var node = document.getElementById("dispute-charts");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
  var flow = document.getElementById("dispute-flow-chart");
  if (flow) {
    new Chart(flow, {
      type: "bar",
      data: {
        labels: data.flow.labels.map(function (iso) {
          var p = iso.split("-");
          return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" })
            .format(new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])));
        }),
        datasets: data.flow.datasets.map(function (set) {
          return { label: set.label, data: set.values, backgroundColor: set.colour, borderRadius: 3 };
        })
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  var reasons = document.getElementById("dispute-reason-chart");
  if (reasons) {
    new Chart(reasons, {
      type: "bar",
      data: { labels: data.reasons.labels, datasets: [{ label: data.reasons.label, data: data.reasons.values, backgroundColor: data.reasons.colour, borderRadius: 3 }] },
      options: {
        indexAxis: "y", animation: false, maintainAspectRatio: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (ctx) { return money.format(ctx.parsed.x); } } } },
        scales: { x: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } }
      }
    });
  }
})();
