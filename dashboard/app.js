// The emissions dashboard: one page over the public API, no framework, charts by Apache ECharts.
//
// Signs in with an API key or a token (JWT) and an organization, kept in sessionStorage (this tab
// only, never in a URL). ?demo=1 signs in as the demo tenant of `make dev` (its /dashboard/demo.json,
// which a deployment does not have). Reads:
//   GET /v1/reports/inventory?year=Y           totals by scope, monthly trend, top facilities
//   GET /v1/coverage (each organization)       the coverage heat map
//   GET /v1/invoices?status[]=review           the review queue
//   GET /v1/invoices?quality_flag=outlier      the outliers
//   GET /v1/reports/inventory?format=xlsx      the download button
"use strict";

const SESSION = "carbon-accounting-session";
const STATUS = { missing: 0, partial: 1, complete: 2, overlap: 3 };
const STATUS_COLORS = ["#c0392b", "#e0a526", "#2e8b57", "#7d3c98"];
const SCOPE_COLORS = ["#1f5f8b", "#2e8b57", "#e0a526"];
const charts = [];

const byId = (id) => document.getElementById(id);
// Text for an HTML tooltip: names are the organization's own (a facility, a supply point).
const escaped = (text) =>
  String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
const tonnes = (kg) => (kg / 1000).toLocaleString("en", { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION));
  } catch {
    return null;
  }
}

function say(text) {
  byId("status").textContent = text;
}

async function api(path, { organization, raw = false } = {}) {
  const current = session();
  const headers = { "x-organization-id": organization || current.organization_id };
  if (current.token) headers.authorization = `Bearer ${current.token}`;
  else headers["x-api-key"] = current.api_key;
  const base = (current.api_url || window.location.origin).replace(/\/$/, "");
  const answer = await fetch(base + path, { headers });
  if (!answer.ok) {
    let body = {};
    try {
      body = await answer.json();
    } catch {
      // not JSON: the status says enough
    }
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || "");
    throw new Error(`${answer.status} ${body.code || ""} ${detail}`.trim());
  }
  return raw ? answer : answer.json();
}

async function demoSignIn() {
  if (new URLSearchParams(window.location.search).get("demo") !== "1") return;
  window.history.replaceState(null, "", window.location.pathname); // nothing stays in the URL
  const answer = await fetch("demo.json");
  if (!answer.ok) {
    say("?demo=1 signs in on `make dev` only");
    return;
  }
  sessionStorage.setItem(SESSION, JSON.stringify(await answer.json()));
}

function showSignIn() {
  byId("dashboard").hidden = true;
  byId("controls").hidden = true;
  const form = byId("sign-in");
  form.hidden = false;
  byId("api-url").value = window.location.origin;
  fetch("config.json") // a deployment's: the API's URL
    .then((answer) => (answer.ok ? answer.json() : {}))
    .then((config) => {
      if (config.api_url) byId("api-url").value = config.api_url;
    })
    .catch(() => {});
  form.onsubmit = (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const secret = data.get("secret");
    sessionStorage.setItem(
      SESSION,
      JSON.stringify({
        api_url: data.get("api_url"),
        organization_id: data.get("organization_id"),
        ...(data.get("kind") === "token" ? { token: secret } : { api_key: secret }),
      }),
    );
    form.reset();
    start();
  };
}

function chart(id, label, option) {
  const element = byId(id);
  element.setAttribute("aria-label", label);
  const drawn = echarts.getInstanceByDom(element) || echarts.init(element, null, { renderer: "svg" });
  drawn.setOption({ animation: false, aria: { enabled: true }, ...option }, true);
  if (!charts.includes(drawn)) charts.push(drawn);
  return element;
}

function cards(report) {
  const list = byId("cards");
  list.replaceChildren();
  const figures = [
    ["Scope 1", report.scope_1.co2e],
    ["Scope 2 location-based", report.scope_2.location_based],
    ["Scope 2 market-based", report.scope_2.market_based],
    ["Scope 3", report.scope_3.co2e],
    ["Total location-based", report.totals.location_based],
    ["Total market-based", report.totals.market_based],
    ["Biogenic CO2 (outside of scopes)", report.biogenic_co2],
  ];
  for (const [label, kg] of figures) {
    const item = document.createElement("li");
    item.dataset.kg = String(kg);
    item.innerHTML = `<span class="label"></span><span class="value"></span> t`;
    item.querySelector(".label").textContent = label;
    item.querySelector(".value").textContent = tonnes(kg);
    list.append(item);
  }
}

function scopeTotals(report) {
  const location = [report.scope_1.co2e, report.scope_2.location_based, report.scope_3.co2e_location_based];
  const market = [report.scope_1.co2e, report.scope_2.market_based, report.scope_3.co2e];
  const element = chart(
    "scope-totals",
    `Totals by scope, t CO2e: location-based ${tonnes(report.totals.location_based)}, ` +
      `market-based ${tonnes(report.totals.market_based)}`,
    {
      tooltip: { trigger: "axis" },
      legend: { data: ["Location-based", "Market-based"] },
      xAxis: { type: "category", data: ["Scope 1", "Scope 2", "Scope 3", "Total"] },
      yAxis: { type: "value", name: "t CO2e" },
      series: [
        { name: "Location-based", type: "bar", data: [...location, report.totals.location_based].map((kg) => kg / 1000) },
        { name: "Market-based", type: "bar", data: [...market, report.totals.market_based].map((kg) => kg / 1000) },
      ],
      color: ["#1f5f8b", "#2e8b57"],
    },
  );
  element.dataset.locationBased = String(report.totals.location_based);
  element.dataset.marketBased = String(report.totals.market_based);
}

function monthlyTrend(report) {
  const months = report.by_month;
  const series = [
    ["Scope 1", (month) => month.scope_1],
    ["Scope 2", (month) => month.scope_2_market_based],
    ["Scope 3", (month) => month.scope_3],
  ].map(([name, of]) => ({ name, type: "bar", stack: "scopes", data: months.map((month) => of(month) / 1000) }));
  const total = months.reduce((sum, month) => sum + month.scope_1 + month.scope_2_market_based + month.scope_3, 0);
  const element = chart("monthly-trend", `Monthly emissions by scope, ${months.length} months, t CO2e`, {
    tooltip: { trigger: "axis" },
    legend: { data: series.map((each) => each.name) },
    xAxis: { type: "category", data: months.map((month) => month.month) },
    yAxis: { type: "value", name: "t CO2e" },
    color: SCOPE_COLORS,
    series,
  });
  element.dataset.months = String(months.length);
  element.dataset.total = String(total);
}

function topFacilities(report) {
  const top = report.by_facility.slice(0, 10).reverse();
  const element = chart("top-facilities", `The ${top.length} facilities emitting most, market-based t CO2e`, {
    tooltip: { trigger: "axis" },
    grid: { left: 200 },
    xAxis: { type: "value", name: "t CO2e" },
    yAxis: { type: "category", data: top.map((line) => `${line.facility} (${line.organization})`) },
    series: [{ name: "Market-based", type: "bar", data: top.map((line) => line.co2e / 1000), color: "#2e8b57" }],
  });
  element.dataset.facilities = String(top.length);
}

async function coverage(report, year) {
  const found = [];
  for (const entity of report.consolidation.entities) {
    const answer = await api(`/v1/coverage?start_date=${year}-01-01&end_date=${year}-12-31`, {
      organization: entity.organization_id,
    });
    for (const point of answer.supply_points) found.push({ entity, ...point });
  }
  const months = Array.from({ length: 12 }, (_, index) => `${year}-${String(index + 1).padStart(2, "0")}`);
  const names = new Map(report.by_facility.map((line) => [line.facility_id, line.facility]));
  const rows = found.map((point) => {
    const facility = names.get(point.supply_point.facility_id) || point.entity.name;
    return `${facility}: ${point.supply_point.name}`;
  });
  const cells = [];
  found.forEach((point, row) => {
    for (const month of point.months) {
      const column = months.indexOf(month.month);
      if (column >= 0) cells.push([column, row, STATUS[month.status]]);
    }
  });
  const gaps = found.reduce((sum, point) => sum + point.issues.filter((issue) => issue.kind === "gap").length, 0);
  const overlaps = found.reduce(
    (sum, point) => sum + point.issues.filter((issue) => issue.kind === "overlap").length,
    0,
  );
  byId("coverage-summary").textContent =
    `${found.length} supply points; ${gaps} gaps and ${overlaps} overlaps in ${year}.`;
  const element = chart("coverage", `Coverage of ${found.length} supply points by month: ${gaps} gaps, ${overlaps} overlaps`, {
    tooltip: {
      formatter: (cell) =>
        `${escaped(rows[cell.value[1]])}<br>${months[cell.value[0]]}: ${Object.keys(STATUS)[cell.value[2]]}`,
    },
    grid: { left: 260, bottom: 70 },
    xAxis: { type: "category", data: months, splitArea: { show: true } },
    yAxis: { type: "category", data: rows, splitArea: { show: true } },
    visualMap: {
      type: "piecewise",
      orient: "horizontal",
      left: "center",
      bottom: 0,
      categories: [0, 1, 2, 3],
      pieces: Object.keys(STATUS).map((label, value) => ({ value, label, color: STATUS_COLORS[value] })),
    },
    series: [{ name: "Coverage", type: "heatmap", data: cells, itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
  });
  element.dataset.supplyPoints = String(found.length);
  element.dataset.gaps = String(gaps);
  element.dataset.overlaps = String(overlaps);
}

function fill(tableId, invoices, cells) {
  const body = byId(tableId).querySelector("tbody");
  body.replaceChildren();
  if (!invoices.length) {
    const row = body.insertRow();
    const cell = row.insertCell();
    cell.colSpan = 4;
    cell.textContent = "None";
    return;
  }
  for (const invoice of invoices) {
    const row = body.insertRow();
    for (const text of cells(invoice)) row.insertCell().textContent = text;
  }
}

async function reviewAndOutliers() {
  const review = await api("/v1/invoices?status[]=review&size=10");
  const outliers = await api("/v1/invoices?quality_flag=outlier&size=10");
  const period = (invoice) => `${invoice.start_date || "?"} to ${invoice.end_date || "?"}`;
  const why = (invoice, kind) =>
    (invoice.quality_flags || []).filter((flag) => !kind || flag.kind === kind).map((flag) => flag.detail).join("; ") ||
    (invoice.error_messages || []).join("; ");
  fill("review", review.items, (invoice) => [period(invoice), invoice.type || "", invoice.invoice_id || "", why(invoice)]);
  fill("outliers", outliers.items, (invoice) => [
    period(invoice),
    invoice.type || "",
    invoice.co2e == null ? "" : invoice.co2e.toLocaleString("en", { maximumFractionDigits: 1 }),
    why(invoice, "outlier"),
  ]);
}

async function download() {
  const year = byId("year").value;
  say("Preparing the XLSX report...");
  try {
    const answer = await api(`/v1/reports/inventory?year=${year}&format=xlsx`, { raw: true });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await answer.blob());
    link.download = `inventory-${year}.xlsx`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    say("");
  } catch (error) {
    say(`The report could not be downloaded: ${error.message}`);
  }
}

async function show(year) {
  say(`Loading ${year}...`);
  const report = await api(`/v1/reports/inventory?year=${year}`);
  byId("organization-name").textContent = `· ${report.organization.name}`;
  byId("period").textContent = `(${report.period.start_date} to ${report.period.end_date}, ${report.totals.invoices} invoices)`;
  cards(report);
  scopeTotals(report);
  monthlyTrend(report);
  topFacilities(report);
  await coverage(report, year);
  await reviewAndOutliers();
  document.body.dataset.loaded = year;
  say("");
}

async function start() {
  byId("sign-in").hidden = true;
  byId("dashboard").hidden = false;
  const controls = byId("controls");
  controls.hidden = false;
  const select = byId("year");
  if (!select.options.length) {
    const last = new Date().getFullYear() - 1; // the last whole year, by default
    for (let year = last + 1; year >= last - 4; year -= 1) select.add(new Option(String(year), String(year)));
    select.value = String(last);
  }
  select.onchange = () => show(select.value).catch(failed);
  byId("download").onclick = download;
  byId("sign-out").onclick = () => {
    sessionStorage.removeItem(SESSION);
    document.body.removeAttribute("data-loaded");
    showSignIn();
  };
  await show(select.value).catch(failed);
}

function failed(error) {
  say(`The dashboard could not load: ${error.message}`);
  if (error.message.startsWith("401") || error.message.startsWith("403")) {
    sessionStorage.removeItem(SESSION);
    showSignIn();
  }
}

window.addEventListener("resize", () => charts.forEach((each) => each.resize()));

(async () => {
  await demoSignIn();
  if (session()) await start();
  else showSignIn();
})();
