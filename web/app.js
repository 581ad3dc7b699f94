// web/app.js: the dnsa dashboard: every number comes from /api/v1 with the signed-in token.
'use strict';
(function () {
  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
  let token = sessionStorage.getItem('dnsa-token') || '';
  let me = null;
  let qpsChart = null;

  function show(el, on) { el.classList.toggle('hidden', !on); }
  function fmt(x) {
    if (x === null || x === undefined) return '';
    if (typeof x !== 'number') return String(x);
    return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }

  // one API call; throws an Error whose message is for the page
  async function api(path, params) {
    const q = params ? '?' + new URLSearchParams(params).toString() : '';
    let r;
    try {
      r = await fetch('/api/v1' + path + q, { headers: { Authorization: 'Bearer ' + token } });
    } catch (e) {
      throw new Error('cannot reach the server');
    }
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) {
      const err = new Error((body && body.error && body.error.message) || ('HTTP ' + r.status));
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function table(el, head, rows) {
    el.textContent = '';
    const tr = document.createElement('tr');
    head.forEach(([label, num]) => {
      const th = document.createElement('th');
      th.textContent = label;
      if (num) th.className = 'n';
      tr.appendChild(th);
    });
    el.appendChild(tr);
    rows.forEach((r) => {
      const row = document.createElement('tr');
      r.forEach((v, i) => {
        const td = document.createElement('td');
        td.textContent = fmt(v);
        if (head[i][1]) td.className = 'n';
        row.appendChild(td);
      });
      el.appendChild(row);
    });
  }

  function window_() {
    const secs = parseInt($('#range').value, 10);
    const to = Math.ceil(Date.now() / 1000 / 60) * 60;
    return { from: String(to - secs), to: String(to) };
  }

  async function loadQps(zone, w) {
    const state = $('#qps-state');
    state.textContent = 'Loading…';
    try {
      const d = await api('/zones/' + encodeURIComponent(zone) + '/qps', w);
      // every bucket of the window, 0 where the series has no row (no query seen)
      const secs = { minute: 60, hour: 3600, day: 86400 }[d.window.step];
      const byTs = {};
      d.series.forEach((p) => { byTs[Date.parse(p.ts) / 1000] = p.qps; });
      const labels = [], values = [];
      for (let t = Date.parse(d.window.from) / 1000; t < Date.parse(d.window.to) / 1000; t += secs) {
        labels.push(new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' '));
        values.push(byTs[t] || 0);
      }
      const total = d.series.reduce((s, p) => s + p.queries, 0);
      $('#qps-total').textContent = '(' + fmt(total) + ' queries, step ' + d.window.step + ')';
      $('#qps-total').dataset.total = String(total);
      state.textContent = d.series.length ? '' : 'No data in this range.';
      if (typeof Chart === 'undefined') { state.textContent = 'Chart library not loaded.'; return; }
      if (qpsChart) qpsChart.destroy();
      qpsChart = new Chart($('#qps-chart'), {
        type: 'line',
        data: { labels, datasets: [{ label: zone + ' qps', data: values, borderColor: '#3867d6', pointRadius: 0, tension: 0.2 }] },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
      });
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function loadBreakdown(sec, zone, w) {
    const state = $('.state', sec);
    state.textContent = 'Loading…';
    $('table', sec).textContent = '';
    try {
      const d = await api('/zones/' + encodeURIComponent(zone) + '/breakdown/' + sec.dataset.dim, w);
      const sum = d.values.reduce((s, v) => s + v.queries, 0);
      table($('table', sec), [['value'], ['queries', 1], ['share %', 1]],
        d.values.slice(0, 15).map((v) => [v.value, v.queries, sum ? Math.round(v.queries * 1000 / sum) / 10 : 0]));
      state.textContent = d.values.length ? '' : 'No data in this range.';
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function loadTop(zone, w) {
    const sec = $('#top');
    const state = $('.state', sec);
    state.textContent = 'Loading…';
    $('table', sec).textContent = '';
    try {
      const d = await api('/zones/' + encodeURIComponent(zone) + '/top-names', Object.assign({ limit: '15' }, w));
      table($('table', sec), [['name'], ['queries', 1]], d.names.map((n) => [n.qname, n.queries]));
      state.textContent = d.names.length ? '' : 'No data in this range.';
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function loadNx(zone, w) {
    const sec = $('#nx');
    const state = $('.state', sec);
    state.textContent = 'Loading…';
    $('table', sec).textContent = '';
    try {
      const d = await api('/zones/' + encodeURIComponent(zone) + '/top-names', Object.assign({ limit: '15', rcode: 'NXDOMAIN' }, w));
      table($('table', sec), [['name'], ['queries', 1]], d.names.map((n) => [n.qname, n.queries]));
      state.textContent = d.names.length ? '' : 'No data in this range.';
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function loadLatency(zone, w) {
    const sec = $('#latency');
    const state = $('.state', sec);
    state.textContent = 'Loading…';
    $('table', sec).textContent = '';
    try {
      const d = await api('/zones/' + encodeURIComponent(zone) + '/latency', Object.assign({}, w, { step: 'hour' }));
      table($('table', sec), [['hour'], ['responses', 1], ['p50', 1], ['p95', 1], ['p99', 1]],
        d.series.map((p) => [p.ts.replace('T', ' ').slice(0, 16), p.responses, Math.round(p.p50_us), Math.round(p.p95_us), Math.round(p.p99_us)]));
      state.textContent = d.series.length ? '' : 'No response times in this range (the input must know both times).';
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function loadHealth(w) {
    const sec = $('#health');
    show(sec, me && me.staff);
    if (!me || !me.staff) return;
    const state = $('.state', sec);
    state.textContent = 'Loading…';
    $('table', sec).textContent = '';
    try {
      const d = await api('/nodes/health', Object.assign({}, w, { step: parseInt($('#range').value, 10) > 86400 ? 'hour' : 'minute' }));
      const per = {};
      d.nodes.forEach((r) => {
        const p = per[r.node] || (per[r.node] = { messages: 0, recorded: 0, udp_lost: 0, rejected: 0, drops: 0 });
        p.messages += r.messages_exact || 0;
        p.recorded += r.recorded_estimate || 0;
        p.udp_lost += r.udp_lost || 0;
        p.rejected += r.rejected || 0;
        p.drops += (r.drop_overload || 0) + (r.drop_batch || 0) + (r.staging_drops || 0);
      });
      const rows = Object.keys(per).sort().map((n) => [n, per[n].messages, per[n].recorded, per[n].udp_lost, per[n].rejected, per[n].drops]);
      table($('table', sec), [['node'], ['messages (exact)', 1], ['estimate', 1], ['UDP lost', 1], ['rejected', 1], ['dropped', 1]], rows);
      state.textContent = rows.length ? '' : 'No data in this range.';
    } catch (e) {
      state.textContent = 'Error: ' + e.message;
    }
  }

  async function refresh() {
    const zone = $('#zone').value;
    const w = window_();
    document.body.dataset.from = w.from;
    document.body.dataset.to = w.to;
    $('#status').textContent = 'Loading…';
    const jobs = [loadHealth(w)];
    if (zone) {
      jobs.push(loadQps(zone, w), loadTop(zone, w), loadNx(zone, w), loadLatency(zone, w));
      $$('.breakdown').forEach((sec) => jobs.push(loadBreakdown(sec, zone, w)));
    }
    await Promise.all(jobs);
    $('#status').textContent = 'Updated ' + new Date().toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    document.body.dataset.loaded = String(Date.now());
  }

  async function start() {
    try {
      me = await api('/zones');
    } catch (e) {
      if (e.status === 401) {
        sessionStorage.removeItem('dnsa-token');
        token = '';
        show($('#signin'), true);
        show($('#app'), false);
        const err = $('#signin-error');
        err.textContent = 'That token was not accepted.';
        show(err, true);
        return;
      }
      show($('#signin'), false);
      show($('#app'), true);
      $('#app-error').textContent = 'Cannot load your zones: ' + e.message;
      show($('#app-error'), true);
      return;
    }
    show($('#signin'), false);
    show($('#app'), true);
    show($('#signout'), true);
    $('#who').textContent = me.account + (me.staff ? ' (staff)' : '');
    const sel = $('#zone');
    sel.textContent = '';
    me.zones.forEach((z) => { const o = document.createElement('option'); o.value = z; o.textContent = z; sel.appendChild(o); });
    const want = new URLSearchParams(location.hash.slice(1)).get('zone');
    if (want) {
      if (me.zones.includes(want)) sel.value = want;
      else { $('#app-error').textContent = 'Zone ' + want + ' is not visible to this account.'; show($('#app-error'), true); }
    }
    if (!me.zones.length) { $('#app-error').textContent = 'No zone is visible to this account.'; show($('#app-error'), true); }
    await refresh();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('#signin-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      token = $('#token').value.trim();
      sessionStorage.setItem('dnsa-token', token);
      show($('#signin-error'), false);
      start();
    });
    $('#signout').addEventListener('click', () => { sessionStorage.removeItem('dnsa-token'); location.reload(); });
    $('#zone').addEventListener('change', () => { show($('#app-error'), false); location.hash = 'zone=' + encodeURIComponent($('#zone').value); refresh(); });
    $('#range').addEventListener('change', refresh);
    $('#refresh').addEventListener('click', refresh);
    if (token) start();
  });
})();
