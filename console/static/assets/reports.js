// reports.js — the reports page (#/reports), for operators and
// supervisors alike: NPS and the happiness index by day, by channel and by
// operator, the counts behind them, first response and resolution times,
// callbacks kept on time, a period picker and a CSV download
// (GET /api/v1/reports/feedback, docs/reports.md); and the promises kept —
// waits told and callbacks promised, with their kept shares by day
// (GET /api/v1/reports/promises, docs/reports.md "The promises report").
//
// Charts are drawn on canvases by Chart.js (vendor/chart.umd.min.js, MIT),
// loaded the first time the page opens. Chart.js draws labels and
// tooltips onto the canvas, never as HTML; the tables beside the charts
// are built with el(), so names from the server stay text.

import * as api from './api.js';
import { el, fill, formatSeconds } from './ui.js';

const CHART_JS = '/assets/vendor/chart.umd.min.js';
const DAYS = 30;
const COLORS = { nps: '#2457d6', happiness: '#1f8a4c', waits: '#b4571f', callbacks: '#6b3fb0' };

/** The period on show, as YYYY-MM-DD dates (to inclusive); kept across visits. */
let period = null;
/** The charts on screen, destroyed before new ones are drawn. */
let charts = [];
/** Counts up so that an answer to an older request is dropped. */
let generation = 0;

let chartLib = null;
/** Chart.js' global, loading its script once. */
function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLib) {
    chartLib = new Promise((resolve, reject) => {
      const script = el('script', { src: CHART_JS, 'data-testid': 'chart-js' });
      script.addEventListener('load', () => (window.Chart ? resolve(window.Chart) : reject(new Error('Chart.js did not start'))));
      script.addEventListener('error', () => {
        chartLib = null;
        script.remove();
        reject(new Error('could not load the chart library'));
      });
      document.head.appendChild(script);
    });
  }
  return chartLib;
}

/** d as YYYY-MM-DD in the browser's zone. */
function isoDate(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function defaultPeriod() {
  const to = new Date();
  const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - (DAYS - 1));
  return { from: isoDate(from), to: isoDate(to) };
}

/** The browser's IANA zone, so that dates mean the operator's own days. */
function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch {
    return '';
  }
}

function query(p) {
  const q = { from: p.from, to: p.to };
  const tz = browserZone();
  if (tz) q.tz = tz;
  return q;
}

/** A percentage or score to one decimal ("20", "57.1"); "—" for null. */
function formatScore(v) {
  return v == null ? '—' : String(Math.round(v * 10) / 10);
}

/** Seconds as "45s", "2m 30s", "1h 25m", "3d 4h"; "—" for null. */
function formatDuration(seconds) {
  return seconds == null ? '—' : formatSeconds(seconds);
}

/** How a by_operator row is named: its name, else its id, else no operator. */
function operatorLabel(o) {
  if (o.operator_id == null) return 'No operator';
  return o.operator_name || `Operator #${o.operator_id}`;
}

/** Shows the reports page in pane. */
export function showReports(pane) {
  leaveReports();
  if (!period) period = defaultPeriod();
  const from = el('input', { type: 'date', id: 'reports-from', value: period.from, required: true, 'data-testid': 'reports-from' });
  const to = el('input', { type: 'date', id: 'reports-to', value: period.to, required: true, 'data-testid': 'reports-to' });
  const csv = el('a', { class: 'link-button', download: '', 'data-testid': 'reports-csv' }, 'Download CSV');
  const form = el('form', { class: 'report-period', 'data-testid': 'reports-period' },
    el('label', { for: 'reports-from' }, 'From'), from,
    el('label', { for: 'reports-to' }, 'To'), to,
    el('button', { type: 'submit', class: 'primary', 'data-testid': 'reports-apply' }, 'Show'),
    csv);
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'reports-error', hidden: true });
  const body = el('div', { class: 'report-body', 'data-testid': 'reports-body' });
  const promises = {
    csv: el('a', { class: 'link-button', download: '', 'data-testid': 'promises-csv' }, 'Download CSV'),
    error: el('p', { class: 'form-error', role: 'alert', 'data-testid': 'promises-error', hidden: true }),
    body: el('div', { class: 'report-body', 'data-testid': 'promises-body' }),
  };
  fill(pane, el('section', { class: 'admin reports', 'data-testid': 'reports' },
    el('header', { class: 'admin-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back' }, '‹ Queue'),
      el('h2', {}, 'Reports')),
    el('div', { class: 'admin-body' }, form, error, body,
      el('section', { class: 'report-promises', 'data-testid': 'promises' },
        el('h3', {}, 'Promises'), promises.csv, promises.error, promises.body))));
  const view = { body, error, csv, promises };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    period = { from: from.value, to: to.value };
    load(view);
  });
  load(view);
}

/** Destroys the charts (another page replaces this one). */
export function leaveReports() {
  generation++;
  for (const chart of charts) chart.destroy();
  charts = [];
}

async function load(view) {
  const mine = ++generation;
  const q = query(period);
  view.csv.setAttribute('href', api.feedbackReportCSV(q));
  fill(view.error, '');
  view.error.hidden = true;
  view.body.setAttribute('aria-busy', 'true');
  view.promises.csv.setAttribute('href', api.promisesReportCSV(q));
  fill(view.promises.error, '');
  view.promises.error.hidden = true;
  // The promises report loads on its own: one failing leaves the other.
  const promised = api.promisesReport(q).then((r) => ({ r }), (err) => ({ err }));
  try {
    const [report, Chart] = await Promise.all([api.feedbackReport(q), loadChartJs()]);
    if (mine !== generation || !view.body.isConnected) return;
    render(view.body, report, Chart);
    const p = await promised;
    if (mine !== generation || !view.body.isConnected) return;
    if (p.err) {
      fill(view.promises.error, `Could not load the promises report: ${p.err.message}`);
      view.promises.error.hidden = false;
      fill(view.promises.body, '');
    } else {
      renderPromises(view.promises.body, p.r, Chart);
    }
  } catch (err) {
    if (mine !== generation) return;
    fill(view.error, `Could not load the report: ${err.message}`);
    view.error.hidden = false;
  } finally {
    if (mine === generation) view.body.removeAttribute('aria-busy');
  }
}

// --- rendering ------------------------------------------------------------

function figure(testid, title, value, detail) {
  return el('div', { class: 'report-figure', 'data-testid': testid },
    el('div', { class: 'report-figure-title' }, title),
    el('div', { class: 'report-figure-value', 'data-testid': `${testid}-value` }, value),
    detail ? el('div', { class: 'report-figure-detail muted' }, detail) : null);
}

function render(body, r, Chart) {
  for (const chart of charts) chart.destroy();
  charts = [];
  const s = r.service || {};
  const onTime = s.callbacks_due ? ` (${formatScore((s.callbacks_on_time / s.callbacks_due) * 100)}%)` : '';
  const canvases = { days: el('canvas', {}), channels: el('canvas', {}), operators: el('canvas', {}) };
  fill(body,
    el('div', { class: 'report-figures' },
      figure('report-nps', 'NPS', formatScore(r.nps), `${r.responses} responses: ${r.promoters} promoters, ${r.passives} passives, ${r.detractors} detractors`),
      figure('report-happiness', 'Happiness index', r.happiness_index == null ? '—' : `${formatScore(r.happiness_index)}%`,
        'promoters and thanks among all feedback'),
      figure('report-thanks', 'Thanks', String(r.thanks)),
      figure('report-complaints', 'Complaints', String(r.complaints)),
      figure('report-questions', 'Questions', String(r.questions))),
    el('div', { class: 'report-figures' },
      figure('report-first-response', 'First response', formatDuration(s.first_response_median_seconds),
        `median; 90% within ${formatDuration(s.first_response_p90_seconds)} (${s.first_response_count ?? 0} tickets)`),
      figure('report-resolution', 'Resolution', formatDuration(s.resolution_median_seconds),
        `median; 90% within ${formatDuration(s.resolution_p90_seconds)} (${s.resolution_count ?? 0} tickets)`),
      figure('report-callbacks', 'Callbacks kept on time', `${s.callbacks_on_time ?? 0} of ${s.callbacks_due ?? 0}${onTime}`,
        'first dialled within a minute of the time promised, as under Promises')),
    el('h3', {}, 'Over time'),
    el('div', { class: 'chart-box', 'data-testid': 'chart-days' }, canvases.days),
    el('h3', {}, 'By channel'),
    el('div', { class: 'chart-box', 'data-testid': 'chart-channels' }, canvases.channels),
    countsTable('report-channels-table', 'Channel', r.by_channel, (c) => c.channel),
    el('h3', {}, 'By operator'),
    el('div', { class: 'chart-box', 'data-testid': 'chart-operators' }, canvases.operators),
    countsTable('report-operators-table', 'Operator', r.by_operator, operatorLabel));
  charts = [
    scoreChart(Chart, canvases.days, 'line', r.by_day.map((d) => d.date), r.by_day),
    scoreChart(Chart, canvases.channels, 'bar', r.by_channel.map((c) => c.channel), r.by_channel),
    scoreChart(Chart, canvases.operators, 'bar', r.by_operator.map(operatorLabel), r.by_operator),
  ];
}

/** A share from 0 to 1 as a percentage to one decimal ("50%"); "—" for null. */
function formatShare(v) {
  return v == null ? '—' : `${formatScore(v * 100)}%`;
}

/** Draws the promises report r into body: headline figures and the kept shares by day. */
function renderPromises(body, r, Chart) {
  const canvas = el('canvas', {});
  const median = r.wait_told_to_real_median;
  fill(body,
    el('div', { class: 'report-figures' },
      figure('promises-waits', 'Waits kept', formatShare(r.waits_kept_share),
        `${r.waits_kept} of ${r.waits_judged} judged (${r.wait_estimates} told with minutes, ${r.waits_left} left, ` +
        `${r.waits_overdue} overdue, ${r.waits_pending} still waiting, ${r.waits_on_hold} on hold)`),
      figure('promises-median', 'Told ÷ real wait', median == null ? '—' : `${Math.round(median * 100) / 100}×`,
        'median over answered waits; above 1 the wait told was longer'),
      figure('promises-callbacks', 'Callbacks on time', formatShare(r.callbacks_on_time_share),
        `${r.callbacks_on_time} of ${r.callbacks_judged} judged (${r.callbacks_promised} promised, ` +
        `${r.callbacks_pending} not due yet, ${r.callbacks_withdrawn} withdrawn)`)),
    el('div', { class: 'chart-box', 'data-testid': 'chart-promises' }, canvas));
  const pct = (v) => (v == null ? null : Math.round(v * 1000) / 10);
  const dataset = (label, key, color) => ({
    label, data: r.by_day.map((d) => pct(d[key])), borderColor: color, backgroundColor: color, spanGaps: false, pointRadius: 3,
  });
  charts.push(new Chart(canvas, {
    type: 'line',
    data: {
      labels: r.by_day.map((d) => d.date),
      datasets: [dataset('Waits kept (%)', 'waits_kept_share', COLORS.waits),
        dataset('Callbacks on time (%)', 'callbacks_on_time_share', COLORS.callbacks)],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { type: 'linear', min: 0, max: 100, ticks: { stepSize: 25 }, title: { display: true, text: 'Kept %' } } },
    },
  }));
}

/** A chart of NPS (left axis, -100 to 100) and happiness (right, 0 to 100%) over rows. */
function scoreChart(Chart, canvas, type, labels, rows) {
  const line = type === 'line';
  const dataset = (label, key, axis) => ({
    label, yAxisID: axis, data: rows.map((row) => row[key]),
    borderColor: COLORS[key === 'nps' ? 'nps' : 'happiness'], backgroundColor: COLORS[key === 'nps' ? 'nps' : 'happiness'],
    spanGaps: true, pointRadius: line ? 3 : undefined,
  });
  return new Chart(canvas, {
    type,
    data: { labels, datasets: [dataset('NPS', 'nps', 'nps'), dataset('Happiness index (%)', 'happiness_index', 'happiness')] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        nps: { type: 'linear', position: 'left', min: -100, max: 100, ticks: { stepSize: 50 }, title: { display: true, text: 'NPS' } },
        happiness: {
          type: 'linear', position: 'right', min: 0, max: 100, ticks: { stepSize: 25 }, grid: { drawOnChartArea: false },
          title: { display: true, text: 'Happiness %' },
        },
      },
    },
  });
}

function countsTable(testid, first, rows, name) {
  const head = [first, 'Responses', 'Promoters', 'Passives', 'Detractors', 'NPS', 'Thanks', 'Complaints', 'Questions', 'Happiness'];
  return el('div', { class: 'table-wrap' },
    el('table', { class: 'data-table report-table', 'data-testid': testid },
      el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))),
      el('tbody', {}, rows.length ? rows.map((row) => el('tr', { 'data-testid': `${testid}-row` },
        el('td', { 'data-testid': 'report-row-name' }, name(row)),
        [row.responses, row.promoters, row.passives, row.detractors, formatScore(row.nps),
          row.thanks, row.complaints, row.questions,
          row.happiness_index == null ? '—' : `${formatScore(row.happiness_index)}%`].map((v) => el('td', {}, String(v)))))
        : el('tr', {}, el('td', { colspan: String(head.length), class: 'muted' }, 'No feedback in this period.')))));
}
