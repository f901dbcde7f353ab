/* Forecast charts (Chart.js 4, as the reports): weekly expected cash-in with its p10-p90 band,
   and past forecasts against actual receipts, from <script id="forecast-charts" type="application/json">. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";

  function moneyFormat(currency) {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    } catch (e) {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    }
  }

  function weekLabel(iso) {
    var parts = iso.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" }).format(day);
  }

  function options(format) {
    return {
      animation: false,
      maintainAspectRatio: false,
      plugins: { tooltip: { callbacks: { label: function (ctx) {
        return ctx.dataset.label + ": " + format.format(ctx.parsed.y); } } } },
      scales: { y: { beginAtZero: true, ticks: { callback: function (value) { return format.format(value); } } } }
    };
  }

  function forecastChart(canvas, data) {
    var format = moneyFormat(data.currency);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(weekLabel),
        datasets: [
          { type: "line", label: data.names.high, data: data.high, borderColor: "rgba(46,117,182,0.4)",
            backgroundColor: "rgba(46,117,182,0.15)", pointRadius: 0, fill: "+1", order: 1 },
          { type: "line", label: data.names.low, data: data.low, borderColor: "rgba(46,117,182,0.4)",
            pointRadius: 0, fill: false, order: 1 },
          { type: "bar", label: data.names.expected, data: data.expected, backgroundColor: "#1f4e79", order: 2 },
          { type: "bar", label: data.names.orders, data: data.orders, backgroundColor: "#f2c744", order: 3 }
        ]
      },
      options: options(format)
    });
  }

  function accuracyChart(canvas, data) {
    var format = moneyFormat(data.currency);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(weekLabel),
        datasets: [
          { label: data.names.forecast, data: data.forecast, backgroundColor: "#2e75b6" },
          { label: data.names.actual, data: data.actual, backgroundColor: "#2e7d32" }
        ]
      },
      options: options(format)
    });
  }

  function render() {
    var source = document.getElementById("forecast-charts");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    (data.forecasts || []).forEach(function (set) {
      var canvas = document.getElementById(set.id);
      if (canvas) canvas.chart = forecastChart(canvas, set);
    });
    (data.accuracies || []).forEach(function (set) {
      var canvas = document.getElementById(set.id);
      if (canvas) canvas.chart = accuracyChart(canvas, set);
    });
    document.documentElement.dataset.forecastCharts = "ready";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
