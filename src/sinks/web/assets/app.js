// nethound's dashboard. Every name from the snapshot is inserted with
// textContent (never as markup): a process may call itself <script>.
'use strict';

const HISTORY = 240; // chart points kept (ticks)
const $ = (id) => document.getElementById(id);
const state = {
	snap: null, status: null, sortKey: 'rx_rate', sortDesc: true, filter: '',
	history: [], // [{t, tx, rx}]
	baseline: null, // the snapshot the last reset kept (see resetBase)
	resets: 0,
	selected: null, // {pid, start_ns} of the row whose details are shown
};

// Reset: totals count from the baseline the server kept at the last reset.
// Keys say which entry of the baseline a current entry continues.
const procKey = (p) => p.pid + '/' + p.start_ns;
const connKey = (c) => String(c.cookie);
const ifaceKey = (i) => String(i.ifindex);

function baseIndex(list, key) {
	const m = new Map();
	for (const x of list || [])
		m.set(key(x), x);
	return m;
}

function setBaseline(snap) {
	state.baseline = snap ? {
		totals: snap.totals || {},
		procs: baseIndex(snap.processes, procKey),
		conns: baseIndex(snap.connections, connKey),
		ifaces: baseIndex(snap.interfaces, ifaceKey),
	} : null;
}

// A total since the reset: never below 0 (a snapshot older than the baseline).
function since(cur, base, field) {
	const v = Number(cur && cur[field]) || 0;
	const b = base ? Number(base[field]) || 0 : 0;
	return Math.max(v - b, 0);
}

function baseOf(kind, key) {
	return state.baseline ? state.baseline[kind].get(key) : undefined;
}

function bytes(n) {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
	let i = 0;
	n = Number(n) || 0;
	while (Math.abs(n) >= 1024 && i < units.length - 1) {
		n /= 1024;
		i++;
	}
	return (i ? n.toFixed(1) : String(Math.round(n))) + ' ' + units[i];
}
const rate = (n) => bytes(n) + '/s';

function cell(tr, text, cls) {
	const td = document.createElement('td');
	td.textContent = text;
	if (cls)
		td.className = cls;
	tr.appendChild(td);
	return td;
}

function threshold() {
	return state.status ? Number(state.status.threshold) || 0 : 0;
}

function renderTotals(s) {
	const t = s.totals || {};
	const b = state.baseline ? state.baseline.totals : null;
	$('tx-rate').textContent = rate(t.tx_rate);
	$('rx-rate').textContent = rate(t.rx_rate);
	$('tx-total').textContent = bytes(since(t, b, 'tx_total')) + ' sent';
	$('tx-total').dataset.bytes = String(since(t, b, 'tx_total'));
	$('rx-total').textContent = bytes(since(t, b, 'rx_total')) + ' received';
	$('rx-total').dataset.bytes = String(since(t, b, 'rx_total'));
	$('nprocs').textContent = String((s.processes || []).length);
	const n = (s.alerts || []).length;
	$('nalerts').textContent = n ? n + ' active alert' + (n > 1 ? 's' : '') : 'no alerts';
	$('stamp').textContent = s.timestamp || '';
}

// Two SVG polylines, no chart library: see the README (Web dashboard) for why.
function renderChart() {
	const h = state.history;
	let max = 1;
	for (const p of h)
		max = Math.max(max, p.tx, p.rx);
	const pts = (key) => h.map((p, i) =>
		((i + HISTORY - h.length) * 600 / (HISTORY - 1)).toFixed(1) + ',' +
		(138 - p[key] / max * 132).toFixed(1)).join(' ');
	$('chart-tx').setAttribute('points', pts('tx'));
	$('chart-rx').setAttribute('points', pts('rx'));
	$('chart-max').textContent = 'top: ' + rate(max) + ', ' + h.length + ' points';
}

function sortValue(p, key) {
	if (key === 'comm')
		return String(p.comm || '');
	if (key === 'tx_total' || key === 'rx_total')
		return since(p, baseOf('procs', procKey(p)), key);
	return Number(p[key]) || 0;
}

function isSelected(p) {
	return state.selected && state.selected.pid === p.pid &&
		String(state.selected.start_ns) === String(p.start_ns);
}

function select(p) {
	state.selected = p ? { pid: p.pid, start_ns: p.start_ns } : null;
	renderTable();
	renderDetail();
	if (p)
		$('detail').scrollIntoView({ block: 'nearest' });
}

function renderTable() {
	const s = state.snap;
	if (!s)
		return;
	const limit = threshold();
	const f = state.filter.toLowerCase();
	let rows = (s.processes || []).filter((p) => !f ||
		String(p.comm || '').toLowerCase().includes(f) || String(p.pid).includes(f));
	const k = state.sortKey, dir = state.sortDesc ? -1 : 1;
	rows.sort((a, b) => {
		const x = sortValue(a, k), y = sortValue(b, k);
		return (x < y ? -1 : x > y ? 1 : a.pid - b.pid) * dir;
	});
	const body = document.createElement('tbody');
	for (const p of rows) {
		const tr = document.createElement('tr');
		if (limit > 0 && !p.exited && (p.tx_rate > limit || p.rx_rate > limit))
			tr.className = 'over';
		else if (p.exited)
			tr.className = 'exited';
		const base = baseOf('procs', procKey(p));
		cell(tr, String(p.pid), 'num');
		cell(tr, String(p.comm || ''), 'name');
		cell(tr, p.uid === undefined || p.uid === null ? '' : String(p.uid), 'num');
		cell(tr, rate(p.tx_rate), 'num');
		cell(tr, rate(p.rx_rate), 'num');
		cell(tr, bytes(since(p, base, 'tx_total')), 'num').dataset.bytes =
			String(since(p, base, 'tx_total'));
		cell(tr, bytes(since(p, base, 'rx_total')), 'num').dataset.bytes =
			String(since(p, base, 'rx_total'));
		cell(tr, (p.protocols || []).join(' '), 'proto');
		// A row is a control of its own: focusable, Enter or Space opens its details.
		tr.tabIndex = 0;
		tr.dataset.pid = String(p.pid);
		if (isSelected(p))
			tr.setAttribute('aria-selected', 'true');
		tr.addEventListener('click', () => select(p));
		tr.addEventListener('keydown', (e) => {
			if (e.key === 'Enter' || e.key === ' ') {
				e.preventDefault();
				select(p);
			}
		});
		body.appendChild(tr);
	}
	const focused = document.activeElement && document.activeElement.closest &&
		document.activeElement.closest('#procs tbody tr');
	const focusPid = focused ? focused.dataset.pid : null;
	$('procs').replaceChild(body, $('procs').tBodies[0]);
	if (focusPid !== null) {
		const again = body.querySelector('tr[data-pid="' + CSS.escape(focusPid) + '"]');
		if (again)
			again.focus({ preventScroll: true });
	}
	for (const th of document.querySelectorAll('#procs th')) {
		const b = th.querySelector('button');
		if (b && b.dataset.key === k)
			th.setAttribute('aria-sort', state.sortDesc ? 'descending' : 'ascending');
		else
			th.removeAttribute('aria-sort');
	}
}

function fillTable(id, rows, fill) {
	const body = document.createElement('tbody');
	for (const x of rows) {
		const tr = document.createElement('tr');
		fill(tr, x);
		body.appendChild(tr);
	}
	$(id).replaceChild(body, $(id).tBodies[0]);
}

const dash = (v) => v === undefined || v === null || v === '' ? '–' : String(v);
const hostPort = (addr, port) => (String(addr).includes(':') ? '[' + addr + ']' : addr) +
	':' + port;

function renderDetail() {
	const s = state.snap;
	const box = $('detail');
	if (!state.selected || !s) {
		box.hidden = true;
		return;
	}
	box.hidden = false;
	const p = (s.processes || []).find(isSelected);
	$('detail-gone').hidden = !!p;
	if (!p)
		return;
	const base = baseOf('procs', procKey(p));
	$('detail-title').textContent = String(p.pid) + ' ' + String(p.comm || '');
	const pair = (id, total, r) => {
		$(id).textContent = bytes(total) + ' (' + rate(r) + ')';
		$(id).dataset.bytes = String(total);
	};
	pair('detail-tx', since(p, base, 'tx_total'), p.tx_rate);
	pair('detail-rx', since(p, base, 'rx_total'), p.rx_rate);
	const w = p.wire || {};
	const wb = base ? base.wire : null;
	pair('detail-wire-tx', since(w, wb, 'tx_total'), w.tx_rate);
	pair('detail-wire-rx', since(w, wb, 'rx_total'), w.rx_rate);
	$('detail-user').textContent = dash(p.user !== null && p.user !== undefined ? p.user : p.uid);
	$('detail-where').textContent = dash(p.unit) + ' / ' + dash(p.container);
	const conns = (s.connections || []).filter((c) => c.pid === p.pid &&
		String(c.start_ns) === String(p.start_ns));
	conns.sort((a, b) => (b.tx_total + b.rx_total) - (a.tx_total + a.rx_total));
	$('detail-nconn').textContent = '(' + conns.length + ')';
	fillTable('conns', conns, (tr, c) => {
		const cb = baseOf('conns', connKey(c));
		cell(tr, String(c.proto || ''));
		cell(tr, hostPort(c.local_addr, c.local_port), 'addr');
		cell(tr, hostPort(c.remote_addr, c.remote_port), 'addr');
		cell(tr, dash(c.hostname), 'name');
		cell(tr, rate(c.tx_rate), 'num');
		cell(tr, rate(c.rx_rate), 'num');
		cell(tr, bytes(since(c, cb, 'tx_total')), 'num').dataset.bytes =
			String(since(c, cb, 'tx_total'));
		cell(tr, bytes(since(c, cb, 'rx_total')), 'num').dataset.bytes =
			String(since(c, cb, 'rx_total'));
		cell(tr, c.closed ? 'closed' : 'open');
	});
}

function renderInterfaces(s) {
	const list = (s.interfaces || []).slice().sort((a, b) =>
		String(a.name).localeCompare(String(b.name)));
	fillTable('ifaces', list, (tr, i) => {
		const ib = baseOf('ifaces', ifaceKey(i));
		const u = i.unattributed || {};
		const ub = ib ? ib.unattributed : null;
		tr.dataset.name = String(i.name);
		if (i.present === false)
			tr.className = 'exited';
		cell(tr, String(i.name), 'name');
		cell(tr, rate(i.tx_rate), 'num');
		cell(tr, rate(i.rx_rate), 'num');
		cell(tr, bytes(since(i, ib, 'tx_total')), 'num').dataset.bytes =
			String(since(i, ib, 'tx_total'));
		cell(tr, bytes(since(i, ib, 'rx_total')), 'num').dataset.bytes =
			String(since(i, ib, 'rx_total'));
		cell(tr, bytes(since(u, ub, 'tx_total')), 'num').dataset.bytes =
			String(since(u, ub, 'tx_total'));
		cell(tr, bytes(since(u, ub, 'rx_total')), 'num').dataset.bytes =
			String(since(u, ub, 'rx_total'));
		cell(tr, rate((Number(u.tx_rate) || 0) + (Number(u.rx_rate) || 0)), 'num');
	});
}

// Who an alert is about: the fields that apply to its type are the non-null ones.
function alertWho(a) {
	const parts = [];
	if (a.comm !== null && a.comm !== undefined)
		parts.push(String(a.comm) + (a.pid !== null && a.pid !== undefined ? ' (' + a.pid + ')' : ''));
	if (a.process_name !== null && a.process_name !== undefined)
		parts.push(String(a.process_name) + (a.pid !== null && a.pid !== undefined ? ' (' + a.pid + ')' : ''));
	for (const k of ['interface', 'unit', 'container'])
		if (a[k] !== null && a[k] !== undefined)
			parts.push(k + ' ' + String(a[k]));
	return parts.length ? parts.join(', ') : 'all processes';
}

// A quota's value and threshold are bytes; every other alert's are bytes/s.
const alertValue = (a, v) => String(a.type || a.alert_type || '').includes('quota') ? bytes(v) :
	rate(v);

function renderAlerts(s) {
	const list = s.alerts || [];
	$('alerts-count').textContent = list.length ? '(' + list.length + ')' : '';
	$('no-alerts').hidden = list.length > 0;
	$('alerts').hidden = list.length === 0;
	$('alerts-box').classList.toggle('active', list.length > 0);
	fillTable('alerts', list, (tr, a) => {
		cell(tr, String(a.type || ''));
		cell(tr, alertWho(a), 'name');
		cell(tr, dash(a.direction));
		cell(tr, alertValue(a, a.value), 'num');
		cell(tr, alertValue(a, a.threshold), 'num');
		cell(tr, dash(a.since));
	});
}

function onSnapshot(s) {
	state.snap = s;
	const t = s.totals || {};
	state.history.push({ t: s.timestamp, tx: Number(t.tx_rate) || 0, rx: Number(t.rx_rate) || 0 });
	if (state.history.length > HISTORY)
		state.history.shift();
	renderTotals(s);
	if (s.interval > 0)
		$('chart-span').textContent = Math.round(HISTORY * s.interval) + ' s';
	renderChart();
	renderTable();
	renderDetail();
	renderInterfaces(s);
	renderAlerts(s);
}

async function loadBaseline(resets) {
	try {
		const r = await fetch('/api/baseline', { credentials: 'same-origin' });
		if (state.resets !== resets)
			return; // another reset came meanwhile: its own fetch decides
		const body = r.ok ? await r.json() : null;
		if (state.resets !== resets)
			return;
		setBaseline(body);
		const note = $('reset-note');
		note.hidden = resets === 0;
		note.textContent = 'Totals count from the reset at ' +
			(body ? String(body.timestamp) : 'start') + '.';
	} catch (e) {
		return;
	}
	if (state.snap) {
		renderTotals(state.snap);
		renderTable();
		renderDetail();
		renderInterfaces(state.snap);
	}
}

function onStatus(st) {
	const fresh = !state.status || state.status.threshold !== st.threshold;
	state.status = Object.assign(state.status || {}, st);
	const resets = Number(st.resets) || 0;
	if (resets !== state.resets) {
		state.resets = resets;
		loadBaseline(resets);
	}
	const badge = $('state');
	badge.textContent = st.running ? 'monitoring' : 'stopped';
	badge.className = 'badge ' + (st.running ? 'running' : 'stopped');
	$('toggle').textContent = st.running ? 'Stop' : 'Start';
	const input = $('threshold');
	if (fresh && document.activeElement !== input)
		input.value = (st.threshold / 1048576).toFixed(1);
	renderTable();
}

async function loadStatus() {
	const r = await fetch('/api/status', { credentials: 'same-origin' });
	const st = await r.json();
	onStatus(st);
	if (st.controls && st.authorized) {
		$('controls').hidden = false;
	} else {
		const p = $('no-controls');
		p.hidden = false;
		p.textContent = st.controls
			? 'Controls: open the address nethound printed at start (it ends in ?token=…).'
			: 'Read-only dashboard (--web-read-only).';
	}
}

async function control(what, query) {
	const msg = $('control-msg');
	try {
		const r = await fetch('/api/control/' + what + (query || ''),
			{ method: 'POST', credentials: 'same-origin' });
		const body = await r.json();
		if (!r.ok)
			throw new Error(body.error || r.statusText);
		onStatus(body);
		msg.textContent = what === 'threshold' ? 'threshold set' :
			what === 'reset' ? 'totals reset' :
			'monitoring ' + (body.running ? 'started' : 'stopped');
	} catch (e) {
		msg.textContent = 'failed: ' + e.message;
	}
}

function connect() {
	const es = new EventSource('/api/events');
	es.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
	es.addEventListener('status', (e) => onStatus(JSON.parse(e.data)));
	es.onerror = () => {
		$('state').textContent = 'reconnecting…';
		$('state').className = 'badge';
	};
}

function bar(svg, x, w, y, h, title) {
	const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
	r.setAttribute('x', x.toFixed(2));
	r.setAttribute('width', Math.max(w - 1, 0.5).toFixed(2));
	r.setAttribute('y', y.toFixed(2));
	r.setAttribute('height', h.toFixed(2));
	r.setAttribute('class', 'bar');
	const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
	t.textContent = title;
	r.appendChild(t);
	svg.appendChild(r);
}

function renderReport(rep) {
	const t = rep.totals || {};
	$('report').hidden = false;
	$('report-total').textContent = bytes(t.total_bytes);
	$('report-total').dataset.bytes = String(t.total_bytes);
	$('report-up').textContent = bytes(t.upload_bytes);
	$('report-down').textContent = bytes(t.download_bytes);
	const bucket = rep.timeline_bucket === 'day' ? 'day' : 'hour';
	$('report-bucket').textContent = bucket;
	const svg = $('report-chart');
	svg.setAttribute('aria-label', 'bytes per ' + bucket);
	svg.replaceChildren();
	const tl = rep.timeline || [];
	let max = 1;
	for (const b of tl)
		max = Math.max(max, b.total_bytes);
	tl.forEach((b, i) => {
		const h = b.total_bytes / max * 96;
		bar(svg, i * 600 / tl.length, 600 / tl.length, 98 - h, h,
			b.start + ': ' + bytes(b.total_bytes) + ' (up ' + bytes(b.upload_bytes) +
			', down ' + bytes(b.download_bytes) + ')');
	});
	$('report-chart-from').textContent = tl.length ? tl.length + ' ' + bucket +
		(tl.length > 1 ? 's' : '') + ' from ' + tl[0].start + ',' : 'no ' + bucket + 's,';
	$('report-chart-max').textContent = 'top: ' + bytes(max);
	const procs = (rep.processes || []).slice();
	if (rep.other_processes && rep.other_processes.count)
		procs.push(Object.assign({ name: rep.other_processes.count + ' others', other: true },
			rep.other_processes));
	fillTable('report-procs', procs, (tr, p) => {
		cell(tr, String(p.name), 'name');
		cell(tr, p.other ? '' : dash(p.user), 'name');
		cell(tr, bytes(p.upload_bytes), 'num');
		cell(tr, bytes(p.download_bytes), 'num');
		cell(tr, Number(p.share_percent).toFixed(1) + ' %', 'num');
	});
	fillTable('report-protocols', rep.protocols || [], (tr, p) => {
		cell(tr, String(p.protocol), 'name');
		cell(tr, bytes(p.upload_bytes), 'num');
		cell(tr, bytes(p.download_bytes), 'num');
		cell(tr, Number(p.share_percent).toFixed(1) + ' %', 'num');
	});
	const alerts = rep.alerts || [];
	$('report-nalerts').textContent = '(' + alerts.length + ')';
	fillTable('report-alerts', alerts, (tr, a) => {
		cell(tr, String(a.time || ''));
		cell(tr, String(a.alert_type || ''));
		cell(tr, String(a.state || ''));
		cell(tr, alertWho(a), 'name');
		cell(tr, dash(a.direction));
		cell(tr, alertValue(a, a.bandwidth_value), 'num');
		cell(tr, alertValue(a, a.threshold), 'num');
	});
	fillTable('report-sessions', rep.sessions || [], (tr, s) => {
		cell(tr, String(s.id) + ' ' + String(s.mode || ''));
		cell(tr, String(s.start || ''));
		cell(tr, String(s.end || '…'));
		cell(tr, String(s.status || ''));
		cell(tr, bytes(s.total_bytes), 'num');
	});
}

// The query of the range picked: ?date=D, or ?from=…&to=… as report --from/--to take them.
function reportQuery() {
	if (!$('report-mode-range').checked) {
		const date = $('report-date').value;
		return date ? '?date=' + encodeURIComponent(date) : '';
	}
	const q = [];
	for (const k of ['from', 'to']) {
		const v = $('report-' + k).value.replace('T', ' ');
		if (v)
			q.push(k + '=' + encodeURIComponent(v));
	}
	return q.length ? '?' + q.join('&') : '';
}

function reportMode() {
	const range = $('report-mode-range').checked;
	$('report-date-box').hidden = range;
	$('report-range-box').hidden = !range;
}

async function loadReport() {
	const msg = $('report-msg');
	msg.textContent = 'loading…';
	try {
		const r = await fetch('/api/report' + reportQuery());
		const body = await r.json();
		if (!r.ok)
			throw new Error(body.error || r.statusText);
		renderReport(body);
		msg.textContent = 'from ' + body.range.from + ' to ' + body.range.to;
	} catch (e) {
		msg.textContent = 'failed: ' + e.message;
	}
}

function localDate() {
	const d = new Date();
	const pad = (n) => String(n).padStart(2, '0');
	return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
}

document.addEventListener('DOMContentLoaded', () => {
	for (const b of document.querySelectorAll('#procs th button')) {
		b.addEventListener('click', () => {
			const key = b.dataset.key;
			state.sortDesc = state.sortKey === key ? !state.sortDesc : key !== 'comm';
			state.sortKey = key;
			renderTable();
		});
	}
	$('filter').addEventListener('input', (e) => {
		state.filter = e.target.value;
		renderTable();
	});
	$('toggle').addEventListener('click', () =>
		control(state.status && state.status.running ? 'stop' : 'start'));
	$('set-threshold').addEventListener('click', () => {
		const mib = Number($('threshold').value);
		control('threshold', '?bytes_per_second=' + Math.round(mib * 1048576));
	});
	$('threshold').addEventListener('keydown', (e) => {
		if (e.key === 'Enter')
			$('set-threshold').click();
	});
	$('reset').addEventListener('click', () => control('reset'));
	$('detail-close').addEventListener('click', () => select(null));
	$('report-date').value = localDate();
	$('report-from').value = localDate() + 'T00:00';
	$('report-mode-day').addEventListener('change', reportMode);
	$('report-mode-range').addEventListener('change', reportMode);
	$('report-form').addEventListener('submit', (e) => {
		e.preventDefault();
		loadReport();
	});
	loadStatus().catch(() => {});
	loadReport();
	connect();
});
