package io.stanchion.monitor;

/**
 * The built-in status page at {@code /streaming} (the original served an HTML index there): one self-contained HTML
 * document, inline CSS and JavaScript, no external resource, that polls {@code /streaming/serverz},
 * {@code /streaming/channelsz?subs=1} and {@code /streaming/clientsz?subs=1} every second and renders the server
 * summary, rates computed from the deltas between polls, channel / subscription / client tables and SVG rate charts
 * of the last minute.
 *
 * <p>Stable hooks for tests and scripts: {@code #stat-<name>} elements carry the raw number in {@code data-value};
 * table rows carry {@code data-channel}, {@code data-client}, {@code data-durable}, {@code data-queue} and their cells
 * {@code data-field} / {@code data-value}; {@code body} carries {@code data-polls} (successful polls so far) and
 * {@code data-state} ({@code ok} / {@code error}). Names coming from the server are only ever set as text, never
 * as HTML.
 */
final class StatusPage {
    private StatusPage() {
    }

    static Response response() {
        return new Response(200, Response.HTML, HTML);
    }

    static final String HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Stanchion status</title>
            <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23102a43'/%3E%3Cpath d='M3 13V6h2v7zm4 0V3h2v10zm4 0V8h2v5z' fill='%233ebd93'/%3E%3C/svg%3E">
            <style>
            :root { --bg:#f3f5f8; --card:#fff; --ink:#1f2933; --muted:#66788a; --line:#e2e7ed; --head:#102a43;
                    --in:#2f6fed; --out:#12a37f; --warn:#b45309; --bad:#c53030; }
            * { box-sizing: border-box; }
            body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
                   background:var(--bg); color:var(--ink); }
            header { background:var(--head); color:#fff; padding:12px 24px; display:flex; align-items:baseline;
                     gap:18px; flex-wrap:wrap; }
            header h1 { font-size:19px; margin:0; letter-spacing:.02em; }
            header .meta { color:#bcccdc; font-size:13px; }
            header .meta b { color:#fff; font-weight:600; }
            #conn { margin-left:auto; font-size:13px; color:#bcccdc; }
            #conn::before { content:""; display:inline-block; width:9px; height:9px; border-radius:50%;
                            background:#829ab1; margin-right:6px; }
            body[data-state="ok"] #conn::before { background:#3ebd93; }
            body[data-state="error"] #conn::before { background:#f86a6a; }
            #error { display:none; background:#ffe3e3; color:var(--bad); padding:8px 24px; border-bottom:1px solid #ffbdbd; }
            body[data-state="error"] #error { display:block; }
            main { padding:16px 24px 28px; }
            .cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(165px,1fr)); gap:12px; }
            .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
            .card .label { color:var(--muted); font-size:11px; text-transform:uppercase; letter-spacing:.06em; }
            .card .value { font-size:24px; font-weight:650; font-variant-numeric:tabular-nums; }
            .card .sub { color:var(--muted); font-size:12px; font-variant-numeric:tabular-nums; }
            .card .rate-in { color:var(--in); font-weight:600; }
            .card .rate-out { color:var(--out); font-weight:600; }
            section { margin-top:18px; }
            h2 { font-size:15px; margin:0 0 8px; }
            h2 .count { color:var(--muted); font-weight:400; }
            .charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(420px,1fr)); gap:12px; }
            .chart { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
            .chart svg { width:100%; height:150px; display:block; }
            .legend { font-size:12px; color:var(--muted); display:flex; flex-wrap:wrap; gap:4px 14px; margin-top:4px; }
            .legend i { display:inline-block; width:10px; height:3px; vertical-align:middle; margin-right:5px; }
            .legend b { color:var(--ink); font-weight:600; font-variant-numeric:tabular-nums; }
            .axis { font-size:10px; fill:#8897a6; }
            .grid { stroke:#edf0f3; stroke-width:1; }
            .tablewrap { background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:auto; }
            table { width:100%; border-collapse:collapse; }
            th, td { padding:6px 12px; border-bottom:1px solid var(--line); text-align:left; white-space:nowrap; }
            tbody tr:last-child td { border-bottom:none; }
            th { background:#f7f9fb; color:var(--muted); font-weight:600; font-size:12px; }
            td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
            td.name { font-weight:600; }
            td.dim { color:var(--muted); font-size:12px; }
            td.empty { color:var(--muted); text-align:center; padding:14px; }
            .pill { display:inline-block; padding:0 8px; border-radius:9px; font-size:12px; line-height:18px; }
            .pill.bad { background:#ffe3e3; color:var(--bad); }
            .pill.warn { background:#fff3c4; color:var(--warn); }
            .pill.kind { background:#e6f0ff; color:#1d4ed8; }
            .pill.no { color:#9aa5b1; }
            td.hot { color:var(--warn); font-weight:600; }
            svg.spark { width:120px; height:24px; display:block; }
            footer { color:var(--muted); font-size:12px; margin-top:18px; }
            footer a { color:var(--muted); }
            </style>
            </head>
            <body data-state="loading" data-polls="0">
            <header>
              <h1>Stanchion</h1>
              <span class="meta">cluster <b id="cluster-id">…</b></span>
              <span class="meta">server <b id="server-id">…</b></span>
              <span class="meta">version <b id="version">…</b></span>
              <span class="meta">state <b id="state">…</b></span>
              <span class="meta">uptime <b id="uptime">…</b></span>
              <span id="conn">connecting…</span>
            </header>
            <div id="error"></div>
            <main>
              <div class="cards">
                <div class="card"><div class="label">Clients</div><div class="value" id="stat-clients">–</div></div>
                <div class="card"><div class="label">Channels</div><div class="value" id="stat-channels">–</div></div>
                <div class="card"><div class="label">Subscriptions</div><div class="value" id="stat-subscriptions">–</div>
                  <div class="sub"><span id="stat-pending">–</span> pending</div></div>
                <div class="card"><div class="label">Stored messages</div><div class="value" id="stat-total-msgs">–</div>
                  <div class="sub"><span id="stat-total-bytes">–</span></div></div>
                <div class="card"><div class="label">Messages in</div><div class="value" id="stat-in-msgs">–</div>
                  <div class="sub"><span class="rate-in" id="stat-in-rate">–</span> msg/s · <span id="stat-in-bytes">–</span></div></div>
                <div class="card"><div class="label">Messages out</div><div class="value" id="stat-out-msgs">–</div>
                  <div class="sub"><span class="rate-out" id="stat-out-rate">–</span> msg/s · <span id="stat-out-bytes">–</span></div></div>
              </div>

              <section class="charts">
                <div class="chart">
                  <h2>Server message rate <span class="count">msg/s, last 60 s</span></h2>
                  <svg id="chart-total" viewBox="0 0 600 150" preserveAspectRatio="none" role="img"
                       aria-label="messages in and out per second"></svg>
                  <div class="legend" id="legend-total"></div>
                </div>
                <div class="chart">
                  <h2>Publish rate per channel <span class="count">msg/s, last 60 s</span></h2>
                  <svg id="chart-channels" viewBox="0 0 600 150" preserveAspectRatio="none" role="img"
                       aria-label="publish rate per channel"></svg>
                  <div class="legend" id="legend-channels"></div>
                </div>
              </section>

              <section>
                <h2>Channels <span class="count" id="channels-count"></span></h2>
                <div class="tablewrap"><table id="channels-table">
                  <thead><tr><th>Channel</th><th class="num">Messages</th><th class="num">Bytes</th>
                    <th class="num">Publish rate</th><th class="num">First seq</th><th class="num">Last seq</th>
                    <th class="num">Subs</th><th>Last 60 s</th></tr></thead>
                  <tbody></tbody>
                </table></div>
              </section>

              <section>
                <h2>Subscriptions <span class="count" id="subs-count"></span></h2>
                <div class="tablewrap"><table id="subs-table">
                  <thead><tr><th>Channel</th><th>Client</th><th>Durable</th><th>Queue group</th>
                    <th class="num">Pending</th><th class="num">Max in flight</th><th class="num">Last sent</th>
                    <th class="num">Lag</th><th class="num">Ack wait</th><th>Stalled</th><th>Offline</th></tr></thead>
                  <tbody></tbody>
                </table></div>
              </section>

              <section>
                <h2>Clients <span class="count" id="clients-count"></span></h2>
                <div class="tablewrap"><table id="clients-table">
                  <thead><tr><th>Client ID</th><th class="num">Subscriptions</th><th>Channels</th>
                    <th>Heartbeat inbox</th></tr></thead>
                  <tbody></tbody>
                </table></div>
              </section>

              <footer>Polls <a href="/streaming/serverz">serverz</a>, <a href="/streaming/channelsz?subs=1">channelsz</a>
                and <a href="/streaming/clientsz?subs=1">clientsz</a> every second; rates are computed from the
                differences between polls. Prometheus metrics: <a href="/metrics">/metrics</a>.
                Last update <span id="last-update">–</span>.</footer>
            </main>
            <script>
            (function () {
              'use strict';
              const HISTORY = 60;
              const POLL_MS = 1000;
              const FETCH_TIMEOUT_MS = 5000;
              const COLORS = ['#2f6fed', '#12a37f', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];
              const SVG = 'http://www.w3.org/2000/svg';
              const hist = { in: [], out: [], channels: new Map() };
              const colorOf = new Map();
              let prev = null;
              let polls = 0;

              const $ = (id) => document.getElementById(id);

              function el(tag, attrs, ...kids) {
                const e = document.createElement(tag);
                for (const [k, v] of Object.entries(attrs || {})) {
                  if (v === undefined || v === null) continue;
                  if (k === 'class') e.className = v; else e.setAttribute(k, String(v));
                }
                for (const k of kids) if (k !== undefined && k !== null) e.append(k instanceof Node ? k : String(k));
                return e;
              }
              function svg(tag, attrs) {
                const e = document.createElementNS(SVG, tag);
                for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
                return e;
              }

              const fmtInt = (n) => Number(n).toLocaleString('en-US');
              function fmtBytes(n) {
                const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
                let v = Number(n), u = 0;
                while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
                return (u === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[u];
              }
              function fmtAxis(v) {
                return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(v < 1 ? 2 : 1);
              }
              function fmtRate(r) {
                if (r === null || r === undefined) return '–';
                if (r === 0) return '0';
                if (r < 10) return r.toFixed(1);
                return Math.round(r).toLocaleString('en-US');
              }
              function stat(id, value, text) {
                const e = $(id);
                e.dataset.value = value === null ? '' : String(value);
                e.textContent = text !== undefined ? text : fmtInt(value);
              }
              function numCell(field, value, text, cls) {
                return el('td', { class: 'num' + (cls ? ' ' + cls : ''), 'data-field': field,
                  'data-value': value === null ? '' : value }, text !== undefined ? text : fmtInt(value));
              }
              function flagCell(field, value, label, kind) {
                return el('td', { 'data-field': field, 'data-value': String(value) },
                  value ? el('span', { class: 'pill ' + kind }, label) : el('span', { class: 'pill no' }, 'no'));
              }
              function push(arr, v) {
                arr.push(v);
                while (arr.length > HISTORY) arr.shift();
              }
              function rate(now, before, dt) {
                if (before === undefined || before === null || dt <= 0) return null;
                return Math.max(0, now - before) / dt;
              }
              function getJson(path) {
                // a request that hangs (server stopped mid-response, network trouble) must not freeze the page
                const ctl = new AbortController();
                const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
                return fetch(path, { cache: 'no-store', signal: ctl.signal })
                  .then((r) => {
                    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
                    return r.json();
                  })
                  .catch((e) => {
                    throw e.name === 'AbortError' ? new Error(path + ': no answer in ' + FETCH_TIMEOUT_MS / 1000 + ' s') : e;
                  })
                  .finally(() => clearTimeout(timer));
              }

              function chart(root, series, legend) {
                const W = 600, H = 150, L = 34, T = 8, B = 16;
                root.replaceChildren();
                let max = 1;
                for (const s of series) for (const v of s.points) if (v !== null && v > max) max = v;
                max = niceMax(max);
                for (const f of [0, 0.5, 1]) {
                  const y = T + (H - T - B) * (1 - f);
                  root.append(svg('line', { class: 'grid', x1: L, x2: W, y1: y, y2: y }));
                  const t = svg('text', { class: 'axis', x: L - 4, y: y + 3, 'text-anchor': 'end' });
                  t.textContent = fmtAxis(max * f);
                  root.append(t);
                }
                const tl = svg('text', { class: 'axis', x: L, y: H - 3 }); tl.textContent = '-60 s'; root.append(tl);
                const tr = svg('text', { class: 'axis', x: W, y: H - 3, 'text-anchor': 'end' }); tr.textContent = 'now'; root.append(tr);
                legend.replaceChildren();
                for (const s of series) {
                  const pts = [];
                  const n = s.points.length;
                  s.points.forEach((v, i) => {
                    if (v === null) return;
                    const x = L + (W - L) * (HISTORY - n + i) / (HISTORY - 1);
                    const y = T + (H - T - B) * (1 - v / max);
                    pts.push(x.toFixed(1) + ',' + y.toFixed(1));
                  });
                  root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color,
                    'stroke-width': 2, 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke',
                    'data-series': s.name, 'data-points': pts.length }));
                  const last = n ? s.points[n - 1] : null;
                  legend.append(el('span', { 'data-series': s.name }, el('i', { style: 'background:' + s.color }),
                    s.name + ' ', el('b', {}, fmtRate(last))));
                }
              }
              function niceMax(v) {
                const p = Math.pow(10, Math.floor(Math.log10(v)));
                for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
                return 10 * p;
              }
              function spark(points, color) {
                const W = 120, H = 24;
                const s = svg('svg', { class: 'spark', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none' });
                let max = 1;
                for (const v of points) if (v !== null && v > max) max = v;
                const pts = [];
                points.forEach((v, i) => {
                  if (v === null) return;
                  const x = W * (HISTORY - points.length + i) / (HISTORY - 1);
                  pts.push(x.toFixed(1) + ',' + (H - 2 - (H - 4) * v / max).toFixed(1));
                });
                s.setAttribute('data-points', String(pts.length));
                s.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5,
                  'vector-effect': 'non-scaling-stroke' }));
                return s;
              }
              function color(name) {
                if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]);
                return colorOf.get(name);
              }

              function render(z, chz, clz, t) {
                const dt = prev ? (t - prev.t) / 1000 : 0;
                const inRate = prev ? rate(z.in_msgs, prev.inMsgs, dt) : null;
                const outRate = prev ? rate(z.out_msgs, prev.outMsgs, dt) : null;
                push(hist.in, inRate);
                push(hist.out, outRate);

                document.title = 'Stanchion · ' + z.cluster_id;
                $('cluster-id').textContent = z.cluster_id;
                $('server-id').textContent = z.server_id;
                $('version').textContent = z.version;
                $('state').textContent = z.state;
                $('uptime').textContent = z.uptime;
                stat('stat-clients', z.clients);
                stat('stat-channels', z.channels);
                stat('stat-subscriptions', z.subscriptions);
                stat('stat-total-msgs', z.total_msgs);
                stat('stat-total-bytes', z.total_bytes, fmtBytes(z.total_bytes));
                stat('stat-in-msgs', z.in_msgs);
                stat('stat-out-msgs', z.out_msgs);
                stat('stat-in-bytes', z.in_bytes, fmtBytes(z.in_bytes));
                stat('stat-out-bytes', z.out_bytes, fmtBytes(z.out_bytes));
                stat('stat-in-rate', inRate === null ? null : inRate.toFixed(3), fmtRate(inRate));
                stat('stat-out-rate', outRate === null ? null : outRate.toFixed(3), fmtRate(outRate));

                const channels = chz.channels || [];
                const lastSeq = new Map();
                const seen = new Set();
                const chRows = [];
                const subs = [];
                for (const ch of channels) {
                  seen.add(ch.name);
                  lastSeq.set(ch.name, ch.last_seq);
                  const r = prev ? rate(ch.last_seq, prev.lastSeq.get(ch.name), dt) : null;
                  if (!hist.channels.has(ch.name)) hist.channels.set(ch.name, []);
                  const h = hist.channels.get(ch.name);
                  push(h, r);
                  for (const s of ch.subscriptions || []) subs.push(Object.assign({ channel: ch.name, chLast: ch.last_seq }, s));
                  chRows.push(el('tr', { 'data-channel': ch.name },
                    el('td', { class: 'name', 'data-field': 'name' }, ch.name),
                    numCell('msgs', ch.msgs),
                    numCell('bytes', ch.bytes, fmtBytes(ch.bytes)),
                    numCell('rate', r === null ? null : r.toFixed(3), fmtRate(r) + (r === null ? '' : ' msg/s')),
                    numCell('first_seq', ch.first_seq),
                    numCell('last_seq', ch.last_seq),
                    numCell('subs', (ch.subscriptions || []).length),
                    el('td', { 'data-field': 'spark' }, spark(h, color(ch.name)))));
                }
                for (const name of [...hist.channels.keys()]) if (!seen.has(name)) hist.channels.delete(name);
                $('channels-table').tBodies[0].replaceChildren(...(chRows.length ? chRows
                  : [el('tr', {}, el('td', { class: 'empty', colspan: 8 }, 'No channels yet'))]));
                $('channels-count').textContent = '(' + channels.length + ')';

                subs.sort((a, b) => a.channel.localeCompare(b.channel) || String(a.client_id).localeCompare(String(b.client_id))
                  || String(a.durable_name || '').localeCompare(String(b.durable_name || ''))
                  || String(a.queue_name || '').localeCompare(String(b.queue_name || '')));
                let pendingTotal = 0;
                const subRows = subs.map((s) => {
                  const lag = Math.max(0, s.chLast - s.last_sent);
                  pendingTotal += s.pending_count;
                  return el('tr', { 'data-channel': s.channel, 'data-client': s.client_id,
                      'data-durable': s.durable_name || '', 'data-queue': s.queue_name || '', 'data-inbox': s.inbox },
                    el('td', { class: 'name', 'data-field': 'channel' }, s.channel),
                    el('td', { 'data-field': 'client' }, s.client_id),
                    el('td', { 'data-field': 'durable' }, s.durable_name ? el('span', { class: 'pill kind' }, s.durable_name) : ''),
                    el('td', { 'data-field': 'queue' }, s.queue_name ? el('span', { class: 'pill kind' }, s.queue_name) : ''),
                    numCell('pending', s.pending_count, undefined, s.pending_count > 0 ? 'hot' : ''),
                    numCell('max_inflight', s.max_inflight),
                    numCell('last_sent', s.last_sent),
                    numCell('lag', lag, undefined, lag > 0 ? 'hot' : ''),
                    numCell('ack_wait', s.ack_wait, s.ack_wait + ' s'),
                    flagCell('stalled', s.is_stalled, 'stalled', 'bad'),
                    flagCell('offline', s.is_offline, 'offline', 'warn'));
                });
                $('subs-table').tBodies[0].replaceChildren(...(subRows.length ? subRows
                  : [el('tr', {}, el('td', { class: 'empty', colspan: 11 }, 'No subscriptions'))]));
                $('subs-count').textContent = '(' + subs.length + ')';
                stat('stat-pending', pendingTotal);

                const clients = clz.clients || [];
                const clRows = clients.map((c) => el('tr', { 'data-client': c.id },
                  el('td', { class: 'name', 'data-field': 'id' }, c.id),
                  numCell('subs_count', c.subs_count),
                  el('td', { 'data-field': 'channels' }, Object.keys(c.subscriptions || {}).sort().join(', ')),
                  el('td', { class: 'dim', 'data-field': 'hb_inbox' }, c.hb_inbox)));
                $('clients-table').tBodies[0].replaceChildren(...(clRows.length ? clRows
                  : [el('tr', {}, el('td', { class: 'empty', colspan: 4 }, 'No clients connected'))]));
                $('clients-count').textContent = '(' + clients.length + ')';

                chart($('chart-total'), [
                  { name: 'in', color: '#2f6fed', points: hist.in },
                  { name: 'out', color: '#12a37f', points: hist.out }], $('legend-total'));
                const busiest = [...hist.channels.entries()]
                  .map(([name, pts]) => ({ name, color: color(name), points: pts,
                    sum: pts.reduce((a, v) => a + (v || 0), 0) }))
                  .sort((a, b) => b.sum - a.sum || a.name.localeCompare(b.name)).slice(0, COLORS.length);
                chart($('chart-channels'), busiest, $('legend-channels'));

                prev = { t, inMsgs: z.in_msgs, outMsgs: z.out_msgs, lastSeq };
              }

              function poll() {
                Promise.all([getJson('/streaming/serverz'), getJson('/streaming/channelsz?subs=1'),
                             getJson('/streaming/clientsz?subs=1')])
                  .then(([z, chz, clz]) => {
                    render(z, chz, clz, performance.now());
                    polls++;
                    document.body.dataset.polls = String(polls);
                    document.body.dataset.state = 'ok';
                    const now = new Date();
                    $('conn').textContent = 'live';
                    $('last-update').textContent = now.toLocaleTimeString('en-GB');
                  })
                  .catch((e) => {
                    document.body.dataset.state = 'error';
                    $('conn').textContent = 'disconnected';
                    $('error').textContent = 'Cannot read the monitoring endpoints: ' + e.message
                      + ' (retrying every second)';
                    prev = null;
                  })
                  .finally(() => setTimeout(poll, POLL_MS));
              }
              poll();
            })();
            </script>
            </body>
            </html>
            """;
}
