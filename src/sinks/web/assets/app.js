// nethound's dashboard. Every name from the snapshot is inserted with
// textContent (never as markup): a process may call itself <script>.
'use strict';

const HISTORY = 240; // chart points kept (ticks)
const $ = (id) => document.getElementById(id);
const state = {
	snap: null, status: null, sortKey: 'rx_rate', sortDesc: true, filter: '',
	history: [], // [{t, tx, rx}]
};

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
	$('tx-rate').textContent = rate(t.tx_rate);
	$('rx-rate').textContent = rate(t.rx_rate);
	$('tx-total').textContent = bytes(t.tx_total) + ' sent';
	$('rx-total').textContent = bytes(t.rx_total) + ' received';
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
	return Number(p[key]) || 0;
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
		cell(tr, String(p.pid), 'num');
		cell(tr, String(p.comm || ''), 'name');
		cell(tr, p.uid === undefined || p.uid === null ? '' : String(p.uid), 'num');
		cell(tr, rate(p.tx_rate), 'num');
		cell(tr, rate(p.rx_rate), 'num');
		cell(tr, bytes(p.tx_total), 'num');
		cell(tr, bytes(p.rx_total), 'num');
		cell(tr, (p.protocols || []).join(' '), 'proto');
		body.appendChild(tr);
	}
	$('procs').replaceChild(body, $('procs').tBodies[0]);
	for (const th of document.querySelectorAll('#procs th')) {
		const b = th.querySelector('button');
		if (b && b.dataset.key === k)
			th.setAttribute('aria-sort', state.sortDesc ? 'descending' : 'ascending');
		else
			th.removeAttribute('aria-sort');
	}
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
}

function onStatus(st) {
	const fresh = !state.status || state.status.threshold !== st.threshold;
	state.status = Object.assign(state.status || {}, st);
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
		msg.textContent = what === 'threshold' ? 'threshold set' : 'monitoring ' +
			(body.running ? 'started' : 'stopped');
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
	const svg = $('report-chart');
	svg.replaceChildren();
	const tl = rep.timeline || [];
	let max = 1;
	for (const b of tl)
		max = Math.max(max, b.total_bytes);
	tl.forEach((b, i) => {
		const h = b.total_bytes / max * 96;
		bar(svg, i * 600 / tl.length, 600 / tl.length, 98 - h, h,
			b.start + ': ' + bytes(b.total_bytes));
	});
	const pb = document.createElement('tbody');
	for (const p of rep.processes || []) {
		const tr = document.createElement('tr');
		cell(tr, String(p.name), 'name');
		cell(tr, bytes(p.upload_bytes), 'num');
		cell(tr, bytes(p.download_bytes), 'num');
		cell(tr, Number(p.share_percent).toFixed(1) + ' %', 'num');
		pb.appendChild(tr);
	}
	$('report-procs').replaceChild(pb, $('report-procs').tBodies[0]);
	const sb = document.createElement('tbody');
	for (const s of rep.sessions || []) {
		const tr = document.createElement('tr');
		cell(tr, String(s.id) + ' ' + String(s.mode || ''));
		cell(tr, String(s.start || ''));
		cell(tr, String(s.end || '…'));
		cell(tr, String(s.status || ''));
		cell(tr, bytes(s.total_bytes), 'num');
		sb.appendChild(tr);
	}
	$('report-sessions').replaceChild(sb, $('report-sessions').tBodies[0]);
}

async function loadReport() {
	const msg = $('report-msg');
	const date = $('report-date').value;
	msg.textContent = 'loading…';
	try {
		const r = await fetch('/api/report' + (date ? '?date=' + encodeURIComponent(date) : ''));
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
	$('report-date').value = localDate();
	$('report-load').addEventListener('click', loadReport);
	loadStatus().catch(() => {});
	loadReport();
	connect();
});
